import type { Destination } from '../destination.js';

/**
 * The walk the kernel's list schedulers share (ip_vs_lc, nq, fo, ovf, wlc, sed and lblcr's
 * dest-set min/max): the dests in list order, those not `usable` skipped, the first usable one
 * kept and replaced only when `better(d, best)`; `better` is strict, so a tie keeps the earlier dest.
 */
export function bestDest(
  dests: readonly Destination[],
  usable: (d: Destination) => boolean,
  better: (d: Destination, best: Destination) => boolean,
): Destination | null {
  let best: Destination | null = null;
  for (const d of dests) {
    if (usable(d) && (best === null || better(d, best))) best = d;
  }
  return best;
}

/** Not OVERLOAD and weight > 0: what every list scheduler requires of a dest it may pick. */
export function weighted(d: Destination): boolean {
  return !d.flags.overloaded && d.weight > 0;
}

/**
 * The wlc selection loop shared by wlc, sed, lblc and lblcr (`__ip_vs_lblc_schedule` is a copy):
 * first non-OVERLOAD dest with weight > 0, then any later non-OVERLOAD dest replaces it when
 * `loh * w(dest) > doh * w(least)`. A later dest of weight 0 can never win that comparison, so
 * requiring weight > 0 of every dest picks the same one.
 */
export function weightedLeast(
  dests: readonly Destination[],
  overhead: (d: Destination) => number,
  usable: (d: Destination) => boolean = weighted,
): Destination | null {
  return bestDest(dests, usable, (d, least) => overhead(least) * d.weight > overhead(d) * least.weight);
}

/**
 * What the schedulers that only walk the dest list share: the list in kernel order, replaced
 * whole when the service changes (they keep nothing else across a change).
 */
export abstract class DestListScheduler {
  lastError: string | null = null;
  protected dests: Destination[];

  constructor(dests: readonly Destination[]) {
    this.dests = dests.slice();
  }

  update(next: readonly Destination[]): void {
    this.dests = next.slice();
  }

  /** The pick, with lastError saying why when there is none. */
  protected picked(d: Destination | null): Destination | null {
    this.lastError = d === null ? 'no destination available' : null;
    return d;
  }
}

/**
 * lblc/lblcr `is_overloaded`: a heuristic, not the OVERLOAD flag. True when the dest has more
 * active connections than its weight and some dest in the service is below half its weight.
 */
export function lblcOverloaded(dest: Destination, all: readonly Destination[]): boolean {
  if (dest.activeConns > dest.weight) {
    for (const d of all) if (d.activeConns * 2 < d.weight) return true;
  }
  return false;
}

/** The port sh-port/mh-port hash: source port (dest port if inverse) for TCP/UDP/SCTP, else 0. */
export function hashPort(ctx: {
  readonly sport?: number;
  readonly dport?: number;
  readonly protocol?: string;
  readonly inverse?: boolean;
}): number {
  const proto = ctx.protocol ?? 'tcp';
  if (proto !== 'tcp' && proto !== 'udp' && proto !== 'sctp') return 0;
  return (ctx.inverse ? ctx.dport : ctx.sport) ?? 0;
}
