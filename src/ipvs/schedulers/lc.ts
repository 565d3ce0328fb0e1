import { connOverhead, type Destination } from '../destination.js';
import { bestDest, DestListScheduler, weighted } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/**
 * ip_vs_lc.c: minimum ip_vs_dest_conn_overhead (active*256 + inactive) over dests that are not
 * OVERLOAD and have weight != 0; strict `<`, so the first in list order wins a tie.
 * (The source comment says `<<5`; the code calls the <<8 helper, and the code is what runs.)
 */
export class LeastConnectionScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'lc' as const;
  schedule(_ctx: ScheduleContext): Destination | null {
    return this.picked(bestDest(this.dests, weighted, fewerConns));
  }
}

function fewerConns(d: Destination, least: Destination): boolean {
  return connOverhead(d) < connOverhead(least);
}
