/** Value types shared by the capture readers and their users. */
import type { FrameHeader } from '../wire/records.js';

export type CaptureIssueCode =
  | 'truncated-record'
  | 'truncated-header'
  | 'bad-caplen'
  | 'caplen-exceeds-snaplen'
  | 'zero-length-record'
  | 'trailing-garbage'
  | 'bad-block'
  | 'unknown-interface'
  | 'unsupported-link-type'
  | 'bad-option';

/** Damage found while reading. Reading continues after it where the format allows. */
export interface CaptureIssue {
  readonly code: CaptureIssueCode;
  /** Byte offset in the file of the record or block concerned. */
  readonly offset: number;
  /** 1-based number of the frame it concerns, or of the next frame to be delivered; null for file-level issues. */
  readonly frame: number | null;
  /** Names the file, frame and offset, e.g. "x.pcap: frame 7 at offset 1234: ...". */
  readonly message: string;
}

export interface CaptureInterface {
  readonly linkType: number;
  readonly snaplen: number;
  readonly name: string | null;
  readonly description: string | null;
  /** Timestamp ticks per second: 1e6, 1e9, or a power of two. */
  readonly tsResolution: number;
}

export interface CaptureInfo {
  /** Path, or '-' for standard input (or the name given to fromBytes). */
  readonly file: string;
  readonly format: 'pcap' | 'pcapng';
  readonly byteOrder: 'le' | 'be';
  /** pcap: the nanosecond magic; pcapng: some IDB has a resolution finer than a microsecond. */
  readonly nanosecond: boolean;
  /** pcapng: grows as IDBs are read; a new section (SHB) replaces the array. */
  readonly interfaces: readonly CaptureInterface[];
  readonly sectionComment: string | null;
  readonly versionMajor: number;
  readonly versionMinor: number;
}

export interface CapturedPacket extends FrameHeader {
  /** A copy, safe to keep. */
  readonly data: Uint8Array;
  readonly comment: string | null;
  /** Byte offset of the record (pcap) or block (pcapng) in the file. */
  readonly fileOffset: number;
}

/** Where written bytes go. */
export interface ByteSink {
  write(bytes: Uint8Array): void;
  close(): void;
}
