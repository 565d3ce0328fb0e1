import type { Destination } from '../destination.js';
import { DestListScheduler, weightedLeast } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/** ip_vs_sed_dest_overhead: activeconns + 1; inactive connections are ignored. */
export function sedOverhead(d: Destination): number {
  return d.activeConns + 1;
}

/** ip_vs_sed.c: the wlc loop with overhead active+1; ties keep the earliest dest. */
export class ShortestExpectedDelayScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'sed' as const;

  schedule(_ctx: ScheduleContext): Destination | null {
    return this.picked(weightedLeast(this.dests, sedOverhead));
  }
}
