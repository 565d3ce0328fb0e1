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
  const table: (Destination | null)[] = new Array<Destination | null>(size).fill(null);
  let g = 0;
  let maxW = 0;
  for (const d of dests) {
    if (d.lastWeight > 0) g = g > 0 ? gcd(d.lastWeight, g) : d.lastWeight;
    if (d.lastWeight > maxW) maxW = d.lastWeight;
  }
  if (g < 1) return table;
  const tabBits = Math.trunc(tabIndexFor(size) / 2);
  const shift = fls(Math.trunc(maxW / g)) - tabBits;
  const rshift = shift >= 0 ? shift : 0;

  // Per dest: next preferred slot, step, and turns per round (typed arrays: the inference builds
  // dozens of these tables, and they run before the JIT has compiled anything).
  const nd = dests.length;
  const perm = new Int32Array(nd);
  const skip = new Int32Array(nd);
  const turns = new Int32Array(nd);
  for (let p = 0; p < nd; p++) {
    const d = dests[p]!;
    perm[p] = mhHashKey(d.addr, d.port, MH_HASH1, 0) % size;
    skip[p] = (mhHashKey(d.addr, d.port, MH_HASH2, 0) % (size - 1)) + 1;
    const lw = d.lastWeight;
    turns[p] = Math.trunc(lw / g) >> rshift || (lw !== 0 ? 1 : 0);
  }

  const used = new Uint8Array(size);
  let n = 0;
  let dtCount = 0;
  while (n < size) {
    let progressed = false;
    for (let p = 0; p < nd; ) {
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
      table[c] = dests[p]!;
      if (++n === size) return table;
      if (++dtCount >= t) {
        dtCount = 0;
        p++;
      }
    }
    if (!progressed) break; // cannot happen when g >= 1; guards against an endless loop
  }
  return table;
}

function tabIndexFor(size: number): number {
  const i = MH_PRIMES.indexOf(size as (typeof MH_PRIMES)[number]);
  return i < 0 ? MH_DEFAULT_TAB_INDEX : i + 8;
}

/** ip_vs_mh.c: Maglev hashing of the client address (and port with mh-port). */
export class MaglevHashScheduler extends HashTableScheduler implements Scheduler {
  readonly name = 'mh' as const;

  constructor(dests: readonly Destination[], flags: SchedulerFlags = {}, tabIndex = MH_DEFAULT_TAB_INDEX) {
    const size = MH_PRIMES[tabIndex - 8] ?? 4093;
    super(buildMhTable(dests, size), flags['mh-fallback'] === true, flags['mh-port'] === true);
  }

  // Weight edits to 0 keep lastWeight, so a quiesced dest keeps its slots (and fails lookup).
  update(next: readonly Destination[]): void {
    this.table = buildMhTable(next, this.size);
  }

  lookupTable(): readonly (Destination | null)[] {
    return this.table;
  }

  protected bucket(addr: string, port: number, offset: number): number {
    return mhHashKey(addr, port, MH_HASH1, offset) % this.size;
  }
}
