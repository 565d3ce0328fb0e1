/**
 * syn-flood: half-open connections piling up in the director's table. A connection whose client
 * never completed the handshake and never sent its SYN again is what a flood tool leaves (a real
 * client whose SYN goes unanswered retransmits it: rs-not-responding). The director keeps each as a
 * SYN_RECV entry for 60 s from its last packet (ip_vs_proto_tcp.c), so what matters is how many it
 * held at once. Runs once, on the finished connections, at the end.
 */
import { SYN_FLOOD_MIN_ENTRIES } from '../../ipvs/finding-catalog.js';
import { TCP_TIMEOUTS } from '../../ipvs/tcp-states.js';
import { HANDSHAKE_CLIENT_ACKED, HANDSHAKE_SYN_ACKED, HANDSHAKE_SYN_RETRIED, type DoneFlow } from '../done-flow.js';
import type { FindingBook } from '../finding-book.js';
import type { ServiceState } from '../state.js';

/** A finding cites a few of the SYNs; the numbers say how many there were. */
const CITED = 8;

const HALF_OPEN_STATES: ReadonlySet<string> = new Set(['SYN_RECV', 'SYNACK']);

function halfOpen(c: DoneFlow): boolean {
  return c.proto === 'tcp' && HALF_OPEN_STATES.has(c.state) && (c.handshake & (HANDSHAKE_CLIENT_ACKED | HANDSHAKE_SYN_RETRIED)) === 0;
}

/** The most entries alive at one instant, each from its first packet to 60 s after its last. */
function peakHeld(flows: readonly DoneFlow[]): number {
  const starts = flows.map((c) => c.firstT).sort((a, b) => a - b);
  const ends = flows.map((c) => c.lastT + TCP_TIMEOUTS.SYN_RECV).sort((a, b) => a - b);
  let peak = 0;
  let gone = 0;
  for (let i = 0; i < starts.length; i++) {
    while (gone < ends.length && (ends[gone] as number) <= (starts[i] as number)) gone++;
    peak = Math.max(peak, i + 1 - gone);
  }
  return peak;
}

const round1 = (x: number): number => Math.round(x * 10) / 10;

/** `conns`: every connection of the reported services, in the order they began. */
export function synFloods(book: FindingBook, conns: readonly DoneFlow[]): void {
  const bySvc = new Map<ServiceState, { half: DoneFlow[]; completed: number }>();
  // Indexed: run once and cold, a for-of over every connection makes an iterator result for each.
  for (let i = 0; i < conns.length; i++) {
    const c = conns[i]!;
    if (c.proto !== 'tcp') continue;
    let g = bySvc.get(c.svc);
    if (g === undefined) { g = { half: [], completed: 0 }; bySvc.set(c.svc, g); }
    if (halfOpen(c)) g.half.push(c);
    else if ((c.handshake & HANDSHAKE_CLIENT_ACKED) !== 0) g.completed++;
  }
  for (const { half, completed } of bySvc.values()) {
    if (half.length < SYN_FLOOD_MIN_ENTRIES) continue;
    const peak = peakHeld(half);
    if (peak < SYN_FLOOD_MIN_ENTRIES) continue;
    const first = half[0] as DoneFlow;
    const last = half[half.length - 1] as DoneFlow;
    const sources = new Set<string>();
    let synAcked = 0;
    for (const c of half) {
      sources.add(c.cip);
      if ((c.handshake & HANDSHAKE_SYN_ACKED) !== 0) synAcked++;
    }
    const span = last.firstT - first.firstT;
    const params = {
      virtual: first.virtual, halfOpen: half.length, peak, sources: sources.size, firstSource: first.cip, lastSource: last.cip,
      seconds: round1(span), rate: span > 0 ? round1(half.length / span) : half.length, synAcked, completed,
    };
    book.addFrames('syn-flood', first.virtual, half.slice(0, CITED).map((c) => c.firstN), params);
  }
}
