/**
 * The replay clock: monotonic nanoseconds since this module loaded, as a double (exact to the
 * nanosecond for 104 days). Schedules are absolute offsets from the replay start, so an error in
 * one wait never carries into the next.
 */
const origin = process.hrtime.bigint();
const originNs = Number(origin);

/** clock_gettime through the FFI, when replay has loaded it (see useFfiClock). */
let ffiClock: ((clockId: number, ts: Uint32Array) => number) | null = null;
/** struct timespec on a 64-bit Linux: tv_sec (low, high words), tv_nsec (low, high). */
const timespec = new Uint32Array(4);
/** The clock process.hrtime reads (libuv's uv_hrtime), so both sources share one origin. */
const CLOCK_MONOTONIC = 1;

export function nowNs(): number {
  if (ffiClock !== null) {
    ffiClock(CLOCK_MONOTONIC, timespec);
    return (timespec[1]! * 4294967296 + timespec[0]!) * 1e9 + timespec[2]! - originNs;
  }
  return Number(process.hrtime.bigint() - origin);
}

/**
 * Reads the clock through clock_gettime(2) from now on (null: back to process.hrtime). A BigInt
 * per read is what a paced replay allocated most: its spins read the clock dozens of times a
 * frame, and the scavenges that garbage started landed in the spins, just before a send.
 */
export function useFfiClock(clockGettime: ((clockId: number, ts: Uint32Array) => number) | null): void {
  ffiClock = null;
  if (clockGettime === null) return;
  const a = nowNs();
  if (clockGettime(CLOCK_MONOTONIC, timespec) !== 0) return;
  const b = (timespec[1]! * 4294967296 + timespec[0]!) * 1e9 + timespec[2]! - originNs;
  // The same clock or nothing: a schedule must never see time jump between the two sources.
  if (Math.abs(b - a) < 1_000_000) ffiClock = clockGettime;
}

/** Clock reads closer than this to the due time are made back to back. */
const TIGHT_NS = 4_000;
/**
 * Iterations of burn() per nanosecond, as last measured (starts low: an early burn is short, not
 * late). In a typed array: a double in a module variable is a new heap number on every store.
 */
const burnPerNs = Float64Array.of(0.05);
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
 * A clock read through process.hrtime allocates (a BigInt), and a 150 µs spin of back-to-back
 * reads allocated enough to start a scavenge about every 40 packets at 1,000 pps: the GC pause
 * (50-600 µs) then landed inside the spin and made the send late. So the spin burns about half the
 * remaining time in a loop that allocates nothing, reads the clock, and repeats; only the last few
 * µs are read back to back. The burn rate is re-measured on every burn, and taking half the
 * remaining time leaves room for a rate that drops (a preempted burn is late either way).
 */
export function spinUntil(dueNs: number, fromNs: number = nowNs()): number {
  let now = fromNs;
  while (dueNs - now > TIGHT_NS) {
    const iterations = Math.floor(((dueNs - now) / 2) * burnPerNs[0]!) + 16;
    burn(iterations);
    const after = nowNs();
    if (after > now) burnPerNs[0] = iterations / (after - now);
    now = after;
  }
  while (now < dueNs) now = nowNs();
  return now;
}

/** Wake-up delays are counted in buckets this wide, up to MAX_MARGIN_NS. */
const WAKE_BUCKET_NS = 10_000;
const MIN_MARGIN_NS = 100_000;
const MAX_MARGIN_NS = 200_000;
/** Spin this long past the slow wake-ups, so even those leave a few µs of spin before the send. */
const MARGIN_PAD_NS = 30_000;
/** The share of wake-ups the margin covers. */
const WAKE_QUANTILE = 0.995;

/**
 * How long before a due time a paced replay's sleep ends (the rest is spun): the 99.5th
 * percentile of the wake-up delays seen lately, plus a pad, between 100 and 200 µs. The delay is
 * the machine's: on this kind of virtual machine a 0.5 ms futex sleep ended 60 µs late at the
 * median and 90-100 µs at the 90th percentile even as SCHED_FIFO, and 260-460 µs at the 99th on
 * a busy host. A margin that follows the delays spins only as long as this machine needs (every
 * µs of it is CPU taken from the others). The ceiling is 200 µs, a fifth of a CPU at 1,000 pps:
 * on a host at load 12, a 300 µs ceiling cost 3.1 s of CPU per 10 s replayed against 1.7 s with a
 * fixed 150 µs, for no difference the receiver could see (the late sends there are longer stalls
 * than any margin).
 */
export class WakeMargin {
  marginNs: number;
  private readonly counts = new Uint32Array(MAX_MARGIN_NS / WAKE_BUCKET_NS + 1);
  private seen = 0;

  constructor(initialNs = 150_000) {
    this.marginNs = initialNs;
  }

  /** A sleep meant to end at `meantNs` ended at `wokeNs`. */
  add(meantNs: number, wokeNs: number): void {
    const late = wokeNs - meantNs;
    const b = late <= 0 ? 0 : Math.min(this.counts.length - 1, Math.floor(late / WAKE_BUCKET_NS));
    this.counts[b]!++;
    if ((++this.seen & 63) === 0) this.update();
  }

  private update(): void {
    const c = this.counts;
    let total = 0;
    for (let b = 0; b < c.length; b++) total += c[b]!;
    if (total < 200) return; // too few wake-ups for a 99.5th percentile yet
    let above = 0;
    let b = c.length - 1;
    while (b > 0 && above + c[b]! <= total * (1 - WAKE_QUANTILE)) above += c[b--]!;
    this.marginNs = Math.min(MAX_MARGIN_NS, Math.max(MIN_MARGIN_NS, (b + 1) * WAKE_BUCKET_NS + MARGIN_PAD_NS));
    // Recent wake-ups count more: halve the counts every few thousand.
    if (total > 4096) for (let k = 0; k < c.length; k++) c[k] = c[k]! >>> 1;
  }
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
