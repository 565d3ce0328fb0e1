/**
 * Pass 1 over capture files, on two threads when it pays: a worker reads and decodes
 * (packet-feed-worker.ts) while this thread runs the model, chunk by chunk. The frames, the
 * Packets and so the report are exactly those of analyzeFrames over openFrames, which is also
 * the fallback: for small inputs (a worker costs about 40 ms to start), when asked, and where the
 * built worker script does not exist (a test run straight from the TypeScript sources).
 *
 * This thread never returns to the event loop during the pass: it takes chunks with
 * receiveMessageOnPort and sleeps on a shared counter (Atomics.wait) when none is there.
 */
import { receiveMessageOnPort } from 'node:worker_threads';
import { CaptureFormatError, CaptureReader } from '../capture/index.js';
import { isDamaged, openFrames, takeFrames, type FramePredicate, type SourcedFrame } from '../decode/index.js';
import { Engine } from '../model/engine.js';
import { Packet } from '../model/packet.js';
import { AddressTable, FrameAddressIds } from './address-table.js';
import { CONSUMED, POSTED, STARTED, type FeedMessage, type RecycleMessage } from './packet-feed-protocol.js';
import { startFeed, stopFeed, takeEarlyFeed, wantWorker, type StartedFeed, type Threads } from './packet-feed-start.js';
import { PacketChunkReader } from './packet-slots.js';
import { readPackets } from './read-packets.js';
import { analyzeFrames, type AnalyzeOptions } from './pass.js';
import { summarize, type Summary } from '../model/summary/summarize.js';

export interface FileAnalyzeOptions extends AnalyzeOptions {
  /** Only the first `limit` frames (default: all). */
  readonly limit?: number;
  /** 'auto' (default): a worker for inputs of PARALLEL_MIN_BYTES or more; 'never'; 'always' (when the worker script exists). */
  readonly threads?: Threads;
  /** A capture filter: only the frames it keeps are analyzed (on this thread), with their own numbers. */
  readonly filter?: FramePredicate | null;
  /** Seconds to take off each file's timestamps (decode/clock-offset.ts); read on this thread. */
  readonly shift?: readonly number[];
  /** UDP ports decoded as GUE whatever their payload (on this thread: the reader's fast path knows GUE by payload only). */
  readonly guePorts?: readonly number[];
  /** Told the frames through the model so far, every PROGRESS_FRAMES frames or so. */
  readonly onProgress?: (frames: number) => void;
}

export interface FilePassResult {
  readonly summary: Summary;
  /** Capture-level problems, one sentence each, naming the file, frame and offset (the reader's own messages). */
  readonly problems: readonly string[];
  /** Whether a worker thread did the reading. */
  readonly parallel: boolean;
  /** Frames whose bytes are damaged (decode/isDamaged), and the first of them (0 when none). */
  readonly damagedFrames: number;
  readonly firstDamaged: number;
}

const PROGRESS_FRAMES = 4096;
/** The reading window of the check that each file opens as a capture (it grows for a larger header). */
const HEADER_CHECK_BYTES = 64 * 1024;

/** The worker posts a chunk every few ms; this long with nothing means it is gone. */
const SILENCE_LIMIT_MS = 60_000;
/**
 * A worker boots in about 40 ms. One whose code has not run after this long never will (its
 * thread or its script failed, and says so only on the event loop, which this pass never
 * returns to): the pass is then run on this thread instead, with the same result.
 */
const START_LIMIT_MS = 10_000;

/** Throws CaptureFormatError (or the file system's error) when a file cannot be read at all. */
export function analyzeFiles(paths: readonly string[], opts: FileAnalyzeOptions): FilePassResult {
  const limit = opts.limit ?? Infinity;
  const threads = opts.threads ?? 'auto';
  const early = takeEarlyFeed(paths, limit);
  if (threads === 'never' || (opts.filter ?? null) !== null || (opts.shift ?? []).some((x) => x !== 0) || (opts.guePorts ?? []).length > 0
    || (early === null && !wantWorker(paths, threads))) {
    stopFeed(early);
    return analyzeInThread(paths, limit, opts);
  }
  // Open each file here first, so a file that cannot be read fails as it does on one thread. The
  // header is all this reads: a small window, not the 4 MiB one (~14 ms to map and fill, here).
  try {
    for (const p of paths) CaptureReader.open(p, { comments: false, chunkSize: HEADER_CHECK_BYTES }).close();
  } catch (e) {
    stopFeed(early);
    throw e;
  }
  return analyzeWithWorker(early ?? startFeed(paths, limit), opts);
}

function analyzeInThread(paths: readonly string[], limit: number, opts: FileAnalyzeOptions): FilePassResult {
  if (paths.length === 1 && (opts.filter ?? null) === null && !(opts.shift ?? []).some((x) => x !== 0) && (opts.guePorts ?? []).length === 0) {
    // The worker's reading path, on this thread: most frames never become a DecodedFrame.
    const engine = new Engine({ vips: opts.vips, names: opts.names });
    const damage = { count: 0, first: 0 };
    const onProgress = opts.onProgress;
    let frames = 0;
    const each = onProgress === undefined
      ? (p: Packet): void => { engine.observePacket(p, false); }
      : (p: Packet): void => { engine.observePacket(p, false); if (++frames % PROGRESS_FRAMES === 0) onProgress(frames); };
    const problems = readPackets(paths[0]!, limit, new Packet(), each, damage, new FrameAddressIds(new AddressTable()));
    engine.end();
    return { summary: summarize(engine.snapshot(), opts), problems, parallel: false, damagedFrames: damage.count, firstDamaged: damage.first };
  }
  const source = openFrames(paths, { comments: false, verifyChecksums: false, filter: opts.filter ?? null, shift: opts.shift ?? [], guePorts: opts.guePorts ?? [] });
  try {
    const damage = new DamageCount(takeFrames(source, limit), opts.onProgress ?? null);
    const summary = analyzeFrames(damage, opts);
    return { summary, problems: source.issues.map((i) => i.message), parallel: false, damagedFrames: damage.count, firstDamaged: damage.first };
  } finally {
    source.close();
  }
}

/** The pass with `feed`'s worker reading; on this thread alone when the worker never starts. */
export function analyzeWithWorker(feed: StartedFeed, opts: FileAnalyzeOptions, startLimitMs = START_LIMIT_MS): FilePassResult {
  const { worker, port, control } = feed;
  if (!waitForStart(control, startLimitMs)) {
    stopFeed(feed);
    return analyzeInThread(feed.paths, feed.limit, opts);
  }
  const engine = new Engine({ vips: opts.vips, names: opts.names, faultsElsewhere: true });
  const reader = new PacketChunkReader();
  const pkt = new Packet();
  let received = 0;
  let frames = 0;
  let finished = false;
  try {
    for (;;) {
      const got = receiveMessageOnPort(port);
      if (got === undefined) {
        waitForPost(control, received);
        continue;
      }
      received++;
      const m = got.message as FeedMessage;
      if (m.kind === 'chunk') {
        const chunk = m.chunk;
        reader.begin(chunk);
        for (let i = 0; i < chunk.count; i++) engine.observePacket(reader.load(pkt, i), false);
        const back: RecycleMessage = { ints: chunk.ints, times: chunk.times };
        port.postMessage(back, [chunk.ints.buffer as ArrayBuffer, chunk.times.buffer as ArrayBuffer]);
        Atomics.add(control, CONSUMED, 1);
        Atomics.notify(control, CONSUMED);
        frames += chunk.count;
        opts.onProgress?.(frames);
      } else if (m.kind === 'end') {
        finished = true;
        engine.end(m.faults);
        return { summary: summarize(engine.snapshot(), opts), problems: m.problems, parallel: true, damagedFrames: m.damagedFrames, firstDamaged: m.firstDamaged };
      } else {
        finished = true;
        throw rebuildError(m);
      }
    }
  } finally {
    port.close();
    if (!finished) void worker.terminate();
  }
}

function waitForStart(control: Int32Array, limitMs: number): boolean {
  const end = Date.now() + limitMs;
  while (Atomics.load(control, STARTED) === 0) {
    const left = end - Date.now();
    if (left <= 0) return false;
    Atomics.wait(control, STARTED, 0, Math.min(left, 1000));
  }
  return true;
}

function waitForPost(control: Int32Array, received: number): void {
  const end = Date.now() + SILENCE_LIMIT_MS;
  while (Atomics.load(control, POSTED) === received) {
    if (Date.now() >= end) throw new Error('the capture-reading thread stopped without finishing (no data for 60 s)');
    Atomics.wait(control, POSTED, received, 1000);
  }
}

function rebuildError(m: Extract<FeedMessage, { kind: 'error' }>): Error {
  if (m.format) {
    const prefix = `${m.file}: offset ${m.offset}: `;
    return new CaptureFormatError(m.file, m.offset, m.message.startsWith(prefix) ? m.message.slice(prefix.length) : m.message);
  }
  const err = new Error(m.message) as NodeJS.ErrnoException;
  if (m.code !== null) err.code = m.code;
  return err;
}

/** Counts damaged frames on their way to the model, without a generator between (see OneFile). */
class DamageCount implements IterableIterator<SourcedFrame> {
  count = 0;
  first = 0;
  private seen = 0;
  private inner: Iterator<SourcedFrame> | null = null;
  private readonly frames: Iterable<SourcedFrame>;
  private readonly onProgress: ((frames: number) => void) | null;

  constructor(frames: Iterable<SourcedFrame>, onProgress: ((frames: number) => void) | null) {
    this.frames = frames;
    this.onProgress = onProgress;
  }

  next(): IteratorResult<SourcedFrame> {
    this.inner ??= this.frames[Symbol.iterator]();
    const r = this.inner.next();
    if (r.done !== true && r.value.issues.length > 0 && isDamaged(r.value)) {
      if (this.count++ === 0) this.first = r.value.n;
    }
    if (this.onProgress !== null && r.done !== true && ++this.seen % PROGRESS_FRAMES === 0) this.onProgress(this.seen);
    return r;
  }

  return(): IteratorResult<SourcedFrame> {
    this.inner?.return?.();
    return { done: true, value: undefined };
  }

  [Symbol.iterator](): IterableIterator<SourcedFrame> {
    return this;
  }
}
