import type { Destination } from '../destination.js';
import { sedOverhead } from './sed.js';
import { bestDest, DestListScheduler, weighted } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/**
 * ip_vs_nq.c: skip OVERLOAD and weight-0 dests; the first dest (list order) with no active
 * connection wins at once; otherwise the SED minimum (active+1)/weight, ties to the earliest.
 */
export class NeverQueueScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'nq' as const;

  schedule(_ctx: ScheduleContext): Destination | null {
    return this.picked(bestDest(this.dests, weighted, sooner));
  }
}

/** Nothing replaces an idle dest (the kernel stops its walk there); else SED's cross product. */
function sooner(d: Destination, least: Destination): boolean {
  if (least.activeConns === 0) return false;
  return d.activeConns === 0 || sedOverhead(least) * d.weight > sedOverhead(d) * least.weight;
}
