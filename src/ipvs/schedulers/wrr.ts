import type { Destination } from '../destination.js';
import { gcd } from '../hash.js';
import type { ScheduleContext, Scheduler } from './types.js';

/**
 * ip_vs_wrr.c, transcribed. State: cl (index of the current dest, -1 = list head), cw (current
 * weight), mw (max weight - (gcd - 1)), di (gcd of the positive weights, 1 if none).
 * A pick walks on from cl for the first non-OVERLOAD dest with weight >= cw; each time the walk
 * passes the list end cw drops by di, and below 1 it restarts at mw.
 */
export class WeightedRoundRobinScheduler implements Scheduler {
  readonly name = 'wrr' as const;
  lastError: string | null = null;
  private dests: Destination[] = [];
  private cl = -1;
  private cw = 0;
  private mw = 0;
  private di = 1;

  constructor(dests: readonly Destination[]) {
    this.dests = dests.slice();
    // ip_vs_wrr_init_svc
    this.di = gcdWeight(this.dests);
    this.mw = maxWeight(this.dests) - (this.di - 1);
    this.cw = this.mw;
  }

  /** ip_vs_wrr_dest_changed (add, delete and edit alike). */
  update(next: readonly Destination[]): void {
    this.dests = next.slice();
    this.cl = -1;
    this.di = gcdWeight(this.dests);
    this.mw = maxWeight(this.dests) - (this.di - 1);
    if (this.cw > this.mw || this.cw === 0) this.cw = this.mw;
    else if (this.di > 1) this.cw = Math.trunc(this.cw / this.di) * this.di + 1;
  }

  /** Internal state, for explanations and tests. */
  get state(): { readonly cl: Destination | null; readonly cw: number; readonly mw: number; readonly di: number } {
    return { cl: this.cl < 0 ? null : (this.dests[this.cl] ?? null), cw: this.cw, mw: this.mw, di: this.di };
  }

  schedule(_ctx: ScheduleContext): Destination | null {
    if (this.mw === 0) {
      this.lastError = 'no destination available';
      return null;
    }
    const n = this.dests.length;
    let idx = this.cl;
    const last = this.cl;
    let stop: number | null = null;
    let lastPass = false;
    let restarted = false;
    for (;;) {
      for (idx = idx + 1; idx < n; idx++) {
        const d = this.dests[idx] as Destination;
        if (!d.flags.overloaded && d.weight >= this.cw) {
          this.cl = idx;
          this.lastError = null;
          return d;
        }
        // err_over at `stop` (the old cursor): `mark->cl = dest` leaves it where it was.
        if (idx === stop) return this.overloaded();
      }
      idx = -1;
      this.cw -= this.di;
      if (this.cw <= 0) {
        this.cw = this.mw;
        // err_over after a full walk: `mark->cl = dest`, and the walk ended on the list head.
        if (lastPass || last === -1) {
          this.cl = -1;
          return this.overloaded();
        }
        restarted = true;
      }
      lastPass = this.cw <= this.di;
      if (lastPass && restarted && last !== -1) stop = last;
    }
  }

  private overloaded(): null {
    this.lastError = 'no destination available: all destinations are overloaded';
    return null;
  }
}

function gcdWeight(dests: readonly Destination[]): number {
  let g = 0;
  for (const d of dests) if (d.weight > 0) g = g > 0 ? gcd(d.weight, g) : d.weight;
  return g || 1;
}

function maxWeight(dests: readonly Destination[]): number {
  let w = 0;
  for (const d of dests) if (d.weight > w) w = d.weight;
  return w;
}
