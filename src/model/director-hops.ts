/**
 * What the director's copy of a packet (hops.ts found it) says: the service, its method, the
 * director's MAC, the real server the connection went to. Each returns the connection entry the
 * copy belongs to, or null when the capture does not show the client's packet of it.
 */
import { protoName, type Packet } from './packet.js';
import type { ModelParts } from './parts.js';
import type { SeenPacket } from './recent.js';
import type { Flow } from './state.js';
import type { Segment } from './types.js';

/** DR: the client's packet again, only MACs and TTL changed, to a real server's MAC. */
export function drForward(m: ModelParts, p: Packet, prev: SeenPacket, srcId: number, dstId: number, segment: Segment): Flow | null {
  const flow = m.entries.get(p.proto, srcId, p.sport, dstId, p.dport) ?? null;
  const svc = flow?.svc ?? m.services.service(protoName(p.proto), p.dst, p.dport, p.n);
  svc.dr++;
  m.services.evidence(svc, p.n);
  m.roles.learnDirector(svc, p.srcMac);
  m.roles.upstream(prev.srcMac);
  if (p.dstMac === '') svc.drNoMac++;
  else if (flow !== null) {
    const rs = m.services.rsByMac(svc, p.dstMac, p.dport, p.n);
    rs.viaDr++;
    m.entries.bind(flow, rs);
  }
  if (flow !== null && segment === 'syn' && flow.forwardN === 0) flow.forwardN = p.n;
  return flow;
}

/**
 * NAT: the client's packet rewritten from the VIP to a real server's address (and, with a masquerade
 * after IPVS, from the client's address to the director's: the server key is then the director's).
 */
export function natForward(m: ModelParts, p: Packet, prev: SeenPacket, segment: Segment): Flow | null {
  const svc = m.services.service(protoName(p.proto), prev.dst, prev.dport, p.n);
  svc.nat++;
  if (p.src !== prev.src) svc.natMasq++;
  m.services.evidence(svc, p.n);
  m.roles.learnDirector(svc, p.srcMac);
  // A two-armed director: the client's frame came to its other interface (two captures merged).
  m.roles.otherArm(prev.dstMac);
  m.roles.upstream(prev.srcMac);
  const flow = m.entries.lookup(p.proto, prev.src, prev.sport, prev.dst, prev.dport) ?? null;
  if (flow !== null) {
    m.entries.addKey(flow, true, p.proto, p.src, p.sport, p.dst, p.dport);
    const rs = m.services.rsByAddr(svc, p.dst, p.dport, p.dstMac || null, p.n);
    rs.viaNat++;
    m.entries.bind(flow, rs);
    if (segment === 'syn' && flow.forwardN === 0) flow.forwardN = p.n;
  }
  return flow;
}

/** NAT: a real server's reply rewritten back to come from the VIP. */
export function natReply(m: ModelParts, p: Packet, prev: SeenPacket, srcId: number, dstId: number, segment: Segment): Flow | null {
  const svc = m.services.service(protoName(p.proto), p.src, p.sport, p.n);
  svc.natReply++;
  svc.answered = true;
  m.services.evidence(svc, p.n);
  m.roles.learnDirector(svc, p.srcMac);
  m.roles.otherArm(prev.dstMac);
  const flow = m.entries.get(p.proto, dstId, p.dport, srcId, p.sport) ?? null;
  if (flow !== null) {
    if (flow.rs === null) {
      m.entries.addKey(flow, true, p.proto, p.dst, p.dport, prev.src, prev.sport);
      m.entries.bind(flow, m.services.rsByAddr(svc, prev.src, prev.sport, prev.srcMac || null, p.n));
    } else if (flow.rs.mac === null && prev.srcMac !== '' && flow.rs.ip === prev.src) {
      flow.rs.mac = prev.srcMac;
    }
    if (segment === 'synack') flow.synAckSeen = true;
  }
  return flow;
}
