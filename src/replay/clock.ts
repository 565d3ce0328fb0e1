/**
 * The replay clock: monotonic nanoseconds since this module loaded, as a double (exact to the
 * nanosecond for 104 days). Schedules are absolute offsets from the replay start, so an error in
 * one wait never carries into the next.
 */
const origin = process.hrtime.bigint();

export function nowNs(): number {
  return Number(process.hrtime.bigint() - origin);
}

/** Clock reads closer than this to the due time are made back to back. */
const TIGHT_NS = 4_000;
/** Iterations of burn() per nanosecond, as last measured (starts low: an early burn is short, not late). */
let burnPerNs = 0.05;
let burnSink = 0;

/** An allocation-free busy loop; the sink keeps the JIT from removing it. */
function burn(iterations: number): void {
  let x = burnSink;
  for (let k = 0; k < iterations; k++) x = (x * 31 + k) | 0;
  burnSink = x;
}

/**
 * Busy-waits until nowNs() >= dueNs; returns the time it saw. Only for the last stretch.
 *
 * Every clock read allocates (hrtime.bigint() makes a BigInt), and a 150 µs spin of back-to-back
 * reads allocated enough to start a scavenge about every 40 packets at 1,000 pps: the GC pause
 * (50-600 µs) then landed inside the spin and made the send late. So the spin burns about half the
 * remaining time in a loop that allocates nothing, reads the clock, and repeats; only the last few
 * µs are read back to back. The burn rate is re-measured on every burn, and taking half the
 * remaining time leaves room for a rate that drops (a preempted burn is late either way).
 */
export function spinUntil(dueNs: number): number {
  let now = nowNs();
  while (dueNs - now > TIGHT_NS) {
    const iterations = Math.floor(((dueNs - now) / 2) * burnPerNs) + 16;
    burn(iterations);
    const after = nowNs();
    if (after > now) burnPerNs = iterations / (after - now);
    now = after;
  }
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
