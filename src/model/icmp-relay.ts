/**
 * ICMP errors about a connection's replies. A router on the client's path that cannot deliver a
 * reply (sent from VIP:port to the client, by the real server in DR and TUN) addresses its error
 * to the VIP, so the director gets it, not the real server that sent the reply. IPVS finds the
 * connection from the quoted header and passes the error on to that real server
 * (ip_vs_in_icmp → ip_vs_icmp_xmit), in TUN encapsulated like the connection's own packets;
 * balancers of other makes (Katran's IPIP and GUE) do the same.
 */
import type { IcmpQuote } from '../wire/records.js';
import { PROTO_ICMPV6, PROTO_TCP, PROTO_UDP, type Packet } from './packet.js';
import type { Roles } from './roles.js';
import type { Services } from './services.js';

export interface QuotedReply {
  readonly proto: 'tcp' | 'udp';
  readonly vip: string;
  readonly vport: number;
  readonly client: string;
  readonly cport: number;
}

/** ICMP errors (not queries): v4 unreachable, source quench, time exceeded, parameter problem; v6 1–4. */
export function isIcmpError(p: Packet): boolean {
  if (p.proto === PROTO_ICMPV6) return p.icmpType >= 1 && p.icmpType <= 4;
  return p.icmpType === 3 || p.icmpType === 4 || p.icmpType === 11 || p.icmpType === 12;
}

/**
 * The reply an ICMP error quotes, when it quotes one from `isServiceAddr` (a VIP) to a client;
 * null for anything else (an error about a client's own packet, or a query).
 */
export function quotedReply(p: Packet, isServiceAddr: (ip: string) => boolean): QuotedReply | null {
  const q: IcmpQuote | null = p.icmpQuote;
  if (q === null || q.srcPort === null || q.dstPort === null || !isIcmpError(p)) return null;
  if (q.proto !== PROTO_TCP && q.proto !== PROTO_UDP) return null;
  // An error goes to the quoted packet's source: here a VIP (known as one, or the error is
  // already in the balancer's tunnel, on its way to the real server behind that VIP).
  if (!isServiceAddr(q.src) && p.tunnel === null) return null;
  return { proto: q.proto === PROTO_UDP ? 'udp' : 'tcp', vip: q.src, vport: q.srcPort, client: q.dst, cport: q.dstPort };
}

/**
 * The director passing an error about a reply on to the connection's real server, in its tunnel:
 * evidence of TUN for the VIP's service and of that real server. Returns the real server's address.
 */
export function relayInTunnel(services: Services, roles: Roles, p: Packet, reply: QuotedReply): string {
  const svc = services.service(reply.proto, reply.vip, reply.vport, p.n);
  svc.tunIcmp++;
  if (p.tunnel !== null) svc.tunnelKinds.add(p.tunnel);
  services.evidence(svc, p.n);
  roles.learnDirector(svc, p.srcMac);
  if (svc.directorIp === null) svc.directorIp = p.outerSrc;
  roles.directorIps.add(p.outerSrc);
  services.rsByAddr(svc, p.outerDst, reply.vport, null, p.n);
  // The same error seen arriving at the MAC that now sends it in the tunnel: the director's hop.
  const before = services.lastIcmpError;
  if (before !== null && before.quote === quoteKey(p) && (before.mac === '' || before.mac === p.srcMac)) svc.tunHop++;
  return p.outerDst;
}

/** An ICMP error's quoted packet, to match the error before and after the director tunnels it. */
export function quoteKey(p: Packet): string {
  const q = p.icmpQuote;
  return q === null ? '' : `${q.proto}|${q.src}|${q.srcPort}|${q.dst}|${q.dstPort}|${p.icmpType}|${p.icmpCode}`;
}
