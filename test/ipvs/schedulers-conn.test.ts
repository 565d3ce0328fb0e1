import { describe, expect, it } from 'vitest';
import { connOverhead, createDestination, createScheduler, type Destination } from '../../src/ipvs/index.js';
import { getRandomU32Below, TwosScheduler } from '../../src/ipvs/schedulers/twos.js';
import { seededRandomU32 } from '../../src/ipvs/schedulers/index.js';

function seqOf(...values: number[]): () => number {
  let i = 0;
  return () => values[i++ % values.length] as number;
}

/** __get_random_u32_below transcribed with 64-bit integers. */
function kernelBelow(ceil: number, u32: () => number): number {
  const c = BigInt(ceil);
  let mult = c * BigInt(u32());
  if ((mult & 0xffffffffn) < c) {
    const bound = ((1n << 32n) - c) % c;
    while ((mult & 0xffffffffn) < bound) mult = c * BigInt(u32());
  }
  return Number(mult >> 32n);
}

const ctx = { saddr: '10.0.0.5', daddr: '10.0.0.100', now: 0 };

function d(addr: string, weight: number, activeConns = 0, inactConns = 0): Destination {
  return createDestination({ addr, port: 80, weight, activeConns, inactConns });
}

describe('connection overhead (ip_vs_dest_conn_overhead)', () => {
  it.each([
    // active, inactive, (active << 8) + inactive: the one formula every kernel has
    [0, 0, 0],
    [1, 0, 256],
    [0, 300, 300],
    [3, 7, 775],
  ])('active %i inactive %i -> %i', (a, i, want) => {
    expect(connOverhead(d('X', 1, a, i))).toBe(want);
  });
});

describe('lc / wlc', () => {
  it('lc: all idle -> the first in list order wins the tie', () => {
    expect(createScheduler('lc', [d('A', 1), d('B', 1), d('C', 1)]).schedule(ctx)?.addr).toBe('A');
  });

  it('lc: skips weight 0 and OVERLOAD, compares active*256 + inactive', () => {
    const z = d('Z', 0);
    const o = d('O', 1);
    o.flags.overloaded = true;
    // A: 1 active = 256; B: 255 inactive = 255 -> B
    expect(createScheduler('lc', [z, o, d('A', 1, 1, 0), d('B', 1, 0, 255)]).schedule(ctx)?.addr).toBe('B');
    // A: 256, B: 256 -> tie -> A (earlier)
    expect(createScheduler('lc', [d('A', 1, 1, 0), d('B', 1, 0, 256)]).schedule(ctx)?.addr).toBe('A');
  });

  it('wlc: cross-multiplied overhead/weight, ties keep the earlier dest', () => {
    const cases: [Destination[], string][] = [
      [[d('A', 1), d('B', 1)], 'A'],
      [[d('A', 1, 1, 0), d('B', 2, 2, 0)], 'A'], // 256*2 > 512*1? no -> A
      [[d('A', 1, 1, 0), d('B', 3, 2, 0)], 'B'], // 256*3 > 512*1 -> B
      [[d('Z', 0), d('A', 2, 4, 0), d('B', 1, 1, 0)], 'B'], // Z never wins; 1024*1 > 256*2 -> B
    ];
    for (const [dests, want] of cases) expect(createScheduler('wlc', dests).schedule(ctx)?.addr).toBe(want);
  });

  it('wlc: active*256 equals 256 inactive, and the tie keeps the earlier dest', () => {
    expect(createScheduler('wlc', [d('A', 1, 1, 0), d('B', 1, 0, 256)]).schedule(ctx)?.addr).toBe('A');
  });
});

describe('sed vs nq', () => {
  it('sed ignores inactive and ties to the earlier; nq takes an idle server at once', () => {
    const mk = (): Destination[] => [d('A', 3, 2, 0), d('B', 1, 0, 500)];
    // sed: A (2+1)/3 = 1, B (0+1)/1 = 1 -> tie -> A
    expect(createScheduler('sed', mk()).schedule(ctx)?.addr).toBe('A');
    // nq: B has no active connection -> B
    expect(createScheduler('nq', mk()).schedule(ctx)?.addr).toBe('B');
  });

  it('nq without an idle server falls back to the sed rule', () => {
    // A: (1+1)/1 = 2, B: (2+1)/2 = 1.5 -> B
    expect(createScheduler('nq', [d('A', 1, 1), d('B', 2, 2)]).schedule(ctx)?.addr).toBe('B');
    // a weight-0 idle server is not "idle available"
    expect(createScheduler('nq', [d('Z', 0), d('A', 1, 1), d('B', 1, 1)]).schedule(ctx)?.addr).toBe('A');
  });
});

describe('fo / ovf', () => {
  it('fo: highest weight, first on ties, skipping OVERLOAD', () => {
    const dests = [d('A', 2), d('B', 5), d('C', 5)];
    const s = createScheduler('fo', dests);
    expect(s.schedule(ctx)?.addr).toBe('B');
    (dests[1] as Destination).flags.overloaded = true;
    expect(s.schedule(ctx)?.addr).toBe('C');
    expect(createScheduler('fo', [d('Z', 0)]).schedule(ctx)).toBeNull();
  });

  it('ovf: weight is a cap on active connections, reached at weight+1', () => {
    const a = d('A', 2);
    const b = d('B', 1);
    const s = createScheduler('ovf', [a, b]);
    const seq: (string | null)[] = [];
    for (let i = 0; i < 6; i++) {
      const p = s.schedule(ctx);
      seq.push(p?.addr ?? null);
      if (p !== null) p.activeConns++;
    }
    expect(seq).toEqual(['A', 'A', 'A', 'B', 'B', null]);
  });
});

describe('twos', () => {
  it('maps each draw to a dest with the first dest taking r = 0 (bias (w1+1)/(W+1))', () => {
    const s = new TwosScheduler([d('A', 1), d('B', 2), d('C', 3)], () => 0);
    expect(s.totalWeight()).toBe(7);
    // with both draws equal, choice2 = choice1
    const byDraw = [0, 1, 2, 3, 4, 5, 6].map((r) => s.pickWith(r, r)?.addr);
    expect(byDraw).toEqual(['A', 'A', 'B', 'B', 'C', 'C', 'C']);
  });

  it('keeps choice1 unless choice2 is strictly less loaded per weight', () => {
    const a = d('A', 1, 1, 0); // overhead 256
    const c = d('C', 3, 0, 0); // overhead 0
    const s = new TwosScheduler([a, d('B', 2), c], () => 0);
    expect(s.pickWith(0, 6)?.addr).toBe('C'); // 3*256 > 1*0
    expect(s.pickWith(6, 0)?.addr).toBe('C'); // choice2 = A: 1*0 > 3*256 is false -> C stays
    const equal = new TwosScheduler([d('A', 1), d('B', 1)], () => 0);
    expect(equal.pickWith(0, 2)?.addr).toBe('A'); // 1*0 > 1*0 false -> choice1
  });

  it('draws each choice with get_random_u32_below(total): (u32 * total) >> 32', () => {
    // total = 7. 0x40000000 * 7 >> 32 = 1, which the walk gives to A (draw 0 and 1: bias);
    // 0xc0000000 * 7 >> 32 = 5 (C)
    const seq = [0x40000000, 0xc0000000];
    let i = 0;
    const s = createScheduler('twos', [d('A', 1, 1, 0), d('B', 2), d('C', 3)], { randomU32: () => seq[i++] as number });
    // choice1 A (overhead 256), choice2 C (overhead 0): 1*0 < 3*256 -> C
    expect(s.schedule(ctx)?.addr).toBe('C');
    expect(i).toBe(2);
  });

  it('rejects a draw whose low product half is below 2^32 mod total and draws again', () => {
    // total 7: 2^32 mod 7 = 4. u32 0 gives the product 0, whose low half 0 < 4: rejected.
    // The redraw 0xffffffff gives 6 (C). A floor(random * 7) model would have taken 0 (A).
    const seq = [0, 0xffffffff, 0x40000000];
    let i = 0;
    const s = createScheduler('twos', [d('A', 1), d('B', 2), d('C', 3)], { randomU32: () => seq[i++] as number });
    // r1 = 6 -> C, r2 = 1 -> A; both idle -> choice1 C stays
    expect(s.schedule(ctx)?.addr).toBe('C');
    expect(i).toBe(3);
    expect(getRandomU32Below(7, seqOf(0, 0xffffffff))).toBe(6);
  });

  it('getRandomU32Below equals the kernel arithmetic done in 64 bits', () => {
    const ceilings = [1, 2, 3, 5, 7, 10, 255, 256, 1000, 65537, 0x7fffffff, 0x80000001, 0xfffffffe, 0xffffffff];
    for (const ceil of ceilings) {
      // two copies of one seeded stream, so a rejected draw is followed by the same redraws
      for (let seed = 1; seed <= 200; seed++) {
        expect(getRandomU32Below(ceil, seededRandomU32(seed))).toBe(kernelBelow(ceil, seededRandomU32(seed)));
      }
      // edge draws
      for (const r of [0, 1, ceil - 1, 0x80000000, 0xffffffff]) {
        expect(getRandomU32Below(ceil, seqOf(r >>> 0, 12345, 0xffffffff))).toBe(kernelBelow(ceil, seqOf(r >>> 0, 12345, 0xffffffff)));
      }
    }
  });
});
