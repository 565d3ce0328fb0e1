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
import { addChunk, bucketsFor } from './record-chunks.js';

/**
 * A record, in int32 units (128 bytes, two cache lines): the numbers a packet of a followed
 * conversation may read or write. A float field (a time in seconds, kept as the packet's own double
 * so that every difference is the one the watchers always took) sits at an even int32 offset and
 * is read through the Float64Array view at half of it: the F_ constants are those halves. Frame
 * numbers are stored as uint32 (read back with `>>> 0`). Numbers written only at a rare event (a
 * silence, a retransmission, a reused port) are in a cold record of their own (COLD_), made for
 * the few conversations that have one: most never do, and memory never touched costs no page.
 */
export const REC = 32;
/** The tuple: a, b, (ap << 16) | bp. */
export const KEY_A = 0, KEY_B = 1, KEY_PORTS = 2;
/**
 * Every watcher's flag bits in one word, so that one read says which watchers follow the slot: the
 * idle watcher's (its MINE also marks the TCP stale-entry watcher's slots: the two start together),
 * the port-reuse watcher's, and the TCP stale-entry watcher's; HAS_COLD (the slot has a cold
 * record); and in bits 16 to 23 the idle watcher's server TTL (IDLE_TTL_SHIFT). Each writer
 * changes only its own bits: one that holds the word across a call of `cold` (which sets
 * HAS_COLD) writes back its own bits alone.
 */
export const FLAGS = 3;
export const IDLE_MINE = 1, IDLE_ESTABLISHED = 2, IDLE_CLOSED = 4;
export const REUSE_MINE = 8, REUSE_ANSWERED = 16, REUSE_CLOSED = 32, REUSE_BITS = REUSE_MINE | REUSE_ANSWERED | REUSE_CLOSED;
export const STALE_ESTABLISHED = 64, STALE_ACKED = 128, STALE_NOT_BACKOFF = 256,
  STALE_BITS = STALE_ESTABLISHED | STALE_ACKED | STALE_NOT_BACKOFF;
export const IDLE_BITS = IDLE_MINE | IDLE_ESTABLISHED | IDLE_CLOSED;
const HAS_COLD = 512;
export const IDLE_TTL_SHIFT = 16, IDLE_TTL_MASK = 0xff << IDLE_TTL_SHIFT;
// idle-expiry.ts and port-reuse.ts: times (F_) and int32 fields.
export const F_IDLE_LAST_T = 2, F_REUSE_LAST_T = 3, F_REUSE_SYN_T = 4;
export const IDLE_LAST_N = 10, REUSE_LAST_N = 11, IDLE_WAKE_N = 12, IDLE_SERVER_MAC = 13;
// stale-tcp.ts: all int32 (times in ms).
export const STALE_SENDS = 14, STALE_LAST_SEQ = 15, STALE_LAST_IPID = 16, STALE_LAST_SHAPE = 17, STALE_LAST_T = 18,
  STALE_ACKNO = 19, STALE_ANSWER_T = 20, STALE_ANSWER_N = 21, STALE_LAST_N = 22, STALE_SERVER = 23, STALE_FORWARDER = 24,
  STALE_SEQ = 25, STALE_FIRST_T = 26, STALE_FIRST_N = 27, STALE_SEND_T = 28;
export const IDLE_ENTRY_MAC = 29, REUSE_ISN = 30, REUSE_SYN_N = 31;

/**
 * A cold record (64 bytes), all zero until `cold` makes it: the idle watcher's wake-up (the
 * client's segment after a silence), the port-reuse watcher's retransmitted SYN and the connection
 * its port was reused from, the TCP stale-entry watcher's retransmission gaps.
 */
const COLD_REC = 16;
export const COLD_F_IDLE_WAKE_T = 0, COLD_F_IDLE_IDLE = 1, COLD_F_REUSE_RETX_T = 2, COLD_F_REUSE_AFTER = 3;
export const COLD_IDLE_BEFORE_N = 8, COLD_REUSE_RETX_N = 9, COLD_REUSE_OF_N = 10, COLD_STALE_GAP = 11, COLD_STALE_FIRST_GAP = 12;

/** Records per chunk (128 KB): chunks are added as slots are, so growing copies nothing. */
const CHUNK_BITS = 10;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** Cold records per chunk (16 KB). */
const COLD_CHUNK_BITS = 8;
const COLD_CHUNK_MASK = (1 << COLD_CHUNK_BITS) - 1;
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

  /** Cold records, numbered in the order they are made; a slot's number in `coldOf`. */
  private readonly coldInts: Int32Array[] = [];
  private readonly coldFloats: Float64Array[] = [];
  private readonly coldOf = new Map<number, number>();
  /** All zero: what `coldIfAny` points at for a slot without a cold record (never written). */
  private readonly zeroI32 = new Int32Array(COLD_REC);
  private readonly zeroF64 = new Float64Array(this.zeroI32.buffer);
  /** The views of `cold`'s (or `coldIfAny`'s) record. */
  ci32: Int32Array = this.zeroI32;
  cf64: Float64Array = this.zeroF64;

  /** `capacity`: the most slots the watchers start (below 2^SLOT_BITS). */
  constructor(capacity: number) {
    this.capacity = Math.min(capacity, SLOT_MASK - 1);
    const buckets = bucketsFor(this.capacity);
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
      addChunk(this.ints, this.floats, CHUNK_MASK + 1, REC);
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

  /**
   * Points `ci32` and `cf64` at slot `s`'s cold record, made (all zero) if it has none; returns its
   * offset in `ci32` (in `cf64`: half of it).
   */
  cold(s: number): number {
    const r = this.ints[s >> CHUNK_BITS]!;
    const e = (s & CHUNK_MASK) * REC;
    let c: number;
    if ((r[e + FLAGS]! & HAS_COLD) !== 0) c = this.coldOf.get(s)!;
    else {
      c = this.coldOf.size;
      if ((c >> COLD_CHUNK_BITS) === this.coldInts.length) {
        addChunk(this.coldInts, this.coldFloats, COLD_CHUNK_MASK + 1, COLD_REC);
      }
      this.coldOf.set(s, c);
      r[e + FLAGS] = r[e + FLAGS]! | HAS_COLD;
    }
    this.ci32 = this.coldInts[c >> COLD_CHUNK_BITS]!;
    this.cf64 = this.coldFloats[c >> COLD_CHUNK_BITS]!;
    return (c & COLD_CHUNK_MASK) * COLD_REC;
  }

  /** Like `cold`, but for a slot without a cold record points the views at one all zero, and makes none. */
  coldIfAny(s: number): number {
    if ((this.flags(s) & HAS_COLD) !== 0) return this.cold(s);
    this.ci32 = this.zeroI32;
    this.cf64 = this.zeroF64;
    return 0;
  }

  /** Whether slot `s` has a cold record. */
  hasCold(s: number): boolean {
    return (this.flags(s) & HAS_COLD) !== 0;
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

