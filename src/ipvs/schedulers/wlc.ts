import type { Destination, OverheadFormula } from '../destination.js';
import { overheadFn, weightedLeast } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/** ip_vs_wlc.c: minimum overhead/weight by cross product; ipvsadm's default scheduler. */
export class WeightedLeastConnectionScheduler implements Scheduler {
  readonly name = 'wlc' as const;
  lastError: string | null = null;
  private dests: Destination[];
  private readonly overhead: (d: Destination) => number;

  constructor(dests: readonly Destination[], formula?: OverheadFormula) {
    this.dests = dests.slice();
    this.overhead = overheadFn(formula);
  }

  update(next: readonly Destination[]): void {
    this.dests = next.slice();
  }

  schedule(_ctx: ScheduleContext): Destination | null {
    const d = weightedLeast(this.dests, this.overhead);
    this.lastError = d === null ? 'no destination available' : null;
    return d;
  }
}
