import { foldAddress } from '../address.js';
import type { Destination } from '../destination.js';
import { hash32 } from '../hash.js';
import { HashTableScheduler } from './hash-table.js';
import type { Scheduler, SchedulerFlags } from './types.js';

/** IP_VS_SH_TAB_BITS (CONFIG_IP_VS_SH_TAB_BITS default 8): 256 buckets. */
export const SH_TAB_BITS = 8;
export const SH_TAB_SIZE = 1 << SH_TAB_BITS;

/**
 * ip_vs_sh_reassign: buckets 0..255 cycle through the dest list; a dest fills `weight`
 * consecutive buckets (`++count >= weight`, so weight 0 and 1 both fill one).
 */
export function buildShTable(dests: readonly Destination[]): (Destination | null)[] {
  const table: (Destination | null)[] = new Array<Destination | null>(SH_TAB_SIZE).fill(null);
  if (dests.length === 0) return table;
  let p = 0;
  let count = 0;
  for (let i = 0; i < SH_TAB_SIZE; i++) {
    const d = dests[p] as Destination;
    table[i] = d;
    if (++count >= d.weight) {
      p = (p + 1) % dests.length;
      count = 0;
    }
  }
  return table;
}

/** ip_vs_sh_hashkey: `(offset + hash_32(port + ntohl(addr_fold), 8)) & 255`. */
export function shHashKey(addr: string, port: number, offset: number): number {
  return (offset + hash32((port + foldAddress(addr)) >>> 0, SH_TAB_BITS)) & (SH_TAB_SIZE - 1);
}

/** ip_vs_sh.c: source hashing over a weighted 256-bucket table. */
export class SourceHashScheduler extends HashTableScheduler implements Scheduler {
  readonly name = 'sh' as const;
  private table: (Destination | null)[];

  constructor(dests: readonly Destination[], flags: SchedulerFlags = {}) {
    super(SH_TAB_SIZE, flags['sh-fallback'] === true, flags['sh-port'] === true);
    this.table = buildShTable(dests);
  }

  update(next: readonly Destination[]): void {
    this.table = buildShTable(next);
  }

  /** The bucket table, for explanations and tests. */
  buckets(): readonly (Destination | null)[] {
    return this.table;
  }

  protected slot(c: number): Destination | null {
    return this.table[c] ?? null;
  }

  // The fallback probes (2*ihash + offset) mod 256 consecutively.
  protected bucket(addr: string, port: number, offset: number): number {
    return shHashKey(addr, port, offset);
  }
}
