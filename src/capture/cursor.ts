/** The zero-copy view of the current record that parsers fill in and CaptureReader exposes. */
export interface FrameCursor {
  buf: Uint8Array;
  offset: number;
  caplen: number;
  len: number;
  tsSec: number;
  tsNsec: number;
  iface: number;
  linkType: number;
  comment: string | null;
  n: number;
  fileOffset: number;
}

/** One container format's record loop. */
export interface FrameParser {
  /** Fills the cursor with the next frame; false at the end (or after damage that stops reading). */
  next(): boolean;
  /** Stops reading: next() returns false from now on. */
  stop(): void;
}

/** CaptureInfo with writable fields, for the parser that discovers them. */
export interface MutableCaptureInfo {
  file: string;
  format: 'pcap' | 'pcapng';
  byteOrder: 'le' | 'be';
  nanosecond: boolean;
  interfaces: import('./types.js').CaptureInterface[];
  sectionComment: string | null;
  versionMajor: number;
  versionMinor: number;
}

/** Largest caplen accepted (tcpdump's MAXIMUM_SNAPLEN); a bigger one means the record header is damaged. */
export const MAX_CAPLEN = 262144;
