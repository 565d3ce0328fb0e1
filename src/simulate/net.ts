/**
 * The simulated network: Ethernet segments that flood like the tutorials' virtual switch, and
 * Linux-like hosts with ARP (arp_ignore / arp_announce), routing, forwarding with TTL decrement,
 * and hooks where the director (IPVS), the firewall (DNAT) and the TCP stack plug in.
 *
 * Time is nanoseconds since the capture start. Every delay comes from the world's seeded PRNG.
 */
import { BROADCAST_MAC, ZERO_MAC, formatIpv4, parseIpv4 } from '../wire/address.js';
import { EventQueue } from './heap.js';
import {
  PROTO_GRE, PROTO_ICMP, PROTO_IPIP, PROTO_TCP, PROTO_UDP, ipLength, newPacket, type ArpMessage, type Frame, type Packet,
} from './packet.js';
import { Prng } from './prng.js';
import type { FindingCode } from '../ipvs/report.js';

export const US = 1_000;
export const MS = 1_000_000;
export const SEC = 1_000_000_000;

export function parseCidr(text: string): { ip: number; prefix: number } {
  const [a = '', p] = text.split('/');
  const ip = parseIpv4(a);
  if (Number.isNaN(ip)) throw new Error(`not an IPv4 address: ${JSON.stringify(text)}`);
  const prefix = p === undefined ? 32 : Number(p);
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > 32) throw new Error(`bad prefix length in ${JSON.stringify(text)}`);
  return { ip, prefix };
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

export function sameSubnet(a: number, b: number, prefix: number): boolean {
  const m = maskOf(prefix);
  return ((a & m) >>> 0) === ((b & m) >>> 0);
}

/** Receives every frame put on a segment (a tap, or the capture recorder). */
export type FrameObserver = (frame: Frame, from: Iface) => void;

export class Segment {
  readonly ifaces: Iface[] = [];
  readonly observers: FrameObserver[] = [];

  readonly world: World;
  readonly name: string;
  readonly latencyNs: number;
  readonly mtu: number;

  constructor(world: World, name: string, latencyNs: number, mtu: number) {
    this.world = world;
    this.name = name;
    this.latencyNs = latencyNs;
    this.mtu = mtu;
  }

  /** Put a frame on the wire: observers see it now, receivers after the link latency. */
  transmit(from: Iface, frame: Frame): void {
    for (const o of this.observers) o(frame, from);
    const w = this.world;
    const bcast = frame.dst === BROADCAST_MAC;
    for (const to of this.ifaces) {
      if (to === from || (!bcast && to.mac !== frame.dst)) continue;
      const size = frame.ip === null ? 60 : ipLength(frame.ip) + 14;
      // Propagation plus serialisation at 1 Gbit/s; a link never reorders what one sender put on it.
      let arrival = w.now + Math.round(w.rng.jitter(this.latencyNs, 0.2) + size * 8);
      if (arrival <= from.lastArrival) arrival = from.lastArrival + 1;
      from.lastArrival = arrival;
      w.at(arrival, () => to.host.receiveFrame(to, frame));
    }
  }
}

export interface Iface {
  readonly host: Host;
  readonly name: string;
  readonly mac: string;
  readonly net: Segment;
  /** Linux ifindex (lo is 1). */
  readonly index: number;
  /** When the last frame this interface sent arrives: keeps the link FIFO. */
  lastArrival: number;
}

export interface AddrEntry {
  readonly ip: number;
  readonly prefix: number;
  /** null for lo / tunl0. */
  readonly iface: Iface | null;
}

export interface Route {
  readonly dst: number;
  readonly prefix: number;
  readonly via: number;
  readonly iface: Iface;
  readonly mtu: number;
}

export interface RouteResult {
  readonly iface: Iface;
  readonly nextHop: number;
  /** Preferred source address (the route's src, as the kernel would pick it). */
  readonly src: number;
  readonly mtu: number;
}

interface Pending {
  packets: Array<{ pkt: Packet; note: string; findings: readonly FindingCode[] | null }>;
  tries: number;
}

/** What a host hook does with a received IP packet. */
export type HookVerdict = 'continue' | 'stolen';

export class Host {
  readonly ifaces: Iface[] = [];
  readonly addrs: AddrEntry[] = [];
  readonly routes: Route[] = [];
  readonly arpCache = new Map<number, string>();
  private readonly pending = new Map<number, Pending>();
  private readonly local = new Set<number>();
  forward = false;
  arpIgnore = 0;
  arpAnnounce = 0;
  acceptIpip = false;
  ttl = 64;
  arpDelayNs = 30 * US;
  /** Host-wide IP ID counter for packets without a socket (RSTs, ICMP). */
  ipId: number;
  readonly rng: Prng;
  /** Directors and firewalls: run on every received IP packet before local delivery or forwarding. */
  preRouting: ((pkt: Packet, iface: Iface) => HookVerdict) | null = null;
  /** Forwarded packets after routing (the NAT director's reply path, a firewall's un-DNAT). */
  forwardHook: ((pkt: Packet, iface: Iface) => HookVerdict) | null = null;
  /** A note a pre-routing hook leaves for the frame the forwarding path sends next (DNAT explained). */
  forwardNote: string | null = null;
  /** Local delivery (the TCP stack). */
  deliver: ((pkt: Packet, iface: Iface) => void) | null = null;

  readonly world: World;
  readonly name: string;
  readonly role: string;

  constructor(world: World, name: string, role: string, seedLabel: number) {
    this.world = world;
    this.name = name;
    this.role = role;
    this.rng = world.rng.fork(seedLabel);
    this.ipId = this.rng.int(1, 0xffff);
  }

  addIface(name: string, mac: string, net: Segment): Iface {
    const iface: Iface = { host: this, name, mac: mac.toLowerCase(), net, index: this.ifaces.length + 2, lastArrival: 0 };
    this.ifaces.push(iface);
    net.ifaces.push(iface);
    return iface;
  }

  addAddr(ip: number, prefix: number, iface: Iface | null): void {
    this.addrs.push({ ip, prefix, iface });
    this.local.add(ip);
  }

  isLocal(ip: number): boolean {
    return this.local.has(ip);
  }

  addRoute(dst: number, prefix: number, via: number, iface: Iface, mtu = iface.net.mtu): void {
    this.routes.push({ dst, prefix, via, iface, mtu });
  }

  /** The first address of `iface` (its primary), or 0. */
  primaryOn(iface: Iface, near = 0): number {
    let first = 0;
    for (const a of this.addrs) {
      if (a.iface !== iface) continue;
      if (first === 0) first = a.ip;
      if (near !== 0 && a.prefix < 32 && sameSubnet(a.ip, near, a.prefix)) return a.ip;
    }
    return first;
  }

  /** Longest-prefix match over connected subnets and static routes. */
  route(dst: number): RouteResult | null {
    let best: RouteResult | null = null;
    let bestLen = -1;
    for (const a of this.addrs) {
      if (a.iface === null || a.prefix === 32 || a.prefix <= bestLen) continue;
      if (sameSubnet(a.ip, dst, a.prefix)) {
        best = { iface: a.iface, nextHop: dst, src: this.primaryOn(a.iface, dst), mtu: a.iface.net.mtu };
        bestLen = a.prefix;
      }
    }
    for (const r of this.routes) {
      if (r.prefix <= bestLen || !sameSubnet(r.dst, dst, r.prefix)) continue;
      best = { iface: r.iface, nextHop: r.via === 0 ? dst : r.via, src: this.primaryOn(r.iface, r.via === 0 ? dst : r.via), mtu: r.mtu };
      bestLen = r.prefix;
    }
    return best;
  }

  /**
   * Route and send an IP packet (originated or forwarded). Resolves the next hop with ARP first;
   * packets wait in the neighbour queue meanwhile, as Linux's arp_queue does.
   */
  sendIp(pkt: Packet, note: string, findings: readonly FindingCode[] | null = null, rt: RouteResult | null = this.route(pkt.dst)): void {
    if (rt === null) return;
    if (pkt.src === 0) pkt.src = rt.src;
    const mac = this.arpCache.get(rt.nextHop);
    if (mac !== undefined) {
      rt.iface.net.transmit(rt.iface, { src: rt.iface.mac, dst: mac, arp: null, ip: pkt, note, findings });
      return;
    }
    let p = this.pending.get(rt.nextHop);
    if (p === undefined) {
      p = { packets: [], tries: 0 };
      this.pending.set(rt.nextHop, p);
      this.solicit(rt, pkt, p);
    }
    p.packets.push({ pkt, note, findings });
  }

  /** ARP who-has, retried every second, three times (ucast/mcast_solicit), then the queue is dropped. */
  private solicit(rt: RouteResult, pkt: Packet, p: Pending): void {
    const target = rt.nextHop;
    // arp_announce: 0 may use the packet's own (local) source; 2 always the interface's best address.
    let spa = this.primaryOn(rt.iface, target);
    if (this.arpAnnounce < 2 && this.isLocal(pkt.src)) spa = pkt.src;
    const w = this.world;
    const send = (): void => {
      if (!this.pending.has(target)) return;
      if (p.tries >= 3) {
        this.pending.delete(target);
        this.onUnresolved?.(target, p.packets.map((x) => x.pkt));
        return;
      }
      p.tries++;
      const finding = this.arpSenderFindings.get(spa);
      const findings = finding !== undefined ? [finding.code] : null;
      rt.iface.net.transmit(rt.iface, {
        src: rt.iface.mac, dst: BROADCAST_MAC, note: `${this.name} asks who has ${formatIpv4(target)} (tell ${formatIpv4(spa)})${finding !== undefined ? `: ${finding.why}` : ''}`,
        arp: { op: 1, sha: rt.iface.mac, spa, tha: ZERO_MAC, tpa: target }, ip: null, findings,
      });
      w.at(w.now + SEC, send);
    };
    send();
  }

  /** ARP sender addresses that are evidence of a misconfiguration (the VIP announced by a real server). */
  readonly arpSenderFindings = new Map<number, { code: FindingCode; why: string }>();

  /** Called when ARP gave up on a next hop, with the packets that were waiting. */
  onUnresolved: ((nextHop: number, dropped: Packet[]) => void) | null = null;

  receiveFrame(iface: Iface, f: Frame): void {
    if (f.arp !== null) {
      this.receiveArp(iface, f.arp);
      return;
    }
    const pkt = f.ip;
    if (pkt === null) return;
    this.receiveIp(pkt, iface);
  }

  private receiveArp(iface: Iface, a: ArpMessage): void {
    // A request claiming one of our own addresses as sender is treated as a conflict and ignored,
    // which is why the seed warns against the VIP as the director's primary address.
    if (this.isLocal(a.spa)) return;
    if (a.op === 2) {
      this.learn(a.spa, a.sha);
      return;
    }
    const owns = this.arpIgnore >= 1
      ? this.addrs.some((x) => x.ip === a.tpa && x.iface === iface)
      : this.isLocal(a.tpa);
    if (!owns) return;
    // A request to us creates (or overrides) the sender's entry.
    this.learn(a.spa, a.sha, true);
    const w = this.world;
    const vipOnLo = this.role === 'real-server' && this.addrs.some((x) => x.ip === a.tpa && x.iface === null);
    w.at(w.now + Math.round(this.rng.jitter(this.arpDelayNs, 0.1)), () => {
      iface.net.transmit(iface, {
        src: iface.mac, dst: a.sha, ip: null,
        note: `${this.name} answers: ${formatIpv4(a.tpa)} is at ${iface.mac}${vipOnLo ? ' — a real server must not answer for the VIP (arp_ignore should be 1)' : ''}`,
        arp: { op: 2, sha: iface.mac, spa: a.tpa, tha: a.sha, tpa: a.spa },
        findings: vipOnLo ? ['rs-answers-arp-for-vip'] : null,
      });
    });
  }

  /**
   * A neighbour update. An ARP request addressed to us overrides the entry (neigh_event_ns), an
   * answer only when the entry is older than locktime (1 s): so the first of two rival answers
   * wins, while a request with a wrong sender address poisons the cache at once.
   */
  learn(ip: number, mac: string, override = false): void {
    const now = this.world.now;
    const prev = this.arpUpdated.get(ip);
    if (override || !this.arpCache.has(ip) || (prev !== undefined && now - prev > SEC)) {
      this.arpCache.set(ip, mac);
      this.arpUpdated.set(ip, now);
    }
    const p = this.pending.get(ip);
    if (p === undefined) return;
    this.pending.delete(ip);
    const dst = this.arpCache.get(ip)!;
    for (const q of p.packets) {
      const rt = this.route(q.pkt.dst);
      if (rt === null) continue;
      rt.iface.net.transmit(rt.iface, { src: rt.iface.mac, dst, arp: null, ip: q.pkt, note: q.note, findings: q.findings });
    }
  }

  private readonly arpUpdated = new Map<number, number>();

  receiveIp(pkt: Packet, iface: Iface): void {
    this.forwardNote = null;
    if (this.preRouting !== null && this.preRouting(pkt, iface) === 'stolen') return;
    if (this.isLocal(pkt.dst)) {
      // IPIP, GUE (the real server's `ip fou add port N gue`) and GRE decapsulate alike.
      if (pkt.inner !== null) {
        if (!this.acceptIpip) return;
        const inner = pkt.inner;
        inner.flow ??= pkt.flow;
        // ipip_rcv: the inner packet is received as if it arrived on tunl0.
        this.receiveIp(inner, iface);
        return;
      }
      this.deliver?.(pkt, iface);
      return;
    }
    if (!this.forward) return;
    this.forwardIp(pkt, iface, null);
  }

  /** ip_forward: TTL check and decrement, the forward hook, then routing. */
  forwardIp(pkt: Packet, inIface: Iface, note: string | null, findings: readonly FindingCode[] | null = null): void {
    if (pkt.ttl <= 1) {
      this.sendIcmpError(pkt, 11, 0, 0, `${this.name}: TTL exceeded`);
      return;
    }
    pkt.ttl--;
    if (this.forwardHook !== null && this.forwardHook(pkt, inIface) === 'stolen') return;
    const rt = this.route(pkt.dst);
    if (rt === null) return;
    if (pkt.df && ipLength(pkt) > rt.mtu) {
      pkt.ttl++;
      this.sendIcmpError(pkt, 3, 4, rt.mtu, `${this.name}: fragmentation needed, next-hop MTU ${rt.mtu}`, ['tun-mtu']);
      return;
    }
    const hookNote = this.forwardNote;
    this.forwardNote = null;
    this.sendIp(pkt, note ?? hookNote ?? `${this.name} routes ${describePacket(pkt)} on (TTL ${pkt.ttl + 1}→${pkt.ttl})`, findings, rt);
  }

  /** icmp_send: an error about `orig` back to its source, quoting as much as fits 576 bytes. */
  sendIcmpError(orig: Packet, type: number, code: number, mtu: number, note: string, findings: readonly FindingCode[] | null = null, src = 0): void {
    const p = newPacket(src, orig.src, PROTO_ICMP);
    p.icmpType = type;
    p.icmpCode = code;
    p.mtu = mtu;
    p.quote = this.world.quote(orig);
    p.id = this.nextIpId();
    p.df = false;
    p.ttl = this.ttl;
    p.tos = 0xc0;
    p.flow = orig.flow;
    this.sendIp(p, note, findings);
  }

  nextIpId(): number {
    this.ipId = (this.ipId + 1) & 0xffff;
    return this.ipId;
  }
}

export function describePacket(p: Packet): string {
  const s = formatIpv4(p.src), d = formatIpv4(p.dst);
  if (p.proto === PROTO_TCP) return `${s}:${p.sport} → ${d}:${p.dport}`;
  if (p.proto === PROTO_ICMP) return `ICMP ${s} → ${d}`;
  if (p.proto === PROTO_IPIP) return `IPIP ${s} → ${d}`;
  if (p.proto === PROTO_GRE) return `GRE ${s} → ${d}`;
  if (p.proto === PROTO_UDP && p.inner !== null) return `GUE ${s}:${p.sport} → ${d}:${p.dport}`;
  return `${s} → ${d}`;
}

/** The clock, the event queue, the segments and hosts. */
export class World {
  now = 0;
  readonly queue = new EventQueue();
  readonly rng: Prng;
  readonly segments = new Map<string, Segment>();
  readonly hosts = new Map<string, Host>();
  /** Emits the bytes of a packet (for ICMP quotes); set by the synthesizer. */
  quote: (p: Packet) => Uint8Array = () => new Uint8Array(0);

  constructor(seed: number) {
    this.rng = new Prng(seed);
  }

  at(t: number, run: () => void): void {
    this.queue.push(Math.max(t, this.now), run);
  }

  /**
   * Fast synthesis: called with an event's time before the event runs, so a stream produced
   * outside the queue (stamped connections) can write what precedes it; true stops the run.
   */
  beforeEvent: ((t: number) => boolean) | null = null;

  /** Run events until `until` (ns) or until `stop()` returns true after an event. */
  run(until: number, stop: () => boolean = () => false): void {
    for (;;) {
      if (this.queue.peekTime() > until) break;
      if (this.beforeEvent !== null && this.beforeEvent(this.queue.peekTime())) break;
      const e = this.queue.pop();
      if (e === undefined) break;
      this.now = e.t;
      e.run();
      if (stop()) break;
    }
  }
}
