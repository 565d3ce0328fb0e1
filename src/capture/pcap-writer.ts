/** Writes classic libpcap files (version 2.4), microsecond or nanosecond. */
import type { ByteSink } from './types.js';
import { PCAP_MAGIC_NSEC, PCAP_MAGIC_USEC } from './pcap-reader.js';

export interface PcapWriterOptions {
  readonly linkType: number;
  /** Default 262144; frames longer than this are cut to it (their original length is kept). */
  readonly snaplen?: number;
  /** Nanosecond timestamps (magic a1b23c4d) instead of microseconds. */
  readonly nanosecond?: boolean;
  /** Default 'le'. */
  readonly byteOrder?: 'le' | 'be';
}

export const DEFAULT_SNAPLEN = 262144;

export class PcapWriter {
  private readonly sink: ByteSink;
  private readonly le: boolean;
  private readonly nanosecond: boolean;
  private readonly snaplen: number;
  private readonly header = new Uint8Array(16);
  private readonly headerView = new DataView(this.header.buffer);
  private closed = false;

  constructor(sink: ByteSink, opts: PcapWriterOptions) {
    this.sink = sink;
    this.le = (opts.byteOrder ?? 'le') === 'le';
    this.nanosecond = opts.nanosecond === true;
    this.snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    const fileHeader = new Uint8Array(24);
    const v = new DataView(fileHeader.buffer);
    const le = this.le;
    v.setUint32(0, this.nanosecond ? PCAP_MAGIC_NSEC : PCAP_MAGIC_USEC, le);
    v.setUint16(4, 2, le);
    v.setUint16(6, 4, le);
    v.setInt32(8, 0, le); // thiszone: always UTC
    v.setUint32(12, 0, le); // sigfigs: always 0
    v.setUint32(16, this.snaplen, le);
    v.setUint32(20, opts.linkType >>> 0, le);
    sink.write(fileHeader);
  }

  /** tsNsec is nanoseconds (0..999999999); a microsecond file keeps its whole microseconds. */
  writePacket(data: Uint8Array, tsSec: number, tsNsec: number, origLen?: number): void {
    if (this.closed) throw new Error('PcapWriter: writePacket after close');
    checkTime(tsSec, tsNsec);
    const caplen = Math.min(data.length, this.snaplen);
    const len = Math.max(origLen ?? data.length, caplen);
    const v = this.headerView;
    const le = this.le;
    v.setUint32(0, tsSec, le);
    v.setUint32(4, this.nanosecond ? tsNsec : Math.floor(tsNsec / 1000), le);
    v.setUint32(8, caplen, le);
    v.setUint32(12, len, le);
    this.sink.write(this.header);
    this.sink.write(caplen === data.length ? data : data.subarray(0, caplen));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close();
  }
}

/** Writers refuse times the formats cannot hold rather than writing a wrong one. */
export function checkTime(tsSec: number, tsNsec: number): void {
  if (!Number.isInteger(tsSec) || tsSec < 0 || tsSec > 0xffffffff) {
    throw new RangeError(`timestamp seconds ${tsSec} is not an integer in 0..2^32-1`);
  }
  if (!Number.isInteger(tsNsec) || tsNsec < 0 || tsNsec > 999_999_999) {
    throw new RangeError(`timestamp nanoseconds ${tsNsec} is not an integer in 0..999999999`);
  }
}
