import type { Destination } from '../destination.js';
import { lblcOverloaded } from './common.js';
import { DEFAULT_EXPIRATION, LocalityScheduler } from './locality-cache.js';
import type { ScheduleContext, Scheduler } from './types.js';

export { lblcHashKey } from './locality-cache.js';

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
export class LblcScheduler extends LocalityScheduler<LblcEntry> implements Scheduler {
  readonly name = 'lblc' as const;

  constructor(
    dests: readonly Destination[],
    opts: { expiration?: number; createdAt?: number } = {},
  ) {
    super(dests, opts.expiration ?? DEFAULT_EXPIRATION, opts.createdAt ?? 0);
  }

  /** An entry holds a reference to its dest (ip_vs_lblc_new: ip_vs_dest_hold). */
  protected entryHolds(en: LblcEntry, dest: Destination): boolean {
    return en.dest === dest;
  }

  /** The cached dest for a destination address, if any (for explanations). */
  cached(daddr: string): Destination | null {
    return this.table.get(daddr)?.dest ?? null;
  }

  schedule(ctx: ScheduleContext): Destination | null {
    const now = ctx.now ?? 0;
    const en = this.lookup(ctx.daddr, now);
    if (en !== null) {
      const d = en.dest;
      if (d.flags.available && d.weight > 0 && !lblcOverloaded(d, this.dests)) return this.picked(d);
    }
    const dest = this.wlcPick();
    if (dest === null) return null;
    // ip_vs_lblc_new: keep an entry that already points at dest, else replace it.
    if (en === null || en.dest !== dest) {
      if (en !== null) this.table.unlink(en);
      this.table.add({ addr: ctx.daddr, lastuse: now, dest });
    }
    return dest;
  }
}
