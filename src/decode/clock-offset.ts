/**
 * Captures taken on different hosts (a director's outside and a real server, say) have different
 * clocks. Merged by timestamp as they are, a large difference puts the director's output before
 * its input and pairs nothing. The same packet seen at two capture points keeps what IPVS never
 * rewrites (IP ID, TCP sequence and acknowledgement numbers, flags, length, and the client's own
 * address and port on its side), so each packet seen in two files is one measurement of the
 * difference between their clocks, plus the few microseconds the packet took between the points.
 * The median of those measurements is the offset.
 */
import type { DecodedFrame } from '../wire/records.js';
import { openFrames } from './frames.js';

/** Frames read from each file to measure: enough for hundreds of pairs, cheap on any capture. */
const MEASURE_FRAMES = 20000;

/**
 * Below this the difference is a packet's way between the two capture points (and scheduling
 * noise in capturing hosts), not a clock that is off.
 */
export const CLOCK_OFFSET_NOTICE = 0.05;

export interface ClockOffset {
  /** Index into the paths of the file measured. */
  readonly file: number;
  /** Seconds to subtract from `file`'s timestamps to put them on the first file's clock. */
  readonly seconds: number;
  /** Packets seen in both files. */
  readonly pairs: number;
}

/** Keys of one packet: by the client's side as source, and as destination (replies). */
function packetKeys(f: DecodedFrame): [string, string] | null {
  let src = '';
  let dst = '';
  let id = -1;
  let proto = 0;
  for (const l of f.layers) {
    if (l.type === 'ipv4') { src = l.src; dst = l.dst; id = l.id; proto = l.proto; }
    else if (l.type === 'tcp') {
      if (id < 0) return null;
      const rest = `${proto}|${id}|${l.seq}|${l.ack}|${l.flagBits}|${l.payloadLength}`;
      return [`s|${src}:${l.srcPort}|${rest}`, `d|${dst}:${l.dstPort}|${rest}`];
    } else if (l.type === 'udp') {
      if (id < 0) return null;
      const rest = `${proto}|${id}|${l.length}`;
      return [`s|${src}:${l.srcPort}|${rest}`, `d|${dst}:${l.dstPort}|${rest}`];
    }
  }
  return null;
}

/**
 * Key → time of one file's packets. A packet seen twice in one file (the director's input and its
 * DR output, or a flooding LAN's two copies) keeps its first time: the copy the other capture
 * point most likely saw too, and either is within microseconds.
 */
function times(path: string): Map<string, number> {
  const out = new Map<string, number>();
  const source = openFrames([path], { comments: false, verifyChecksums: false });
  try {
    let n = 0;
    for (const f of source) {
      if (++n > MEASURE_FRAMES) break;
      const keys = packetKeys(f);
      if (keys === null) continue;
      const t = f.tsSec + f.tsNsec / 1e9;
      for (const k of keys) if (!out.has(k)) out.set(k, t);
    }
  } finally {
    source.close();
  }
  return out;
}

function median(xs: number[]): number {
  xs.sort((a, b) => a - b);
  const m = xs.length >> 1;
  return xs.length % 2 === 1 ? xs[m]! : (xs[m - 1]! + xs[m]!) / 2;
}

/**
 * Each file after the first measured against the earliest file it shares packets with. A file that
 * shares none is left out (nothing to measure by).
 */
export function measureClockOffsets(paths: readonly string[]): ClockOffset[] {
  if (paths.length < 2) return [];
  const all = paths.map(times);
  const out: ClockOffset[] = [];
  for (let i = 1; i < all.length; i++) {
    for (let j = 0; j < i; j++) {
      // Matched by the source side only: a request whose destination NAT rewrote; by the
      // destination side only: a reply whose source it rewrote. The two go opposite ways between
      // the capture points, so the midpoint of their medians takes the way's time out.
      const bySrc: number[] = [];
      const byDst: number[] = [];
      for (const [k, t] of all[i]!) {
        const u = all[j]!.get(k);
        if (u !== undefined) (k.charCodeAt(0) === 115 ? bySrc : byDst).push(t - u);
      }
      const pairs = Math.max(bySrc.length, byDst.length);
      if (pairs === 0) continue;
      const seconds = bySrc.length > 0 && byDst.length > 0 ? (median(bySrc) + median(byDst)) / 2 : median([...bySrc, ...byDst]);
      // Relative to the first file: a file measured against another already measured adds that one's offset.
      const base = out.find((o) => o.file === j)?.seconds ?? 0;
      out.push({ file: i, seconds: seconds + base, pairs });
      break;
    }
  }
  return out;
}
