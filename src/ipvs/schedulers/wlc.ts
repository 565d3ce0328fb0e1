import type { Destination, OverheadFormula } from '../destination.js';
import { DestListScheduler, overheadFn, weightedLeast } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/** ip_vs_wlc.c: minimum overhead/weight by cross product; ipvsadm's default scheduler. */
export class WeightedLeastConnectionScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'wlc' as const;
  private readonly overhead: (d: Destination) => number;

  constructor(dests: readonly Destination[], formula?: OverheadFormula) {
    super(dests);
    this.overhead = overheadFn(formula);
  }

  schedule(_ctx: ScheduleContext): Destination | null {
    const d = weightedLeast(this.dests, this.overhead);
    this.lastError = d === null ? 'no destination available' : null;
    return d;
  }
}
