/**
 * Finding rules about ICMP the director sends: each takes the frame, what it quotes, and whether
 * the engine already knows the sender as the director.
 */
import type { FindingBook } from '../finding-book.js';
import type { Packet } from '../packet.js';

type Quote = NonNullable<Packet['icmpQuote']>;

/** no-real-server: the director answered a connection to a virtual service with port unreachable. */
export function noRealServer(book: FindingBook, p: Packet, virtual: string): void {
  book.add('no-real-server', 'error', virtual,
    `the director answered connections to ${virtual} with ICMP port unreachable: no real server was available (all weights 0, overloaded or none configured)`, p.n, { virtual });
}

/** tun-mtu: fragmentation needed for a tunnelled packet (exactly) or for one to the VIP (at least). */
export function tunnelMtu(book: FindingBook, p: Packet, q: Quote | null, tunnelQuoted: boolean): void {
  book.add('tun-mtu', 'warning', q === null ? p.src : q.dst,
    `ICMP fragmentation needed (next-hop MTU ${p.icmpMtu ?? '?'}): tunnelled packets are ${tunnelQuoted ? 20 : 'at least 20'} bytes bigger than the client's; lower the MTU/MSS on the path or the real servers`, p.n, { mtu: p.icmpMtu, exact: tunnelQuoted });
}

/** icmp-redirect-from-director: a one-armed director tells hosts to bypass it. */
export function redirectFromDirector(book: FindingBook, p: Packet): void {
  book.add('icmp-redirect-from-director', 'warning', p.src,
    `the director sends ICMP redirects (to ${p.dst}, gateway ${p.icmpGateway ?? '?'}): on a one-armed director set net.ipv4.conf.*.send_redirects=0`, p.n, { to: p.dst, gateway: p.icmpGateway });
}
