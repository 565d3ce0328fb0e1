/**
 * The kernel's destination trash (ip_vs_ctl.c): `ipvsadm -d` unlinks a real server from its
 * service (__ip_vs_unlink_dest clears AVAILABLE) and parks it here (__ip_vs_del_dest) with its
 * counters, statistics and every connection, template and lblc/lblcr cache entry still bound to
 * it. `ipvsadm -a` of the same address and port on the same service takes it back
 * (ip_vs_trash_get_dest) instead of creating a fresh one, so a health-check flap keeps the
 * server's load, its --stats and its clients' persistence.
 *
 * ip_vs_dest_trash_expire frees a parked dest only once nothing refers to it: the timer runs
 * every IP_VS_DEST_TRASH_PERIOD/2 (60 s) while the trash is not empty, armed when a dest enters
 * an empty trash; the first run that finds the dest unreferenced notes idle_start, and a later
 * run at least 120 s after that frees it.
 */
import type { Destination } from './destination.js';

/** IP_VS_DEST_TRASH_PERIOD = 120 * HZ. */
export const DEST_TRASH_PERIOD = 120;

/** The service identity ip_vs_trash_get_dest matches besides address and port. */
export interface TrashOwner {
  readonly protocol: string;
  readonly vip: string;
  readonly port: number;
  readonly fwmark: number;
}

interface Parked {
  readonly dest: Destination;
  readonly owner: TrashOwner;
  /** Still referred to at a time by something other than the trash (the scheduler's cache entries). */
  readonly cached: (now: number) => boolean;
  /** The first timer run that found it unreferenced; null until then. */
  idleStart: number | null;
}

export class DestTrash {
  private parked: Parked[] = [];
  /** When the trash timer fires next; null while the trash is empty and the timer off. */
  private nextRun: number | null = null;

  /**
   * __ip_vs_del_dest. `now` arms the timer when the trash was empty; without it the dest stays
   * parked until a call with a time lets the timer run.
   */
  park(dest: Destination, owner: TrashOwner, cached: (now: number) => boolean, now?: number): void {
    if (this.parked.length === 0 && now !== undefined) this.nextRun = now + DEST_TRASH_PERIOD / 2;
    // list_add: the newest parked dest is looked at first.
    this.parked.unshift({ dest, owner, cached, idleStart: null });
  }

  /** ip_vs_trash_get_dest: the parked dest of this service with this address and port, removed from the trash. */
  take(owner: TrashOwner, addr: string, port: number): Destination | null {
    const i = this.parked.findIndex((p) => p.dest.addr === addr && p.dest.port === port
      && p.owner.fwmark === owner.fwmark && p.owner.protocol === owner.protocol
      && (owner.fwmark !== 0 || (p.owner.vip === owner.vip && p.owner.port === owner.port)));
    if (i < 0) return null;
    const [p] = this.parked.splice(i, 1);
    return p!.dest;
  }

  /**
   * Run the trash timers due at or before `now`. The connection counters must be those at each
   * run's time (Director.expire interleaves the connection table's expiry with these runs).
   */
  runTimers(now: number): void {
    while (this.nextRun !== null && this.nextRun <= now) this.runOnce(this.nextRun);
  }

  /** When the next trash timer fires, or null. */
  get nextTimer(): number | null {
    return this.nextRun;
  }

  /** Parked dests, newest first (for explanations and tests). */
  get dests(): readonly Destination[] {
    return this.parked.map((p) => p.dest);
  }

  private runOnce(at: number): void {
    this.parked = this.parked.filter((p) => {
      if (referenced(p, at)) return true;
      if (p.idleStart !== null) return at < p.idleStart + DEST_TRASH_PERIOD;
      p.idleStart = at;
      return true;
    });
    this.nextRun = this.parked.length > 0 ? at + DEST_TRASH_PERIOD / 2 : null;
  }
}

/** refcnt > 1: a connection or template is bound to the dest, or a scheduler cache holds it. */
function referenced(p: Parked, now: number): boolean {
  const d = p.dest;
  return d.activeConns + d.inactConns + d.persistConns > 0 || p.cached(now);
}
