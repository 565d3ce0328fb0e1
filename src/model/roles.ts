/**
 * Who is who, as the frames so far (and pass 1's Knowledge) tell it: the director's MACs and
 * addresses, the VIPs, the MACs upstream of the director, and the role of a frame's ends.
 */
import type { Neighbours } from './neighbours.js';
import type { ServiceState } from './state.js';
import type { FrameRole, Knowledge } from './types.js';

export class Roles {
  readonly directorMacs = new Set<string>();
  readonly directorIps = new Set<string>();
  /** MACs that delivered client packets to the director, or received direct replies. */
  readonly upstreamMacs = new Map<string, number>();
  /** VIPs of services with evidence of a director at work. */
  private readonly evidencedVips = new Set<string>();

  readonly k: Knowledge | null;
  readonly hintVips: readonly { readonly ip: string; readonly port: number | null }[];
  private readonly neighbours: Neighbours;

  constructor(k: Knowledge | null, hintVips: readonly { readonly ip: string; readonly port: number | null }[], neighbours: Neighbours) {
    this.k = k;
    this.hintVips = hintVips;
    this.neighbours = neighbours;
    if (k !== null) for (const m of k.directorMacs) this.directorMacs.add(m);
  }

  isVip(ip: string): boolean {
    if (this.k !== null && this.k.vips.has(ip)) return true;
    for (const v of this.hintVips) if (v.ip === ip) return true;
    return false;
  }

  isHintVip(ip: string): boolean {
    return this.hintVips.some((v) => v.ip === ip);
  }

  isDirectorMac(mac: string): boolean {
    return mac !== '' && this.directorMacs.has(mac);
  }

  /** A VIP some service showed a director at work for. */
  serviceVip(ip: string): boolean {
    return this.evidencedVips.has(ip);
  }

  markServiceVip(ip: string): void {
    this.evidencedVips.add(ip);
  }

  macRole(mac: string): FrameRole {
    if (mac === '') return 'unknown';
    if (mac === 'ff:ff:ff:ff:ff:ff') return 'broadcast';
    if (this.directorMacs.has(mac)) return 'director';
    const k = this.k;
    if (k !== null) {
      if (k.rsMacs.has(mac) || k.rsOnlyMacs.has(mac)) return 'real-server';
      if (k.gatewayMacs.has(mac)) return 'gateway';
    }
    return 'unknown';
  }

  ipRole(ip: string): FrameRole {
    const k = this.k;
    if (this.isVip(ip) || this.directorIps.has(ip)) return 'director';
    if (k !== null) {
      if (k.directorIps.has(ip)) return 'director';
      if (k.rsIps.has(ip)) return 'real-server';
      if (k.gatewayIps.has(ip)) return 'gateway';
      if (k.clients.has(ip)) return 'client';
    }
    return 'unknown';
  }

  role(mac: string, ip: string): FrameRole {
    const r = this.macRole(mac);
    if (r !== 'unknown') return r;
    const i = this.ipRole(ip);
    return i === 'unknown' ? 'other' : i;
  }

  /** The non-VIP address a MAC claims in ARP (a real server's RIP). */
  ripOfMac(mac: string): string | null {
    const ips = this.neighbours.macIps.get(mac);
    if (ips === undefined) return null;
    // An IPv6 host's NDP comes from its link-local address, never a RIP an IPVS service names.
    for (const ip of ips) if (!this.isVip(ip) && !this.serviceVip(ip) && !isLinkLocal(ip)) return ip;
    return null;
  }

  learnDirector(svc: ServiceState, mac: string): void {
    if (mac === '' || svc.directorMac === mac) return;
    this.directorMacs.add(mac);
    if (svc.directorMac === null) svc.directorMac = mac;
  }

  /** A two-armed director: the client's frame came to its other interface. */
  otherArm(mac: string): void {
    if (mac !== '' && !this.directorMacs.has(mac) && mac !== 'ff:ff:ff:ff:ff:ff') this.directorMacs.add(mac);
  }

  upstream(mac: string): void {
    if (mac === '' || this.directorMacs.has(mac)) return;
    this.upstreamMacs.set(mac, (this.upstreamMacs.get(mac) ?? 0) + 1);
  }
}

/** fe80::/10: an IPv6 interface's own-link address (NDP's usual source), never a service's RIP. */
export function isLinkLocal(ip: string): boolean {
  return /^fe[89ab]/i.test(ip);
}
