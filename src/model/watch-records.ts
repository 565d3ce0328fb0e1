/**
 * The TCP conversations the fault watchers follow (client ip:port → virtual ip:port, addresses as
 * `AddressIds` numbers), each one record that holds its tuple and every watcher's numbers side by
 * side, so that a packet touches one or two cache lines of them. With tens of thousands of
 * conversations interleaved, each line a packet touched (a hash bucket, the tuple's key, each
 * watcher's own record and strings) was a cache miss, and the watchers' growing arrays, copied at
 * each doubling, were most of the memory they touched (each new page is a page fault).
 *
 * One lookup answers both directions: the hash is the same for a tuple and its reverse, so a
 * packet's conversation (its client's tuple) and the one it answers (the reverse tuple) are in the
 * same probe run. Slots are dense, 0, 1, 2… in the order tuples were added, and never removed: the
 * watchers bound how many they start (fault-watch.ts), so slots stay below 2^SLOT_BITS.
 */
import { hash5 } from './flow-table.js';

/**
 * A record, in int32 units (192 bytes, three cache lines): the fields a packet reads and writes
 * first, those read only at a SYN, a silence or an answer last. A float field (a time in seconds,
 * kept as the packet's own double so that every difference is the one the watchers always took)
 * sits at an even int32 offset and is read through the Float64Array view at half of it: the F_
 * constants are those halves. Frame numbers are stored as uint32 (read back with `>>> 0`).
 */
export const REC = 48;
/** The tuple: a, b, (ap << 16) | bp. */
export const KEY_A = 0, KEY_B = 1, KEY_PORTS = 2;
/**
 * Every watcher's flag bits in one word, so that one read says which watchers follow the slot: the
 * idle watcher's (its MINE also marks the TCP stale-entry watcher's slots: the two start together),
 * the port-reuse watcher's, and the TCP stale-entry watcher's.
 */
export const FLAGS = 3;
export const IDLE_MINE = 1, IDLE_ESTABLISHED = 2, IDLE_CLOSED = 4;
export const REUSE_MINE = 8, REUSE_ANSWERED = 16, REUSE_CLOSED = 32, REUSE_BITS = REUSE_MINE | REUSE_ANSWERED | REUSE_CLOSED;
export const STALE_ESTABLISHED = 64, STALE_ACKED = 128, STALE_NOT_BACKOFF = 256,
  STALE_BITS = STALE_ESTABLISHED | STALE_ACKED | STALE_NOT_BACKOFF;
export const IDLE_BITS = IDLE_MINE | IDLE_ESTABLISHED | IDLE_CLOSED;
// idle-expiry.ts: times (F_) and int32 fields.
export const F_IDLE_LAST_T = 2, F_REUSE_LAST_T = 3;
export const IDLE_LAST_N = 8, REUSE_LAST_N = 9, IDLE_WAKE_N = 10, IDLE_SERVER_TTL = 11, IDLE_SERVER_MAC = 12;
// stale-tcp.ts: all int32 (times in ms).
export const STALE_SENDS = 13, STALE_LAST_SEQ = 14, STALE_LAST_IPID = 15, STALE_LAST_SHAPE = 16, STALE_LAST_T = 17,
  STALE_ACKNO = 18, STALE_ANSWER_T = 19, STALE_ANSWER_N = 20, STALE_LAST_N = 21, STALE_SERVER = 22, STALE_FORWARDER = 23,
  STALE_SEQ = 24, STALE_FIRST_T = 25, STALE_FIRST_N = 26, STALE_SEND_T = 27, STALE_GAP = 28, STALE_FIRST_GAP = 29;
export const IDLE_BEFORE_N = 30, IDLE_ENTRY_MAC = 31;
// The third line: read at a wake-up, a SYN, or the first answer to one.
export const F_IDLE_WAKE_T = 16, F_IDLE_IDLE = 17, F_REUSE_SYN_T = 18, F_REUSE_RETX_T = 19, F_REUSE_AFTER = 20;
export const REUSE_ISN = 42, REUSE_SYN_N = 43, REUSE_RETX_N = 44, REUSE_OF_N = 45;

/** Records per chunk (192 KB): chunks are added as slots are, so growing copies nothing. */
const CHUNK_BITS = 10;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** A bucket: (tag << SLOT_BITS) | (slot + 1), 0 when empty; the tag, high bits of the hash, spares most mismatches a look at the record. */
const SLOT_BITS = 20;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
const TAG_SHIFT = 30 - (32 - SLOT_BITS);

export class WatchRecords {
  /** Per chunk, two views of one buffer. */
  private readonly ints: Int32Array[] = [];
  private readonly floats: Float64Array[] = [];
  /**
   * Open addressing, linear probing, at most 4/5 full: sized once for the most slots the watchers
   * start, so that it never grows (growing copied it, and touched a new table's pages).
   */
  private readonly table: Int32Array;
  private readonly mask: number;
  private count = 0;
  /** The most slots `add` gives. */
  readonly capacity: number;

  /** The last `lookup`'s answers: the tuple's slot and its reverse's, -1 for none. */
  fwd = -1;
  back = -1;
  /**
   * The last lookup's question (memoA = -1: none): a director's copy of a packet follows the
   * packet, and a reply often its request, so most lookups were just made, one way or the other.
   */
  private memoA = -1;
  private memoB = -1;
  private memoPorts = 0;
  private memoFwd = -1;
  private memoBack = -1;

  /** The views and offset of `at`'s slot. */
  i32: Int32Array = new Int32Array(0);
  f64: Float64Array = new Float64Array(0);

  /** `capacity`: the most slots the watchers start (below 2^SLOT_BITS). */
  constructor(capacity: number) {
    this.capacity = Math.min(capacity, SLOT_MASK - 1);
    let buckets = 1 << 10;
    while (buckets * 4 < this.capacity * 5) buckets *= 2;
    this.table = new Int32Array(buckets);
    this.mask = buckets - 1;
  }

  /** Slots in use (the next slot number). */
  get size(): number {
    return this.count;
  }

  /** Sets `fwd` to the slot of a:ap → b:bp and `back` to that of b:bp → a:ap. */
  lookup(a: number, ap: number, b: number, bp: number): void {
    const ports = (ap << 16) | bp;
    const rports = (bp << 16) | ap;
    if (a === this.memoA && b === this.memoB && ports === this.memoPorts) { this.fwd = this.memoFwd; this.back = this.memoBack; return; }
    if (b === this.memoA && a === this.memoB && rports === this.memoPorts) { this.fwd = this.memoBack; this.back = this.memoFwd; return; }
    const h = hashEither(a, ap, b, bp, ports, rports);
    const tag = h >>> TAG_SHIFT;
    const table = this.table;
    const mask = this.mask;
    let fwd = -1;
    let back = -1;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = table[i]!;
      if (x === 0) break;
      if (x >>> SLOT_BITS !== tag) continue;
      const s = (x & SLOT_MASK) - 1;
      const r = this.ints[s >> CHUNK_BITS]!;
      const e = (s & CHUNK_MASK) * REC;
      const ra = r[e + KEY_A]!;
      const rb = r[e + KEY_B]!;
      const rp = r[e + KEY_PORTS]!;
      // A tuple that is its own reverse (a host talking to itself on one port) answers both.
      if (ra === a && rb === b && rp === ports) { fwd = s; if (ra === rb && ports === rports) back = s; }
      else if (ra === b && rb === a && rp === rports) back = s;
      else continue;
      if (fwd >= 0 && back >= 0) break;
    }
    this.fwd = this.memoFwd = fwd;
    this.back = this.memoBack = back;
    this.memoA = a; this.memoB = b; this.memoPorts = ports;
  }

  /** A new slot for a:ap → b:bp, which `lookup` did not find (below `capacity` slots); its record is all zero but for the tuple. */
  add(a: number, ap: number, b: number, bp: number): number {
    const s = this.count;
    if (s >= this.capacity) throw new RangeError(`WatchRecords: more than ${this.capacity} conversations`);
    if ((s >> CHUNK_BITS) === this.ints.length) {
      const buf = new ArrayBuffer((CHUNK_MASK + 1) * REC * 4);
      this.ints.push(new Int32Array(buf));
      this.floats.push(new Float64Array(buf));
    }
    const ports = (ap << 16) | bp;
    const h = hashEither(a, ap, b, bp, ports, (bp << 16) | ap);
    const r = this.ints[s >> CHUNK_BITS]!;
    const e = (s & CHUNK_MASK) * REC;
    r[e + KEY_A] = a; r[e + KEY_B] = b; r[e + KEY_PORTS] = ports;
    this.count++;
    this.place(s, h);
    // The remembered answers may miss this tuple.
    this.memoA = -1;
    return s;
  }

  /** Points `i32` and `f64` at slot `s`'s chunk; returns its record's offset in `i32` (in `f64`: half of it). */
  at(s: number): number {
    const k = s >> CHUNK_BITS;
    this.i32 = this.ints[k]!;
    this.f64 = this.floats[k]!;
    return (s & CHUNK_MASK) * REC;
  }

  /** Slot `s`'s flag word (FLAGS); 0 for -1. */
  flags(s: number): number {
    return s < 0 ? 0 : this.ints[s >> CHUNK_BITS]![(s & CHUNK_MASK) * REC + FLAGS]!;
  }

  private place(s: number, h: number): void {
    const table = this.table;
    const mask = this.mask;
    let i = h & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = ((h >>> TAG_SHIFT) << SLOT_BITS) | (s + 1);
  }
}

/** The same hash for a tuple and its reverse: that of the one whose a:ap is the lower. */
function hashEither(a: number, ap: number, b: number, bp: number, ports: number, rports: number): number {
  return a < b || (a === b && ap <= bp) ? hash5(a, b, ports, 0, 0) : hash5(b, a, rports, 0, 0);
}

