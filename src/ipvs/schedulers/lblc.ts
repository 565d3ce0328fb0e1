import { foldAddress } from '../address.js';
import { connOverhead, type Destination } from '../destination.js';
import { hash32 } from '../hash.js';
import { lblcOverloaded, weightedLeast } from './common.js';
import { DEFAULT_EXPIRATION, LBLC_TAB_BITS, LocalityTable } from './locality-cache.js';
import type { ScheduleContext, Scheduler } from './types.js';

export function lblcHashKey(addr: string): number {
  return hash32(foldAddress(addr), LBLC_TAB_BITS);
}

interface LblcEntry {
  readonly addr: string;
  lastuse: number;
  dest: Destination;
}

/**
 * ip_vs_lblc.c: a cache from the packet's destination address to one dest. A hit is used while
 * the dest is AVAILABLE, weight > 0 and not overloaded by the lblc heuristic (the OVERLOAD flag
 * is not checked on a hit); otherwise wlc picks and the entry is replaced.
 */
export class LblcScheduler implements Scheduler {
  readonly name = 'lblc' as const;
  lastError: string | null = null;
  private dests: Destination[];
  readonly table: LocalityTable<LblcEntry>;

  constructor(
    dests: readonly Destination[],
    opts: { expiration?: number; createdAt?: number } = {},
  ) {
    this.dests = dests.slice();
    this.table = new LocalityTable<LblcEntry>(lblcHashKey, opts.expiration ?? DEFAULT_EXPIRATION, opts.createdAt ?? 0);
  }

  // Entries keep pointing at deleted dests (the kernel holds a reference; AVAILABLE is cleared),
  // so nothing is flushed here.
  update(next: readonly Destination[]): void {
    this.dests = next.slice();
  }

  /** Run the cache GC timers due by `now` without scheduling (schedule() does this itself). */
  tick(now: number): void {
    this.table.runTimers(now);
  }

  /** An entry holds a reference to its dest (ip_vs_lblc_new: ip_vs_dest_hold). */
  holds(dest: Destination, now: number): boolean {
    this.table.runTimers(now);
    return this.table.some((en) => en.dest === dest);
  }

  /** The cached dest for a destination address, if any (for explanations). */
  cached(daddr: string): Destination | null {
    return this.table.get(daddr)?.dest ?? null;
  }

  schedule(ctx: ScheduleContext): Destination | null {
    const now = ctx.now ?? 0;
    this.table.runTimers(now);
    const en = this.table.get(ctx.daddr);
    if (en !== null) {
      en.lastuse = now;
      const d = en.dest;
      if (d.flags.available && d.weight > 0 && !lblcOverloaded(d, this.dests)) {
        this.lastError = null;
        return d;
      }
    }
    const dest = weightedLeast(this.dests, connOverhead);
    if (dest === null) {
      this.lastError = 'no destination available';
      return null;
    }
    // ip_vs_lblc_new: keep an entry that already points at dest, else replace it.
    if (en === null || en.dest !== dest) {
      if (en !== null) this.table.unlink(en);
      this.table.add({ addr: ctx.daddr, lastuse: now, dest });
    }
    this.lastError = null;
    return dest;
  }
}
