/**
 * Finding rules about a connection's replies and the way they take, one function per rule, each
 * called where the engine sees the frame (or the entry ending) that decides it.
 */
import type { FindingBook } from '../finding-book.js';
import { ipPort, type Packet } from '../packet.js';
import type { Flow } from '../state.js';

/**
 * dr-port-mapping: a DR/TUN real server refuses the SYN with RST, so nothing listens on the VIP's
 * port there. `fromRs`: the RST came from a MAC that does not own the VIP (a DR real server's, where
 * no director hop is seen). A RST after the handshake (the director's own, for an expired entry)
 * refuses no SYN.
 */
export function refusedByRealServer(book: FindingBook, flow: Flow, p: Packet, fromRs: boolean): void {
  if (flow.synAckSeen || flow.clientAcked || (flow.svc.dr === 0 && flow.svc.tun === 0 && !fromRs)) return;
  const who = flow.rs?.ip ?? p.srcMac;
  book.add('dr-port-mapping', `${flow.svc.key}|${who}`, p.n, { kind: 'refused', rs: who, virtual: ipPort(flow.vip, flow.vport), port: flow.vport });
}

/** nat-reply-bypasses-director: a NAT real server's reply goes to another gateway than the director. */
export function natReplyBypassesDirector(book: FindingBook, flow: Flow, p: Packet): void {
  // A cooked header has no destination MAC: '' says the next hop is unknown.
  book.add('nat-reply-bypasses-director', flow.rs?.ip ?? p.src, p.n, { rs: p.src, mac: p.dstMac });
}

/**
 * dr-reply-via-director: a DR/TUN real server routes its replies through the director (seen as the
 * reply reaching the director's MAC, or on the real server's own capture).
 */
export function drReplyViaDirector(book: FindingBook, flow: Flow, p: Packet): void {
  book.add('dr-reply-via-director', p.srcMac || p.src, p.n, { rs: flow.rs?.ip ?? p.srcMac, vip: flow.vip });
}

/** rs-not-responding: an entry ended with the director's SYN forwarded and nothing back. */
export function unansweredForward(book: FindingBook, f: Flow): void {
  // The client's ACK means the server answered even where its SYN-ACK took another way (DR, switched LAN).
  if (f.rs === null || f.forwardN === 0 || f.synAckSeen || f.clientAcked || f.proto !== 'tcp' || !f.svc.answered) return;
  const rsName = f.rs.ip ?? f.rs.mac ?? '?';
  book.add('rs-not-responding', rsName, f.forwardN, { rs: rsName });
}
