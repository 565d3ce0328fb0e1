import type { Destination } from '../destination.js';
import { bestDest, DestListScheduler, weighted } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/** ip_vs_fo.c: the non-OVERLOAD dest with the highest weight (> 0); ties to the first in list. */
export class WeightedFailoverScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'fo' as const;

  schedule(_ctx: ScheduleContext): Destination | null {
    return this.picked(bestDest(this.dests, weighted, heavier));
  }
}

export function heavier(d: Destination, best: Destination): boolean {
  return d.weight > best.weight;
}
