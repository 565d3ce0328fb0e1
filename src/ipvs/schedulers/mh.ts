import { foldAddress } from '../address.js';
import type { Destination } from '../destination.js';
import { fls, gcd, hsiphashU32, type HsiphashKey } from '../hash.js';
import { HashTableScheduler } from './hash-table.js';
import type { Scheduler, SchedulerFlags } from './types.js';

/** primes[CONFIG_IP_VS_MH_TAB_INDEX - 8]. */
export const MH_PRIMES = [251, 509, 1021, 2039, 4093, 8191, 16381, 32749, 65521, 131071] as const;
/** CONFIG_IP_VS_MH_TAB_INDEX default (the fallback #define in ip_vs_mh.c). */
export const MH_DEFAULT_TAB_INDEX = 12;

/** generate_hash_secret(): fixed, not random, so tables agree across directors. */
export const MH_HASH1: HsiphashKey = { k0: 2654435761n, k1: 2654435761n };
export const MH_HASH2: HsiphashKey = { k0: 2654446892n, k1: 2654446892n };

/** ip_vs_mh_hashkey: hsiphash of the u32 `offset + port + ntohl(addr_fold)`. */
export function mhHashKey(addr: string, port: number, key: HsiphashKey, offset: number): number {
  return hsiphashU32((offset + port + foldAddress(addr)) >>> 0, key);
}

/**
 * ip_vs_mh_permutate + ip_vs_mh_populate: the Maglev lookup table of size M for the dest list
 * in kernel order, using each dest's lastWeight.
 */
export function buildMhTable(dests: readonly Destination[], size: number): (Destination | null)[] {
  const fill = mhFill(dests, size);
  fill.complete();
  return Array.from(fill.owner, (p) => (p < 0 ? null : dests[p]!));
}

/**
 * ip_vs_mh_populate, run only as far as lookups need: populating is one sequence of claims (each
 * dest in list order takes its next free preferred slot, `turns` times a round), so a slot's owner
 * is known as soon as the sequence has claimed it, and continuing later gives the table a full run
 * gives. Scheduler inference builds one table per list order and weights it tries, and each replay
 * gives up after a few lookups; the last slots are the dearest to claim (the walks to a free slot
 * grow as the table fills). Filled tables are shared by every dest list with the same addresses,
 * ports and turns.
 */
export class MhFill {
  /** The dest (index in the list) of each slot; -1 while unclaimed. */
  readonly owner: Int32Array;
  private readonly perm: Int32Array;
  private readonly skip: Int32Array;
  private readonly turns: Int32Array;
  private claimed = 0;
  private p = 0;
  private dtCount = 0;
  private progressed = false;
  private done: boolean;
  private readonly used: Uint8Array;

  constructor(perm: Int32Array, skip: Int32Array, turns: Int32Array, size: number, empty: boolean) {
    this.owner = new Int32Array(size).fill(-1);
    this.used = new Uint8Array(size);
    this.perm = perm;
    this.skip = skip;
    this.turns = turns;
    this.done = empty;
  }

  /** The dest index owning slot c, or -1 (a table of no weighted dest). */
  at(c: number): number {
    const o = this.owner[c]!;
    return o >= 0 || this.done ? o : this.claimUntil(c);
  }

  complete(): void {
    if (!this.done) this.claimUntil(-1);
  }

  /**
   * The populate loop, from where it last stopped, until slot `until` is claimed (-1: to the end).
   * One loop over locals: it runs before the JIT has compiled anything.
   */
  private claimUntil(until: number): number {
    const { owner, used, perm, skip, turns } = this;
    const nd = turns.length;
    const size = owner.length;
    let { p, dtCount, progressed, claimed } = this;
    for (;;) {
      if (p >= nd) {
        // cannot happen when g >= 1; guards against an endless loop
        if (!progressed) { this.done = true; break; }
        p = 0;
        progressed = false;
      }
      const t = turns[p]!;
      if (t < 1) {
        p++;
        continue;
      }
      progressed = true;
      let c = perm[p]!;
      if (used[c] === 1) {
        const step = skip[p]!;
        do {
          c += step;
          if (c >= size) c -= size;
        } while (used[c] === 1);
        perm[p] = c;
      }
      used[c] = 1;
      owner[c] = p;
      const last = ++claimed === size;
      if (++dtCount >= t) {
        dtCount = 0;
        p++;
      }
      if (last) { this.done = true; break; }
      if (c === until) break;
    }
    this.p = p;
    this.dtCount = dtCount;
    this.progressed = progressed;
    this.claimed = claimed;
    return until < 0 ? -1 : owner[until]!;
  }
}

/** Tables by size and per-dest address, port and turns; bounded (a simulation's dests change often). */
const fills = new Map<string, MhFill>();
const FILLS_KEPT = 256;

/** The (shared, lazily filled) table for dests in kernel order, with their lastWeights. */
export function mhFill(dests: readonly Destination[], size: number): MhFill {
  let g = 0;
  let maxW = 0;
  for (const d of dests) {
    if (d.lastWeight > 0) g = g > 0 ? gcd(d.lastWeight, g) : d.lastWeight;
    if (d.lastWeight > maxW) maxW = d.lastWeight;
  }
  const nd = dests.length;
  const turns = new Int32Array(nd);
  if (g >= 1) {
    const tabBits = Math.trunc(tabIndexFor(size) / 2);
    const shift = fls(Math.trunc(maxW / g)) - tabBits;
    const rshift = shift >= 0 ? shift : 0;
    for (let p = 0; p < nd; p++) {
      const lw = dests[p]!.lastWeight;
      turns[p] = Math.trunc(lw / g) >> rshift || (lw !== 0 ? 1 : 0);
    }
  }
  let key = `${size}`;
  for (let p = 0; p < nd; p++) key += `|${dests[p]!.addr}/${dests[p]!.port}/${turns[p]}`;
  let fill = fills.get(key);
  if (fill === undefined) {
    // Per dest: next preferred slot and step.
    const perm = new Int32Array(nd);
    const skip = new Int32Array(nd);
    for (let p = 0; p < nd; p++) {
      const d = dests[p]!;
      perm[p] = mhHashKey(d.addr, d.port, MH_HASH1, 0) % size;
      skip[p] = (mhHashKey(d.addr, d.port, MH_HASH2, 0) % (size - 1)) + 1;
    }
    if (fills.size >= FILLS_KEPT) fills.clear();
    fill = new MhFill(perm, skip, turns, size, g < 1);
    fills.set(key, fill);
  }
  return fill;
}

function tabIndexFor(size: number): number {
  const i = MH_PRIMES.indexOf(size as (typeof MH_PRIMES)[number]);
  return i < 0 ? MH_DEFAULT_TAB_INDEX : i + 8;
}

/** ip_vs_mh.c: Maglev hashing of the client address (and port with mh-port). */
export class MaglevHashScheduler extends HashTableScheduler implements Scheduler {
  readonly name = 'mh' as const;
  private fill: MhFill;
  private dests: readonly Destination[];

  constructor(dests: readonly Destination[], flags: SchedulerFlags = {}, tabIndex = MH_DEFAULT_TAB_INDEX) {
    const size = MH_PRIMES[tabIndex - 8] ?? 4093;
    super(size, flags['mh-fallback'] === true, flags['mh-port'] === true);
    this.dests = [...dests];
    this.fill = mhFill(this.dests, size);
  }

  // Weight edits to 0 keep lastWeight, so a quiesced dest keeps its slots (and fails lookup).
  update(next: readonly Destination[]): void {
    this.dests = [...next];
    this.fill = mhFill(this.dests, this.size);
  }

  lookupTable(): readonly (Destination | null)[] {
    this.fill.complete();
    return Array.from(this.fill.owner, (p) => (p < 0 ? null : this.dests[p]!));
  }

  protected slot(c: number): Destination | null {
    const p = this.fill.at(c);
    return p < 0 ? null : this.dests[p]!;
  }

  protected bucket(addr: string, port: number, offset: number): number {
    return mhHashKey(addr, port, MH_HASH1, offset) % this.size;
  }
}
