/**
 * rs-not-responding from SYNs retransmitted and never answered (silent-syns.ts). Every connection
 * failing is an error; some is a warning. Where the reply was seen going the wrong way its own
 * finding says so, and this one stays quiet.
 */
import type { FindingCode } from '../../ipvs/report.js';
import type { FindingBook } from '../finding-book.js';
import type { ArpPair } from '../neighbours.js';
import type { SilentSyns } from '../silent-syns.js';
import type { ServiceState } from '../state.js';

/**
 * A finding that already shows why the SYNs went unanswered (the reply seen going the wrong way,
 * the director refusing, the VIP as its primary address) says it better; this one would only repeat it.
 */
const SILENT_EXPLAINED_BY: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'dr-reply-via-director', 'nat-reply-bypasses-director', 'no-real-server',
]);

export function silentRealServers(
  book: FindingBook, silentSyns: SilentSyns, services: Iterable<ServiceState>, arpPairs: Iterable<ArpPair>,
): void {
  if (book.has(SILENT_EXPLAINED_BY)) return;
  // ARP requests sent from a VIP are found later (summarize: vip-primary-on-director, rs-announces-vip)
  // and show where the replies went.
  const vips = new Set<string>();
  // A service whose every connection joined another (an inside one) was a real server's address, no VIP.
  for (const sv of services) if (sv.newConns > 0) vips.add(sv.vip);
  for (const pair of arpPairs) if (pair.requests.length > 0 && vips.has(pair.spa)) return;
  const all = silentSyns.noneAnswered;
  for (const s of silentSyns.silent()) {
    const params = { rsKnown: s.rsKnown, method: s.method, connections: s.connections, retransmits: s.retransmits, all };
    // A flow that expired earlier may have reported this server already, with less to say: say it here.
    book.restate('rs-not-responding', s.rs, { rs: s.rs, silent: params });
    for (const n of s.frames) book.add('rs-not-responding', s.rs, n, { rs: s.rs, silent: params });
  }
}
