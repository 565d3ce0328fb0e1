import { foldAddress } from '../address.js';
import { isUnavailable, type Destination } from '../destination.js';
import { hash32 } from '../hash.js';
import { hashPort } from './common.js';
import type { ScheduleContext, Scheduler, SchedulerFlags } from './types.js';

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
export class SourceHashScheduler implements Scheduler {
  readonly name = 'sh' as const;
  lastError: string | null = null;
  private table: (Destination | null)[];
  private readonly fallback: boolean;
  private readonly usePort: boolean;

  constructor(dests: readonly Destination[], flags: SchedulerFlags = {}) {
    this.table = buildShTable(dests);
    this.fallback = flags['sh-fallback'] === true;
    this.usePort = flags['sh-port'] === true;
  }

  update(next: readonly Destination[]): void {
    this.table = buildShTable(next);
  }

  /** The bucket table, for explanations and tests. */
  buckets(): readonly (Destination | null)[] {
    return this.table;
  }

  schedule(ctx: ScheduleContext): Destination | null {
    const port = this.usePort ? hashPort(ctx) : 0;
    const addr = ctx.inverse ? ctx.daddr : ctx.saddr;
    const ihash = shHashKey(addr, port, 0);
    let dest = this.table[ihash] ?? null;
    if (dest !== null && isUnavailable(dest)) {
      dest = null;
      if (this.fallback) {
        // Probes (2*ihash + offset) mod 256 consecutively; stops at an empty bucket.
        for (let offset = 0; offset < SH_TAB_SIZE; offset++) {
          const roffset = (offset + ihash) % SH_TAB_SIZE;
          const d = this.table[shHashKey(addr, port, roffset)] ?? null;
          if (d === null) break;
          if (!isUnavailable(d)) {
            dest = d;
            break;
          }
        }
      }
    }
    this.lastError = dest === null ? 'no destination available' : null;
    return dest;
  }
}
