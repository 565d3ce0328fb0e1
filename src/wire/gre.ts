/** GRE (RFC 2784/2890): the tunnel some balancers use instead of IPIP; named, with its key. */
import { readU32 } from './tcp.js';
import type { GreRecord } from './records.js';

export const GRE_BASE_LEN = 4;

export class GreView {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;

  reset(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf; this.off = off; this.len = len;
    return this;
  }

  get checksumPresent(): boolean { return (this.buf[this.off]! & 0x80) !== 0; }
  get keyPresent(): boolean { return (this.buf[this.off]! & 0x20) !== 0; }
  get seqPresent(): boolean { return (this.buf[this.off]! & 0x10) !== 0; }
  get version(): number { return this.buf[this.off + 1]! & 0x07; }
  get protocol(): number { return (this.buf[this.off + 2]! << 8) | this.buf[this.off + 3]!; }
  get headerLen(): number {
    return GRE_BASE_LEN + (this.checksumPresent ? 4 : 0) + (this.keyPresent ? 4 : 0) + (this.seqPresent ? 4 : 0);
  }

  check(): string | null {
    if (this.len < GRE_BASE_LEN) return `GRE header needs ${GRE_BASE_LEN} bytes, ${this.len} captured`;
    if (this.len < this.headerLen) return `GRE header with its optional fields needs ${this.headerLen} bytes, ${this.len} captured`;
    return null;
  }

  toRecord(frameOffset: number): GreRecord {
    const keyAt = this.off + GRE_BASE_LEN + (this.checksumPresent ? 4 : 0);
    return {
      type: 'gre', protocol: this.protocol, checksumPresent: this.checksumPresent, keyPresent: this.keyPresent,
      seqPresent: this.seqPresent, key: this.keyPresent ? readU32(this.buf, keyAt) : null, version: this.version,
      offset: frameOffset,
    };
  }
}
