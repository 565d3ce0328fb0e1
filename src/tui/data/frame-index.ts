/**
 * Where every frame of one or more captures lives on disk, found in one streaming pass that decodes
 * nothing. Parallel typed arrays (not an object per frame) keep a 1,000,000-frame capture at about
 * 30 bytes a frame, and let the TUI decode and explain only the frames on screen.
 *
 * Frames are numbered 1.. in timestamp-merged order, exactly as `openFrames` numbers them.
 */
import { statSync } from 'node:fs';
import { CaptureReader, type CaptureInfo, type CaptureIssue } from '../../capture/index.js';

const FIRST_CAPACITY = 4096;
/**
 * Bytes read at a time: small enough that the record headers are still in the core's cache when
 * they are parsed, just after the kernel copied them in (a 4 MiB window took a third longer).
 */
const INDEX_CHUNK = 256 * 1024;
/** Room for this much more than the first frames' average size predicts, so one resize suffices. */
const ESTIMATE_SLACK = 1.05;

export interface FrameIndex {
  readonly paths: readonly string[];
  readonly infos: readonly CaptureInfo[];
  readonly issues: readonly (CaptureIssue & { readonly file: string })[];
  readonly count: number;
  /** Index into paths, per frame (0-based frame slot = n - 1). */
  readonly file: Uint8Array;
  /** Frame number within its own file. */
  readonly fileFrame: Uint32Array;
  /** File offset of the frame's first byte (not of its record header). */
  readonly dataOffset: Float64Array;
  readonly caplen: Uint32Array;
  readonly len: Uint32Array;
  readonly tsSec: Float64Array;
  readonly tsNsec: Uint32Array;
  readonly iface: Uint16Array;
  readonly linkType: Uint16Array;
  /** pcapng packet comments, sparse: most frames have none. */
  readonly comments: ReadonlyMap<number, string>;
}

/**
 * Grows by doubling, or once to an estimate of the whole file (see indexFile); a single file's
 * final arrays are trimmed views of these.
 */
class Columns {
  count = 0;
  dataOffset = new Float64Array(FIRST_CAPACITY);
  caplen = new Uint32Array(FIRST_CAPACITY);
  len = new Uint32Array(FIRST_CAPACITY);
  tsSec = new Float64Array(FIRST_CAPACITY);
  tsNsec = new Uint32Array(FIRST_CAPACITY);
  iface = new Uint16Array(FIRST_CAPACITY);
  linkType = new Uint16Array(FIRST_CAPACITY);

  push(r: CaptureReader, dataOffset: number): void {
    if (this.count === this.caplen.length) this.resize(this.count * 2);
    const i = this.count++;
    this.dataOffset[i] = dataOffset;
    this.caplen[i] = r.caplen;
    this.len[i] = r.len;
    this.tsSec[i] = r.tsSec;
    this.tsNsec[i] = r.tsNsec;
    this.iface[i] = r.iface;
    this.linkType[i] = r.linkType;
  }

  /** Room for n frames in all. */
  reserve(n: number): void {
    if (n > this.caplen.length) this.resize(n);
  }

  private resize(n: number): void {
    const g = <T extends Float64Array | Uint32Array | Uint16Array>(a: T, make: (n: number) => T): T => { const b = make(n); b.set(a.subarray(0, this.count)); return b; };
    this.dataOffset = g(this.dataOffset, (k) => new Float64Array(k));
    this.caplen = g(this.caplen, (k) => new Uint32Array(k));
    this.len = g(this.len, (k) => new Uint32Array(k));
    this.tsSec = g(this.tsSec, (k) => new Float64Array(k));
    this.tsNsec = g(this.tsNsec, (k) => new Uint32Array(k));
    this.iface = g(this.iface, (k) => new Uint16Array(k));
    this.linkType = g(this.linkType, (k) => new Uint16Array(k));
  }
}

const PCAPNG_SPB = 3;

/**
 * Bytes between a record's start and its frame data: 16 for pcap; for pcapng 28 (EPB, obsolete PB)
 * or 12 (SPB). The cursor gives the data's position in its chunk, so the block header just before it
 * says which: an SPB has its type 12 bytes back, then its block length, then the original length.
 */
function dataAt(r: CaptureReader, format: 'pcap' | 'pcapng', le: boolean): number {
  if (format === 'pcap') return 16;
  const o = r.offset;
  if (o >= 12) {
    const v = new DataView(r.buf.buffer, r.buf.byteOffset + o - 12, 12);
    // In an EPB those 12 bytes are tsLo, caplen, len, and caplen can never equal a whole block length.
    if (v.getUint32(0, le) === PCAPNG_SPB && v.getUint32(4, le) >= 16 + r.caplen && v.getUint32(8, le) === r.len) return 12;
  }
  return 28;
}

function indexFile(path: string, chunkSize?: number): { info: CaptureInfo; cols: Columns; comments: Map<number, string>; issues: CaptureIssue[] } {
  const r = CaptureReader.open(path, { chunkSize: chunkSize ?? INDEX_CHUNK });
  const cols = new Columns();
  const comments = new Map<number, string>();
  try {
    const format = r.info.format;
    const le = r.info.byteOrder === 'le';
    // Once the first arrays are full, room for the whole file at the average size so far: one
    // resize instead of ten doublings (each a copy of every column) for a million frames.
    const size = statSync(path).size;
    while (r.next()) {
      if (cols.count === FIRST_CAPACITY && r.fileOffset > 0) cols.reserve(Math.ceil((size / r.fileOffset) * cols.count * ESTIMATE_SLACK));
      cols.push(r, r.fileOffset + dataAt(r, format, le));
      if (r.comment !== null) comments.set(r.n, r.comment);
    }
    return { info: r.info, cols, comments, issues: r.issues };
  } finally {
    r.close();
  }
}

/**
 * Index the captures. Throws CaptureFormatError for a file that is not a capture, and for '-'
 * (standard input cannot be read twice, and the TUI reads frames again on demand).
 */
export function buildFrameIndex(paths: readonly string[], options: { chunkSize?: number } = {}): FrameIndex {
  const per = paths.map((p) => {
    if (p === '-') throw new TypeError('the TUI needs a file it can seek in; standard input cannot be browsed');
    return indexFile(p, options.chunkSize);
  });
  if (per.length === 1) return oneFile(paths, per[0]!);
  const count = per.reduce((s, f) => s + f.cols.count, 0);
  const out = {
    file: new Uint8Array(count),
    fileFrame: new Uint32Array(count),
    dataOffset: new Float64Array(count),
    caplen: new Uint32Array(count),
    len: new Uint32Array(count),
    tsSec: new Float64Array(count),
    tsNsec: new Uint32Array(count),
    iface: new Uint16Array(count),
    linkType: new Uint16Array(count),
  };
  const comments = new Map<number, string>();
  // k-way merge by timestamp; ties go to the earlier file, as openFrames does.
  const heads = per.map(() => 0);
  for (let k = 0; k < count; k++) {
    let best = -1;
    for (let i = 0; i < per.length; i++) {
      const c = per[i]!.cols;
      const h = heads[i]!;
      if (h >= c.count) continue;
      if (best < 0) { best = i; continue; }
      const b = per[best]!.cols;
      const bh = heads[best]!;
      if (c.tsSec[h]! < b.tsSec[bh]! || (c.tsSec[h] === b.tsSec[bh] && c.tsNsec[h]! < b.tsNsec[bh]!)) best = i;
    }
    const src = per[best]!;
    const c = src.cols;
    const h = heads[best]!++;
    out.file[k] = best;
    out.fileFrame[k] = h + 1;
    out.dataOffset[k] = c.dataOffset[h]!;
    out.caplen[k] = c.caplen[h]!;
    out.len[k] = c.len[h]!;
    out.tsSec[k] = c.tsSec[h]!;
    out.tsNsec[k] = c.tsNsec[h]!;
    out.iface[k] = c.iface[h]!;
    out.linkType[k] = c.linkType[h]!;
    const comment = src.comments.get(h + 1);
    if (comment !== undefined) comments.set(k + 1, comment);
  }
  return {
    paths,
    infos: per.map((f) => f.info),
    issues: per.flatMap((f, i) => f.issues.map((x) => ({ ...x, file: paths[i]! }))),
    count,
    ...out,
    comments,
  };
}

/** One file: its frames are numbered as in the file, so its columns are the index (no merge, no copy). */
function oneFile(paths: readonly string[], f: ReturnType<typeof indexFile>): FrameIndex {
  const c = f.cols;
  const count = c.count;
  const fileFrame = new Uint32Array(count);
  for (let k = 0; k < count; k++) fileFrame[k] = k + 1;
  return {
    paths,
    infos: [f.info],
    issues: f.issues.map((x) => ({ ...x, file: paths[0]! })),
    count,
    file: new Uint8Array(count),
    fileFrame,
    dataOffset: c.dataOffset.subarray(0, count),
    caplen: c.caplen.subarray(0, count),
    len: c.len.subarray(0, count),
    tsSec: c.tsSec.subarray(0, count),
    tsNsec: c.tsNsec.subarray(0, count),
    iface: c.iface.subarray(0, count),
    linkType: c.linkType.subarray(0, count),
    comments: f.comments,
  };
}
