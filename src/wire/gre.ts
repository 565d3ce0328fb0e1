/**
 * GRE (RFC 2784/2890): IPVS `--tun-type gre` (gre_build_header: protocol 0x0800 or 0x86DD, the C
 * bit and checksum only with --tun-csum, no key, no sequence) and other balancers' tunnels.
 */
import type { GreRecord } from './records.js';
import { HeaderView, readU32 } from './view.js';

export const GRE_BASE_LEN = 4;

export class GreView extends HeaderView {
  get checksumPresent(): boolean { return (this.buf[this.off]! & 0x80) !== 0; }
  get keyPresent(): boolean { return (this.buf[this.off]! & 0x20) !== 0; }
  get seqPresent(): boolean { return (this.buf[this.off]! & 0x10) !== 0; }
  get version(): number { return this.buf[this.off + 1]! & 0x07; }
  get protocol(): number { return this.u16(2); }
  get headerLen(): number {
    return GRE_BASE_LEN + (this.checksumPresent ? 4 : 0) + (this.keyPresent ? 4 : 0) + (this.seqPresent ? 4 : 0);
  }

  check(): string | null {
    return this.tooShort('GRE header', GRE_BASE_LEN) ?? this.tooShort('GRE header with its optional fields', this.headerLen);
  }

  /** The checksum field, present with the C bit. */
  get checksum(): number { return this.u16(4); }

  /** `checksumOk` is the caller's verdict over the whole GRE packet (null when it cannot judge). */
  toRecord(frameOffset: number, checksumOk: boolean | null = null): GreRecord {
    const c = this.checksumPresent;
    const keyAt = this.off + GRE_BASE_LEN + (c ? 4 : 0);
    const seqAt = keyAt + (this.keyPresent ? 4 : 0);
    return {
      type: 'gre', protocol: this.protocol, checksumPresent: c, keyPresent: this.keyPresent,
      seqPresent: this.seqPresent, key: this.keyPresent ? readU32(this.buf, keyAt) : null,
      seq: this.seqPresent ? readU32(this.buf, seqAt) : null, checksum: c ? this.checksum : null,
      checksumOk: c ? checksumOk : null, version: this.version, offset: frameOffset,
    };
  }
}
