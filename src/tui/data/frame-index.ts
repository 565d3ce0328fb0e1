/**
 * Where every frame of one or more captures lives on disk, found in one streaming pass that decodes
 * nothing. Parallel typed arrays (not an object per frame) keep a 1,000,000-frame capture at about
 * 30 bytes a frame, and let the TUI decode and explain only the frames on screen.
 *
 * Frames are numbered 1.. in timestamp-merged order, exactly as `openFrames` numbers them.
 */
import { CaptureReader, type CaptureInfo, type CaptureIssue } from '../../capture/index.js';

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

/** Grows by doubling; the final arrays are trimmed views. */
class Columns {
  count = 0;
  dataOffset = new Float64Array(1024);
  caplen = new Uint32Array(1024);
  len = new Uint32Array(1024);
  tsSec = new Float64Array(1024);
  tsNsec = new Uint32Array(1024);
  iface = new Uint16Array(1024);
  linkType = new Uint16Array(1024);

  push(r: CaptureReader, dataOffset: number): void {
    if (this.count === this.caplen.length) this.grow();
    const i = this.count++;
    this.dataOffset[i] = dataOffset;
    this.caplen[i] = r.caplen;
    this.len[i] = r.len;
    this.tsSec[i] = r.tsSec;
    this.tsNsec[i] = r.tsNsec;
    this.iface[i] = r.iface;
    this.linkType[i] = r.linkType;
  }

  private grow(): void {
    const n = this.caplen.length * 2;
    const g = <T extends Float64Array | Uint32Array | Uint16Array>(a: T, make: (n: number) => T): T => { const b = make(n); b.set(a); return b; };
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
  const r = CaptureReader.open(path, chunkSize === undefined ? {} : { chunkSize });
  const cols = new Columns();
  const comments = new Map<number, string>();
  try {
    const format = r.info.format;
    while (r.next()) {
      cols.push(r, r.fileOffset + dataAt(r, format, r.info.byteOrder === 'le'));
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
