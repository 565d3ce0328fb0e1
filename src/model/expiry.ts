/**
 * When connection entries expire. The engine sweeps once per second of capture time; scanning
 * every live flow each time cost more than the frames themselves on busy captures (tens of
 * thousands of entries sit in TIME_WAIT for two minutes). A min-heap of (time, flow) instead:
 * timers re-armed later (every packet does that) cost nothing until their old time comes up;
 * re-armed earlier they get a new entry. `flow.timerAt` is the time of the entry that counts.
 */
import type { Flow } from './state.js';

export class ExpiryQueue {
  private readonly times: number[] = [];
  private readonly flows: Flow[] = [];

  /** Call after f.expires changed (and for a new flow). */
  rearm(f: Flow): void {
    if (f.timerAt <= f.expires) return;
    f.timerAt = f.expires;
    this.push(f.expires, f);
  }

  /** Flows whose entry expired by t (expires <= t), in creation order; they are off the queue. */
  due(t: number, isLive: (f: Flow) => boolean): Flow[] {
    const out: Flow[] = [];
    while (this.times.length > 0 && this.times[0]! <= t) {
      const at = this.times[0]!;
      const f = this.flows[0]!;
      this.pop();
      if (at !== f.timerAt || !isLive(f)) continue;
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
    const times = this.times;
    const flows = this.flows;
    const lastT = times.pop()!;
    const lastF = flows.pop()!;
    const n = times.length;
    if (n === 0) return;
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= n) break;
      if (c + 1 < n && times[c + 1]! < times[c]!) c++;
      if (times[c]! >= lastT) break;
      times[i] = times[c]!;
      flows[i] = flows[c]!;
      i = c;
    }
    times[i] = lastT;
    flows[i] = lastF;
  }
}
