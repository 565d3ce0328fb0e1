/**
 * The frames to replay. Like tcpreplay -K, a capture is read into memory before the first send,
 * so disk reads never land between two timed sends; rewriting is applied once at load time. A
 * capture larger than the preload bound is streamed instead (read, copied, rewritten per frame).
 */
import { CaptureReader, type CaptureIssue } from '../capture/index.js';
import type { Rewriter } from './rewrite.js';

export const DEFAULT_PRELOAD_BYTES = 1024 * 1024 * 1024;
const ARENA_CHUNK = 16 * 1024 * 1024;

/** A cursor over the frames of one pass; `rewind()` starts the next loop. */
export interface ReplayFrames {
  /** Advances; false at the end of the pass. */
  next(): boolean;
  /** The current frame: send data[0 .. data.length). */
  data: Buffer;
  /** Nanoseconds since the first frame of the file (negative if timestamps go backwards). */
  tsNs: number;
  rewind(): void;
  close(): void;
  /** Frames in one pass; null while streaming an unknown length. */
  readonly count: number | null;
  readonly linkType: number;
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
  const bound = opts.preloadBytes ?? DEFAULT_PRELOAD_BYTES;
  const reader = CaptureReader.open(path);
  const frames: Buffer[] = [];
  const ts: number[] = [];
  let linkType = -1;
  let sec0 = 0;
  let nsec0 = 0;
  let arena = Buffer.allocUnsafe(0);
  let used = 0;
  let total = 0;
  try {
    while (reader.next()) {
      const caplen = reader.caplen;
      if (frames.length === 0) {
        sec0 = reader.tsSec;
        nsec0 = reader.tsNsec;
        linkType = reader.linkType;
      }
      total += caplen;
      if (total > bound) {
        reader.close();
        return new StreamedFrames(path, opts.rewriter ?? null, linkType);
      }
      if (used + caplen > arena.length) {
        arena = Buffer.allocUnsafe(Math.max(ARENA_CHUNK, caplen));
        used = 0;
      }
      const data = arena.subarray(used, used + caplen);
      data.set(reader.buf.subarray(reader.offset, reader.offset + caplen));
      used += caplen;
      opts.rewriter?.apply(data, 0, caplen, reader.len, reader.linkType);
      frames.push(data);
      ts.push((reader.tsSec - sec0) * 1e9 + (reader.tsNsec - nsec0));
    }
  } finally {
    reader.close();
  }
  return new PreloadedFrames(frames, Float64Array.from(ts), linkType, reader.issues);
}

class PreloadedFrames implements ReplayFrames {
  data: Buffer = Buffer.alloc(0);
  tsNs = 0;
  readonly preloaded = true;
  private i = -1;
  private readonly frames: readonly Buffer[];
  private readonly ts: Float64Array;
  readonly linkType: number;
  readonly issues: readonly CaptureIssue[];

  constructor(frames: readonly Buffer[], ts: Float64Array, linkType: number, issues: readonly CaptureIssue[]) {
    this.frames = frames;
    this.ts = ts;
    this.linkType = linkType;
    this.issues = issues;
  }

  get count(): number {
    return this.frames.length;
  }

  next(): boolean {
    const i = ++this.i;
    if (i >= this.frames.length) {
      this.i = this.frames.length;
      return false;
    }
    this.data = this.frames[i]!;
    this.tsNs = this.ts[i]!;
    return true;
  }

  rewind(): void {
    this.i = -1;
  }

  close(): void {}
}

class StreamedFrames implements ReplayFrames {
  data: Buffer = Buffer.alloc(0);
  tsNs = 0;
  readonly preloaded = false;
  readonly count = null;
  readonly linkType: number;
  private reader: CaptureReader;
  private readonly path: string;
  private readonly rewriter: Rewriter | null;
  private readonly scratch = Buffer.allocUnsafe(262144);
  private sec0 = 0;
  private nsec0 = 0;
  private first = true;

  constructor(path: string, rewriter: Rewriter | null, linkType: number) {
    this.path = path;
    this.rewriter = rewriter;
    this.linkType = linkType;
    this.reader = CaptureReader.open(path);
  }

  get issues(): readonly CaptureIssue[] {
    return this.reader.issues;
  }

  next(): boolean {
    const r = this.reader;
    if (!r.next()) return false;
    if (this.first) {
      this.first = false;
      this.sec0 = r.tsSec;
      this.nsec0 = r.tsNsec;
    }
    const caplen = r.caplen;
    const out = caplen <= this.scratch.length ? this.scratch.subarray(0, caplen) : Buffer.allocUnsafe(caplen);
    out.set(r.buf.subarray(r.offset, r.offset + caplen));
    this.rewriter?.apply(out, 0, caplen, r.len, r.linkType);
    this.data = out;
    this.tsNs = (r.tsSec - this.sec0) * 1e9 + (r.tsNsec - this.nsec0);
    return true;
  }

  rewind(): void {
    this.reader.close();
    this.reader = CaptureReader.open(this.path);
    this.first = true;
  }

  close(): void {
    this.reader.close();
  }
}
