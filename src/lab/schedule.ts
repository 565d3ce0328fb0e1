/**
 * The picks IPVS would make, so the nftables emulation hands out real servers in the kernel's
 * order. The kernel semantics live in src/ipvs; this module only builds the lab's service there
 * and reads its scheduler's picks back as indices into plan.realServers.
 */
import type { Destination } from '../ipvs/destination.js';
import { gcd } from '../ipvs/hash.js';
import { VirtualService } from '../ipvs/service.js';
import type { LabPlan, LabServicePlan } from './plan.js';

export type SchedulePlan = Pick<LabPlan, 'method' | 'scheduler' | 'vip' | 'vport' | 'realServers' | 'addOrder'>;

export interface LabService {
  readonly svc: VirtualService;
  /** plan.realServers index of a dest of svc. */
  readonly indexOf: (dest: Destination) => number;
}

/**
 * The lab's service as its printed ipvsadm lines build it: `-A … -s SCHED`, then one `-a` per
 * real server in plan.addOrder (each goes to the list head, and each add updates the scheduler).
 */
/** One service of a lab with several (`--service`), as its ipvsadm lines build it; indexOf gives an index into s.dests. */
export function labServiceOf(plan: Pick<LabPlan, 'realServers'>, s: LabServicePlan): LabService {
  const svc = new VirtualService({ protocol: s.protocol, vip: s.vip, port: s.vport, scheduler: s.scheduler });
  const index = new Map<Destination, number>();
  for (const i of s.addOrder) {
    const d = s.dests[i];
    const rs = d ? plan.realServers[d.rs] : undefined;
    if (d && rs) index.set(svc.addDest({ addr: rs.ip, port: d.port, weight: d.weight, forward: d.method }), i);
  }
  return { svc, indexOf: (d) => index.get(d) ?? -1 };
}

export function labService(plan: SchedulePlan): LabService {
  const svc = new VirtualService({ protocol: 'tcp', vip: plan.vip, port: plan.vport, scheduler: plan.scheduler });
  const index = new Map<Destination, number>();
  for (const i of plan.addOrder) {
    const rs = plan.realServers[i];
    if (!rs) continue;
    index.set(svc.addDest({ addr: rs.ip, port: rs.port, weight: rs.weight, forward: plan.method }), i);
  }
  // No setScheduler() here: the lab prints and (on an IPVS kernel) runs `-A … -s SCHED` and then
  // one `-a` per real server, and each add updates the scheduler's state (wrr's current weight
  // among it). The emulation must pick what those commands would make the kernel pick.
  return { svc, indexOf: (d) => index.get(d) ?? -1 };
}

/**
 * rr and wrr keep no per-client state, so their picks repeat: rr after every usable dest once,
 * wrr after sum(weights)/gcd picks. nftables cycles one period with `numgen inc mod <period>`.
 */
function periodLength(plan: SchedulePlan): number {
  const live = plan.realServers.map((r) => r.weight).filter((w) => w > 0);
  if (live.length === 0) return 0;
  if (plan.scheduler === 'rr') return live.length;
  return live.reduce((a, b) => a + b, 0) / live.reduce(gcd);
}

/** Connections the emulation follows exactly; the lab sends far fewer (MAX_CLIENTS × requests). */
export const EXACT_PICKS = 512;

/**
 * The rr/wrr picks of the lab's service for its first new connections (indices into
 * plan.realServers), in the order the connections get them: a whole number of periods covering
 * at least EXACT_PICKS connections. Not just one period, because a service built by `-A` and
 * then one `-a` per real server starts wrr part-way into its cycle (each add changes the
 * current weight), and the emulation must reproduce that start too.
 */
export function schedulePeriod(plan: SchedulePlan): number[] {
  if (plan.scheduler !== 'rr' && plan.scheduler !== 'wrr') {
    throw new Error(`lab: ${plan.scheduler} picks are not periodic`);
  }
  const { svc, indexOf } = labService(plan);
  const period = periodLength(plan);
  if (period === 0) return [];
  const length = Math.ceil(EXACT_PICKS / period) * period;
  const picks: number[] = [];
  for (let k = 0; k < length; k++) {
    const d = svc.scheduler.schedule({ saddr: '0.0.0.0', daddr: plan.vip, dport: plan.vport });
    if (d === null) break;
    picks.push(indexOf(d));
  }
  return picks;
}

/** The real servers sh gives each client address (index into plan.realServers, null = none available). */
export function shPicks(plan: SchedulePlan, cips: readonly string[]): (number | null)[] {
  const { svc, indexOf } = labService(plan);
  return cips.map((cip) => {
    const d = svc.scheduler.schedule({ saddr: cip, daddr: plan.vip, dport: plan.vport });
    return d === null ? null : indexOf(d);
  });
}
