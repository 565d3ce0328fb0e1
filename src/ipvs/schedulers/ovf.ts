import type { Destination } from '../destination.js';
import { bestDest, DestListScheduler, weighted } from './common.js';
import { heavier } from './fo.js';
import type { ScheduleContext, Scheduler } from './types.js';

/**
 * ip_vs_ovf.c: among dests not OVERLOAD, weight != 0 and activeconns <= weight, the highest
 * weight (ties to the first). `<=` means a dest takes its (weight+1)-th active connection before
 * traffic overflows. Only activeconns are read, so UDP (always inactive) never overflows.
 */
export class WeightedOverflowScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'ovf' as const;

  schedule(_ctx: ScheduleContext): Destination | null {
    return this.picked(bestDest(this.dests, notOverflowing, heavier));
  }
}

function notOverflowing(d: Destination): boolean {
  return weighted(d) && d.activeConns <= d.weight;
}
