/**
 * The model's view of a capture, built in the background so the first screen never waits for it.
 *
 * Pass 1 learns the cluster (Knowledge + report); pass 2 explains every frame with it and keeps,
 * per frame, only a few typed-array columns (columns.ts: connection, state, actors, hosts) for
 * filters, the connection table and `n`/`p`. Both passes run on a worker thread where the port can
 * (analysis-worker.ts), which sends the columns back in batches: this thread only copies them in
 * and draws. Facts objects are kept for ordinary captures (as the worker's serialized batches,
 * decoded when looked at); past KEEP_ALL frames they are recomputed on demand for a window around
 * the frame, the engine started WARM frames earlier so the window opens with the connections
 * already in flight.
 */
import { deserialize } from 'node:v8';
import { openFrames } from '../../decode/index.js';
import type { ClusterReport } from '../../ipvs/report.js';
import type { FrameFacts, FrameRole, Knowledge } from '../../model/types.js';
import type { DecodedFrame } from '../../wire/records.js';
import { BATCH_FRAMES } from './analysis-protocol.js';
import { COLUMN_NAMES, FrameTables, newColumns, type Actors, type ColumnBatch, type Columns, type ConnInfo } from './columns.js';
import type { FrameIndex } from './frame-index.js';
import type { FrameStore } from './frame-store.js';
import type { BackgroundAnalysis, EnginePort, ModelPort, PassResult } from './model-port.js';

export { PROTO, type ConnInfo } from './columns.js';

export const KEEP_ALL = 200_000;
const WINDOW = 4096;
const WARM = 1024;
/** Frames between clock reads; the thread yields once a slice has run SLICE_MS. */
const CHECK_EVERY = 256;
/** A key press waits at most about this long for the background passes when they run on this thread. */
const SLICE_MS = 8;
const WINDOW_CACHE = 8;
/** Decoded fact batches kept (each BATCH_FRAMES frames). */
const FACT_BATCH_CACHE = 8;

export type Phase = 'learning' | 'explaining' | 'done' | 'failed';

export class Analysis {
  phase: Phase = 'learning';
  /** Frames through pass 2. */
  explained = 0;
  learned = 0;
  knowledge: Knowledge | null = null;
  report: ClusterReport | null = null;
  error: string | null = null;

  /** Per-frame columns (columns.ts), valid for frames 1..explained. */
  readonly columns: Columns;
  private readonly tables = new FrameTables();
  /** Whole facts, when the capture is small enough to keep them: objects (pass 2 here) or the worker's serialized batches. */
  private readonly keepFacts: boolean;
  private kept: (FrameFacts | undefined)[] | null = null;
  private factBatches: Uint8Array[] | null = null;
  private readonly decodedBatches = new Map<number, (FrameFacts | undefined)[]>();
  private readonly windows = new Map<number, (FrameFacts | null)[]>();
  private stopped = false;
  private background: BackgroundAnalysis | null = null;
  private readonly listeners = new Set<() => void>();

  private readonly index: FrameIndex;
  private readonly store: FrameStore;
  private readonly port: ModelPort;

  constructor(index: FrameIndex, store: FrameStore, port: ModelPort) {
    this.index = index;
    this.store = store;
    this.port = port;
    const n = index.count;
    this.columns = newColumns(n);
    this.keepFacts = n <= KEEP_ALL;
  }

  get actors(): Actors { return this.tables.actors; }
  get addrs(): readonly string[] { return this.tables.addrs; }
  get hosts(): readonly string[] { return this.tables.hosts; }
  get stateNames(): readonly string[] { return this.tables.stateNames; }
  get conns(): readonly (ConnInfo | undefined)[] { return this.tables.conns; }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  get progress(): number {
    const n = this.index.count;
    if (this.phase === 'done' || this.phase === 'failed' || n === 0) return 1;
    return (this.learned + this.explained) / (2 * n);
  }

  /** Both passes, synchronously: for small captures and tests. */
  runSync(): void {
    const it = this.passes();
    while (!it.next().done) { /* run to the end */ }
  }

  /**
   * Both passes in the background. They run on a worker thread where the port can (the real
   * model, a built tree), this thread taking in pass 2's batches between events; otherwise here,
   * yielding to the event loop between slices so keys and resizes stay live. If the thread fails,
   * what it had not finished runs here after all.
   */
  async run(): Promise<void> {
    let it: Generator<void> | null = null;
    const bg = this.port.analyze?.(this.index.paths, this.keepFacts, {
      learning: (frames) => this.learnedSoFar(frames),
      learned: (result) => {
        if (this.stopped) return;
        this.learned = this.index.count;
        // Taken with pass 2's first batch, in the same turn: the rows then redraw with that
        // batch's facts rather than first running a window of the model here.
        this.pendingLearned = result;
      },
      batch: (b) => {
        if (this.stopped) return;
        this.takeLearned();
        this.takeBatch(b);
      },
    }) ?? null;
    if (bg !== null) {
      this.background = bg;
      try {
        const final = await bg.done;
        if (this.stopped) return;
        this.takeLearned();
        this.report = final.report;
        this.phase = 'done';
        this.emit();
        return;
      } catch {
        if (this.stopped) return;
        this.takeLearned();
        if (this.phase === 'explaining') {
          this.factBatches = null;
          this.decodedBatches.clear();
          it = this.guarded(this.explain());
        }
      } finally {
        this.background = null;
      }
    }
    it ??= this.passes();
    let last = Date.now();
    for (;;) {
      const r = it.next();
      if (r.done || this.stopped) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (Date.now() - last > 250) { last = Date.now(); this.emit(); }
    }
    this.emit();
  }

  stop(): void {
    this.stopped = true;
    this.background?.cancel();
  }

  private lastEmit = 0;
  private pendingLearned: PassResult | null = null;

  private takeLearned(): void {
    const r = this.pendingLearned;
    if (r === null) return;
    this.pendingLearned = null;
    this.learnedFrom(r);
  }

  private learnedSoFar(frames: number): void {
    this.learned = Math.min(frames, this.index.count);
    this.emitSometimes();
  }

  private emitSometimes(): void {
    const now = Date.now();
    if (now - this.lastEmit > 250) { this.lastEmit = now; this.emit(); }
  }

  /** A batch of pass 2 from the worker: copy its columns in, keep its facts as they came. */
  private takeBatch(b: ColumnBatch): void {
    this.tables.applyBatch(b);
    for (const name of COLUMN_NAMES) (this.columns[name] as { set(a: ArrayLike<number>, offset: number): void }).set(b.columns[name], b.start);
    if (b.facts !== null) (this.factBatches ??= [])[b.start / BATCH_FRAMES] = b.facts;
    this.explained = b.start + b.count;
    this.emitSometimes();
  }

  private passes(): Generator<void> {
    return this.guarded(this.both());
  }

  private *both(): Generator<void> {
    const first = this.port.engine(null);
    yield* this.feed(first, false);
    this.learnedFrom(first.finish(this.index.paths));
    yield* this.explain();
  }

  private learnedFrom(result: PassResult): void {
    this.knowledge = result.knowledge;
    this.report = result.report;
    this.tables.learned(this.knowledge, this.report);
    this.windows.clear();
    this.phase = 'explaining';
    this.emit();
  }

  private *explain(): Generator<void> {
    if (this.keepFacts) this.kept = new Array<FrameFacts | undefined>(this.index.count);
    const second = this.port.engine(this.knowledge);
    yield* this.feed(second, true);
    const final = second.finish(this.index.paths);
    this.report = final.report;
    this.phase = 'done';
  }

  /** A failure in either pass leaves the analysis 'failed' with its message; the browser goes on. */
  private *guarded(inner: Generator<void>): Generator<void> {
    try {
      yield* inner;
    } catch (e) {
      this.phase = 'failed';
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  private *feed(engine: EnginePort, explain: boolean): Generator<void> {
    const source = openFrames(this.index.paths);
    try {
      let k = 0;
      let sliceStart = performance.now();
      for (const f of source) {
        if (this.stopped) return;
        if (!explain) {
          engine.observe(f, false);
          this.learned = ++k;
        } else {
          this.tables.recordFields(this.columns, k, f);
          const facts = engine.observe(f, true);
          if (facts !== null) this.tables.record(this.columns, k, facts);
          if (this.kept !== null && facts !== null) this.kept[k] = facts;
          this.explained = ++k;
        }
        if (k % CHECK_EVERY === 0 && performance.now() - sliceStart >= SLICE_MS) {
          yield;
          sliceStart = performance.now();
        }
      }
    } finally {
      source.close();
    }
  }

  /** Id of an address in `addrs` (0 when no frame carries it). */
  addrId(a: string): number {
    return this.tables.addrId(a);
  }

  /** Column of the sender or receiver of a frame. */
  actorOf(role: FrameRole, mac: string, ip: string, facts: FrameFacts): number {
    return this.tables.actorOf(role, mac, ip, facts);
  }

  ripOf(mac: string, ip: string, facts: FrameFacts): string {
    return this.tables.ripOf(mac, ip, facts);
  }

  nameOf(ip: string): string {
    return this.tables.nameOf(ip);
  }

  /** The model's facts for frame n (1-based), or null when the model says nothing about it. */
  facts(n: number): FrameFacts | null {
    const k = n - 1;
    if (k < 0 || k >= this.index.count) return null;
    if (k < this.explained) {
      if (this.kept !== null) return this.kept[k] ?? null;
      if (this.factBatches !== null) return this.batchFacts(k);
    }
    const w = Math.floor(k / WINDOW);
    return recent(this.windows, w, WINDOW_CACHE, () => this.runWindow(w))?.[k - w * WINDOW] ?? null;
  }

  /** Frame k's facts from the worker's batch, decoding the batch on first use. */
  private batchFacts(k: number): FrameFacts | null {
    const b = Math.floor(k / BATCH_FRAMES);
    const list = recent(this.decodedBatches, b, FACT_BATCH_CACHE, () => {
      const bytes = this.factBatches?.[b];
      return bytes === undefined ? undefined : deserialize(bytes) as (FrameFacts | undefined)[];
    });
    return list?.[k - b * BATCH_FRAMES] ?? null;
  }

  private runWindow(w: number): (FrameFacts | null)[] {
    const engine = this.port.engine(this.knowledge);
    const start = w * WINDOW;
    const end = Math.min(this.index.count, start + WINDOW);
    const out: (FrameFacts | null)[] = [];
    for (let k = Math.max(0, start - WARM); k < end; k++) {
      const stored = this.store.get(k + 1, false);
      if (stored === null) { if (k >= start) out.push(null); continue; }
      const facts = safeObserve(engine, stored.frame, k >= start);
      if (k >= start) out.push(facts);
    }
    return out;
  }
}

function safeObserve(engine: EnginePort, frame: DecodedFrame, want: boolean): FrameFacts | null {
  try {
    return engine.observe(frame, want);
  } catch {
    return null;
  }
}

/**
 * `key`'s value from a small cache kept in use order (a Map iterates oldest first): made on a miss
 * (not kept when `make` has nothing), the least recently used dropped past `limit`.
 */
function recent<K, V>(cache: Map<K, V>, key: K, limit: number, make: () => V | undefined): V | undefined {
  let v = cache.get(key);
  if (v !== undefined) {
    cache.delete(key);
  } else {
    v = make();
    if (v === undefined) return undefined;
  }
  cache.set(key, v);
  if (cache.size > limit) cache.delete(cache.keys().next().value!);
  return v;
}
