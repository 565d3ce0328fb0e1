import type { SchedulerName } from '../report.js';
import type { Destination } from '../destination.js';
import { DestinationHashScheduler } from './dh.js';
import { WeightedFailoverScheduler } from './fo.js';
import { LblcScheduler } from './lblc.js';
import { LblcrScheduler } from './lblcr.js';
import { LeastConnectionScheduler } from './lc.js';
import { MaglevHashScheduler } from './mh.js';
import { NeverQueueScheduler } from './nq.js';
import { WeightedOverflowScheduler } from './ovf.js';
import { RoundRobinScheduler } from './rr.js';
import { ShortestExpectedDelayScheduler } from './sed.js';
import { SourceHashScheduler } from './sh.js';
import { TwosScheduler } from './twos.js';
import type { Scheduler, SchedulerOptions } from './types.js';
import { WeightedLeastConnectionScheduler } from './wlc.js';
import { WeightedRoundRobinScheduler } from './wrr.js';

export type { ScheduleContext, Scheduler, SchedulerFlags, SchedulerOptions } from './types.js';

/** Every scheduler the kernel ships (ip_vs_*.c), in the order ipvsadm's man page lists them, twos last. */
export const ALL_SCHEDULERS: readonly SchedulerName[] = [
  'rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'fo', 'ovf', 'mh', 'twos',
];

/** ipvsadm's DEF_SCHED. */
export const DEFAULT_SCHEDULER: SchedulerName = 'wlc';

/** Schedulers that never read connection counters (weights and flags only). */
export const COUNTER_FREE_SCHEDULERS: readonly SchedulerName[] = ['rr', 'wrr', 'fo', 'sh', 'dh', 'mh'];

export function isSchedulerName(name: string): name is SchedulerName {
  return (ALL_SCHEDULERS as readonly string[]).includes(name);
}

/**
 * mulberry32: a small seeded PRNG of u32 values, so twos runs are reproducible. It stands in for
 * the kernel's get_random_u32(); no seed can reproduce a real director's draws.
 */
export function seededRandomU32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  };
}

/**
 * A fresh scheduler bound to `dests` (kernel list order, newest-added first), as init_svc would
 * create it. Dest objects are held by reference: counters mutated by the caller are seen live.
 */
export function createScheduler(
  name: SchedulerName,
  dests: readonly Destination[],
  opts: SchedulerOptions = {},
): Scheduler {
  switch (name) {
    case 'rr': return new RoundRobinScheduler(dests);
    case 'wrr': return new WeightedRoundRobinScheduler(dests);
    case 'lc': return new LeastConnectionScheduler(dests);
    case 'wlc': return new WeightedLeastConnectionScheduler(dests);
    case 'sed': return new ShortestExpectedDelayScheduler(dests);
    case 'nq': return new NeverQueueScheduler(dests);
    case 'fo': return new WeightedFailoverScheduler(dests);
    case 'ovf': return new WeightedOverflowScheduler(dests);
    case 'twos': return new TwosScheduler(dests, opts.randomU32 ?? seededRandomU32(1));
    case 'sh': return new SourceHashScheduler(dests, opts.flags);
    case 'dh': return new DestinationHashScheduler(dests);
    case 'lblc': return new LblcScheduler(dests, { expiration: opts.expiration, createdAt: opts.createdAt });
    case 'lblcr': return new LblcrScheduler(dests, { expiration: opts.expiration, createdAt: opts.createdAt });
    case 'mh': return new MaglevHashScheduler(dests, opts.flags);
  }
}

export {
  RoundRobinScheduler, WeightedRoundRobinScheduler, LeastConnectionScheduler, WeightedLeastConnectionScheduler,
  ShortestExpectedDelayScheduler, NeverQueueScheduler, WeightedFailoverScheduler, WeightedOverflowScheduler,
  TwosScheduler, SourceHashScheduler, DestinationHashScheduler, LblcScheduler, LblcrScheduler, MaglevHashScheduler,
};
