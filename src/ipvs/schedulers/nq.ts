import type { Destination } from '../destination.js';
import { sedOverhead } from './sed.js';
import { DestListScheduler } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/**
 * ip_vs_nq.c: skip OVERLOAD and weight-0 dests; the first dest (list order) with no active
 * connection wins at once; otherwise the SED minimum (active+1)/weight, ties to the earliest.
 */
export class NeverQueueScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'nq' as const;

  schedule(_ctx: ScheduleContext): Destination | null {
    let least: Destination | null = null;
    let loh = 0;
    for (const d of this.dests) {
      if (d.flags.overloaded || d.weight === 0) continue;
      const doh = sedOverhead(d);
      if (d.activeConns === 0) {
        least = d;
        break;
      }
      if (least === null || loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    this.lastError = least === null ? 'no destination available' : null;
    return least;
  }
}
