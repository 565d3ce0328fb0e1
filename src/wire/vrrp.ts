/**
 * VRRP (IP protocol 112): version 2 (RFC 3768, keepalived's default: advertisement interval in
 * seconds, an authentication type, a checksum over the VRRP message alone) and version 3
 * (RFC 5798: interval in centiseconds, IPv4 or IPv6 addresses, a checksum that includes the IP
 * pseudo-header). Adverts go to 224.0.0.18 / ff02::12 with TTL/hop limit 255.
 */
import { formatIpv4At, formatIpv6At } from './address.js';
import type { VrrpRecord } from './records.js';
import { HeaderView } from './view.js';

export const VRRP_HEADER_LEN = 8;
/** v2 carries 8 bytes of authentication data after the addresses. */
export const VRRP_V2_AUTH_LEN = 8;
export const VRRP_ADVERTISEMENT = 1;

export class VrrpView extends HeaderView {
  get version(): number { return this.buf[this.off]! >>> 4; }
  get msgType(): number { return this.buf[this.off]! & 0x0f; }
  get vrid(): number { return this.buf[this.off + 1]!; }
  get priority(): number { return this.buf[this.off + 2]!; }
  get count(): number { return this.buf[this.off + 3]!; }
  get checksum(): number { return this.u16(6); }

  /** Bytes the message should have, given its version, count and address family. */
  expectedLen(ipv6: boolean): number {
    return VRRP_HEADER_LEN + this.count * (ipv6 ? 16 : 4) + (this.version === 2 ? VRRP_V2_AUTH_LEN : 0);
  }

  check(ipv6: boolean): readonly ['truncated' | 'bad-version', string] | null {
    const short = this.tooShort('VRRP header', VRRP_HEADER_LEN);
    if (short !== null) return ['truncated', short];
    const v = this.version;
    if (v !== 2 && v !== 3) return ['bad-version', `VRRP version ${v} (2 and 3 exist)`];
    const need = this.expectedLen(ipv6);
    if (this.len < need) return ['truncated', `VRRP v${v} with ${this.count} address${this.count === 1 ? '' : 'es'} needs ${need} bytes, ${this.len} captured`];
    return null;
  }

  toRecord(frameOffset: number, ipv6: boolean, checksumOk: boolean | null): VrrpRecord {
    const b = this.buf, o = this.off, v = this.version;
    const addresses: string[] = [];
    const size = ipv6 ? 16 : 4;
    for (let i = 0, at = o + VRRP_HEADER_LEN; i < this.count && at + size <= o + this.len; i++, at += size) {
      addresses.push(ipv6 ? formatIpv6At(b, at) : formatIpv4At(b, at));
    }
    const interval = v === 2 ? b[o + 5]! : ((b[o + 4]! & 0x0f) << 8) | b[o + 5]!;
    return {
      type: 'vrrp', version: v, msgType: this.msgType, vrid: this.vrid, priority: this.priority, count: this.count,
      authType: v === 2 ? b[o + 4]! : null, advertInterval: interval, intervalMs: v === 2 ? interval * 1000 : interval * 10,
      checksum: this.checksum, checksumOk, addresses, offset: frameOffset,
    };
  }
}
