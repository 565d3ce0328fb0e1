/**
 * stale-entry for TCP: a connection black-holed by its entry (stale-tcp.ts), one finding per
 * connection, citing the server's last word before the silence, the first unanswered segment and
 * the client's last packet. Where the capture saw the segments is weighed here, against the
 * directors the model knows at the end. The UDP case is reported beside the other fault watchers
 * (fault-watch.ts).
 */
import type { StaleSegments } from '../../ipvs/report.js';
import type { FindingBook } from '../finding-book.js';
import { TO_CAPTURING_HOST, type StaleTcpEpisode } from '../stale-tcp.js';

/** What the capture shows the director did with the retransmissions. */
function directorDid(e: StaleTcpEpisode, isDirectorMac: (mac: string) => boolean): StaleSegments['director'] {
  if (isDirectorMac(e.runCopy) || isDirectorMac(e.runFrom)) return 'forwarded';
  // They reached the director (on a cooked capture: the host whose own copies forwarded this
  // connection before), which had been seen forwarding this connection before.
  const reached = isDirectorMac(e.runTo) || e.runTo === TO_CAPTURING_HOST;
  return reached && isDirectorMac(e.forwarder) ? 'dropped' : 'unseen';
}

/** The real server the entry points at; not the director (NAT replies come from its MAC). */
function serverOf(e: StaleTcpEpisode, isDirectorMac: (mac: string) => boolean): string {
  return e.server === '' || isDirectorMac(e.server) ? '' : e.server;
}

/** `rsName`: a real server's name for a MAC or address seen on the wire (its RIP where known). */
export function staleConnections(
  book: FindingBook, episodes: readonly StaleTcpEpisode[], rsName: (id: string) => string, isDirectorMac: (mac: string) => boolean,
): void {
  for (const e of episodes) {
    const director = directorDid(e, isDirectorMac);
    // Where the capture does not show the director's copies, the segments must at least be seen
    // going to a director (else nothing says IPVS is on the path: a firewall dropping a
    // connection's state looks the same), and other connections answered meanwhile (else a path
    // or a director gone silent would).
    if (director === 'unseen' && !(e.othersAnswered && isDirectorMac(e.runTo))) continue;
    const rs = serverOf(e, isDirectorMac);
    const params: StaleSegments = {
      protocol: 'tcp', client: e.client, virtual: e.virtual, rs: rs === '' ? null : rsName(rs),
      sent: e.sent, seconds: e.seconds, firstGap: e.firstGap, lastGap: e.lastGap, director, othersAnswered: e.othersAnswered,
    };
    book.addFrames('stale-entry', `tcp ${e.client}>${e.virtual}`, e.frames, params);
  }
}
