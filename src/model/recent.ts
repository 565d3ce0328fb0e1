/**
 * A short memory of recently seen IP packets, so the director's copy of a packet can be paired
 * with the copy it received: the same packet seen twice is how DR and NAT show themselves.
 *
 * Bounded by time and size: pairs are microseconds to milliseconds apart, so a few seconds of
 * capture time is plenty and memory never grows with the capture.
 *
 * Keyed by (address id, port, protocol, IP ID, TCP seq), looked up on most frames, so nothing here
 * allocates once warm: entries live in a ring of parallel arrays in insertion order (eviction only
 * ever removes the oldest, so the ring is the eviction queue), chained per hash bucket. `get`
 * copies an entry into one of two reused view objects.
 *
 * Eviction only moves the ring's head: it unlinks nothing. Each entry has a serial number (its
 * insertion count), and a chain, built by prepending, runs from newer to older, so a walk stops at
 * the first entry that is gone: older than the head, not older than the one before it (its slot
 * was reused by a later entry), or in another bucket (likewise). On a capture where every frame is
 * new to the memory, unlinking the oldest entry on every insert was most of a frame's cost.
 */
import { hash5 } from './flow-table.js';
import type { Packet } from './packet.js';

export interface SeenPacket {
  readonly n: number;
  readonly t: number;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly pktType: number;
  readonly src: string;
  readonly dst: string;
  readonly sport: number;
  readonly dport: number;
  readonly ttl: number;
}

/** What `get` hands out: a copy of one entry, refilled on the next-but-one `get`. */
class View implements SeenPacket {
  n = 0;
  t = 0;
  srcMac = '';
  dstMac = '';
  pktType = -1;
  src = '';
  dst = '';
  sport = 0;
  dport = 0;
  ttl = 0;
}

const MAX_AGE = 2; // seconds
/**
 * Two keys a frame (a cooked capture's arrivals three or four: hops.ts): the 4,096 frames sent to
 * the director before a packet's copy (about 2,048 on a cooked capture), far more than
 * a director's forwarding delay spans even at a million frames a second (microseconds: on an
 * `any` capture the copies are adjacent). Every frame's insert lands in a random bucket, so the
 * memory's size is its cost: at 65,536 entries the buckets and ring no longer fit the caches and
 * the inserts were a third of the small-frame bench's model thread; at 8,192 they fit, and the
 * pairs found on both 1M-frame bench captures are the same.
 */
export const MAX_ENTRIES = 1 << 13;
const FIRST_CAPACITY = 1 << 10;
const NONE = -1;

export class RecentPackets {
  // Ring of entries in parallel arrays (typed where they can be); live entries are
  // [head, head + count) modulo capacity, oldest first.
  private capacity = FIRST_CAPACITY;
  private head = 0;
  private count = 0;
  /** Entries ever inserted: the next one's serial; the head's is `inserted - count`. */
  private inserted = 0;
  /** The key as two exact numbers, side by side: (address id, protocol, port), (IP ID, seq). */
  private keys = new Float64Array(2 * FIRST_CAPACITY);
  /** Per entry: its hash, the next (older) entry in its chain. */
  private links = new Int32Array(2 * FIRST_CAPACITY).fill(NONE);
  private serials = new Float64Array(FIRST_CAPACITY);
  /** Per entry: the frame that inserted it (ns holds the latest one to set it). */
  private firstNs = new Float64Array(FIRST_CAPACITY);
  /** Bucket → newest entry (NONE when empty); twice the capacity, so chains stay short. */
  private buckets = new Int32Array(2 * FIRST_CAPACITY).fill(NONE);
  private ns = new Float64Array(FIRST_CAPACITY);
  private ts = new Float64Array(FIRST_CAPACITY);
  private pktTypes = new Int32Array(FIRST_CAPACITY);
  private sports = new Int32Array(FIRST_CAPACITY);
  private dports = new Int32Array(FIRST_CAPACITY);
  private ttls = new Int32Array(FIRST_CAPACITY);
  private srcMacs: string[] = new Array<string>(FIRST_CAPACITY).fill('');
  private dstMacs: string[] = new Array<string>(FIRST_CAPACITY).fill('');
  private srcs: string[] = new Array<string>(FIRST_CAPACITY).fill('');
  private dsts: string[] = new Array<string>(FIRST_CAPACITY).fill('');
  private readonly views = [new View(), new View()];
  /** The time of the insert that evicts (see `set`). */
  private readonly now = new Float64Array(1);
  private nextView = 0;

  /**
   * The entry under the key, as a view valid until the second `get` after this one. `seen`: the
   * packet's Packet.srcKeySeen/dstKeySeen for this key (-1 when unknown).
   */
  get(addr: number, port: number, proto: number, ipId: number, seq: number, seen = -1): SeenPacket | undefined {
    const i = this.absent(seen) ? NONE : this.find(addr, port, proto, ipId, seq, hash5(addr, port, proto, ipId, seq));
    if (i === NONE) return undefined;
    const v = this.views[this.nextView]!;
    this.nextView ^= 1;
    v.n = this.ns[i]!; v.t = this.ts[i]!; v.srcMac = this.srcMacs[i]!; v.dstMac = this.dstMacs[i]!; v.pktType = this.pktTypes[i]!;
    v.src = this.srcs[i]!; v.dst = this.dsts[i]!; v.sport = this.sports[i]!; v.dport = this.dports[i]!; v.ttl = this.ttls[i]!;
    return v;
  }

  /**
   * Remembers p's fields under the key (in place when the key is there already: it keeps its age
   * rank); p.t is the time now. The seq may be given as a signed 32-bit value (`p.seq | 0`, which
   * a caller passes without boxing a double) or unsigned: the key is the same.
   */
  set(addr: number, port: number, proto: number, ipId: number, seq: number, p: Packet, seen = -1): void {
    const k1 = (addr * 256 + proto) * 65536 + port;
    const k2 = ipId * 0x100000000 + (seq | 0);
    const h = hash5(addr, port, proto, ipId, seq);
    let i = this.absent(seen) ? NONE : this.find(addr, port, proto, ipId, seq, h);
    if (i === NONE) {
      if (this.count === this.capacity) this.grow();
      i = (this.head + this.count) & (this.capacity - 1);
      this.count++;
      this.keys[2 * i] = k1;
      this.keys[2 * i + 1] = k2;
      this.serials[i] = this.inserted++;
      this.firstNs[i] = p.n;
      const b = h & (this.buckets.length - 1);
      this.links[2 * i] = h;
      this.links[2 * i + 1] = this.buckets[b]!;
      this.buckets[b] = i;
    }
    this.ns[i] = p.n; this.ts[i] = p.t; this.srcMacs[i] = p.srcMac; this.dstMacs[i] = p.dstMac; this.pktTypes[i] = p.pktType;
    this.srcs[i] = p.src; this.dsts[i] = p.dst; this.sports[i] = p.sport; this.dports[i] = p.dport; this.ttls[i] = p.ttl;
    // A key seen again keeps its old place in the eviction order; it is then evicted a little early,
    // which only costs a missed pair for packets repeated seconds apart (retransmissions).
    if (this.count > MAX_ENTRIES || (this.count & 1023) === 0) {
      // The time goes through a typed array: a double argument to a call not inlined is a new
      // heap number, and once the memory is full this runs on every insert.
      this.now[0] = p.t;
      this.evict();
    }
  }

  /**
   * A key last carried by frame `seen` or earlier is not here when the oldest entry came later:
   * entries come in frame order, and each key's entry was inserted by a frame that carried it.
   * Saves the lookup (random memory accesses) for the many packets new to the memory.
   */
  private absent(seen: number): boolean {
    return seen >= 0 && (this.count === 0 || seen < this.firstNs[this.head]!);
  }

  /**
   * The key's entry, or NONE. It takes the key's parts, not the two numbers it is stored as: those
   * exceed a small integer, and as arguments of a call that is not inlined each was a new heap
   * number (two allocations a lookup, most of what a frame allocated).
   */
  private find(addr: number, port: number, proto: number, ipId: number, seq: number, h: number): number {
    const k1 = (addr * 256 + proto) * 65536 + port;
    const k2 = ipId * 0x100000000 + (seq | 0);
    const keys = this.keys;
    const links = this.links;
    const serials = this.serials;
    const mask = this.buckets.length - 1;
    const b = h & mask;
    const oldest = this.inserted - this.count;
    let newer = this.inserted;
    for (let i = this.buckets[b]!; i !== NONE; i = links[2 * i + 1]!) {
      const serial = serials[i]!;
      if (serial < oldest || serial >= newer || (links[2 * i]! & mask) !== b) return NONE;
      if (keys[2 * i + 1] === k2 && keys[2 * i] === k1) return i;
      newer = serial;
    }
    return NONE;
  }

  private evict(): void {
    const now = this.now[0]!;
    const ts = this.ts;
    const mask = this.capacity - 1;
    while (this.count > 0) {
      const i = this.head;
      if (this.count <= MAX_ENTRIES && now - ts[i]! <= MAX_AGE) break;
      this.head = (i + 1) & mask;
      this.count--;
    }
  }

  /** Doubles the ring, oldest entry first again, and rebuilds the chains. */
  private grow(): void {
    const cap = this.capacity * 2;
    const head = this.head;
    // The live entries are [head, capacity) then [0, head): two block copies per array.
    const tail = Math.min(this.count, this.capacity - head);
    const rest = this.count - tail;
    const copy = <T extends Float64Array | Int32Array>(old: T, fresh: T, per: number): T => {
      fresh.set(old.subarray(per * head, per * (head + tail)), 0);
      if (rest > 0) fresh.set(old.subarray(0, per * rest), per * tail);
      return fresh;
    };
    const str = (old: string[]): string[] => {
      const a = new Array<string>(cap).fill('');
      for (let k = 0; k < tail; k++) a[k] = old[head + k]!;
      for (let k = 0; k < rest; k++) a[tail + k] = old[k]!;
      return a;
    };
    this.keys = copy(this.keys, new Float64Array(2 * cap), 2);
    this.links = copy(this.links, new Int32Array(2 * cap), 2);
    this.serials = copy(this.serials, new Float64Array(cap), 1);
    this.firstNs = copy(this.firstNs, new Float64Array(cap), 1);
    this.ns = copy(this.ns, new Float64Array(cap), 1);
    this.ts = copy(this.ts, new Float64Array(cap), 1);
    this.pktTypes = copy(this.pktTypes, new Int32Array(cap), 1);
    this.sports = copy(this.sports, new Int32Array(cap), 1);
    this.dports = copy(this.dports, new Int32Array(cap), 1);
    this.ttls = copy(this.ttls, new Int32Array(cap), 1);
    this.srcMacs = str(this.srcMacs); this.dstMacs = str(this.dstMacs); this.srcs = str(this.srcs); this.dsts = str(this.dsts);
    this.capacity = cap;
    this.head = 0;
    this.buckets = new Int32Array(2 * cap).fill(NONE);
    // Oldest first, each prepended: every chain runs newer to older again.
    for (let k = 0; k < this.count; k++) {
      const b = this.links[2 * k]! & (this.buckets.length - 1);
      this.links[2 * k + 1] = this.buckets[b]!;
      this.buckets[b] = k;
    }
  }

  get size(): number {
    return this.count;
  }
}
