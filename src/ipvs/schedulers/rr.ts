import type { Destination } from '../destination.js';
import type { ScheduleContext, Scheduler } from './types.js';

/**
 * ip_vs_rr.c. The cursor is a dest (null = list head). Each pick walks on from the cursor,
 * wrapping, and takes the first dest that is not OVERLOAD and has weight > 0; the cursor itself
 * is the last candidate. Starting from the head, a fresh service picks the newest-added dest first.
 */
export class RoundRobinScheduler implements Scheduler {
  readonly name = 'rr' as const;
  lastError: string | null = null;
  private dests: Destination[] = [];
  private cursor: Destination | null = null;

  constructor(dests: readonly Destination[]) {
    this.dests = dests.slice();
  }

  update(next: readonly Destination[]): void {
    const cur = this.cursor;
    if (cur !== null && !next.includes(cur)) {
      // ip_vs_rr_del_dest: `sched_data = p->next->prev`, i.e. the entry before the deleted one
      // (the head if it was first). With several deletions at once, take the nearest survivor.
      let i = this.dests.indexOf(cur) - 1;
      while (i >= 0 && !next.includes(this.dests[i] as Destination)) i--;
      this.cursor = i >= 0 ? (this.dests[i] as Destination) : null;
    }
    this.dests = next.slice();
  }

  schedule(_ctx: ScheduleContext): Destination | null {
    const n = this.dests.length;
    const start = this.cursor === null ? -1 : this.dests.indexOf(this.cursor);
    for (let k = 1; k <= n; k++) {
      const d = this.dests[(start + k) % n] as Destination;
      if (!d.flags.overloaded && d.weight > 0) {
        this.cursor = d;
        this.lastError = null;
        return d;
      }
    }
    this.lastError = 'no destination available';
    return null;
  }
}
