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
  private times: number[] = [];
  private flows: Flow[] = [];
  /** Queue length that triggers dropping stale entries. */
  private compactAt = 4096;

  /** Call after f.expires changed (and for a new flow). */
  rearm(f: Flow): void {
    if (f.timerAt <= f.expires) return;
    f.timerAt = f.expires;
    this.push(f.expires, f);
    if (this.times.length >= this.compactAt) this.compact();
  }

  /** Flows whose entry expired by t (expires <= t), in creation order; they are off the queue. */
  due(t: number): Flow[] {
    const out: Flow[] = [];
    while (this.times.length > 0 && this.times[0]! <= t) {
      const at = this.times[0]!;
      const f = this.flows[0]!;
      this.pop();
      if (at !== f.timerAt || !f.live) continue;
      if (f.expires <= t) {
        f.timerAt = Number.NaN;
        out.push(f);
      } else {
        f.timerAt = f.expires;
        this.push(f.expires, f);
      }
    }
    if (out.length > 1) out.sort((a, b) => a.index - b.index);
    return out;
  }

  get size(): number {
    return this.times.length;
  }

  clear(): void {
    this.times.length = 0;
    this.flows.length = 0;
  }

  /**
   * Keeps only the entries that count, as a heap again (in place: no new arrays); next compaction
   * at twice what is left. Which entries are due at a time does not depend on the heap's layout.
   */
  private compact(): void {
    const times = this.times;
    const flows = this.flows;
    let n = 0;
    for (let i = 0; i < times.length; i++) {
      const f = flows[i]!;
      if (times[i] === f.timerAt && f.live) { times[n] = times[i]!; flows[n] = f; n++; }
    }
    times.length = n;
    flows.length = n;
    for (let i = (n >> 1) - 1; i >= 0; i--) this.siftDown(i, times[i]!, flows[i]!);
    this.compactAt = Math.max(4096, 2 * n);
  }

  /** Puts (at, f) at i or below it, the smaller child moving up each step. */
  private siftDown(i: number, at: number, f: Flow): void {
    const times = this.times;
    const flows = this.flows;
    const n = times.length;
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

  private push(at: number, f: Flow): void {
    const times = this.times;
    const flows = this.flows;
    let i = times.length;
    times.push(at);
    flows.push(f);
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
    const lastT = this.times.pop()!;
    const lastF = this.flows.pop()!;
    if (this.times.length > 0) this.siftDown(0, lastT, lastF);
  }
}
