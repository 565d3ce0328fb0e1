/**
 * One direction of a conversation, a:ap → b:bp (addresses as `AddressIds` numbers), to a dense
 * slot number: 0, 1, 2… in the order tuples were first added. The fault watchers keep their
 * per-conversation state in typed arrays indexed by slot, so neither a lookup nor a new
 * conversation allocates an object (per-packet string keys, then a Map of Maps, were most of
 * their cost). Tuples are never removed: each watcher bounds how many it keeps.
 */
import { hash5 } from './flow-table.js';

const NONE = -1;
/** Buckets at first; at most half are used. */
const FIRST_BUCKETS = 1 << 10;
/** Ints per bucket: a, b, (ap << 16) | bp, slot + 1 (0: empty). */
const BUCKET = 4;

export class TupleIndex {
  /**
   * Open addressing, linear probing, each bucket holding its tuple beside its slot: a lookup
   * reads one cache line (four buckets), where a bucket of slot numbers and a separate key array
   * cost two dependent misses on a table of tens of thousands of tuples.
   */
  private buckets = new Int32Array(FIRST_BUCKETS * BUCKET);
  private mask = FIRST_BUCKETS - 1;
  private count = 0;

  /**
   * The last two answers (a, b, ports, slot each; a = -1: none): a director's copy of a packet
   * follows the packet, and a reply its request, so most lookups were just made.
   */
  private readonly memo = new Int32Array([-1, 0, 0, 0, -1, 0, 0, 0]);
  private memoNext = 0;

  /** The tuple's slot, or -1. */
  find(a: number, ap: number, b: number, bp: number): number {
    const ports = (ap << 16) | bp;
    const m = this.memo;
    if (m[0] === a && m[1] === b && m[2] === ports) return m[3]!;
    if (m[4] === a && m[5] === b && m[6] === ports) return m[7]!;
    const s = this.probe(a, b, ports);
    const k = this.memoNext;
    this.memoNext = 4 - k;
    m[k] = a; m[k + 1] = b; m[k + 2] = ports; m[k + 3] = s;
    return s;
  }

  private probe(a: number, b: number, ports: number): number {
    const buckets = this.buckets;
    const mask = this.mask;
    for (let i = hash5(a, b, ports, 0, 0) & mask; ; i = (i + 1) & mask) {
      const e = i * BUCKET;
      const s1 = buckets[e + 3]!;
      if (s1 === 0) return NONE;
      if (buckets[e] === a && buckets[e + 1] === b && buckets[e + 2] === ports) return s1 - 1;
    }
  }

  /** A new slot for a tuple `find` did not find. */
  add(a: number, ap: number, b: number, bp: number): number {
    const s = this.count++;
    if (2 * this.count > this.mask + 1) this.grow();
    this.place(a, b, (ap << 16) | bp, s + 1);
    // A remembered miss may be this tuple.
    this.memo[0] = this.memo[4] = -1;
    return s;
  }

  /** Slots in use (the next slot number). */
  get size(): number {
    return this.count;
  }

  private place(a: number, b: number, ports: number, slotPlus1: number): void {
    const buckets = this.buckets;
    const mask = this.mask;
    let i = hash5(a, b, ports, 0, 0) & mask;
    while (buckets[i * BUCKET + 3] !== 0) i = (i + 1) & mask;
    const e = i * BUCKET;
    buckets[e] = a;
    buckets[e + 1] = b;
    buckets[e + 2] = ports;
    buckets[e + 3] = slotPlus1;
  }

  /** Twice the buckets, each tuple placed again from the old ones. */
  private grow(): void {
    const old = this.buckets;
    this.buckets = new Int32Array(old.length * 2);
    this.mask = 2 * (this.mask + 1) - 1;
    for (let e = 0; e < old.length; e += BUCKET) {
      if (old[e + 3] !== 0) this.place(old[e]!, old[e + 1]!, old[e + 2]!, old[e + 3]!);
    }
  }
}

/** Typed arrays twice as long, the old values first (for slot-indexed state); the return type is inferred so it stays the plain-ArrayBuffer one `new` gives. */
export function grownF64(a: Float64Array) {
  const b = new Float64Array(a.length * 2);
  b.set(a);
  return b;
}

export function grownI32(a: Int32Array) {
  const b = new Int32Array(a.length * 2);
  b.set(a);
  return b;
}

export function grownU8(a: Uint8Array) {
  const b = new Uint8Array(a.length * 2);
  b.set(a);
  return b;
}
