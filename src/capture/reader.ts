/**
 * The public capture reader: opens a file (or stdin, or bytes), detects pcap vs pcapng by magic,
 * and exposes a zero-copy cursor (`next()`) plus a copying iterator (`packets()`).
 */
import { closeSync, openSync } from 'node:fs';
import { CaptureFormatError, systemErrorWords } from './errors.js';
import { IssueLog } from './issues.js';
import { ChunkSource, DEFAULT_CHUNK_SIZE } from './source.js';
import type { FrameCursor, FrameParser } from './cursor.js';
import { PcapParser, PCAP_MAGIC_KUZNETZOV, PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC } from './pcap-reader.js';
import { BlockType, PcapngParser } from './pcapng-reader.js';
import type { CaptureInfo, CaptureIssue, CaptureIssueCode, CapturedPacket } from './types.js';

export interface CaptureReaderOptions {
  /** Bytes read per fs.readSync (default 4 MiB); small values exist to test records across chunks. */
  readonly chunkSize?: number;
  /**
   * Decode pcapng packet comments (default true). False leaves every `comment` null: a pass that
   * never shows them skips a UTF-8 decode per packet. Damaged options are reported either way.
   */
  readonly comments?: boolean;
}

/** 'pcap', 'pcapng', or null, from the first four bytes of a file. */
export function detectCaptureFormat(head: Uint8Array): 'pcap' | 'pcapng' | null {
  if (head.length < 4) return null;
  const view = new DataView(head.buffer, head.byteOffset, 4);
  const le = view.getUint32(0, true);
  const be = view.getUint32(0, false);
  if (be === BlockType.SHB) return 'pcapng';
  for (const magic of [PCAP_MAGIC_USEC, PCAP_MAGIC_NSEC, PCAP_MAGIC_KUZNETZOV]) {
    if (le === magic || be === magic) return 'pcap';
  }
  return null;
}

export class CaptureReader implements FrameCursor {
  readonly info: CaptureInfo;
  /** Appended as damage is found; reading continues where the format allows. */
  readonly issues: CaptureIssue[];
  /** Count of every issue by code, including those past the listing limit. */
  readonly issueCounts: ReadonlyMap<CaptureIssueCode, number>;

  // The current record, valid after next() returned true and until the next call.
  // buf[offset .. offset + caplen) is the frame.
  buf: Uint8Array = new Uint8Array(0);
  offset = 0;
  caplen = 0;
  len = 0;
  tsSec = 0;
  tsNsec = 0;
  iface = 0;
  linkType = 0;
  comment: string | null = null;
  n = 0;
  fileOffset = 0;

  private readonly parser: FrameParser;
  private fd: number;

  private constructor(name: string, src: ChunkSource, fd: number, comments = true) {
    this.fd = fd;
    const log = new IssueLog(name);
    this.issues = log.issues;
    this.issueCounts = log.counts;
    try {
      if (!src.ensure(4)) {
        throw new CaptureFormatError(name, 0, src.available === 0 ? 'empty file, not a capture' : `only ${src.available} bytes, not a capture`);
      }
      const format = detectCaptureFormat(src.buf.subarray(src.start, src.start + 4));
      if (format === null) {
        const hex = Array.from(src.buf.subarray(src.start, src.start + 4), (b) => b.toString(16).padStart(2, '0')).join('');
        throw new CaptureFormatError(name, 0, `not a pcap or pcapng file (first bytes ${hex})`);
      }
      const parser = format === 'pcap' ? new PcapParser(src, this, log) : new PcapngParser(src, this, log, comments);
      this.parser = parser;
      this.info = parser.info;
    } catch (err) {
      this.close();
      throw err;
    }
  }

  /** Opens a capture file; '-' reads standard input. Throws CaptureFormatError when it is not a readable capture. */
  static open(path: string, options: CaptureReaderOptions = {}): CaptureReader {
    const chunkSize = options.chunkSize ?? DEFAULT_CHUNK_SIZE;
    const comments = options.comments !== false;
    if (path === '-') return new CaptureReader('-', ChunkSource.fromFd('-', 0, chunkSize), -1, comments);
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch (err) {
      throw new CaptureFormatError(path, 0, `cannot open: ${systemErrorWords(err)}`, { cause: err });
    }
    let src: ChunkSource;
    try {
      src = ChunkSource.fromFd(path, fd, chunkSize);
    } catch (err) {
      closeSync(fd);
      throw err;
    }
    return new CaptureReader(path, src, fd, comments);
  }

  /** Reads a capture held in memory (not copied); name is used in messages. */
  static fromBytes(bytes: Uint8Array, name = '<memory>', options: Pick<CaptureReaderOptions, 'comments'> = {}): CaptureReader {
    return new CaptureReader(name, ChunkSource.fromBytes(name, bytes), -1, options.comments !== false);
  }

  /** Advances to the next frame; false at the end of the capture (or after damage that stops reading). */
  next(): boolean {
    return this.parser.next();
  }

  /** The remaining frames as copies. */
  *packets(): IterableIterator<CapturedPacket> {
    while (this.next()) yield this.current();
  }

  /** A copy of the current frame. */
  current(): CapturedPacket {
    return {
      n: this.n,
      tsSec: this.tsSec,
      tsNsec: this.tsNsec,
      caplen: this.caplen,
      len: this.len,
      iface: this.iface,
      linkType: this.linkType,
      data: this.buf.slice(this.offset, this.offset + this.caplen),
      comment: this.comment,
      fileOffset: this.fileOffset,
    };
  }

  /** Releases the file; next() returns false afterwards. Standard input is left open. */
  close(): void {
    // parser is unset when the constructor failed part-way.
    (this.parser as FrameParser | undefined)?.stop();
    if (this.fd >= 0) {
      const fd = this.fd;
      this.fd = -1;
      closeSync(fd);
    }
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

/** Reads a whole (small) capture into memory: for tests and tiny files. */
export function readAllPackets(
  path: string,
  options?: CaptureReaderOptions,
): { info: CaptureInfo; packets: CapturedPacket[]; issues: CaptureIssue[] } {
  const reader = CaptureReader.open(path, options);
  try {
    const packets = Array.from(reader.packets());
    return { info: reader.info, packets, issues: reader.issues };
  } finally {
    reader.close();
  }
}
