import type { Destination } from '../destination.js';
import { DestListScheduler } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/**
 * ip_vs_ovf.c: among dests not OVERLOAD, weight != 0 and activeconns <= weight, the highest
 * weight (ties to the first). `<=` means a dest takes its (weight+1)-th active connection before
 * traffic overflows. Only activeconns are read, so UDP (always inactive) never overflows.
 */
export class WeightedOverflowScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'ovf' as const;

  schedule(_ctx: ScheduleContext): Destination | null {
    let h: Destination | null = null;
    for (const d of this.dests) {
      const w = d.weight;
      if (d.flags.overloaded || d.activeConns > w || w === 0) continue;
      if (h === null || w > h.weight) h = d;
    }
    this.lastError = h === null ? 'no destination available' : null;
    return h;
  }
}
