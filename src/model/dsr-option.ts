/**
 * A DSR balancer that carries the service address in an IPv4 option (wire/dsr-option.ts): it
 * sends the client's packet to the backend's own address and port, the client's source kept and
 * VIP:port in the option; the backend answers the client directly from VIP:port. Read without the
 * option, the backend looks like the VIP and its direct replies like unrelated traffic. This is
 * direct server return (the method reported is DR) with the destination rewritten; the evidence
 * says so in its own words.
 */
import { protoName, type Packet } from './packet.js';
import type { ModelParts } from './parts.js';
import type { Flow } from './state.js';
import type { Segment } from './types.js';

/**
 * The balancer's forward: the client's flow to VIP:port (created when the client's own packet is
 * not in the capture) bound to the real server the packet is addressed to. Returns the flow and
 * whether this packet started it.
 */
export function dsrOptionForward(m: ModelParts, p: Packet, segment: Segment): { flow: Flow; newConn: boolean } {
  const svc = m.services.service(protoName(p.proto), p.dsrVip, p.dsrPort, p.n);
  svc.dsrOpt++;
  m.services.evidence(svc, p.n);
  let flow = m.entries.lookup(p.proto, p.src, p.sport, p.dsrVip, p.dsrPort) ?? null;
  const newConn = flow === null;
  if (flow === null) {
    // The client's own packet to the VIP is not in the capture: the entry starts here.
    flow = m.entries.create(p, svc, true);
    flow.vport = p.dsrPort;
    m.entries.addKey(flow, false, p.proto, p.src, p.sport, p.dsrVip, p.dsrPort);
    m.entries.transition(flow, false, p.flags, p.t);
    m.entries.countIn(flow, p);
  } else if (m.entries.lookup(p.proto, p.src, p.sport, p.dst, p.dport) === undefined) {
    m.entries.addKey(flow, true, p.proto, p.src, p.sport, p.dst, p.dport);
  }
  m.entries.bind(flow, m.services.rsByAddr(svc, p.dst, p.dport, p.dstMac || null, p.n));
  if (segment === 'syn' && flow.forwardN === 0) flow.forwardN = p.n;
  flow.lastN = p.n;
  flow.lastT = p.t;
  return { flow, newConn };
}
