import { connOverhead, type Destination } from '../destination.js';
import { lblcOverloaded } from './common.js';
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
    this.table.runTimers(now);
    const en = this.table.get(ctx.daddr);
    if (en !== null) {
      en.lastuse = now;
      const dest = this.setMin(en.set);
      if (en.set.length > 1 && now > en.lastmod + this.expiration) {
        const m = this.setMax(en.set);
        if (m !== null) {
          en.set.splice(en.set.indexOf(m), 1);
          en.lastmod = now;
        }
      }
      if (dest !== null && !lblcOverloaded(dest, this.dests)) {
        this.lastError = null;
        return dest;
      }
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

  /** ip_vs_dest_set_min: weighted least-loaded AVAILABLE member, first pick needs weight > 0. */
  private setMin(set: readonly Destination[]): Destination | null {
    let i = 0;
    let least: Destination | null = null;
    for (; i < set.length; i++) {
      const d = set[i] as Destination;
      if (d.flags.overloaded) continue;
      if (d.weight > 0 && d.flags.available) {
        least = d;
        break;
      }
    }
    if (least === null) return null;
    let loh = connOverhead(least);
    for (i++; i < set.length; i++) {
      const d = set[i] as Destination;
      if (d.flags.overloaded) continue;
      const doh = connOverhead(d);
      if (loh * d.weight > doh * least.weight && d.flags.available) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }

  /** ip_vs_dest_set_max: weighted most-loaded member with weight > 0 (availability not checked). */
  private setMax(set: readonly Destination[]): Destination | null {
    let i = 0;
    let most: Destination | null = null;
    for (; i < set.length; i++) {
      const d = set[i] as Destination;
      if (d.weight > 0) {
        most = d;
        break;
      }
    }
    if (most === null) return null;
    let moh = connOverhead(most);
    for (i++; i < set.length; i++) {
      const d = set[i] as Destination;
      const doh = connOverhead(d);
      if (moh * d.weight < doh * most.weight && d.weight > 0) {
        most = d;
        moh = doh;
      }
    }
    return most;
  }
}
