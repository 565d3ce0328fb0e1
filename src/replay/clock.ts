/**
 * The replay clock: monotonic nanoseconds since this module loaded, as a double (exact to the
 * nanosecond for 104 days). Schedules are absolute offsets from the replay start, so an error in
 * one wait never carries into the next.
 */
const origin = process.hrtime.bigint();

export function nowNs(): number {
  return Number(process.hrtime.bigint() - origin);
}

/** Busy-waits until nowNs() >= dueNs; returns the time it saw. Only for the last stretch. */
export function spinUntil(dueNs: number): number {
  let now = nowNs();
  while (now < dueNs) now = nowNs();
  return now;
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Blocks the thread for about ns nanoseconds (Atomics.wait takes fractional milliseconds and
 * sleeps in a futex, so the wake-up is typically 50-100 µs late, the kernel's timer slack). A
 * sleeping thread keeps the scheduler's favour on a busy machine; a spinning one loses it.
 */
export function sleepSyncNs(ns: number): void {
  if (ns > 0) Atomics.wait(sleepCell, 0, 0, ns / 1e6);
}

export function sleepMs(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export function nextTick(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** Wall-clock time (seconds, nanoseconds) paired with a monotonic reading, for stamping frames. */
export interface ClockAnchor {
  readonly wallSec: number;
  readonly wallNsec: number;
  readonly monoNs: number;
}

export function anchorClock(): ClockAnchor {
  const monoNs = nowNs();
  const ms = Date.now();
  return { wallSec: Math.floor(ms / 1000), wallNsec: (ms % 1000) * 1_000_000, monoNs };
}

/** The wall time of a monotonic reading, in `out` (no allocation per frame). */
export function wallTimeOf(anchor: ClockAnchor, monoNs: number, out: { sec: number; nsec: number }): void {
  const ns = anchor.wallNsec + (monoNs - anchor.monoNs);
  const carry = Math.floor(ns / 1e9);
  out.sec = anchor.wallSec + carry;
  out.nsec = Math.round(ns - carry * 1e9);
  if (out.nsec >= 1e9) {
    out.sec++;
    out.nsec -= 1e9;
  }
}
