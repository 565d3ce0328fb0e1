/**
 * The engine's connection table, keyed by the exact 5-tuple with numbers: addresses as small
 * integer ids (`AddressIds`), ports and protocol as they are. Two or more lookups per frame made
 * `${proto}|${a}|${ap}|${b}|${bp}` strings the model's main cost; here a lookup hashes five small
 * integers into a Smi bucket key and compares numbers, allocating nothing.
 */
import type { Flow, FlowRef } from './state.js';

/**
 * Address text → a dense integer id, for numeric keys. Decoded frames hand out cached strings
 * (the same string object per address), whose hash V8 keeps in the string, so this is one probe.
 * Grows with distinct addresses (hosts), never with frames.
 */
export class AddressIds {
  private readonly ids = new Map<string, number>();
  // A frame asks for its two addresses several times: the last two answers, before the Map.
  private last0 = '';
  private id0 = -1;
  private last1 = '';
  private id1 = -1;

  id(ip: string): number {
    if (ip === this.last0) return this.id0;
    if (ip === this.last1) return this.id1;
    let id = this.ids.get(ip);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(ip, id);
    }
    this.last1 = this.last0;
    this.id1 = this.id0;
    this.last0 = ip;
    this.id0 = id;
    return id;
  }

  /** The address's id, or -1 when it has none yet (gives it none). */
  peek(ip: string): number {
    return this.ids.get(ip) ?? -1;
  }

  get size(): number {
    return this.ids.size;
  }
}

/** A 30-bit hash (a Smi on every V8 build) of five integers. */
export function hash5(a: number, b: number, c: number, d: number, e: number): number {
  let h = Math.imul(a, 0x9e3779b1) ^ Math.imul(b, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 15), 0x2c1b3c6d) ^ Math.imul(c, 0xc2b2ae35);
  h = Math.imul(h ^ (h >>> 13), 0x297a2d39) ^ Math.imul(d, 0x165667b1) ^ e;
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  return (h ^ (h >>> 13)) & 0x3fffffff;
}

/** One key of a flow: the tuple it is found under and which side of the flow it is. */
export class FlowKey implements FlowRef {
  readonly flow: Flow;
  readonly server: boolean;
  /** Where the table keeps it; -1 once removed. */
  slot = -1;

  constructor(flow: Flow, server: boolean) {
    this.flow = flow;
    this.server = server;
  }
}

const NONE = -1;
const FIRST_CAPACITY = 1 << 10;
/** Ints per entry: a, b, ports (ap << 16 | bp), proto, hash, next in chain; padded to 8. */
const STRIDE = 8;
const A = 0, B = 1, PORTS = 2, PROTO = 3, HASH = 4, NEXT = 5;

/**
 * Open hashing over one Int32Array: each key's tuple, hash and chain link side by side (a probe
 * touches one cache line, not one per field), chains through slot indices, free slots on a stack.
 * The last two lookups are remembered until the table changes: a director's copy of a packet
 * follows the packet it copies, and both ask for the same tuple.
 */
export class FlowTable {
  private capacity = FIRST_CAPACITY;
  private keys: (FlowKey | null)[] = new Array<FlowKey | null>(FIRST_CAPACITY).fill(null);
  private ents = new Int32Array(FIRST_CAPACITY * STRIDE);
  /** Bucket → first slot; twice the capacity, so chains stay short. */
  private buckets = new Int32Array(2 * FIRST_CAPACITY).fill(NONE);
  private free: number[] = [];
  private used = 0;
  private count = 0;
  private memo0 = new Float64Array(6).fill(Number.NaN);
  private memo1 = new Float64Array(6).fill(Number.NaN);

  /** The key for proto a:ap → b:bp (address ids), if any flow has it. */
  get(proto: number, a: number, ap: number, b: number, bp: number): FlowKey | undefined {
    const ports = (ap << 16) | bp;
    const m0 = this.memo0;
    if (m0[0] === a && m0[1] === b && m0[2] === ports && m0[3] === proto) return m0[4]! < 0 ? undefined : this.keys[m0[4]!]!;
    const m1 = this.memo1;
    if (m1[0] === a && m1[1] === b && m1[2] === ports && m1[3] === proto) return m1[4]! < 0 ? undefined : this.keys[m1[4]!]!;
    const i = this.find(proto, a, b, ports);
    // Keep the newest answer in memo0.
    this.memo1 = m0;
    this.memo0 = m1;
    m1[0] = a; m1[1] = b; m1[2] = ports; m1[3] = proto; m1[4] = i;
    return i === NONE ? undefined : this.keys[i]!;
  }

  /** Indexes flow under the tuple unless another key holds it already; the new key or null. */
  add(flow: Flow, server: boolean, proto: number, a: number, ap: number, b: number, bp: number): FlowKey | null {
    const ports = (ap << 16) | bp;
    if (this.find(proto, a, b, ports) !== NONE) return null;
    this.forget();
    if (this.count === this.capacity) this.grow();
    const i = this.free.length > 0 ? this.free.pop()! : this.used++;
    const key = new FlowKey(flow, server);
    key.slot = i;
    const h = hash5(a, b, ports, proto, 0);
    this.keys[i] = key;
    const e = i * STRIDE;
    const ents = this.ents;
    ents[e + A] = a;
    ents[e + B] = b;
    ents[e + PORTS] = ports;
    ents[e + PROTO] = proto;
    ents[e + HASH] = h;
    const bucket = h & (this.buckets.length - 1);
    ents[e + NEXT] = this.buckets[bucket]!;
    this.buckets[bucket] = i;
    this.count++;
    return key;
  }

  remove(key: FlowKey): void {
    const i = key.slot;
    if (i === NONE || this.keys[i] !== key) return;
    this.forget();
    const ents = this.ents;
    const bucket = ents[i * STRIDE + HASH]! & (this.buckets.length - 1);
    let j = this.buckets[bucket]!;
    if (j === i) {
      this.buckets[bucket] = ents[i * STRIDE + NEXT]!;
    } else {
      while (j !== NONE) {
        const next = ents[j * STRIDE + NEXT]!;
        if (next === i) { ents[j * STRIDE + NEXT] = ents[i * STRIDE + NEXT]!; break; }
        j = next;
      }
    }
    ents[i * STRIDE + NEXT] = NONE;
    this.keys[i] = null;
    key.slot = NONE;
    this.free.push(i);
    this.count--;
  }

  get size(): number {
    return this.count;
  }

  private forget(): void {
    this.memo0[0] = this.memo1[0] = Number.NaN;
  }

  private find(proto: number, a: number, b: number, ports: number): number {
    const ents = this.ents;
    const h = hash5(a, b, ports, proto, 0);
    for (let i = this.buckets[h & (this.buckets.length - 1)]!; i !== NONE; i = ents[i * STRIDE + NEXT]!) {
      const e = i * STRIDE;
      if (ents[e + A] === a && ents[e + B] === b && ents[e + PORTS] === ports && ents[e + PROTO] === proto) return i;
    }
    return NONE;
  }

  private grow(): void {
    const cap = this.capacity * 2;
    const ents = new Int32Array(cap * STRIDE);
    ents.set(this.ents);
    this.ents = ents;
    for (let i = this.capacity; i < cap; i++) this.keys.push(null);
    this.capacity = cap;
    this.buckets = new Int32Array(2 * cap).fill(NONE);
    for (let i = 0; i < this.used; i++) {
      if (this.keys[i] === null) continue;
      const bucket = ents[i * STRIDE + HASH]! & (this.buckets.length - 1);
      ents[i * STRIDE + NEXT] = this.buckets[bucket]!;
      this.buckets[bucket] = i;
    }
  }
}
