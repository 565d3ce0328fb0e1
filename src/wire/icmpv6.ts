/**
 * ICMPv6 (RFC 4443) and neighbour discovery (RFC 4861): errors with the quoted packet's headers
 * (Packet Too Big's MTU is what an IPv6 tunnel's extra 40 bytes provoke), echo, and NDP router
 * and neighbour messages with their link-layer address, prefix and MTU options: NDP is IPv6's ARP,
 * so an NA for a VIP says who answers for it.
 */
import { formatIpv6At, formatMacAt } from './address.js';
import { ipv6ExtensionLength, isIpv6Extension } from './ipv6.js';
import type { Icmpv6Quote, Icmpv6Record, NdpOption } from './records.js';
import { IcmpHeaderView } from './icmp.js';

export const ICMPV6_TYPE = {
  DEST_UNREACH: 1, PACKET_TOO_BIG: 2, TIME_EXCEEDED: 3, PARAM_PROBLEM: 4, ECHO_REQUEST: 128, ECHO_REPLY: 129,
  ROUTER_SOLICIT: 133, ROUTER_ADVERT: 134, NEIGHBOR_SOLICIT: 135, NEIGHBOR_ADVERT: 136, REDIRECT: 137,
} as const;

export const ICMPV6_HEADER_LEN = 8;
const NO_OPTIONS: readonly NdpOption[] = Object.freeze([]);

export class Icmpv6View extends IcmpHeaderView {
  check(): string | null {
    return this.tooShort('ICMPv6 header', ICMPV6_HEADER_LEN);
  }

  /** The quoted IPv6 header, its extension headers walked, and ports when TCP/UDP follows. */
  quoted(): Icmpv6Quote | null {
    const b = this.buf;
    const q = this.off + ICMPV6_HEADER_LEN;
    const end = this.off + this.len;
    if (end - q < 40 || b[q]! >>> 4 !== 6) return null;
    let nh = b[q + 6]!;
    let at = q + 40;
    for (let n = 0; isIpv6Extension(nh) && n < 16; n++) {
      if (at + 8 > end) return { src: formatIpv6At(b, q + 8), dst: formatIpv6At(b, q + 24), proto: nh, srcPort: null, dstPort: null };
      const len = ipv6ExtensionLength(b, at, nh);
      nh = b[at]!;
      at += len;
    }
    const ports = (nh === 6 || nh === 17) && at + 4 <= end;
    return {
      src: formatIpv6At(b, q + 8), dst: formatIpv6At(b, q + 24), proto: nh,
      srcPort: ports ? (b[at]! << 8) | b[at + 1]! : null, dstPort: ports ? (b[at + 2]! << 8) | b[at + 3]! : null,
    };
  }

  /** NDP options from `start` (offset in the message) to the end; a zero length ends the walk. */
  private options(start: number): readonly NdpOption[] {
    const b = this.buf;
    let out: NdpOption[] | null = null;
    for (let at = this.off + start; at + 2 <= this.off + this.len;) {
      const code = b[at]!, len = b[at + 1]! * 8;
      if (len === 0 || at + len > this.off + this.len) break;
      let o: NdpOption;
      if ((code === 1 || code === 2) && len === 8) o = { kind: code === 1 ? 'source-lla' : 'target-lla', mac: formatMacAt(b, at + 2) };
      else if (code === 3 && len === 32) {
        o = {
          kind: 'prefix', prefixLength: b[at + 2]!, onLink: (b[at + 3]! & 0x80) !== 0, autonomous: (b[at + 3]! & 0x40) !== 0,
          validLifetime: this.u32(at - this.off + 4), preferredLifetime: this.u32(at - this.off + 8), prefix: formatIpv6At(b, at + 16),
        };
      } else if (code === 5 && len === 8) o = { kind: 'mtu', mtu: this.u32(at - this.off + 4) };
      else o = { kind: 'other', code, length: len };
      (out ??= []).push(o);
      at += len;
    }
    return out ?? NO_OPTIONS;
  }

  toRecord(frameOffset: number, checksumOk: boolean | null): Icmpv6Record {
    const t = this.msgType;
    const b = this.buf, o = this.off;
    const echo = t === ICMPV6_TYPE.ECHO_REQUEST || t === ICMPV6_TYPE.ECHO_REPLY;
    const hasTarget = (t === ICMPV6_TYPE.NEIGHBOR_SOLICIT || t === ICMPV6_TYPE.NEIGHBOR_ADVERT || t === ICMPV6_TYPE.REDIRECT) && this.len >= 24;
    const ra = t === ICMPV6_TYPE.ROUTER_ADVERT && this.len >= 16;
    const optionsAt = t === ICMPV6_TYPE.ROUTER_SOLICIT ? 8 : ra ? 16 : hasTarget ? (t === ICMPV6_TYPE.REDIRECT ? 40 : 24) : -1;
    const na = b[o + 4]!;
    return {
      type: 'icmpv6', icmpType: t, code: this.code, checksum: this.checksum, checksumOk,
      mtu: t === ICMPV6_TYPE.PACKET_TOO_BIG ? this.u32(4) : null,
      pointer: t === ICMPV6_TYPE.PARAM_PROBLEM ? this.u32(4) : null,
      echoId: echo ? this.u16(4) : null, echoSeq: echo ? this.u16(6) : null,
      target: hasTarget ? formatIpv6At(b, o + 8) : null,
      naFlags: t === ICMPV6_TYPE.NEIGHBOR_ADVERT ? `${na & 0x80 ? 'R' : ''}${na & 0x40 ? 'S' : ''}${na & 0x20 ? 'O' : ''}` : null,
      curHopLimit: ra ? b[o + 4]! : null, raFlags: ra ? `${b[o + 5]! & 0x80 ? 'M' : ''}${b[o + 5]! & 0x40 ? 'O' : ''}` : null,
      routerLifetime: ra ? this.u16(6) : null,
      options: optionsAt >= 0 ? this.options(optionsAt) : NO_OPTIONS,
      quoted: t < 128 ? this.quoted() : null, offset: frameOffset,
    };
  }
}
