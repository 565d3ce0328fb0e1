/** UDP (RFC 768): named with its basic fields so the model can mention it. */
import type { UdpRecord } from './records.js';

export const UDP_HEADER_LEN = 8;

export class UdpView {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;

  reset(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf; this.off = off; this.len = len;
    return this;
  }

  check(): string | null {
    return this.len < UDP_HEADER_LEN ? `UDP header needs ${UDP_HEADER_LEN} bytes, ${this.len} captured` : null;
  }

  private u16(at: number): number { return (this.buf[this.off + at]! << 8) | this.buf[this.off + at + 1]!; }
  get srcPort(): number { return this.u16(0); }
  get dstPort(): number { return this.u16(2); }
  get length(): number { return this.u16(4); }
  get checksum(): number { return this.u16(6); }

  toRecord(frameOffset: number, payloadLength: number, checksumOk: boolean | null): UdpRecord {
    return {
      type: 'udp', srcPort: this.srcPort, dstPort: this.dstPort, length: this.length, checksum: this.checksum,
      checksumOk, payloadLength, offset: frameOffset,
    };
  }
}
