/**
 * stale-entry for TCP: a connection black-holed by its entry (stale-tcp.ts), one finding per
 * connection, citing the server's last word before the silence, the first unanswered segment and
 * the client's last packet. The UDP case is reported where its watcher lives (fault-watch.ts).
 */
import type { StaleSegments } from '../../ipvs/report.js';
import type { FindingBook } from '../finding-book.js';
import type { StaleTcpEpisode } from '../stale-tcp.js';

/** `rsName`: a real server's name for a MAC or address seen on the wire (its RIP where known). */
export function staleConnections(book: FindingBook, episodes: readonly StaleTcpEpisode[], rsName: (id: string) => string): void {
  for (const e of episodes) {
    const params: StaleSegments = {
      protocol: 'tcp', client: e.client, virtual: e.virtual, rs: e.rsId === '' ? null : rsName(e.rsId),
      sent: e.sent, seconds: e.seconds, firstGap: e.firstGap, lastGap: e.lastGap, director: e.director, othersAnswered: e.othersAnswered,
    };
    book.addFrames('stale-entry', `tcp ${e.client}>${e.virtual}`, e.frames, params);
  }
}
