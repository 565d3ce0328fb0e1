/**
 * The engine's connection table, keyed by the exact 5-tuple with numbers: addresses as small
 * integer ids (`AddressIds`), ports and protocol as they are. Two or more lookups per frame made
 * `${proto}|${a}|${ap}|${b}|${bp}` strings the model's main cost; here a lookup hashes five small
 * integers into a Smi bucket key and compares numbers, allocating nothing.
 */
import type { Flow } from './state.js';

/**
 * Address text → a dense integer id, for numeric keys. Decoded frames hand out cached strings
 * (the same string object per address), whose hash V8 keeps in the string, so this is one probe.
 * Grows with distinct addresses (hosts), never with frames.
 */
export class AddressIds {
  private readonly ids = new Map<string, number>();
  /** Id → address text. */
  private readonly texts: string[] = [];
  // A frame asks for its two addresses several times: the last two answers, before the Map.
  private last0 = '';
  private id0 = -1;
  private last1 = '';
  private id1 = -1;
  /** The reading side's number → id + 1 (0: not seen yet); see `fed`. */
  private byFed = new Int32Array(256);

  id(ip: string): number {
    if (ip === this.last0) return this.id0;
    if (ip === this.last1) return this.id1;
    let id = this.ids.get(ip);
    if (id === undefined) {
      id = this.ids.size;
      this.ids.set(ip, id);
      this.texts.push(ip);
    }
    this.last1 = this.last0;
    this.id1 = this.id0;
    this.last0 = ip;
    this.id0 = id;
    return id;
  }

  /**
   * The id of `ip`, which the reading side numbered `fedId` (Packet.srcAddrId/dstAddrId; -1 or 0:
   * none, or no address): a typed-array read once the number was seen, not a text lookup.
   */
  fed(fedId: number, ip: string): number {
    if (fedId <= 0) return this.id(ip);
    if (fedId >= this.byFed.length) {
      const grown = new Int32Array(Math.max(2 * this.byFed.length, fedId + 1));
      grown.set(this.byFed);
      this.byFed = grown;
    }
    const known = this.byFed[fedId]!;
    if (known !== 0) return known - 1;
    const id = this.id(ip);
    this.byFed[fedId] = id + 1;
    return id;
  }

  /** The address's id, or -1 when it has none yet (gives it none). */
  peek(ip: string): number {
    return this.ids.get(ip) ?? -1;
  }

  /** The text an id was given for. */
  text(id: number): string {
    return this.texts[id]!;
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

/** No key: what `get` and `add` answer when there is none. */
export const NO_KEY = -1;
const NONE = NO_KEY;
const FIRST_CAPACITY = 1 << 10;
/** Ints per entry: a, b, ports (ap << 16 | bp), proto, hash, next in chain, server side; padded to 8. */
const STRIDE = 8;
const A = 0, B = 1, PORTS = 2, PROTO = 3, HASH = 4, NEXT = 5, SERVER = 6;

/**
 * Open hashing over one Int32Array: each key's tuple, hash and chain link side by side (a probe
 * touches one cache line, not one per field), chains through slot indices, free slots on a stack.
 * A key is its slot number: the flow it finds and its side (`flowAt`, `isServerKey`) are read by
 * slot, so keying a flow allocates nothing (an object and an array per flow for its keys were a
 * third of a live connection's memory). The last two lookups are remembered until the table
 * changes: a director's copy of a packet follows the packet it copies, and both ask for the same
 * tuple.
 */
export class FlowTable {
  private capacity = FIRST_CAPACITY;
  private flows: (Flow | null)[] = new Array<Flow | null>(FIRST_CAPACITY).fill(null);
  private ents = new Int32Array(FIRST_CAPACITY * STRIDE);
  /** Bucket → first slot; twice the capacity, so chains stay short. */
  private buckets = new Int32Array(2 * FIRST_CAPACITY).fill(NONE);
  private free: number[] = [];
  private used = 0;
  private count = 0;
  private memo0 = new Float64Array(6).fill(Number.NaN);
  private memo1 = new Float64Array(6).fill(Number.NaN);

  /** The key (slot) for proto a:ap → b:bp (address ids), or NO_KEY when no flow has it. */
  get(proto: number, a: number, ap: number, b: number, bp: number): number {
    const ports = (ap << 16) | bp;
    const m0 = this.memo0;
    if (m0[0] === a && m0[1] === b && m0[2] === ports && m0[3] === proto) return m0[4]!;
    const m1 = this.memo1;
    if (m1[0] === a && m1[1] === b && m1[2] === ports && m1[3] === proto) return m1[4]!;
    const i = this.find(proto, a, b, ports);
    // Keep the newest answer in memo0.
    this.memo1 = m0;
    this.memo0 = m1;
    m1[0] = a; m1[1] = b; m1[2] = ports; m1[3] = proto; m1[4] = i;
    return i;
  }

  /** The flow a key (from `get` or `add`) finds. */
  flowAt(key: number): Flow {
    return this.flows[key]!;
  }

  /** Whether the key is the flow's server-side tuple (CIP/LIP→RIP), not its client→VIP one. */
  isServerKey(key: number): boolean {
    return this.ents[key * STRIDE + SERVER] !== 0;
  }

  /** Indexes flow under the tuple unless another key holds it already; the new key or NO_KEY. */
  add(flow: Flow, server: boolean, proto: number, a: number, ap: number, b: number, bp: number): number {
    // Through the remembered answers: a new flow's tuple was looked up (and missed) just before.
    if (this.get(proto, a, ap, b, bp) !== NONE) return NONE;
    const ports = (ap << 16) | bp;
    this.forget();
    if (this.count === this.capacity) this.grow();
    const i = this.free.length > 0 ? this.free.pop()! : this.used++;
    const h = hash5(a, b, ports, proto, 0);
    this.flows[i] = flow;
    const e = i * STRIDE;
    const ents = this.ents;
    ents[e + A] = a;
    ents[e + B] = b;
    ents[e + PORTS] = ports;
    ents[e + PROTO] = proto;
    ents[e + HASH] = h;
    ents[e + SERVER] = server ? 1 : 0;
    const bucket = h & (this.buckets.length - 1);
    ents[e + NEXT] = this.buckets[bucket]!;
    this.buckets[bucket] = i;
    this.count++;
    return i;
  }

  /** Drops key `i` if it is still flow's (a flow's keys go once, when it finishes). */
  remove(i: number, flow: Flow): void {
    if (i === NONE || this.flows[i] !== flow) return;
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
    this.flows[i] = null;
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
    for (let i = this.capacity; i < cap; i++) this.flows.push(null);
    this.capacity = cap;
    this.buckets = new Int32Array(2 * cap).fill(NONE);
    for (let i = 0; i < this.used; i++) {
      if (this.flows[i] === null) continue;
      const bucket = ents[i * STRIDE + HASH]! & (this.buckets.length - 1);
      ents[i * STRIDE + NEXT] = this.buckets[bucket]!;
      this.buckets[bucket] = i;
    }
  }
}
