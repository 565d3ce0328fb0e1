import { describe, expect, it } from 'vitest';
import { createDestination, createScheduler, type Destination } from '../../src/ipvs/index.js';
import { WeightedRoundRobinScheduler } from '../../src/ipvs/schedulers/wrr.js';

const ctx = { saddr: '172.16.0.100', daddr: '172.16.23.80', now: 0 };

/** Kernel list order is newest-added first: adding a, b, c yields [c, b, a]. */
function addInOrder(...names: [string, number][]): Destination[] {
  const list: Destination[] = [];
  for (const [addr, weight] of names) list.unshift(createDestination({ addr, port: 80, weight }));
  return list;
}

function picks(s: { schedule(c: typeof ctx): Destination | null }, n: number): (string | null)[] {
  return Array.from({ length: n }, () => s.schedule(ctx)?.addr ?? null);
}

describe('rr (ip_vs_rr.c)', () => {
  it('starts at the newest-added dest and rotates in kernel list order', () => {
    const dests = addInOrder(['A', 1], ['B', 1], ['C', 1]);
    expect(picks(createScheduler('rr', dests), 7)).toEqual(['C', 'B', 'A', 'C', 'B', 'A', 'C']);
  });

  it('skips a weight-0 dest in the middle', () => {
    const dests = addInOrder(['A', 1], ['B', 0], ['C', 1]);
    expect(picks(createScheduler('rr', dests), 7)).toEqual(['C', 'A', 'C', 'A', 'C', 'A', 'C']);
  });

  it('skips OVERLOAD dests and fails when none is left', () => {
    const dests = addInOrder(['A', 1], ['B', 1]);
    const s = createScheduler('rr', dests);
    (dests[0] as Destination).flags.overloaded = true; // B
    expect(picks(s, 3)).toEqual(['A', 'A', 'A']);
    (dests[1] as Destination).flags.overloaded = true;
    expect(s.schedule(ctx)).toBeNull();
    expect(s.lastError).toBe('no destination available');
  });

  it('a dest added later is reached after the walk wraps past the oldest one', () => {
    const dests = addInOrder(['A', 1], ['B', 1], ['C', 1]);
    const s = createScheduler('rr', dests);
    expect(picks(s, 2)).toEqual(['C', 'B']);
    const d = createDestination({ addr: 'D', port: 80 });
    s.update([d, ...dests]);
    expect(picks(s, 5)).toEqual(['A', 'D', 'C', 'B', 'A']);
  });

  it('deleting the dest under the cursor moves the cursor to the previous entry', () => {
    const dests = addInOrder(['A', 1], ['B', 1], ['C', 1]); // [C, B, A]
    const s = createScheduler('rr', dests);
    expect(picks(s, 2)).toEqual(['C', 'B']);
    s.update(dests.filter((d) => d.addr !== 'B')); // cursor goes back to C
    expect(picks(s, 4)).toEqual(['A', 'C', 'A', 'C']);
  });
});

describe('wrr (ip_vs_wrr.c)', () => {
  it('the seed NAT lab, weights .81=5 .80=1 on a fresh service: first 12 picks', () => {
    // -a .80:8080 then -a .81:80, so the kernel list is [.81, .80]
    const dests = [
      createDestination({ addr: '192.168.23.81', port: 80, weight: 5, forward: 'nat' }),
      createDestination({ addr: '192.168.23.80', port: 8080, weight: 1, forward: 'nat' }),
    ];
    const s = createScheduler('wrr', dests);
    const r = picks(s, 12).map((a) => a?.slice(-2));
    expect(r).toEqual(['81', '81', '81', '81', '81', '80', '81', '81', '81', '81', '81', '80']);
  });

  it('the seed NAT lab as typed: -E -s wrr at weights 1:1, then -e weights 1 and 5 (cw stays 1)', () => {
    const d80 = createDestination({ addr: '192.168.23.80', port: 8080, weight: 1, forward: 'nat' });
    const d81 = createDestination({ addr: '192.168.23.81', port: 80, weight: 1, forward: 'nat' });
    const list = [d81, d80];
    const s = new WeightedRoundRobinScheduler(list);
    expect(s.state.cw).toBe(1);
    d80.weight = 1;
    s.update(list);
    d81.weight = 5;
    s.update(list);
    // dest_changed keeps cw = 1 (not above mw = 5, not 0, gcd 1)
    expect(s.state).toMatchObject({ cw: 1, mw: 5, di: 1, cl: null });
    const r = picks(s, 12).map((a) => a?.slice(-2));
    expect(r).toEqual(['81', '80', '81', '81', '81', '81', '81', '80', '81', '81', '81', '81']);
  });

  it('3:2:1 gives A A B A B C per cycle', () => {
    const dests = [
      createDestination({ addr: 'A', port: 80, weight: 3 }),
      createDestination({ addr: 'B', port: 80, weight: 2 }),
      createDestination({ addr: 'C', port: 80, weight: 1 }),
    ];
    expect(picks(createScheduler('wrr', dests), 12)).toEqual(['A', 'A', 'B', 'A', 'B', 'C', 'A', 'A', 'B', 'A', 'B', 'C']);
  });

  it('reference worked examples: 4:3:2 and 4:2 (gcd 2, mw 3)', () => {
    const abc = [['A', 4], ['B', 3], ['C', 2]].map(([a, w]) => createDestination({ addr: a as string, port: 80, weight: w as number }));
    expect(picks(createScheduler('wrr', abc), 9)).toEqual(['A', 'A', 'B', 'A', 'B', 'C', 'A', 'B', 'C']);
    const ab = [['A', 4], ['B', 2]].map(([a, w]) => createDestination({ addr: a as string, port: 80, weight: w as number }));
    const s = new WeightedRoundRobinScheduler(ab);
    expect(s.state).toMatchObject({ di: 2, mw: 3, cw: 3 });
    expect(picks(s, 6)).toEqual(['A', 'A', 'B', 'A', 'A', 'B']);
  });

  it('all overloaded after a full walk: the cursor goes back to the list head (err_over)', () => {
    const [a, b, c] = [['A', 2], ['B', 1], ['C', 2]].map(([n, w]) => createDestination({ addr: n as string, port: 80, weight: w as number }));
    const s = new WeightedRoundRobinScheduler([a!, b!, c!]);
    expect(s.schedule(ctx)?.addr).toBe('A');
    for (const x of [a!, b!, c!]) x.flags.overloaded = true;
    // From A: B, C fail at cw 2; cw 1 is the last pass, A B C fail; cw wraps -> err_over on the head.
    expect(s.schedule(ctx)).toBeNull();
    expect(s.state).toMatchObject({ cl: null, cw: 2 });
    for (const x of [a!, b!, c!]) x.flags.overloaded = false;
    // From the head at cw 2: A. (Keeping the old cursor A would have given C.)
    expect(s.schedule(ctx)?.addr).toBe('A');
  });

  it('all overloaded, stopped at the old cursor: the cursor stays there', () => {
    const [a, b] = [['A', 1], ['B', 1]].map(([n, w]) => createDestination({ addr: n as string, port: 80, weight: w as number }));
    const s = new WeightedRoundRobinScheduler([a!, b!]);
    expect(s.schedule(ctx)?.addr).toBe('A');
    a!.flags.overloaded = true;
    b!.flags.overloaded = true;
    expect(s.schedule(ctx)).toBeNull();
    expect(s.state.cl?.addr).toBe('A');
    a!.flags.overloaded = false;
    b!.flags.overloaded = false;
    expect(s.schedule(ctx)?.addr).toBe('B');
  });

  it('never picks weight 0, fails with all overloaded, and with no weights at all', () => {
    const dests = [
      createDestination({ addr: 'A', port: 80, weight: 2 }),
      createDestination({ addr: 'Z', port: 80, weight: 0 }),
      createDestination({ addr: 'B', port: 80, weight: 1 }),
    ];
    const s = createScheduler('wrr', dests);
    expect(picks(s, 6)).toEqual(['A', 'A', 'B', 'A', 'A', 'B']);
    for (const d of dests) d.flags.overloaded = true;
    expect(s.schedule(ctx)).toBeNull();
    expect(s.lastError).toBe('no destination available: all destinations are overloaded');
    const empty = createScheduler('wrr', [createDestination({ addr: 'Q', port: 80, weight: 0 })]);
    expect(empty.schedule(ctx)).toBeNull();
    expect(empty.lastError).toBe('no destination available');
  });
});
