/**
 * Finding rules about ICMP the director (or a real server refusing) sends: each takes the frame, what it quotes, and whether
 * the engine already knows the sender as the director.
 */
import type { FindingBook } from '../finding-book.js';
import { ipPort, PROTO_UDP, type Packet } from '../packet.js';

type Quote = NonNullable<Packet['icmpQuote']>;

/** no-real-server: the director answered a connection to a virtual service with port unreachable. */
export function noRealServer(book: FindingBook, p: Packet, virtual: string): void {
  book.add('no-real-server', virtual, p.n, { virtual });
}

/** rs-rejects: a real server answers what the director forwarded with ICMP unreachable (its firewall, or no UDP listener). */
export function rsRejects(book: FindingBook, p: Packet, q: Quote, rs: string): void {
  if (q.dstPort === null) return;
  const params = { rs, virtual: ipPort(q.dst, q.dstPort), protocol: q.proto === PROTO_UDP ? 'udp' as const : 'tcp' as const, code: p.icmpCode };
  book.add('rs-rejects', `${rs}|${params.virtual}`, p.n, params);
}

/** tun-mtu: fragmentation needed for a tunnelled packet (exactly) or for one to the VIP (at least). */
export function tunnelMtu(book: FindingBook, p: Packet, q: Quote | null, tunnelQuoted: boolean): void {
  // Only on frag-needed ICMP, which a capture holds few of.
  let client: string | null = null;
  let to: string | null = q === null ? null : q.dst;
  if (q !== null && !tunnelQuoted && q.srcPort !== null && q.dstPort !== null) {
    client = ipPort(q.src, q.srcPort);
    to = ipPort(q.dst, q.dstPort);
  }
  book.add('tun-mtu', q === null ? p.src : q.dst, p.n, { mtu: p.icmpMtu, exact: tunnelQuoted, client, to });
}

/** icmp-redirect-from-director: a one-armed director tells hosts to bypass it. */
export function redirectFromDirector(book: FindingBook, p: Packet): void {
  book.add('icmp-redirect-from-director', p.src, p.n, { to: p.dst, gateway: p.icmpGateway });
}
