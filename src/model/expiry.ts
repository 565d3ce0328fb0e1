/**
 * When connection entries expire. The engine sweeps once per second of capture time; scanning
 * every live flow each time cost more than the frames themselves on busy captures (tens of
 * thousands of entries sit in TIME_WAIT for two minutes). A min-heap of (time, flow) instead:
 * timers re-armed later (every packet does that) cost nothing until their old time comes up;
 * re-armed earlier they get a new entry. `flow.timerAt` is the time of the entry that counts.
 * Entries left behind (a timer moved from 15 minutes to 2, a flow finished early) are dropped
 * when they outnumber the rest, so the queue holds about one entry per live flow.
 */
import type { Flow } from './state.js';

export class ExpiryQueue {
  /**
   * The heap: times in a Float64Array (a number[] grown by push made a new backing store at each
   * doubling), flows beside them; `n` entries in use. A time never crosses a call here, as an
   * unboxed double read from a flow's column would be boxed into a heap number to do so.
   */
  private times = new Float64Array(1024);
  private flows: (Flow | null)[] = new Array<Flow | null>(1024).fill(null);
  private n = 0;
  /** Queue length that triggers dropping stale entries. */
  private compactAt = 4096;

  /** Call after f.expires changed (and for a new flow). */
  rearm(f: Flow): void {
    const at = f.expires;
    if (f.timerAt <= at) return;
    f.timerAt = at;
    this.pushTimer(f);
    if (this.n >= this.compactAt) this.compact();
  }

  /** Flows whose entry expired by t (expires <= t), in creation order; they are off the queue. */
  due(t: number): Flow[] {
    const out: Flow[] = [];
    while (this.n > 0 && this.times[0]! <= t) {
      const at = this.times[0]!;
      const f = this.flows[0]!;
      this.pop();
      if (at !== f.timerAt || !f.live) continue;
      const expires = f.expires;
      if (expires <= t) {
        f.timerAt = Number.NaN;
        out.push(f);
      } else {
        f.timerAt = expires;
        this.pushTimer(f);
      }
    }
    if (out.length > 1) out.sort((a, b) => a.index - b.index);
    return out;
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.flows.fill(null, 0, this.n);
    this.n = 0;
  }

  /**
   * Keeps only the entries that count, as a heap again (in place: no new arrays); next compaction
   * at twice what is left. Which entries are due at a time does not depend on the heap's layout.
   */
  private compact(): void {
    const times = this.times;
    const flows = this.flows;
    let n = 0;
    for (let i = 0; i < this.n; i++) {
      const f = flows[i]!;
      if (times[i] === f.timerAt && f.live) { times[n] = times[i]!; flows[n] = f; n++; }
    }
    flows.fill(null, n, this.n);
    this.n = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i);
    this.compactAt = Math.max(4096, 2 * n);
  }

  /** Moves the entry at i down to its place, the smaller child moving up each step. */
  private siftDown(i: number): void {
    const times = this.times;
    const flows = this.flows;
    const n = this.n;
    const at = times[i]!;
    const f = flows[i]!;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && times[c + 1]! < times[c]!) c++;
      if (times[c]! >= at) break;
      times[i] = times[c]!;
      flows[i] = flows[c]!;
      i = c;
    }
    times[i] = at;
    flows[i] = f;
  }

  /** Adds f at its timerAt. */
  private pushTimer(f: Flow): void {
    if (this.n === this.times.length) this.grow();
    const times = this.times;
    const flows = this.flows;
    const at = f.timerAt;
    let i = this.n++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (times[parent]! <= at) break;
      times[i] = times[parent]!;
      flows[i] = flows[parent]!;
      i = parent;
    }
    times[i] = at;
    flows[i] = f;
  }

  private pop(): void {
    const last = --this.n;
    if (last > 0) {
      this.times[0] = this.times[last]!;
      this.flows[0] = this.flows[last]!;
      this.flows[last] = null;
      this.siftDown(0);
    } else {
      this.flows[0] = null;
    }
  }

  private grow(): void {
    const times = new Float64Array(2 * this.times.length);
    times.set(this.times);
    this.times = times;
    const old = this.flows.length;
    this.flows.length = 2 * old;
    this.flows.fill(null, old);
  }
}
