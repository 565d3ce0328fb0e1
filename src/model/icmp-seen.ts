/**
 * ICMP as the engine reads it: errors about a connection's packets (relayed in a tunnel, or about
 * a reply), and the findings ICMP shows (a real server rejecting, the director finding no real
 * server, tunnel MTU, redirects). Split from engine.ts; it touches only the model's parts.
 */
import { isRejectCode } from '../ipvs/finding-catalog.js';
import { NO_KEY } from './flow-table.js';
import { icmpFacts, plainFacts } from './frame-facts.js';
import { isIcmpError, quoteKey, quotedReply, relayInTunnel } from './icmp-relay.js';
import { ipPort, PROTO_TCP, PROTO_UDP, protoName, type Packet } from './packet.js';
import type { ModelParts } from './parts.js';
import { noRealServer, redirectFromDirector, rsRejects, tunnelMtu } from './rules/icmp.js';
import { hasEvidence, serviceKey } from './state.js';
import type { FrameFacts, Step } from './types.js';

export function observeIcmp(m: ModelParts, p: Packet, want: boolean): FrameFacts | null {
  const q = p.icmpQuote;
  const roles = m.roles;
  const fromDirector = roles.isDirectorMac(p.srcMac) || roles.isVip(p.src) || roles.directorIps.has(p.src)
    || (q !== null && roles.isVip(q.dst) && p.src === q.dst);
  let step: Step = 'icmp';
  let quoted: string | null = null;
  if (q !== null) quoted = q.srcPort !== null ? `${ipPort(q.src, q.srcPort)} → ${ipPort(q.dst, q.dstPort ?? 0)}` : `${q.src} → ${q.dst}`;
  if (p.tunnel !== null && q !== null && q.srcPort !== null && q.dstPort !== null && isIcmpError(p)) {
    // An error about a client's own packet, carried back to it in the tunnel: the far side's
    // answer travelling the tunnel, which IPVS's TUN never does (a site-to-site tunnel).
    const entries = m.entries;
    const key = entries.find(q.proto, entries.addrs.id(q.src), q.srcPort, entries.addrs.id(q.dst), q.dstPort);
    if (key !== NO_KEY && !entries.isServerKey(key)) {
      entries.flowAt(key).svc.tunReplies++;
      return want ? plainFacts(roles, p, 'other') : null;
    }
  }
  if (p.tunnel === null && q !== null && q.srcPort !== null && isIcmpError(p)) m.services.lastIcmpError = { quote: quoteKey(p), mac: p.dstMac };
  const reply = quotedReply(p, (ip) => roles.isVip(ip) || roles.serviceVip(ip));
  let relayedTo: string | null = null;
  // Explaining: an error in a tunnel the first pass found no director's (it carried replies).
  if (reply !== null && p.tunnel !== null && want && roles.k !== null && !roles.k.services.has(serviceKey(reply.proto, reply.vip, reply.vport))) {
    m.neighbours.learnSource(p);
    return plainFacts(roles, p, 'other');
  }
  if (reply !== null) {
    step = p.tunnel !== null ? 'icmp-relayed' : 'icmp-for-vip';
    if (p.tunnel !== null) relayedTo = relayInTunnel(m.services, roles, p, reply);
  } else if (p.isIcmp6) {
    // ICMPv6 types are not ICMP's: none of the IPv4 cases below applies.
  } else if (p.icmpType === 3 && isRejectCode(p.icmpCode) && q !== null && fromRealServer(m, p, q)) {
    step = p.icmpCode === 3 ? 'icmp-port-unreachable' : 'icmp';
    rsRejects(m.book, p, q, m.roles.ripOfMac(p.srcMac) ?? p.srcMac);
  } else if (p.icmpType === 3 && p.icmpCode === 3) {
    step = 'icmp-port-unreachable';
    if (q !== null && q.dstPort !== null && (q.proto === PROTO_TCP || q.proto === PROTO_UDP) && p.src === q.dst) {
      // The director answers for the VIP when the scheduler found no destination.
      const svc = m.services.byKey.get(serviceKey(protoName(q.proto), q.dst, q.dstPort));
      // A host refuses a TCP port with a RST; ICMP port unreachable for TCP is IPVS finding no destination.
      const tcpRefused = svc !== undefined && q.proto === PROTO_TCP && svc.newConns > 0;
      if (fromDirector || (svc !== undefined && (roles.isVip(q.dst) || svc.rs.length > 0 || hasEvidence(svc) || tcpRefused))) {
        if (tcpRefused && svc !== undefined) roles.learnDirector(svc, p.srcMac);
        if (svc !== undefined || roles.isVip(q.dst)) noRealServer(m.book, p, ipPort(q.dst, q.dstPort));
      }
    }
  } else if (p.icmpType === 3 && p.icmpCode === 4) {
    step = 'icmp-frag-needed';
    const tunnelQuoted = q !== null && (q.proto === 4 || q.proto === 41 || q.proto === 47);
    const aboutVip = q !== null && (roles.isVip(q.dst) || roles.serviceVip(q.dst));
    if (tunnelQuoted || (aboutVip && (fromDirector || m.services.tunnelSeen()))) tunnelMtu(m.book, p, q, tunnelQuoted);
  } else if (p.icmpType === 5) {
    step = 'icmp-redirect';
    if (fromDirector || roles.isDirectorMac(p.srcMac)) redirectFromDirector(m.book, p);
  }
  return want ? icmpFacts(roles, p, step, quoted, relayedTo) : null;
}

/**
 * ICMP unreachable about a packet to a VIP, sent by a MAC that is neither the director's nor the
 * one the VIP resolves to: a real server refusing what the director forwarded it.
 */
function fromRealServer(m: ModelParts, p: Packet, q: NonNullable<Packet['icmpQuote']>): boolean {
  const roles = m.roles;
  if (p.srcMac === '' || q.dstPort === null || (q.proto !== PROTO_TCP && q.proto !== PROTO_UDP) || roles.isDirectorMac(p.srcMac)) return false;
  if (!roles.isVip(q.dst) && !roles.serviceVip(q.dst) && !m.services.byKey.has(serviceKey(protoName(q.proto), q.dst, q.dstPort))) return false;
  const owner = m.neighbours.ipMac.get(q.dst);
  return roles.directorMacs.size > 0 || (owner !== undefined && owner !== p.srcMac);
}
