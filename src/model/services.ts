/**
 * The virtual services the capture shows and their real servers, found by numbers on the hot
 * path (most director frames ask), and the services seen only from inside a NAT director.
 */
import type { AddressIds } from './flow-table.js';
import { protoName, type Packet } from './packet.js';
import type { Roles } from './roles.js';
import { newRs, newService, serviceKey, UNKNOWN_VIP, type RsState, type ServiceState } from './state.js';

/** Frames kept per service as evidence of its method. */
const MAX_EVIDENCE_FRAMES = 8;

export class Services {
  readonly byKey = new Map<string, ServiceState>();
  /** port * 2 + (udp ? 1 : 0) → VIP id → the entry of `byKey`. */
  private readonly index = new Map<number, Map<number, ServiceState>>();

  /**
   * The last ICMP error about a TCP/UDP packet that arrived un-tunnelled, and the MAC it went to:
   * the director's own hop when the same error leaves that MAC in its tunnel next (model/icmp-relay.ts).
   */
  lastIcmpError: { readonly quote: string; readonly mac: string } | null = null;

  private readonly addrs: AddressIds;
  private readonly roles: Roles;

  constructor(addrs: AddressIds, roles: Roles) {
    this.addrs = addrs;
    this.roles = roles;
  }

  service(proto: 'tcp' | 'udp', vip: string, port: number, n: number): ServiceState {
    // Asked on most director frames: found by numbers, without building the "proto|vip|port" key.
    const byPort = port * 2 + (proto === 'udp' ? 1 : 0);
    let byVip = this.index.get(byPort);
    if (byVip === undefined) { byVip = new Map(); this.index.set(byPort, byVip); }
    const vipId = this.addrs.id(vip);
    let s = byVip.get(vipId);
    if (s !== undefined) return s;
    const key = serviceKey(proto, vip, port);
    s = this.byKey.get(key);
    if (s === undefined) {
      s = newService(key, proto, vip, port, n);
      this.byKey.set(key, s);
    }
    byVip.set(vipId, s);
    return s;
  }

  /** Frame `n` shows the service's forwarding method at work. */
  evidence(s: ServiceState, n: number): void {
    if (s.evidenceFrames.length < MAX_EVIDENCE_FRAMES) { this.roles.markServiceVip(s.vip); s.evidenceFrames.push(n); }
  }

  rsByMac(s: ServiceState, mac: string, port: number, n: number): RsState {
    for (const r of s.rs) if (r.mac === mac) return r;
    const ip = this.roles.ripOfMac(mac);
    if (ip !== null) for (const r of s.rs) if (r.ip === ip && r.port === port) { r.mac = mac; return r; }
    const r = newRs(ip, port, mac, n);
    s.rs.push(r);
    return r;
  }

  rsByAddr(s: ServiceState, ip: string, port: number, mac: string | null, n: number): RsState {
    for (const r of s.rs) if (r.ip === ip && r.port === port) { if (r.mac === null && mac) r.mac = mac; return r; }
    const r = newRs(ip, port, mac, n);
    s.rs.push(r);
    return r;
  }

  /** The service behind a NAT director whose inside this is (its VIP is '?' unless --vip names it). */
  insideService(proto: 'tcp' | 'udp', frontMac: string, n: number): ServiceState {
    const { vip, port, key } = this.insideKey(proto, frontMac);
    let s = this.byKey.get(key);
    if (s === undefined) {
      s = newService(key, proto, vip, port, n);
      s.insideOf = frontMac;
      s.directorMac = frontMac;
      this.byKey.set(key, s);
    }
    return s;
  }

  /** The inside service of the host in front, if one was found (never made here). */
  insideOf(proto: 'tcp' | 'udp', frontMac: string): ServiceState | null {
    return this.byKey.get(this.insideKey(proto, frontMac).key) ?? null;
  }

  private insideKey(proto: 'tcp' | 'udp', frontMac: string): { vip: string; port: number; key: string } {
    const hint = this.roles.hintVips[0];
    const vip = hint?.ip ?? UNKNOWN_VIP;
    const port = hint?.port ?? 0;
    return { vip, port, key: `${serviceKey(proto, vip, port)}|inside|${frontMac}` };
  }

  /** Pass 2: a client frame from the director's MAC to a real server of an inside service. */
  knownInside(p: Packet): ServiceState | null {
    const k = this.roles.k;
    if (k === null || p.srcMac === '' || !k.insideMacs.has(p.srcMac) || !k.rsIps.has(p.dst)) return null;
    return this.insideService(protoName(p.proto), p.srcMac, p.n);
  }

  tunnelSeen(): boolean {
    for (const s of this.byKey.values()) if (s.tun > 0) return true;
    return false;
  }
}
