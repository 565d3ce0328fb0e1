/**
 * Open one or more captures and yield decoded frames, merged by timestamp (like mergecap), so a
 * director's two interfaces read as one story. Frames are renumbered 1.. in merged order; the
 * file each came from is `file` (index into `paths`) and its number there is `fileFrame`.
 */
import { CaptureReader, type CaptureInfo, type CaptureIssue } from '../capture/index.js';
import type { DecodedFrame } from '../wire/records.js';
import type { FramePredicate } from './capture-filter.js';
import { FrameDecoder, type DecodeOptions } from './decoder.js';

export interface SourcedFrame extends DecodedFrame {
  readonly file: number;
  readonly fileFrame: number;
}

export interface FrameSource extends Iterable<SourcedFrame> {
  readonly paths: readonly string[];
  readonly infos: readonly CaptureInfo[];
  /** Capture-level problems of every file, appended while reading. */
  readonly issues: readonly (CaptureIssue & { readonly file: string })[];
  close(): void;
}

export interface FrameSourceOptions extends DecodeOptions {
  /** Decode pcapng packet comments into `comment` (default true); false for passes that never show them. */
  readonly comments?: boolean;
  /**
   * A capture filter (compileCaptureFilter): frames it rejects are skipped before decoding, and
   * the frames it keeps keep their numbers in the capture (as tshark numbers them, not 1.. again).
   */
  readonly filter?: FramePredicate | null;
  /**
   * Seconds to take off each file's timestamps before merging (by index into the paths; missing
   * or 0: none): files whose clocks differ, measured by measureClockOffsets.
   */
  readonly shift?: readonly number[];
}

/** Problems that mean the frame's bytes are damaged (cut short, malformed headers); a checksum is a fact about the packet, not damage. */
export function isDamaged(frame: DecodedFrame): boolean {
  for (const i of frame.issues) if (i.code !== 'bad-checksum' && i.code !== 'checksum-offloaded') return true;
  return false;
}

/** Throws CaptureFormatError (from the capture stage) when a file cannot be opened at all. */
export function openFrames(paths: readonly string[], options: FrameSourceOptions = {}): FrameSource {
  const comments = options.comments !== false;
  const readers = paths.map((p) => CaptureReader.open(p, { comments }));
  const decoder = new FrameDecoder(options);
  const filter = options.filter ?? null;
  const shiftNs = paths.map((_, i) => Math.round((options.shift?.[i] ?? 0) * 1e9));
  const issues: (CaptureIssue & { file: string })[] = [];
  const seen = readers.map(() => 0);
  const collect = (i: number): void => {
    const r = readers[i]!;
    for (; seen[i]! < r.issues.length; seen[i]!++) issues.push({ ...r.issues[seen[i]!]!, file: paths[i]! });
  };
  function* iterate(): Generator<SourcedFrame> {
    let n = 0;
    // k-way merge: decode each reader's current frame eagerly (the cursor's bytes die on next()).
    const kept = readers.map(() => true);
    const heads: (SourcedFrame | null)[] = readers.map((r, i) => advance(r, i));
    function advance(r: CaptureReader, i: number): SourcedFrame | null {
      if (!r.next()) { collect(i); return null; }
      kept[i] = filter === null || filter(r.buf, r.offset, r.caplen, r.len, r.linkType);
      const f = decoder.decode(r.buf, r.offset, r.caplen, r.linkType, 0, r.tsSec, r.tsNsec, r.len, r.iface, r.comment);
      if (shiftNs[i] === 0) return { ...f, file: i, fileFrame: r.n };
      const ns = r.tsNsec - shiftNs[i]!;
      const sec = r.tsSec + Math.floor(ns / 1e9);
      return { ...f, tsSec: sec, tsNsec: ns - Math.floor(ns / 1e9) * 1e9, file: i, fileFrame: r.n };
    }
    for (;;) {
      let best = -1;
      for (let i = 0; i < heads.length; i++) {
        const h = heads[i];
        if (h === null || h === undefined) continue;
        const b = best < 0 ? null : heads[best]!;
        if (b === null || h.tsSec < b.tsSec || (h.tsSec === b.tsSec && h.tsNsec < b.tsNsec)) best = i;
      }
      if (best < 0) return;
      const f = heads[best]!;
      ++n;
      if (kept[best]) yield { ...f, n };
      heads[best] = advance(readers[best]!, best);
    }
  }
  return {
    paths,
    infos: readers.map((r) => r.info),
    issues,
    [Symbol.iterator]: readers.length === 1 ? () => new OneFile(readers[0]!, decoder, () => collect(0), filter) : iterate,
    close: () => { for (const r of readers) r.close(); },
  };
}

/**
 * One file's frames, without a generator: for-of over a generator costs a resumption and a result
 * object per frame, the largest part of the loop around the model's pass. The result object is
 * reused (for-of reads `value` at once; nothing here keeps results).
 */
class OneFile implements IterableIterator<SourcedFrame> {
  private readonly r: CaptureReader;
  private readonly decoder: FrameDecoder;
  /** Called at the end: collects the reader's issues. */
  private readonly finish: () => void;
  private readonly filter: FramePredicate | null;
  private n = 0;
  private readonly result: { done: boolean; value: SourcedFrame | undefined } = { done: false, value: undefined };

  constructor(r: CaptureReader, decoder: FrameDecoder, finish: () => void, filter: FramePredicate | null) {
    this.r = r;
    this.filter = filter;
    this.decoder = decoder;
    this.finish = finish;
  }

  next(): IteratorResult<SourcedFrame> {
    const r = this.r;
    const result = this.result;
    for (;;) {
      if (!r.next()) {
        this.finish();
        result.done = true;
        result.value = undefined;
        return result as IteratorResult<SourcedFrame>;
      }
      if (this.filter === null || this.filter(r.buf, r.offset, r.caplen, r.len, r.linkType)) break;
      this.n++;
    }
    const f = this.decoder.decode(r.buf, r.offset, r.caplen, r.linkType, ++this.n, r.tsSec, r.tsNsec, r.len, r.iface, r.comment) as SourcedFrame;
    (f as { file: number }).file = 0;
    (f as { fileFrame: number }).fileFrame = r.n;
    result.value = f;
    return result as IteratorResult<SourcedFrame>;
  }

  [Symbol.iterator](): IterableIterator<SourcedFrame> {
    return this;
  }
}

/**
 * The first `limit` frames (all of them unwrapped when the limit is Infinity: a generator in
 * between costs per frame). Like any for-of that stops early, it reads the frame after the last.
 */
export function takeFrames<T>(frames: Iterable<T>, limit: number): Iterable<T> {
  return limit === Infinity ? frames : takeFirst(frames, limit);
}

function* takeFirst<T>(frames: Iterable<T>, limit: number): Generator<T> {
  let i = 0;
  for (const f of frames) {
    if (i++ >= limit) return;
    yield f;
  }
}
