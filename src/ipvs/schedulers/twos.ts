import type { Destination, OverheadFormula } from '../destination.js';
import { DestListScheduler, overheadFn } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

/**
 * ip_vs_twos.c (power of two choices). total = sum of eligible weights + 1; two draws in
 * [0, total); walking eligible dests in list order and subtracting weights, the first dest where
 * a draw reaches <= 0 is that draw's choice, so draw 0 picks the first eligible dest (bias
 * (w1+1)/(W+1)). choice2 wins only if strictly less loaded per weight.
 */
export class TwosScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'twos' as const;
  private readonly overhead: (d: Destination) => number;
  private readonly random: () => number;

  constructor(dests: readonly Destination[], random: () => number, formula?: OverheadFormula) {
    super(dests);
    this.random = random;
    this.overhead = overheadFn(formula);
  }

  /** Exposed so a model can evaluate both draws itself: the pick for given draws r1, r2 in [0, total). */
  pickWith(r1: number, r2: number): Destination | null {
    let rweight1 = r1;
    let rweight2 = r2;
    let choice1: Destination | null = null;
    let choice2: Destination | null = null;
    let weight1 = -1;
    let weight2 = -1;
    let overhead1 = 0;
    let overhead2 = 0;
    for (const d of this.dests) {
      if (d.flags.overloaded) continue;
      const w = d.weight;
      if (w <= 0) continue;
      rweight1 -= w;
      rweight2 -= w;
      if (rweight1 <= 0 && weight1 === -1) {
        choice1 = d;
        weight1 = w;
        overhead1 = this.overhead(d);
      }
      if (rweight2 <= 0 && weight2 === -1) {
        choice2 = d;
        weight2 = w;
        overhead2 = this.overhead(d);
      }
      if (weight1 !== -1 && weight2 !== -1) break;
    }
    if (choice2 !== null && weight2 * overhead1 > weight1 * overhead2) choice1 = choice2;
    return choice1;
  }

  /** Sum of eligible weights + 1: the range the two draws come from. */
  totalWeight(): number {
    let total = 0;
    for (const d of this.dests) if (!d.flags.overloaded && d.weight > 0) total += d.weight;
    return total === 0 ? 0 : total + 1;
  }

  schedule(_ctx: ScheduleContext): Destination | null {
    const total = this.totalWeight();
    if (total === 0) {
      this.lastError = 'no destination available';
      return null;
    }
    const r1 = Math.floor(this.random() * total);
    const r2 = Math.floor(this.random() * total);
    this.lastError = null;
    return this.pickWith(r1, r2);
  }
}
