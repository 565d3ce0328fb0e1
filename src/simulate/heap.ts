/**
 * A binary min-heap over an ordering the caller gives, shared by the event queue, the
 * connection table's expiry timers and the stamped connections (stamp.ts).
 */
export class MinHeap<T> {
  private readonly items: T[] = [];
  private readonly before: (x: T, y: T) => boolean;

  constructor(before: (x: T, y: T) => boolean) {
    this.before = before;
  }

  get size(): number {
    return this.items.length;
  }

  peek(): T | undefined {
    return this.items[0];
  }

  push(e: T): void {
    const a = this.items;
    a.push(e);
    let i = a.length - 1;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.before(e, a[p]!)) break;
      a[i] = a[p]!;
      i = p;
    }
    a[i] = e;
  }

  pop(): T | undefined {
    const a = this.items;
    const top = a[0];
    const last = a.pop();
    if (top === undefined || last === undefined || a.length === 0) return top;
    this.sinkFromTop(last);
    return top;
  }

  /** The top element's key grew (a later time): moves it down to its place without a pop and a push. */
  topMovedLater(): void {
    const top = this.items[0];
    if (top !== undefined) this.sinkFromTop(top);
  }

  /** Places `e` at the root and sinks it to its place. */
  private sinkFromTop(e: T): void {
    const a = this.items;
    const n = a.length;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.before(a[r]!, a[l]!) ? r : l;
      if (!this.before(a[c]!, e)) break;
      a[i] = a[c]!;
      i = c;
    }
    a[i] = e;
  }
}

/** The discrete-event queue: ordered on (time, insertion order), so equal times keep FIFO order. */
export interface SimEvent {
  readonly t: number;
  readonly seq: number;
  readonly run: () => void;
}

export class EventQueue {
  private readonly heap = new MinHeap<SimEvent>((x, y) => x.t < y.t || (x.t === y.t && x.seq < y.seq));
  private seq = 0;

  get size(): number {
    return this.heap.size;
  }

  push(t: number, run: () => void): void {
    this.heap.push({ t, seq: this.seq++, run });
  }

  peekTime(): number {
    return this.heap.peek()?.t ?? Infinity;
  }

  pop(): SimEvent | undefined {
    return this.heap.pop();
  }
}
