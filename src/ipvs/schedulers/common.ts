import type { Destination } from '../destination.js';

/**
 * The wlc selection loop shared by wlc, lblc and lblcr (`__ip_vs_lblc_schedule` is a copy):
 * first non-OVERLOAD dest with weight > 0, then any later non-OVERLOAD dest replaces it when
 * `loh * w(dest) > doh * w(least)` (strict, so ties keep the earlier dest in list order).
 */
export function weightedLeast(
  dests: readonly Destination[],
  overhead: (d: Destination) => number,
): Destination | null {
  let i = 0;
  let least: Destination | null = null;
  for (; i < dests.length; i++) {
    const d = dests[i] as Destination;
    if (!d.flags.overloaded && d.weight > 0) {
      least = d;
      break;
    }
  }
  if (least === null) return null;
  let loh = overhead(least);
  for (i++; i < dests.length; i++) {
    const d = dests[i] as Destination;
    if (d.flags.overloaded) continue;
    const doh = overhead(d);
    if (loh * d.weight > doh * least.weight) {
      least = d;
      loh = doh;
    }
  }
  return least;
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
