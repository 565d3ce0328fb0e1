import { connOverhead, type Destination } from '../destination.js';
import { DestListScheduler } from './common.js';
import type { ScheduleContext, Scheduler } from './types.js';

const TWO_32 = 0x1_0000_0000;

/**
 * __get_random_u32_below (drivers/char/random.c, 6.2+): Lemire's multiply-and-shift. The
 * 64-bit product ceil * rand is split; while its low half is below 2^32 mod ceil the draw is
 * rejected and redrawn, so every result in [0, ceil) is exactly equally likely. `u32` is
 * get_random_u32(); ceil 0 returns the raw draw, as the kernel does.
 */
export function getRandomU32Below(ceil: number, u32: () => number): number {
  let rand = u32() >>> 0;
  if (ceil === 0) return rand;
  // ceil and rand are below 2^32: their product is below 2^64 and not exact in a double,
  // so it is split into 16-bit halves of ceil.
  let low = mulLow32(ceil, rand);
  if (low < ceil) {
    const bound = TWO_32 % ceil;
    while (low < bound) {
      rand = u32() >>> 0;
      low = mulLow32(ceil, rand);
    }
  }
  return mulHigh32(ceil, rand);
}

function mulLow32(a: number, b: number): number {
  return Math.imul(a, b) >>> 0;
}

function mulHigh32(a: number, b: number): number {
  const aHi = Math.floor(a / 65536);
  const aLo = a % 65536;
  // a*b = aHi*b*2^16 + aLo*b; each partial product is below 2^48, exact in a double.
  const lo = aLo * b;
  const hi = aHi * b + Math.floor(lo / 65536);
  return Math.floor(hi / 65536);
}

/**
 * ip_vs_twos.c (power of two choices). total = sum of eligible weights + 1; two draws in
 * [0, total); walking eligible dests in list order and subtracting weights, the first dest where
 * a draw reaches <= 0 is that draw's choice, so draw 0 picks the first eligible dest (bias
 * (w1+1)/(W+1)). choice2 wins only if strictly less loaded per weight.
 */
export class TwosScheduler extends DestListScheduler implements Scheduler {
  readonly name = 'twos' as const;
  private readonly randomU32: () => number;

  constructor(dests: readonly Destination[], randomU32: () => number) {
    super(dests);
    this.randomU32 = randomU32;
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
        overhead1 = connOverhead(d);
      }
      if (rweight2 <= 0 && weight2 === -1) {
        choice2 = d;
        weight2 = w;
        overhead2 = connOverhead(d);
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
    const r1 = getRandomU32Below(total, this.randomU32);
    const r2 = getRandomU32Below(total, this.randomU32);
    this.lastError = null;
    return this.pickWith(r1, r2);
  }
}
