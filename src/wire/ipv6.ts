/** IPv6 fixed header (RFC 8200): named so the model can call it chatter; not decoded further. */
import { formatIpv6At } from './address.js';
import type { Ipv6Record } from './records.js';

export const IPV6_HEADER_LEN = 40;

export class Ipv6View {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;

  reset(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf; this.off = off; this.len = len;
    return this;
  }

  check(): readonly ['truncated' | 'bad-version', string] | null {
    if (this.len < 1) return ['truncated', 'IPv6 header needs 40 bytes, 0 captured'];
    if (this.buf[this.off]! >>> 4 !== 6) return ['bad-version', `IP version ${this.buf[this.off]! >>> 4}, expected 6`];
    if (this.len < IPV6_HEADER_LEN) return ['truncated', `IPv6 header needs 40 bytes, ${this.len} captured`];
    return null;
  }

  get payloadLen(): number { return (this.buf[this.off + 4]! << 8) | this.buf[this.off + 5]!; }
  get nextHeader(): number { return this.buf[this.off + 6]!; }
  get hopLimit(): number { return this.buf[this.off + 7]!; }

  toRecord(frameOffset: number): Ipv6Record {
    return {
      type: 'ipv6', src: formatIpv6At(this.buf, this.off + 8), dst: formatIpv6At(this.buf, this.off + 24),
      nextHeader: this.nextHeader, hopLimit: this.hopLimit, payloadLength: this.payloadLen, offset: frameOffset,
    };
  }
}
