/** 64-bit pcapng tick counts to seconds + nanoseconds, exactly, checked against BigInt arithmetic. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tickScale, ticksToTime, timeToTicks } from '../../src/capture/timestamps.js';

const RESOLUTIONS: Array<[string, number, bigint]> = [
  ['10^6', 1e6, 10n ** 6n],
  ['10^9', 1e9, 10n ** 9n],
  ['10^0', 1, 1n],
  ['10^3', 1e3, 10n ** 3n],
  ['10^12', 1e12, 10n ** 12n],
  ['2^10', 2 ** 10, 1n << 10n],
  ['2^20', 2 ** 20, 1n << 20n],
  ['2^30', 2 ** 30, 1n << 30n],
  ['2^32', 2 ** 32, 1n << 32n],
  ['2^40', 2 ** 40, 1n << 40n],
  ['2^63', 2 ** 63, 1n << 63n],
];

const reference = (hi: number, lo: number, res: bigint): [number, number] => {
  const t = (BigInt(hi) << 32n) | BigInt(lo);
  return [Number(t / res), Number(((t % res) * 1_000_000_000n) / res)];
};

describe('ticksToTime', () => {
  it('a nanosecond count above 2^53 keeps its last digit', () => {
    const out = { tsSec: 0, tsNsec: 0 };
    // 1700000000123456789 ns = 0x17979cfe_3d85cd15
    ticksToTime(0x17979cfe, 0x3d85cd15, tickScale(1e9), out);
    expect(out).toEqual({ tsSec: 1700000000, tsNsec: 123456789 });
    ticksToTime(0xffffffff, 0xffffffff, tickScale(1e9), out);
    expect(out).toEqual({ tsSec: 18446744073, tsNsec: 709551615 });
  });

  it.each(RESOLUTIONS)('matches BigInt at %s ticks/s for any 64-bit count', (_name, res, big) => {
    const scale = tickScale(res, big);
    const out = { tsSec: 0, tsNsec: 0 };
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 0xffffffff }), (hi, lo) => {
        ticksToTime(hi, lo, scale, out);
        expect([out.tsSec, out.tsNsec]).toEqual(reference(hi, lo, big));
      }),
      { numRuns: 3000 },
    );
  });
});

describe('timeToTicks', () => {
  it.each([1e6, 1e9] as const)('inverts ticksToTime at %d ticks/s', (res) => {
    const scale = tickScale(res);
    const ticks = { hi: 0, lo: 0 };
    const out = { tsSec: 0, tsNsec: 0 };
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.nat({ max: 999_999_999 }), (sec, nsec) => {
        timeToTicks(sec, nsec, res, ticks);
        const expected = BigInt(sec) * BigInt(res) + BigInt(res === 1e9 ? nsec : Math.floor(nsec / 1000));
        expect((BigInt(ticks.hi) << 32n) | BigInt(ticks.lo)).toBe(expected);
        ticksToTime(ticks.hi, ticks.lo, scale, out);
        expect([out.tsSec, out.tsNsec]).toEqual([sec, res === 1e9 ? nsec : Math.floor(nsec / 1000) * 1000]);
      }),
      { numRuns: 3000 },
    );
  });
});
