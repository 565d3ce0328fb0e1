/**
 * Mutable bookkeeping of the engine: services, real servers, flows (IPVS connection entries as
 * the director would hold them) and scheduling decisions.
 */
import type { TunnelKind } from './packet.js';
import type { ScheduledPacket } from './infer-scheduler.js';

export interface RsState {
  /** RIP; null while only the MAC is known (DR without an ARP exchange in the capture). */
  ip: string | null;
  port: number;
  mac: string | null;
  active: number;
  inactive: number;
  conns: number;
  inPkts: number;
  inBytes: number;
  outPkts: number;
  outBytes: number;
  firstN: number;
  /** The director's forwards to it seen, by method: DR (MAC rewritten), TUN (encapsulated), NAT (address rewritten). */
  viaDr: number;
  viaTun: number;
  viaNat: number;
  /** Connections whose replies reached the gateway with a TTL one below a host's: through a router. */
  routedReplies: number;
}

export interface Decision extends ScheduledPacket {
  readonly n: number;
  /** Counters of the service's real servers just before the scheduler ran. */
  readonly snap: readonly { readonly rs: RsState; readonly a: number; readonly i: number }[];
  chosen: RsState | null;
}

export interface ServiceState {
  readonly key: string;
  readonly proto: 'tcp' | 'udp';
  readonly vip: string;
  readonly port: number;
  readonly firstN: number;
  dr: number;
  nat: number;
  natReply: number;
  /**
   * Of `nat`, forwards whose source was rewritten too, to the director's own address: source NAT
   * after IPVS (iptables or nftables masquerade; kube-proxy's IPVS mode), the real servers seeing
   * the director instead of the client.
   */
  natMasq: number;
  tun: number;
  /**
   * Replies carried back inside the tunnel: IPVS's TUN never does that (a real server answers the
   * client directly), so the tunnel is one between two sites (a VPN, GRE between routers), and
   * none of `tun` is a director's forward.
   */
  tunReplies: number;
  /** ICMP errors about the service's replies that the director passed on in its tunnel (model/icmp-relay.ts). */
  tunIcmp: number;
  /** Of `tun`, the packets seen arriving un-encapsulated at the host that then tunnelled them: the director's own hop. */
  tunHop: number;
  /** Client packets a DSR balancer sent to a real server with VIP:port in an IPv4 option (model/dsr-option.ts). */
  dsrOpt: number;
  fullnat: number;
  /** Seen at a switched gateway: replies from the VIP came from another MAC than the one the client's packets went to (DR). */
  drSplit: number;
  /**
   * Of those replies, how many arrived with a TTL one below a usual initial TTL (63, 127, 254):
   * the MAC they came from forwarded them, so it is a router, not the real server.
   */
  routedReplies: number;
  /** And how many kept a usual initial TTL (64, 128, 255): sent by the host itself, not forwarded. */
  hostReplies: number;
  /**
   * DR forwards captured without a destination MAC (a Linux cooked capture, tcpdump -i any): the
   * forward shows, which real server it went to does not.
   */
  drNoMac: number;
  /**
   * Connections answered at the gateway through a router (TTL one below a host's) while others
   * came straight from DR real servers: TUN real servers beyond that router beside DR ones.
   */
  tunBehindRouter: number;
  /** Seen on a DR real server: client→VIP frames arrived from the director, the replies left towards another MAC (the gateway). */
  drAtRs: number;
  /**
   * Seen on a real server: client→VIP frames from the host its replies go back to, which resolved
   * its RIP, with nothing on the link resolving the VIP: DR through the director, or a tunnel
   * decapsulated on the server before the capture point (XDP); the capture cannot tell which.
   */
  drOrDecap: number;
  /** Seen inside a NAT director (or on a real server): client→RIP frames from one MAC, answered back to it. */
  natInside: number;
  readonly tunnelKinds: Set<TunnelKind>;
  readonly evidenceFrames: number[];
  directorMac: string | null;
  directorIp: string | null;
  readonly rs: RsState[];
  readonly decisions: Decision[];
  newConns: number;
  /** Connections another host claiming the VIP took (Flow.bypass): not the director's. */
  bypassed: number;
  /** A reply from the VIP (or a real server) to a client was seen. */
  answered: boolean;
  /**
   * UDP datagrams that went to another real server than their flow's previous one while its entry
   * should still have held it: each datagram scheduled on its own (one-packet scheduling, -o), or
   * an entry that expired early (stale-entry tells those apart).
   */
  onePacket: number;
  conns: number;
  inPkts: number;
  inBytes: number;
  outPkts: number;
  outBytes: number;
  /** Local addresses a FULLNAT director used. */
  readonly lips: Set<string>;
  /** Tunnel outer sources, with the connections each started, and the MACs they came from (model/outer-sources.ts). */
  readonly outerSources: Map<string, number>;
  readonly outerMacs: Set<string>;
  /** The director's MAC, for a service seen only from inside a NAT director (its VIP unknown). */
  insideOf: string | null;
}

/** An IPVS connection entry as the director would hold it (model/flow.ts). */
export { Flow } from './flow.js';

export function newRs(ip: string | null, port: number, mac: string | null, n: number): RsState {
  return { ip, port, mac, active: 0, inactive: 0, conns: 0, inPkts: 0, inBytes: 0, outPkts: 0, outBytes: 0, firstN: n, viaDr: 0, viaTun: 0, viaNat: 0, routedReplies: 0 };
}

export function newService(key: string, proto: 'tcp' | 'udp', vip: string, port: number, n: number): ServiceState {
  return {
    key, proto, vip, port, firstN: n,
    dr: 0, nat: 0, natReply: 0, natMasq: 0, tun: 0, tunReplies: 0, tunIcmp: 0, tunHop: 0, dsrOpt: 0, fullnat: 0, drSplit: 0, routedReplies: 0, hostReplies: 0, drNoMac: 0, tunBehindRouter: 0, drAtRs: 0, drOrDecap: 0, natInside: 0,
    tunnelKinds: new Set(), evidenceFrames: [],
    directorMac: null, directorIp: null,
    rs: [], decisions: [], newConns: 0, bypassed: 0, answered: false, onePacket: 0,
    conns: 0, inPkts: 0, inBytes: 0, outPkts: 0, outBytes: 0,
    lips: new Set(), insideOf: null, outerSources: new Map(), outerMacs: new Set(),
  };
}

/** The VIP of a service seen only from inside a NAT director, where the VIP never appears. */
export const UNKNOWN_VIP = '?';

export function serviceKey(proto: 'tcp' | 'udp', vip: string, port: number): string {
  return `${proto}|${vip}|${port}`;
}

export function flowKey(proto: number, a: string, ap: number, b: string, bp: number): string {
  return `${proto}|${a}|${ap}|${b}|${bp}`;
}

export function hasEvidence(s: ServiceState): boolean {
  return s.dr + s.dsrOpt + s.nat + s.natReply + tunEvidence(s) + s.fullnat + s.drSplit + s.drAtRs + s.drOrDecap + s.natInside > 0;
}

/** Tunnelled forwards that are a director's: none once the tunnel carried replies too (a site-to-site tunnel). */
export function tunEvidence(s: ServiceState): number {
  return s.tunReplies > 0 ? 0 : s.tun + s.tunIcmp;
}

/** Evidence from a director hop seen in the capture (both copies of a packet, a tunnel, TOA). */
export function hasHopEvidence(s: ServiceState): boolean {
  return s.dr + s.dsrOpt + s.nat + s.natReply + tunEvidence(s) + s.fullnat > 0;
}
