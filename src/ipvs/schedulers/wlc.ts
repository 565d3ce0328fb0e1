import { connOverhead, type Destination } from '../destination.js';
import { DestListScheduler, weightedLeast } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/** ip_vs_wlc.c: minimum overhead/weight by cross product; ipvsadm's default scheduler. */
export class WeightedLeastConnectionScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'wlc' as const;
  schedule(_ctx: ScheduleContext): Destination | null {
    return this.picked(weightedLeast(this.dests, connOverhead));
  }
}
