/**
 * IPv6 fixed header (RFC 8200) and the walk over its extension headers (hop-by-hop, routing,
 * fragment, destination options, AH, mobility, HIP, shim6) to the upper-layer protocol, which is
 * what the pseudo-header checksum and the transport decoders need.
 */
import { formatIpv6At } from './address.js';
import { IP_PROTO } from './ipv4.js';
import type { Ipv6Extension, Ipv6Record } from './records.js';
import { HeaderView } from './view.js';

export const IPV6_HEADER_LEN = 40;

const { HOPOPT, IPV6_ROUTE: ROUTING, IPV6_FRAG: FRAGMENT, AH, IPV6_OPTS, MOBILITY, HIP, SHIM6 } = IP_PROTO;

export function isIpv6Extension(nh: number): boolean {
  return nh === HOPOPT || nh === ROUTING || nh === FRAGMENT || nh === AH || nh === IPV6_OPTS || nh === MOBILITY || nh === HIP || nh === SHIM6;
}

/** Bytes of the extension header `nh` at `at` (fragment: fixed 8; AH: 4-byte units + 2; others: 8-byte units + 1). */
export function ipv6ExtensionLength(buf: Uint8Array, at: number, nh: number): number {
  return nh === FRAGMENT ? 8 : nh === AH ? (buf[at + 1]! + 2) * 4 : (buf[at + 1]! + 1) * 8;
}

const NO_EXTENSIONS: readonly Ipv6Extension[] = Object.freeze([]);
/** More than this many extension headers is reported, not walked (a crafted packet could chain hundreds). */
const MAX_EXTENSIONS = 16;

export class Ipv6View extends HeaderView {
  /** After walk(): where the upper-layer header starts, its protocol, and a problem if the walk stopped. */
  upperAt = 0;
  upperProto = 0;
  fragOffset = 0;
  moreFragments = false;
  /** Where the final destination address is: the header's, or the last hop of a routing header. */
  finalDstAt = 0;
  walkProblem: string | null = null;
  private exts: Ipv6Extension[] | null = null;


  check(): readonly ['truncated' | 'bad-version', string] | null {
    if (this.len < 1) return ['truncated', 'IPv6 header needs 40 bytes, 0 captured'];
    if (this.buf[this.off]! >>> 4 !== 6) return ['bad-version', `IP version ${this.buf[this.off]! >>> 4}, expected 6`];
    const short = this.tooShort('IPv6 header', IPV6_HEADER_LEN);
    if (short !== null) return ['truncated', short];
    return null;
  }

  get payloadLen(): number { return this.u16(4); }
  get nextHeader(): number { return this.buf[this.off + 6]!; }
  get hopLimit(): number { return this.buf[this.off + 7]!; }

  /** Follow the extension headers inside buf[.. end); sets upperAt/upperProto/fragment fields. */
  walk(end: number): void {
    const b = this.buf;
    let nh = this.nextHeader;
    let at = this.off + IPV6_HEADER_LEN;
    this.exts = null;
    this.fragOffset = 0;
    this.moreFragments = false;
    this.walkProblem = null;
    this.finalDstAt = this.off + 24;
    for (let n = 0; isIpv6Extension(nh); n++) {
      if (n >= MAX_EXTENSIONS) { this.walkProblem = `more than ${MAX_EXTENSIONS} extension headers`; break; }
      if (at + 8 > end) { this.walkProblem = `extension header ${nh} needs 8 bytes, ${Math.max(0, end - at)} captured`; break; }
      const len = ipv6ExtensionLength(b, at, nh);
      if (at + len > end) { this.walkProblem = `extension header ${nh} of ${len} bytes, ${end - at} captured`; break; }
      const ext: Ipv6Extension = nh === FRAGMENT
        ? { type: nh, offset: at, length: len, fragOffset: (((b[at + 2]! << 8) | b[at + 3]!) & 0xfff8), moreFragments: (b[at + 3]! & 1) !== 0, fragId: ((b[at + 4]! << 24) | (b[at + 5]! << 16) | (b[at + 6]! << 8) | b[at + 7]!) >>> 0 }
        : { type: nh, offset: at, length: len };
      if (nh === FRAGMENT) { this.fragOffset = ext.fragOffset ?? 0; this.moreFragments = ext.moreFragments === true; }
      // Segments left: the checksum's destination is the last address (type 0/2), or segment 0 of an SRH (type 4).
      if (nh === ROUTING && b[at + 3]! > 0 && len >= 24) this.finalDstAt = b[at + 2] === 4 ? at + 8 : at + len - 16;
      (this.exts ??= []).push(ext);
      nh = b[at]!;
      at += len;
    }
    this.upperAt = at;
    this.upperProto = nh;
  }

  /** After walk(); extension offsets are made frame-relative with `base`. */
  toRecord(frameOffset: number, inner: boolean, base = 0): Ipv6Record {
    const exts = this.exts === null ? NO_EXTENSIONS : this.exts.map((e) => ({ ...e, offset: e.offset - base }));
    return {
      type: 'ipv6', src: formatIpv6At(this.buf, this.off + 8), dst: formatIpv6At(this.buf, this.off + 24),
      nextHeader: this.nextHeader, hopLimit: this.hopLimit, payloadLength: this.payloadLen,
      trafficClass: ((this.buf[this.off]! & 0x0f) << 4) | (this.buf[this.off + 1]! >>> 4),
      flowLabel: ((this.buf[this.off + 1]! & 0x0f) << 16) | (this.buf[this.off + 2]! << 8) | this.buf[this.off + 3]!,
      protocol: this.upperProto, extensions: exts, inner, offset: frameOffset,
    };
  }
}
