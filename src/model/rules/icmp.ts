/**
 * Finding rules about ICMP the director sends: each takes the frame, what it quotes, and whether
 * the engine already knows the sender as the director.
 */
import type { FindingBook } from '../finding-book.js';
import type { Packet } from '../packet.js';

type Quote = NonNullable<Packet['icmpQuote']>;

/** no-real-server: the director answered a connection to a virtual service with port unreachable. */
export function noRealServer(book: FindingBook, p: Packet, virtual: string): void {
  book.add('no-real-server', virtual, p.n, { virtual });
}

/** tun-mtu: fragmentation needed for a tunnelled packet (exactly) or for one to the VIP (at least). */
export function tunnelMtu(book: FindingBook, p: Packet, q: Quote | null, tunnelQuoted: boolean): void {
  book.add('tun-mtu', q === null ? p.src : q.dst, p.n, { mtu: p.icmpMtu, exact: tunnelQuoted });
}

/** icmp-redirect-from-director: a one-armed director tells hosts to bypass it. */
export function redirectFromDirector(book: FindingBook, p: Packet): void {
  book.add('icmp-redirect-from-director', p.src, p.n, { to: p.dst, gateway: p.icmpGateway });
}
