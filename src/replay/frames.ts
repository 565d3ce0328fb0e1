/**
 * The frames to replay, through a bounded window: one arena of at most `preloadBytes` holds
 * copies of the next frames (rewritten once, as they are copied), and is refilled from the file
 * as frames are sent, so memory stays flat whatever the file's size. A capture that fits in the
 * window is read once and replayed from memory on every loop, like tcpreplay -K. The replayer
 * calls prefetch() when it has time to spare before a due frame, so disk reads rarely land
 * between two timed sends.
 */
import { CaptureReader, type CaptureIssue } from '../capture/index.js';
import type { Rewriter } from './rewrite.js';

/** The window: small enough that the whole process stays under 64 MB. */
export const DEFAULT_PRELOAD_BYTES = 2 * 1024 * 1024;
/** The reader's read size: one read costs tens of µs, not milliseconds. */
const READ_CHUNK = 256 * 1024;
/** How much next() reads at once when the window ran dry (the replayer prefetches otherwise). */
const REFILL_BYTES = 512 * 1024;

/**
 * Several frames handed out at once (top speed): frame i of a batch is
 * arena[off[i] .. off[i] + len[i]). Valid until the next call of next() or nextBatch().
 */
export interface FrameBatch {
  arena: Buffer;
  readonly off: Int32Array;
  readonly len: Int32Array;
}

export function newFrameBatch(size: number): FrameBatch {
  return { arena: Buffer.alloc(0), off: new Int32Array(size), len: new Int32Array(size) };
}

/** A cursor over the frames of one pass; `rewind()` starts the next loop. */
export interface ReplayFrames {
  /** Advances; false at the end of the pass. */
  next(): boolean;
  /** The current frame: send data[0 .. data.length). Valid until the next call of next(). */
  data: Buffer;
  /**
   * The current frame without a Buffer of its own (a paced replay sends it from the arena):
   * arena[frameOffset .. frameOffset + frameLength). Valid until the next call of next().
   */
  arena: Buffer;
  frameOffset: number;
  frameLength: number;
  /** Nanoseconds since the first frame of the file (negative if timestamps go backwards). */
  tsNs: number;
  /**
   * Takes up to `max` next frames (at most batch.off.length) into `batch` without copying them;
   * 0 at the end of the pass. tsNs is not kept per frame: only top speed asks for batches.
   */
  nextBatch?(batch: FrameBatch, max: number): number;
  rewind(): void;
  close(): void;
  /** Reads ahead up to about `bytes` while there is time; never drops the current frame. */
  prefetch?(bytes: number): void;
  /** Frames in one pass; null while streaming an unknown length. */
  readonly count: number | null;
  readonly linkType: number;
  /** The whole capture is in memory (loops do not read the file again). */
  readonly preloaded: boolean;
  /** Damage found in the capture (each names file, frame and offset). */
  readonly issues: readonly CaptureIssue[];
}

export interface LoadOptions {
  readonly rewriter?: Rewriter;
  readonly preloadBytes?: number;
}

/** Opens a capture for replay. Throws CaptureFormatError when it is not a readable capture. */
export function loadFrames(path: string, opts: LoadOptions = {}): ReplayFrames {
  return new WindowedFrames(path, opts.rewriter ?? null, Math.max(1, opts.preloadBytes ?? DEFAULT_PRELOAD_BYTES));
}

/**
 * A ring of frame copies in one arena. Slots (offset, length, time) form a queue; the frame handed
 * out by next() stays queued until the following next(), so a prefetch between a frame's
 * next() and its send cannot overwrite it.
 */
class WindowedFrames implements ReplayFrames {
  tsNs = 0;
  linkType = -1;
  frameOffset = 0;
  frameLength = 0;
  arena: Buffer;
  private readonly slots: number;
  private readonly off: Int32Array;
  private readonly len: Int32Array;
  private readonly ts: Float64Array;
  /** Queue of filled slots: head (oldest) and how many. */
  private head = 0;
  private queued = 0;
  /** Slots handed out by next() or nextBatch() and not yet released (they stay at the queue's head). */
  private handedOut = 0;
  /** Next free byte of the arena. */
  private wpos = 0;
  /** The whole file is in the arena (found at open): loops replay it without reading. */
  private complete = false;
  private pos = 0;
  private reader: CaptureReader;
  /** The reader's current frame has not been stored yet (no room when it was read). */
  private held = false;
  private eof = false;
  private sec0 = 0;
  private nsec0 = 0;
  private first = true;
  private readonly path: string;
  private readonly rewriter: Rewriter | null;

  constructor(path: string, rewriter: Rewriter | null, bound: number) {
    this.path = path;
    this.rewriter = rewriter;
    this.arena = Buffer.allocUnsafe(bound);
    this.slots = Math.max(1024, Math.floor(bound / 96));
    this.off = new Int32Array(this.slots);
    this.len = new Int32Array(this.slots);
    this.ts = new Float64Array(this.slots);
    this.reader = CaptureReader.open(path, { chunkSize: READ_CHUNK });
    this.fill(bound);
    this.complete = this.eof && !this.held;
    if (this.complete) this.reader.close();
  }

  get count(): number | null {
    return this.complete ? this.queued : null;
  }

  get data(): Buffer {
    return this.arena.subarray(this.frameOffset, this.frameOffset + this.frameLength);
  }

  get preloaded(): boolean {
    return this.complete;
  }

  get issues(): readonly CaptureIssue[] {
    return this.reader.issues;
  }

  next(): boolean {
    if (this.complete) {
      if (this.pos >= this.queued) return false;
      this.take(this.pos++);
      return true;
    }
    if (!this.refilled()) return false;
    this.handedOut = 1;
    this.take(this.head);
    return true;
  }

  nextBatch(batch: FrameBatch, max: number): number {
    const want = Math.min(max, batch.off.length);
    let k: number;
    let first: number;
    if (this.complete) {
      k = Math.min(want, this.queued - this.pos);
      first = this.pos;
      this.pos += k;
    } else {
      if (!this.refilled()) return 0;
      k = Math.min(want, this.queued);
      first = this.head;
      this.handedOut = k;
    }
    batch.arena = this.arena;
    for (let j = 0; j < k; j++) {
      const slot = (first + j) % this.slots;
      batch.off[j] = this.off[slot]!;
      batch.len[j] = this.len[slot]!;
    }
    return k;
  }

  /** Releases what was handed out last time; false when no frame is left in this pass. */
  private refilled(): boolean {
    if (this.handedOut > 0) {
      this.head = (this.head + this.handedOut) % this.slots;
      this.queued -= this.handedOut;
      this.handedOut = 0;
    }
    if (this.queued === 0) {
      if (this.eof && !this.held) return false;
      this.fill(REFILL_BYTES);
      if (this.queued === 0) return false;
    }
    return true;
  }

  prefetch(bytes: number): void {
    if (!this.complete && !(this.eof && !this.held)) this.fill(bytes);
  }

  rewind(): void {
    if (this.complete) {
      this.pos = 0;
      return;
    }
    this.reader.close();
    this.reader = CaptureReader.open(this.path, { chunkSize: READ_CHUNK });
    this.head = 0;
    this.queued = 0;
    this.handedOut = 0;
    this.wpos = 0;
    this.held = false;
    this.eof = false;
    this.first = true;
    this.fill(REFILL_BYTES);
  }

  close(): void {
    this.reader.close();
  }

  private take(slot: number): void {
    this.frameOffset = this.off[slot]!;
    this.frameLength = this.len[slot]!;
    this.tsNs = this.ts[slot]!;
  }

  /** Copies frames from the file into free arena space, about `budget` bytes or until full. */
  private fill(budget: number): void {
    const r = this.reader;
    let copied = 0;
    while (copied < budget && this.queued < this.slots) {
      if (!this.held) {
        if (!r.next()) {
          this.eof = true;
          return;
        }
        this.held = true;
        if (this.first) {
          this.first = false;
          this.sec0 = r.tsSec;
          this.nsec0 = r.tsNsec;
          this.linkType = r.linkType;
        }
      }
      const caplen = r.caplen;
      const at = this.room(caplen);
      if (at < 0) return;
      this.arena.set(r.buf.subarray(r.offset, r.offset + caplen), at);
      this.rewriter?.apply(this.arena, at, caplen, r.len, r.linkType);
      const slot = (this.head + this.queued) % this.slots;
      this.off[slot] = at;
      this.len[slot] = caplen;
      this.ts[slot] = (r.tsSec - this.sec0) * 1e9 + (r.tsNsec - this.nsec0);
      this.queued++;
      this.wpos = at + caplen;
      this.held = false;
      copied += caplen;
    }
  }

  /** Where `n` contiguous free bytes start, or -1 when the queued frames leave no such room. */
  private room(n: number): number {
    if (this.queued === 0) {
      // Empty: start over at 0; a frame bigger than the arena gets a bigger arena.
      if (n > this.arena.length) this.arena = Buffer.allocUnsafe(n);
      return 0;
    }
    const start = this.off[this.head]!;
    if (this.wpos > start) {
      if (this.arena.length - this.wpos >= n) return this.wpos;
      return n <= start ? 0 : -1;
    }
    // Wrapped: free space runs from wpos to the oldest frame.
    return start - this.wpos >= n ? this.wpos : -1;
  }
}
