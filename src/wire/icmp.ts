/**
 * ICMPv4 (RFC 792): type and code, echo id/seq, redirect gateway, the next-hop MTU of
 * fragmentation-needed (RFC 1191, what TUN's extra 20 bytes provoke), and the start of the quoted
 * datagram inside error messages (what a director's "port unreachable" refers to).
 */
import { formatIpv4At } from './address.js';
import type { IcmpQuote, IcmpRecord } from './records.js';
import { HeaderView } from './view.js';

export const ICMP_TYPE = {
  ECHO_REPLY: 0, DEST_UNREACH: 3, SOURCE_QUENCH: 4, REDIRECT: 5, ECHO_REQUEST: 8, TIME_EXCEEDED: 11, PARAM_PROBLEM: 12,
} as const;
export const ICMP_UNREACH_CODE = { NET: 0, HOST: 1, PROTOCOL: 2, PORT: 3, FRAG_NEEDED: 4 } as const;

export const ICMP_HEADER_LEN = 8;

const ERROR_TYPES = new Set<number>([3, 4, 5, 11, 12]);
export function isIcmpError(type: number): boolean {
  return ERROR_TYPES.has(type);
}

/** The first 4 bytes ICMPv4 and ICMPv6 (RFC 4443 section 2.1) share: type, code, checksum. */
export abstract class IcmpHeaderView extends HeaderView {
  get msgType(): number { return this.buf[this.off]!; }
  get code(): number { return this.buf[this.off + 1]!; }
  get checksum(): number { return this.u16(2); }
}

export class IcmpView extends IcmpHeaderView {
  check(): string | null {
    return this.tooShort('ICMP header', ICMP_HEADER_LEN);
  }

  /** The quoted IPv4 header (and ports when 4+ bytes of its payload are there), or null. */
  quoted(): IcmpQuote | null {
    const q = this.off + ICMP_HEADER_LEN;
    const avail = this.len - ICMP_HEADER_LEN;
    if (avail < 20 || this.buf[q]! >>> 4 !== 4) return null;
    const ihl = (this.buf[q]! & 0x0f) * 4;
    const proto = this.buf[q + 9]!;
    const hasPorts = ihl >= 20 && avail >= ihl + 4 && (proto === 6 || proto === 17);
    return {
      src: formatIpv4At(this.buf, q + 12), dst: formatIpv4At(this.buf, q + 16), proto,
      srcPort: hasPorts ? this.u16(ICMP_HEADER_LEN + ihl) : null,
      dstPort: hasPorts ? this.u16(ICMP_HEADER_LEN + ihl + 2) : null,
    };
  }

  toRecord(frameOffset: number, checksumOk: boolean | null): IcmpRecord {
    const t = this.msgType, c = this.code;
    const echo = t === ICMP_TYPE.ECHO_REQUEST || t === ICMP_TYPE.ECHO_REPLY;
    return {
      type: 'icmp', icmpType: t, code: c, checksum: this.checksum, checksumOk,
      mtu: t === ICMP_TYPE.DEST_UNREACH && c === ICMP_UNREACH_CODE.FRAG_NEEDED ? this.u16(6) : null,
      echoId: echo ? this.u16(4) : null, echoSeq: echo ? this.u16(6) : null,
      gateway: t === ICMP_TYPE.REDIRECT ? formatIpv4At(this.buf, this.off + 4) : null,
      quoted: isIcmpError(t) ? this.quoted() : null, offset: frameOffset,
    };
  }
}
