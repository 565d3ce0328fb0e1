/**
 * syn-ack-without-syn: a server retransmits SYN-ACKs that pass this capture point while the SYNs
 * they answer never did, and the client never acknowledges them. Its replies take another way than
 * its requests: the classic NAT misconfiguration (a real server whose default route is not the
 * director) seen at the router that carries its replies, where neither the VIP nor the director
 * shows. On the client's own capture the SYN is there, sent to the VIP, and the answer comes from
 * the real server's address: that says it outright.
 */
import type { DeepReadonly, DoneFlowView } from '../snapshot.js';
import type { FindingBook } from '../finding-book.js';
import type { StraySynAck } from '../stray-syn-acks.js';

/** A SYN-ACK sent again after this long: the server's retransmission timer (1 s at first), not a second copy of one. */
const RETRANSMITTED_AFTER = 0.5;

export function straySynAcks(book: FindingBook, strays: Iterable<DeepReadonly<StraySynAck>>, done: readonly DoneFlowView[]): void {
  const byServer = new Map<string, DeepReadonly<StraySynAck>[]>();
  for (const s of strays) {
    if (s.count < 2 || s.lastT - s.firstT < RETRANSMITTED_AFTER) continue;
    const l = byServer.get(s.server) ?? [];
    l.push(s);
    byServer.set(s.server, l);
  }
  if (byServer.size === 0) return;
  // The client's own SYN, where the capture holds it: to which address it went.
  const sentTo = new Map<string, string>();
  for (const d of done) if (d.proto === 'tcp') sentTo.set(d.client, d.virtual);
  for (const [server, list] of byServer) {
    const first = list[0]!;
    const virtual = list.map((s) => sentTo.get(s.client)).find((v) => v !== undefined && v !== server) ?? null;
    const frames = list.flatMap((s) => s.frames);
    book.addFrames('syn-ack-without-syn', server, frames, {
      server, client: first.client, clients: list.length, synAcks: list.reduce((n, s) => n + s.count, 0), virtual,
    });
  }
}
