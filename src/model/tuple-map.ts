/**
 * One direction of a conversation, a:ap → b:bp (addresses as `AddressIds` numbers), to a dense
 * slot number: 0, 1, 2… in the order tuples were first added. The fault watchers keep their
 * per-conversation state in typed arrays indexed by slot, so neither a lookup nor a new
 * conversation allocates an object (per-packet string keys, then a Map of Maps, were most of
 * their cost). Tuples are never removed: each watcher bounds how many it keeps.
 */
import { hash5 } from './flow-table.js';

const NONE = -1;
const FIRST_SLOTS = 1 << 9;

export class TupleIndex {
  /** Per slot: a, b, (ap << 16) | bp. */
  private keys = new Int32Array(3 * FIRST_SLOTS);
  /** Open addressing, linear probing: slot + 1, 0 when empty; at least twice the slots. */
  private table = new Int32Array(2 * FIRST_SLOTS);
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
    const table = this.table;
    const keys = this.keys;
    const mask = table.length - 1;
    for (let i = hash5(a, b, ports, 0, 0) & mask; ; i = (i + 1) & mask) {
      const s = table[i]! - 1;
      if (s === NONE) return NONE;
      const k = 3 * s;
      if (keys[k] === a && keys[k + 1] === b && keys[k + 2] === ports) return s;
    }
  }

  /** A new slot for a tuple `find` did not find. */
  add(a: number, ap: number, b: number, bp: number): number {
    const s = this.count;
    if (3 * (s + 1) > this.keys.length) this.grow();
    const ports = (ap << 16) | bp;
    const k = 3 * s;
    this.keys[k] = a;
    this.keys[k + 1] = b;
    this.keys[k + 2] = ports;
    this.count++;
    this.place(s, hash5(a, b, ports, 0, 0));
    // A remembered miss may be this tuple.
    this.memo[0] = this.memo[4] = -1;
    return s;
  }

  /** Slots in use (the next slot number). */
  get size(): number {
    return this.count;
  }

  private place(s: number, h: number): void {
    const table = this.table;
    const mask = table.length - 1;
    let i = h & mask;
    while (table[i] !== 0) i = (i + 1) & mask;
    table[i] = s + 1;
  }

  private grow(): void {
    const keys = new Int32Array(this.keys.length * 2);
    keys.set(this.keys);
    this.keys = keys;
    this.table = new Int32Array(this.table.length * 2);
    for (let s = 0; s < this.count; s++) this.place(s, hash5(keys[3 * s]!, keys[3 * s + 1]!, keys[3 * s + 2]!, 0, 0));
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
