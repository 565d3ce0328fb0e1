import type { Destination } from '../destination.js';
import { DestListScheduler } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/** ip_vs_fo.c: the non-OVERLOAD dest with the highest weight (> 0); ties to the first in list. */
export class WeightedFailoverScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'fo' as const;

  schedule(_ctx: ScheduleContext): Destination | null {
    let hweight: Destination | null = null;
    let hw = 0;
    for (const d of this.dests) {
      if (!d.flags.overloaded && d.weight > hw) {
        hweight = d;
        hw = d.weight;
      }
    }
    this.lastError = hweight === null ? 'no destination available' : null;
    return hweight;
  }
}
