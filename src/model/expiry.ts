/**
 * When connection entries expire. The engine sweeps once per second of capture time; scanning
 * every live flow each time cost more than the frames themselves on busy captures (tens of
 * thousands of entries sit in TIME_WAIT for two minutes). Flows instead wait in one bucket per
 * whole second, a ring of buckets from the last sweep's second on: arming a timer is a link into
 * a list, where a heap's sift touched a dozen random places for every new connection (a new
 * timer, three seconds out, is near the top of the heap). A flow is in one bucket at most, linked
 * through its own columns by handle (model/flow.ts), so the queue holds no per-flow memory of its
 * own (a pool of entries grew, and was copied, with the connections). Timers re-armed later
 * (every packet does that) cost nothing until their old time comes up; re-armed earlier they move
 * to the earlier bucket. `flow.timerAt` is the time of the flow's place in the queue (NaN: none).
 */
import { ARMED, DUE, MOVED, NOT_ARMED, NOT_DUE, type Flow, type FlowStore } from './flow.js';

const NONE = -1;
/** Seconds the ring spans: more than the longest timeout (15 minutes), so buckets rarely share. */
const RING = 2048;

export class ExpiryQueue {
  private readonly flows: FlowStore;
  /**
   * Bucket of second k: heads[k & (RING - 1)] (a flow handle), for k from `base` (the last
   * sweep's second) to base + RING - 1. A flow goes to the bucket of its time's second, or of
   * `base` when earlier (capture time may step back), or of the last second when beyond: a
   * bucket's flows are each checked against the sweep's time, so a flow only has to be in a
   * bucket no later than its own. The first in a bucket has -(bucket + 2) as its previous link.
   */
  private readonly heads = new Int32Array(RING).fill(NONE);
  private base = Number.NaN;
  /** Flows in the buckets. */
  private n = 0;

  constructor(flows: FlowStore) {
    this.flows = flows;
  }

  /** Call after f.expires changed (and for a new flow). */
  rearm(f: Flow): void {
    const armed = f.armTimer();
    if (armed === NOT_ARMED) return;
    if (armed === MOVED) this.unlink(f);
    this.link(f);
  }

  /** Live flows whose timer ran out by t (expires <= t), in creation order; they are off the queue. */
  due(t: number): Flow[] {
    const out: Flow[] = [];
    if (this.n === 0) {
      if (!(this.base >= Math.floor(t))) this.base = Math.floor(t);
      return out;
    }
    // Take every bucket from `base` to t's second off the ring (all of them after a long gap),
    // as one list through the next links; then move `base` on, so flows not yet due are put
    // back past it.
    const flows = this.flows;
    const heads = this.heads;
    const last = Math.max(this.base, Math.min(Math.floor(t), this.base + RING - 1));
    let list: Flow | null = null;
    for (let k = this.base; k <= last; k++) {
      const b = k & (RING - 1);
      let h = heads[b]!;
      if (h === NONE) continue;
      heads[b] = NONE;
      while (h !== NONE) {
        const f = flows.at(h);
        h = f.timerNext;
        f.timerNext = list === null ? NONE : list.handle;
        list = f;
        this.n--;
      }
    }
    if (Math.floor(t) > this.base) this.base = Math.floor(t);
    for (let f = list; f !== null;) {
      const j = f.timerNext;
      // Not due yet: back in its bucket; finished early (a reused port): its place just goes.
      const swept = f.sweptAt(t);
      if (swept === DUE) out.push(f);
      else if (swept === NOT_DUE || swept === ARMED) this.link(f);
      f = j === NONE ? null : flows.at(j);
    }
    if (out.length > 1) out.sort((a, b) => a.index - b.index);
    return out;
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.heads.fill(NONE);
    this.n = 0;
  }

  /** Links f into the bucket for its timerAt. */
  private link(f: Flow): void {
    const second = f.timerSecond();
    if (Number.isNaN(this.base)) this.base = second;
    const k = Math.min(Math.max(second, this.base), this.base + RING - 1);
    const b = k & (RING - 1);
    const head = this.heads[b]!;
    const h = f.handle;
    f.timerNext = head;
    f.timerPrev = -(b + 2);
    if (head !== NONE) this.flows.at(head).timerPrev = h;
    this.heads[b] = h;
    this.n++;
  }

  private unlink(f: Flow): void {
    const prev = f.timerPrev;
    const next = f.timerNext;
    if (prev >= 0) this.flows.at(prev).timerNext = next;
    else this.heads[-prev - 2] = next;
    if (next !== NONE) this.flows.at(next).timerPrev = prev;
    this.n--;
  }
}
