/**
 * IPv4 (RFC 791). `check()` follows smoltcp's chain: shorter than the fixed header, bad version,
 * IHL below 5, header longer than what was captured. Unlike smoltcp we go on when the total
 * length exceeds the capture (a snaplen cut) or the buffer (a bad length): the decoder reports it
 * as an issue and decodes what is there, as gopacket's ip4.go does.
 */
import { formatIpv4At, hexOf } from './address.js';
import { sum16 } from './checksum.js';
import type { Ipv4Record } from './records.js';
import { HeaderView } from './view.js';

/** IANA protocol numbers, which IPv6's Next Header shares (its extension headers among them). */
export const IP_PROTO = {
  HOPOPT: 0,
  ICMP: 1,
  IGMP: 2,
  IPIP: 4,
  TCP: 6,
  UDP: 17,
  IPV6: 41,
  IPV6_ROUTE: 43,
  IPV6_FRAG: 44,
  GRE: 47,
  ESP: 50,
  AH: 51,
  ICMPV6: 58,
  IPV6_OPTS: 60,
  OSPF: 89,
  IPIP_OLD: 94,
  VRRP: 112,
  SCTP: 132,
  MOBILITY: 135,
  HIP: 139,
  SHIM6: 140,
} as const;

const PROTO_NAMES: Readonly<Record<number, string>> = {
  1: 'ICMP', 2: 'IGMP', 4: 'IPIP', 6: 'TCP', 17: 'UDP', 41: 'IPv6', 47: 'GRE', 50: 'ESP', 51: 'AH',
  58: 'ICMPv6', 89: 'OSPF', 103: 'PIM', 112: 'VRRP', 132: 'SCTP',
};

export function ipProtoName(p: number): string {
  return PROTO_NAMES[p] ?? `proto ${p}`;
}

const field = { VER_IHL: 0, TOS: 1, LENGTH: 2, IDENT: 4, FLG_OFF: 6, TTL: 8, PROTOCOL: 9, CHECKSUM: 10, SRC: 12, DST: 16 } as const;
export const IPV4_HEADER_LEN = field.DST + 4;

export class Ipv4View extends HeaderView {
  /** Returns [issue code, message] or null. */
  check(): readonly ['truncated' | 'bad-version' | 'bad-header-length', string] | null {
    if (this.len < 1) return ['truncated', `IPv4 header needs ${IPV4_HEADER_LEN} bytes, 0 captured`];
    if (this.version !== 4) return ['bad-version', `IP version ${this.version}, expected 4`];
    const short = this.tooShort('IPv4 header', IPV4_HEADER_LEN);
    if (short !== null) return ['truncated', short];
    if (this.headerLen < IPV4_HEADER_LEN) return ['bad-header-length', `IPv4 header length ${this.headerLen} < 20 (IHL ${this.headerLen >> 2})`];
    if (this.headerLen > this.len) return ['truncated', `IPv4 header length ${this.headerLen}, ${this.len} bytes captured`];
    return null;
  }

  get version(): number { return this.buf[this.off]! >>> 4; }
  get headerLen(): number { return (this.buf[this.off]! & 0x0f) * 4; }
  get tos(): number { return this.buf[this.off + field.TOS]!; }
  get totalLen(): number { return this.u16(field.LENGTH); }
  get ident(): number { return this.u16(field.IDENT); }
  get dontFrag(): boolean { return (this.buf[this.off + field.FLG_OFF]! & 0x40) !== 0; }
  get moreFrags(): boolean { return (this.buf[this.off + field.FLG_OFF]! & 0x20) !== 0; }
  /** In bytes (the wire field times 8), as tcpdump and tshark show it. */
  get fragOffset(): number { return (this.u16(field.FLG_OFF) & 0x1fff) * 8; }
  get ttl(): number { return this.buf[this.off + field.TTL]!; }
  get protocol(): number { return this.buf[this.off + field.PROTOCOL]!; }
  get checksum(): number { return this.u16(field.CHECKSUM); }
  get srcAddr(): string { return formatIpv4At(this.buf, this.off + field.SRC); }
  get dstAddr(): string { return formatIpv4At(this.buf, this.off + field.DST); }
  get srcOffset(): number { return this.off + field.SRC; }
  get dstOffset(): number { return this.off + field.DST; }
  verifyChecksum(): boolean { return sum16(this.buf, this.off, this.headerLen) === 0xffff; }

  /** `verify` false leaves checksumOk null (the decoder's --no-checksum) without summing. */
  toRecord(frameOffset: number, inner: boolean, verify = true): Ipv4Record {
    return this.record(frameOffset, inner, verify ? this.verifyChecksum() : null);
  }

  /** The record with a checksum verdict the caller worked out (the decoder sums header and segment at once). */
  record(frameOffset: number, inner: boolean, checksumOk: boolean | null): Ipv4Record {
    // Fields read straight from the bytes: the getters each re-read buf and off.
    const b = this.buf, o = this.off;
    const hl = (b[o]! & 0x0f) * 4;
    const flagsOffset = (b[o + field.FLG_OFF]! << 8) | b[o + field.FLG_OFF + 1]!;
    return {
      type: 'ipv4', src: formatIpv4At(b, o + field.SRC), dst: formatIpv4At(b, o + field.DST), proto: b[o + field.PROTOCOL]!,
      ttl: b[o + field.TTL]!, id: (b[o + field.IDENT]! << 8) | b[o + field.IDENT + 1]!,
      tos: b[o + field.TOS]!, headerLength: hl, totalLength: (b[o + field.LENGTH]! << 8) | b[o + field.LENGTH + 1]!,
      df: (flagsOffset & 0x4000) !== 0, mf: (flagsOffset & 0x2000) !== 0, fragOffset: (flagsOffset & 0x1fff) * 8,
      checksum: (b[o + field.CHECKSUM]! << 8) | b[o + field.CHECKSUM + 1]!, checksumOk,
      options: hl > IPV4_HEADER_LEN ? hexOf(b, o + IPV4_HEADER_LEN, hl - IPV4_HEADER_LEN) : '',
      inner, offset: frameOffset,
    };
  }
}
