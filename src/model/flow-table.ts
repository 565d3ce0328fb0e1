/**
 * The engine's connection table, keyed by the exact 5-tuple with numbers: addresses as small
 * integer ids (`AddressIds`), ports and protocol as they are. Two or more lookups per frame made
 * `${proto}|${a}|${ap}|${b}|${bp}` strings the model's main cost; here a lookup hashes five small
 * integers into a Smi bucket key and compares numbers, allocating nothing.
 */

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

/**
 * The home of proto a:ap → b:bp, the same as of its reverse b:bp → a:ap: a packet not found
 * under its own tuple is looked up reversed next (a reply), and that second probe reads the
 * cache line the first one brought in (a third of the lookups on a busy capture).
 */
function tupleHash(a: number, b: number, ports: number, proto: number): number {
  const forward = a < b || (a === b && ports >>> 16 <= (ports & 0xffff));
  return hash5(forward ? a : b, forward ? b : a, forward ? ports : (ports << 16) | (ports >>> 16), proto, 0);
}

/** No key: what `get` and `add` answer when there is none. */
export const NO_KEY = -1;
const NONE = NO_KEY;
const FIRST_SLOTS = 1 << 10;
/**
 * Slot records come in chunks of 2^14 slots (the first one grows to that size by copying): tens
 * of thousands of connections' records are not copied, nor their new memory first touched, at
 * every growth.
 */
const CHUNK_BITS = 14;
const CHUNK_SLOTS = 1 << CHUNK_BITS;
/** Ints per slot record: a, b, ports (ap << 16 | bp), proto | server << 8, owner (-1: none). */
const KREC = 5;
const A = 0, B = 1, PORTS = 2, PROTO = 3, OWNER = 4;
const SERVER_BIT = 1 << 8;
/**
 * Ints per bucket: a, b, ports, and (slot + 1) << 9 | server << 8 | proto (0: empty). A slot of
 * 2^22 or more would not fit: that many live entries at once would have exhausted the heap long
 * before.
 */
const BUCKET = 4;
const TAG = 3;
const MAX_SLOTS = (1 << 22) - 1;
/**
 * Buckets at first (128 KiB: zero pages, mapped only where touched). Every growth places every
 * live key again, so the table grows fourfold while small, then twofold (a fourfold step from
 * 128 Ki buckets would make 8 MiB of mostly empty buckets, each page of it touched).
 */
const FIRST_BUCKETS = 1 << 13;
/**
 * Most keys a table of n buckets holds before it grows: 7n/10. A miss probes about four buckets
 * (one or two cache lines) at that load; at most half full, 70 k connections took a 4 MiB table
 * where 2 MiB hold them, and every page of a new table is first touched (a fault) as keys are placed.
 */
const MAX_LOAD_TENTHS = 7;
const FOURFOLD_BELOW = 1 << 17;

/**
 * Open addressing with linear probing, each bucket holding its tuple and key (a probe reads one
 * cache line, four buckets each; chained slots cost a second, dependent miss per lookup on a
 * table of tens of thousands of connections), at most 7/10 full, removal by shifting the
 * following buckets back (no tombstones). A key is a stable slot number and the tuple's side
 * (slot << 1 | server): its owner (a flow's handle, model/flow.ts) is read by slot (`ownerAt`)
 * and its side from the key itself (`isServerKey`, asked of nearly every packet, so no second
 * read), so keying a flow allocates nothing (an object and an array per flow for its keys were a
 * third of a live connection's memory), and the table holds no references (an array of them grew,
 * and was copied, with the connections). Empty is 0, so a fresh table is zero pages the kernel maps only where
 * touched. The last two lookups are remembered until the table changes: a director's copy of a
 * packet follows the packet it copies, and both ask for the same tuple.
 */
export class FlowTable {
  private slotCapacity = FIRST_SLOTS;
  /**
   * Per slot, in chunks (slot >> CHUNK_BITS): its tuple and side (to place it again when the
   * buckets grow, and find its bucket when it goes), and owner.
   */
  private readonly chunks: Int32Array[] = [new Int32Array(FIRST_SLOTS * KREC)];
  private buckets = new Int32Array(FIRST_BUCKETS * BUCKET);
  private mask = FIRST_BUCKETS - 1;
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

  /** The owner of a key (from `get` or `add`). */
  ownerAt(key: number): number {
    const slot = key >> 1;
    return this.chunks[slot >>> CHUNK_BITS]![(slot & (CHUNK_SLOTS - 1)) * KREC + OWNER]!;
  }

  /** Whether the key is the flow's server-side tuple (CIP/LIP→RIP), not its client→VIP one. */
  isServerKey(key: number): boolean {
    return (key & 1) !== 0;
  }

  /** Indexes owner (>= 0) under the tuple unless another key holds it already; the new key or NO_KEY. */
  add(owner: number, server: boolean, proto: number, a: number, ap: number, b: number, bp: number): number {
    // Through the remembered answers: a new flow's tuple was looked up (and missed) just before.
    if (this.get(proto, a, ap, b, bp) !== NONE) return NONE;
    const ports = (ap << 16) | bp;
    const slot = this.free.length > 0 ? this.free.pop()! : this.used;
    if (slot >= MAX_SLOTS) return NONE;
    this.forget();
    // Before the new slot is one of the live ones that growing places again.
    if (10 * (this.count + 1) > MAX_LOAD_TENTHS * (this.mask + 1)) this.growBuckets();
    this.count++;
    if (slot === this.used) {
      if (slot === this.slotCapacity) this.growSlots();
      this.used++;
    }
    const side = server ? SERVER_BIT : 0;
    const r = (slot & (CHUNK_SLOTS - 1)) * KREC;
    const keys = this.chunks[slot >>> CHUNK_BITS]!;
    keys[r + A] = a;
    keys[r + B] = b;
    keys[r + PORTS] = ports;
    keys[r + PROTO] = proto | side;
    keys[r + OWNER] = owner;
    this.place(slot, a, b, ports, proto | side);
    return (slot << 1) | (server ? 1 : 0);
  }

  /** Drops key `i` if it is still owner's (a flow's keys go once, when it finishes). */
  remove(key: number, owner: number): void {
    if (key === NONE) return;
    const i = key >> 1;
    const r = (i & (CHUNK_SLOTS - 1)) * KREC;
    const keys = this.chunks[i >>> CHUNK_BITS]!;
    if (keys[r + OWNER] !== owner) return;
    this.forget();
    const tag = ((i + 1) << 9) | keys[r + PROTO]!;
    const buckets = this.buckets;
    const mask = this.mask;
    let at = tupleHash(keys[r + A]!, keys[r + B]!, keys[r + PORTS]!, keys[r + PROTO]! & 0xff) & mask;
    while (buckets[at * BUCKET + TAG] !== tag) at = (at + 1) & mask;
    // Shift back each following bucket whose home is not between the hole and it.
    for (let next = (at + 1) & mask; ; next = (next + 1) & mask) {
      const n = next * BUCKET;
      const t = buckets[n + TAG]!;
      if (t === 0) break;
      const home = tupleHash(buckets[n + A]!, buckets[n + B]!, buckets[n + PORTS]!, t & 0xff) & mask;
      if (((next - home) & mask) >= ((next - at) & mask)) {
        buckets.copyWithin(at * BUCKET, n, n + BUCKET);
        at = next;
      }
    }
    buckets.fill(0, at * BUCKET, at * BUCKET + BUCKET);
    keys[r + OWNER] = NONE;
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
    const buckets = this.buckets;
    const mask = this.mask;
    for (let i = tupleHash(a, b, ports, proto) & mask; ; i = (i + 1) & mask) {
      const e = i * BUCKET;
      const t = buckets[e + TAG]!;
      if (t === 0) return NONE;
      // The key: the slot, and the side from the server bit.
      if (buckets[e + A] === a && buckets[e + B] === b && buckets[e + PORTS] === ports && (t & 0xff) === proto) return (((t >>> 9) - 1) << 1) | ((t >>> 8) & 1);
    }
  }

  /** `protoSide`: the slot record's proto | server << 8. */
  private place(slot: number, a: number, b: number, ports: number, protoSide: number): void {
    const buckets = this.buckets;
    const mask = this.mask;
    let i = tupleHash(a, b, ports, protoSide & 0xff) & mask;
    while (buckets[i * BUCKET + TAG] !== 0) i = (i + 1) & mask;
    const e = i * BUCKET;
    buckets[e + A] = a;
    buckets[e + B] = b;
    buckets[e + PORTS] = ports;
    buckets[e + TAG] = ((slot + 1) << 9) | protoSide;
  }

  /** The first chunk grows fourfold (a typed array's new memory costs nothing until used, its copy does), then chunks are added. */
  private growSlots(): void {
    if (this.slotCapacity < CHUNK_SLOTS) {
      this.slotCapacity *= 4;
      const keys = new Int32Array(this.slotCapacity * KREC);
      keys.set(this.chunks[0]!);
      this.chunks[0] = keys;
    } else {
      this.slotCapacity += CHUNK_SLOTS;
      this.chunks.push(new Int32Array(CHUNK_SLOTS * KREC));
    }
  }

  /** More buckets, every live key placed again from its record. */
  private growBuckets(): void {
    const size = (this.mask + 1) * (this.mask + 1 < FOURFOLD_BELOW ? 4 : 2);
    this.buckets = new Int32Array(size * BUCKET);
    this.mask = size - 1;
    for (let k = 0; k < this.used; k++) {
      const keys = this.chunks[k >>> CHUNK_BITS]!;
      const r = (k & (CHUNK_SLOTS - 1)) * KREC;
      if (keys[r + OWNER] === NONE) continue;
      this.place(k, keys[r + A]!, keys[r + B]!, keys[r + PORTS]!, keys[r + PROTO]!);
    }
  }
}
