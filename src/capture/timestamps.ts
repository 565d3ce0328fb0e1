/**
 * Exact conversion between pcapng 64-bit tick counts (two 32-bit words) and seconds + nanoseconds.
 *
 * Nanosecond tick counts are above 2^53 for any date after 1970-04-15, so hi * 2^32 + lo is not
 * exact as a double. Long division by 16-bit limbs keeps every intermediate below 2^53 for
 * resolutions up to 2^32 ticks/s without BigInt; BigInt is only used for exotic resolutions.
 */

/** Where a conversion result goes: the reader's cursor. */
export interface TimeOut {
  tsSec: number;
  tsNsec: number;
}

const TWO32 = 4294967296;

/** How ticks at a resolution become nanoseconds, precomputed per interface. */
export interface TickScale {
  /** Ticks per second. */
  readonly resolution: number;
  /** Nanoseconds per tick when a whole number (10^k, k <= 9), else 0. */
  readonly nsPerTick: number;
  /** Set when the limb division cannot be used exactly. */
  readonly big: bigint | null;
}

export function tickScale(resolution: number, big?: bigint): TickScale {
  const whole = 1e9 / resolution;
  const exact = resolution <= TWO32 && Number.isInteger(whole);
  const needsBig = !exact && (resolution > TWO32 || resolution * 1e9 > Number.MAX_SAFE_INTEGER);
  return {
    resolution,
    nsPerTick: exact ? whole : 0,
    big: needsBig ? (big ?? BigInt(resolution)) : null,
  };
}

export const MICROSECOND_SCALE = tickScale(1e6);
export const NANOSECOND_SCALE = tickScale(1e9);

/** Writes the time of hi * 2^32 + lo ticks into out, exactly (nanoseconds rounded down). */
export function ticksToTime(hi: number, lo: number, scale: TickScale, out: TimeOut): void {
  const res = scale.resolution;
  if (scale.big !== null) {
    bigTicksToTime(hi, lo, scale.big, out);
    return;
  }
  if (res === 1e6 && hi < 0x200000) {
    // Microsecond counts stay below 2^53 until the year 2255: plain arithmetic is exact.
    const t = hi * TWO32 + lo;
    const sec = Math.floor(t / 1e6);
    out.tsSec = sec;
    out.tsNsec = (t - sec * 1e6) * 1000;
    return;
  }
  const q1 = Math.floor(hi / res);
  let r = hi - q1 * res;
  r = r * 65536 + (lo >>> 16);
  let q2 = Math.floor(r / res);
  r -= q2 * res;
  if (r < 0) {
    q2--;
    r += res;
  }
  r = r * 65536 + (lo & 0xffff);
  let q3 = Math.floor(r / res);
  r -= q3 * res;
  if (r < 0) {
    q3--;
    r += res;
  }
  out.tsSec = q1 * TWO32 + q2 * 65536 + q3;
  out.tsNsec = scale.nsPerTick !== 0 ? r * scale.nsPerTick : Math.floor((r * 1e9) / res);
}

function bigTicksToTime(hi: number, lo: number, res: bigint, out: TimeOut): void {
  const t = (BigInt(hi) << 32n) | BigInt(lo);
  const rem = t % res;
  out.tsSec = Number(t / res);
  out.tsNsec = Number((rem * 1_000_000_000n) / res);
}

/** Tick count for sec + nsec at 10^k ticks/s (k <= 9), as [hi, lo] words written into out. */
export function timeToTicks(sec: number, nsec: number, resolution: number, out: { hi: number; lo: number }): void {
  const mul = resolution;
  const frac = resolution === 1e9 ? nsec : Math.floor(nsec / (1e9 / resolution));
  // sec * mul + frac can exceed 2^53: split sec into 16-bit halves so each product stays exact.
  const a = Math.floor(sec / 65536);
  const b = sec - a * 65536;
  const x = b * mul + frac;
  const y = a * mul;
  const yLow = y % 65536;
  const low = yLow * 65536 + x;
  const carry = Math.floor(low / TWO32);
  out.lo = low - carry * TWO32;
  out.hi = (y - yLow) / 65536 + carry;
}

/** "1700000000.123456789": a published time, always nine fractional digits (the model's reports use it too). */
export function formatEpochNs(sec: number, nsec: number): string {
  const f = String(nsec);
  return `${sec}.${'000000000'.slice(f.length)}${f}`;
}
