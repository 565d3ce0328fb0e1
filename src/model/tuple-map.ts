/**
 * A client (address as an `AddressIds` number, and port) to a dense slot number, 0, 1, 2… in the
 * order clients were first added, each slot with a record of REC int32s that holds its key and
 * the user's numbers side by side: a lookup touches its bucket and one record, where a key in the
 * bucket and each number in an array of its own cost a cache miss apiece on a table of tens of
 * thousands of clients. Records live in fixed-size chunks and the table is sized once for the
 * most slots the user keeps, so growing copies nothing: memory a copy-on-growth touches anew is
 * a page fault per 4 KB, and most of what such tables cost. Slots are never removed.
 */
import { hash5 } from './flow-table.js';
import { addChunk, bucketsFor } from './record-chunks.js';

const NONE = -1;
/**
 * A record, in int32 units (32 bytes, two to a cache line): the key's address, and its port in the
 * low 16 bits of the next (the high 16 are the user's). A float field sits at an even offset, read
 * through the Float64Array view at half of it.
 */
export const REC = 8;
export const KEY_ADDR = 0, KEY_PORT = 1;
/** Records per chunk (128 KB): chunks are added as slots are. */
const CHUNK_BITS = 12;
const CHUNK_MASK = (1 << CHUNK_BITS) - 1;
/** A bucket: (tag << SLOT_BITS) | (slot + 1), 0 when empty; the tag, high bits of the hash, spares most mismatches a look at the record. */
const SLOT_BITS = 20;
const SLOT_MASK = (1 << SLOT_BITS) - 1;
/** hash5's 30 bits: those above a bucket number. */
const TAG_SHIFT = 20;

export class ClientRecords {
  /** Open addressing, linear probing; at most 4/5 full. */
  private readonly table: Int32Array;
  private readonly mask: number;
  private readonly ints: Int32Array[] = [];
  private readonly floats: Float64Array[] = [];
  private count = 0;
  /** The most slots `add` gives. */
  readonly capacity: number;

  /**
   * The last two answers (address, port, slot each; address -1: none): a director's copy of a
   * packet follows the packet, and a reply its request, so most lookups were just made.
   */
  private readonly memo = new Int32Array([-1, 0, 0, -1, 0, 0]);
  private memoNext = 0;

  /** The views of `at`'s slot. */
  i32: Int32Array = new Int32Array(0);
  f64: Float64Array = new Float64Array(0);

  /** `capacity`: the most slots the user keeps (below 2^SLOT_BITS); the table is sized for them once. */
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

  /** The client's slot, or -1. */
  find(a: number, port: number): number {
    const m = this.memo;
    if (m[0] === a && m[1] === port) return m[2]!;
    if (m[3] === a && m[4] === port) return m[5]!;
    const s = this.probe(a, port);
    const k = this.memoNext;
    this.memoNext = 3 - k;
    m[k] = a; m[k + 1] = port; m[k + 2] = s;
    return s;
  }

  private probe(a: number, port: number): number {
    const h = hash5(a, port, 0, 0, 0);
    const tag = h >>> TAG_SHIFT;
    const table = this.table;
    const mask = this.mask;
    for (let i = h & mask; ; i = (i + 1) & mask) {
      const x = table[i]!;
      if (x === 0) return NONE;
      if (x >>> SLOT_BITS !== tag) continue;
      const s = (x & SLOT_MASK) - 1;
      const r = this.ints[s >> CHUNK_BITS]!;
      const e = (s & CHUNK_MASK) * REC;
      if (r[e + KEY_ADDR] === a && (r[e + KEY_PORT]! & 0xffff) === port) return s;
    }
  }

  /** A new slot for a client `find` did not find (check `size` against `capacity` first); its record is all zero but for the key. */
  add(a: number, port: number): number {
    const s = this.count;
    if (s >= this.capacity) throw new RangeError(`ClientRecords: more than ${this.capacity} clients`);
    if ((s >> CHUNK_BITS) === this.ints.length) {
      addChunk(this.ints, this.floats, CHUNK_MASK + 1, REC);
    }
    const r = this.ints[s >> CHUNK_BITS]!;
    const e = (s & CHUNK_MASK) * REC;
    r[e + KEY_ADDR] = a; r[e + KEY_PORT] = port;
    this.count++;
    const h = hash5(a, port, 0, 0, 0);
    const table = this.table;
    const mask = this.mask;
    let i = h & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = ((h >>> TAG_SHIFT) << SLOT_BITS) | (s + 1);
    // A remembered miss may be this client.
    this.memo[0] = this.memo[3] = -1;
    return s;
  }

  /** Points `i32` and `f64` at slot `s`'s chunk; returns its record's offset in `i32` (in `f64`: half of it). */
  at(s: number): number {
    const k = s >> CHUNK_BITS;
    this.i32 = this.ints[k]!;
    this.f64 = this.floats[k]!;
    return (s & CHUNK_MASK) * REC;
  }
}
