/**
 * When connection entries expire. The engine sweeps once per second of capture time; scanning
 * every live flow each time cost more than the frames themselves on busy captures (tens of
 * thousands of entries sit in TIME_WAIT for two minutes). Entries (time, flow) instead wait in
 * one bucket per whole second, a ring of buckets from the last sweep's second on: arming a timer
 * is a link into a list, where a heap's sift touched a dozen random places for every new
 * connection (a new timer, three seconds out, is near the top of the heap). Timers re-armed later
 * (every packet does that) cost nothing until their old time comes up; re-armed earlier they get
 * a new entry. `flow.timerAt` is the time of the entry that counts. Entries left behind (a timer
 * moved from 15 minutes to 2, a flow finished early) are dropped when they outnumber the rest,
 * so the queue holds about one entry per live flow.
 */
import type { Flow } from './state.js';

const NONE = -1;
/** Seconds the ring spans: more than the longest timeout (15 minutes), so buckets rarely share. */
const RING = 2048;
const FIRST = 1024;

export class ExpiryQueue {
  /** Entries, pooled: time, flow, next in its bucket (or in the free list). */
  private times = new Float64Array(FIRST);
  private flows: (Flow | null)[] = new Array<Flow | null>(FIRST).fill(null);
  private next = new Int32Array(FIRST);
  private freeHead = NONE;
  /** Pool places ever used. */
  private used = 0;
  /** Entries in the buckets. */
  private n = 0;
  /**
   * Bucket of second k: heads[k & (RING - 1)], for k from `base` (the last sweep's second) to
   * base + RING - 1. An entry goes to the bucket of its time's second, or of `base` when earlier
   * (capture time may step back), or of the last second when beyond: a bucket's entries are each
   * checked against the sweep's time, so an entry only has to be in a bucket no later than its own.
   */
  private readonly heads = new Int32Array(RING).fill(NONE);
  private base = Number.NaN;
  /** Queue length that triggers dropping stale entries. */
  private compactAt = 4096;

  /** Call after f.expires changed (and for a new flow). */
  rearm(f: Flow): void {
    const at = f.expires;
    if (f.timerAt <= at) return;
    f.timerAt = at;
    this.place(f);
    if (this.n >= this.compactAt) this.compact();
  }

  /** Flows whose entry expired by t (expires <= t), in creation order; they are off the queue. */
  due(t: number): Flow[] {
    const out: Flow[] = [];
    if (this.n === 0) {
      if (!(this.base >= Math.floor(t))) this.base = Math.floor(t);
      return out;
    }
    // Take every bucket from `base` to t's second off the ring (all of them after a long gap),
    // as one list; then move `base` on, so entries not yet due are put back past it.
    const heads = this.heads;
    const next = this.next;
    const last = Math.max(this.base, Math.min(Math.floor(t), this.base + RING - 1));
    let list = NONE;
    for (let k = this.base; k <= last; k++) {
      const b = k & (RING - 1);
      let i = heads[b]!;
      if (i === NONE) continue;
      heads[b] = NONE;
      while (i !== NONE) {
        const j = next[i]!;
        next[i] = list;
        list = i;
        i = j;
      }
    }
    if (Math.floor(t) > this.base) this.base = Math.floor(t);
    const times = this.times;
    const flows = this.flows;
    for (let i = list; i !== NONE;) {
      const j = next[i]!;
      const at = times[i]!;
      const f = flows[i]!;
      this.n--;
      if (at > t) {
        // Not due yet: back in its bucket.
        this.placeEntry(i);
      } else {
        this.release(i);
        if (at === f.timerAt && f.live) {
          const expires = f.expires;
          if (expires <= t) {
            f.timerAt = Number.NaN;
            out.push(f);
          } else {
            f.timerAt = expires;
            this.place(f);
          }
        }
      }
      i = j;
    }
    if (out.length > 1) out.sort((a, b) => a.index - b.index);
    return out;
  }

  get size(): number {
    return this.n;
  }

  clear(): void {
    this.flows.fill(null, 0, this.used);
    this.heads.fill(NONE);
    this.freeHead = NONE;
    this.used = 0;
    this.n = 0;
  }

  /** Drops the entries that no longer count; next compaction at twice what is left. */
  private compact(): void {
    const heads = this.heads;
    const next = this.next;
    const times = this.times;
    const flows = this.flows;
    for (let b = 0; b < RING; b++) {
      let prev = NONE;
      for (let i = heads[b]!; i !== NONE;) {
        const j = next[i]!;
        const f = flows[i]!;
        if (times[i] === f.timerAt && f.live) {
          prev = i;
        } else {
          if (prev === NONE) heads[b] = j; else next[prev] = j;
          this.release(i);
          this.n--;
        }
        i = j;
      }
    }
    this.compactAt = Math.max(4096, 2 * this.n);
  }

  /** A new entry for f at its timerAt. */
  private place(f: Flow): void {
    let i = this.freeHead;
    if (i !== NONE) {
      this.freeHead = this.next[i]!;
    } else {
      if (this.used === this.times.length) this.grow();
      i = this.used++;
    }
    const at = f.timerAt;
    this.times[i] = at;
    this.flows[i] = f;
    this.placeEntry(i);
  }

  /** Links entry i into the bucket for its time (read here: a double argument would be boxed). */
  private placeEntry(i: number): void {
    const at = this.times[i]!;
    if (Number.isNaN(this.base)) this.base = Math.floor(at);
    const k = Math.min(Math.max(Math.floor(at), this.base), this.base + RING - 1);
    const b = k & (RING - 1);
    this.next[i] = this.heads[b]!;
    this.heads[b] = i;
    this.n++;
  }

  private release(i: number): void {
    this.flows[i] = null;
    this.next[i] = this.freeHead;
    this.freeHead = i;
  }

  private grow(): void {
    const cap = 2 * this.times.length;
    const times = new Float64Array(cap);
    times.set(this.times);
    this.times = times;
    const next = new Int32Array(cap);
    next.set(this.next);
    this.next = next;
    const old = this.flows.length;
    this.flows.length = cap;
    this.flows.fill(null, old);
  }
}
