import { connOverhead, type Destination } from '../destination.js';
import { bestDest, lblcOverloaded, weighted, weightedLeast } from './common.js';
import { DEFAULT_EXPIRATION, LocalityScheduler } from './locality-cache.js';
import type { ScheduleContext, Scheduler } from './types.js';

interface LblcrEntry {
  readonly addr: string;
  lastuse: number;
  /** The dest set, newest member first (list_add_rcu at the head). */
  readonly set: Destination[];
  lastmod: number;
}

/**
 * ip_vs_lblcr.c: the cache maps a destination address to a set of dests. A hit takes the
 * weighted-least member; a set older than lblcr_expiration (24 h, not the 6 min blogs quote)
 * since its last change loses its most loaded member; a member overloaded by the lblc heuristic
 * makes wlc pick a new dest over the whole service, which joins the set.
 */
export class LblcrScheduler extends LocalityScheduler<LblcrEntry> implements Scheduler {
  readonly name = 'lblcr' as const;
  private readonly expiration: number;

  constructor(
    dests: readonly Destination[],
    opts: { expiration?: number; createdAt?: number } = {},
  ) {
    const expiration = opts.expiration ?? DEFAULT_EXPIRATION;
    super(dests, expiration, opts.createdAt ?? 0);
    this.expiration = expiration;
  }

  /** Each set member holds a reference to its dest (ip_vs_dest_set_insert: ip_vs_dest_hold). */
  protected entryHolds(en: LblcrEntry, dest: Destination): boolean {
    return en.set.includes(dest);
  }

  /** The cached set for a destination address, newest member first. */
  cachedSet(daddr: string): readonly Destination[] {
    return this.table.get(daddr)?.set ?? [];
  }

  schedule(ctx: ScheduleContext): Destination | null {
    const now = ctx.now ?? 0;
    const en = this.lookup(ctx.daddr, now);
    if (en !== null) {
      const dest = this.setMin(en.set);
      if (en.set.length > 1 && now > en.lastmod + this.expiration) {
        const m = this.setMax(en.set);
        if (m !== null) {
          en.set.splice(en.set.indexOf(m), 1);
          en.lastmod = now;
        }
      }
      if (dest !== null && !lblcOverloaded(dest, this.dests)) return this.picked(dest);
      const picked = this.wlcPick();
      if (picked === null) return null;
      if (!en.set.includes(picked)) {
        en.set.unshift(picked);
        en.lastmod = now;
      }
      return picked;
    }
    const picked = this.wlcPick();
    if (picked === null) return null;
    this.table.add({ addr: ctx.daddr, lastuse: now, set: [picked], lastmod: now });
    return picked;
  }

  /** ip_vs_dest_set_min: the wlc loop over the set's AVAILABLE members. */
  private setMin(set: readonly Destination[]): Destination | null {
    return weightedLeast(set, connOverhead, availableWeighted);
  }

  /** ip_vs_dest_set_max: weighted most-loaded member with weight > 0 (availability not checked). */
  private setMax(set: readonly Destination[]): Destination | null {
    return bestDest(set, hasWeight, moreLoaded);
  }
}

function availableWeighted(d: Destination): boolean {
  return weighted(d) && d.flags.available;
}

function hasWeight(d: Destination): boolean {
  return d.weight > 0;
}

/** `moh * w(dest) < doh * w(most)`, strict: a tie keeps the earlier member. */
function moreLoaded(d: Destination, most: Destination): boolean {
  return connOverhead(most) * d.weight < connOverhead(d) * most.weight;
}
