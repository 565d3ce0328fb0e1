/**
 * Generic UDP Encapsulation (draft-ietf-intarea-gue; Linux fou/gue, include/net/gue.h), the
 * tunnel IPVS builds for `--tun-type gue` (ipvs_gue_encap: variant 0, C=0, proto_ctype 4 or 41,
 * hlen 0 unless remote checksum offload adds the private flags and a 4-byte remcsum field).
 *
 * Variant 0 starts with a 4-byte header: version (2 bits) and control (1 bit) and hlen (5 bits,
 * 32-bit words of optional fields after the base header) in one byte, then proto_ctype, then 16
 * bits of flags. Variant 1 is "direct IP": the UDP payload is the IPv4 (first nibble 4) or IPv6
 * (first nibble 6) packet itself.
 *
 * IPVS has no default GUE port and GUE has no magic number, so besides a configured port the
 * decoder recognises GUE by its payload: a well-formed header followed by an IP header whose
 * length fills the datagram exactly (and, for IPv4, whose header checksum is right). Random UDP
 * payloads do not pass that; a configured port decodes even a damaged one (with issues).
 */
import { sum16 } from './checksum.js';
import type { GueRecord } from './records.js';
import { HeaderView } from './view.js';

export const GUE_BASE_LEN = 4;
/** flags bit 0 (network order 0x0001): a 4-byte private flags field follows (GUE_FLAG_PRIV). */
export const GUE_FLAG_PRIV = 0x0001;
/** Private flag bit 31: remote checksum offload, 4 bytes of start/offset (GUE_PFLAG_REMCSUM). */
export const GUE_PFLAG_REMCSUM = 0x80000000;

/**
 * Where the inner IP packet starts in a GUE payload of `len` bytes at buf[off ..] (`captured` of
 * them in the buffer), or -1 when the bytes are not a GUE data message carrying a consistent IP
 * packet that fills them. `strict` adds the IPv4 header checksum, for recognising GUE on a port
 * nobody configured.
 */
export function gueInnerOffset(buf: Uint8Array, off: number, len: number, captured: number, strict: boolean): number {
  if (captured < 1 || len < 1) return -1;
  const b0 = buf[off]!;
  const variant = b0 >>> 6;
  let inner: number;
  if (variant === 1) {
    inner = off;
  } else if (variant === 0) {
    if (captured < GUE_BASE_LEN || (b0 & 0x20) !== 0) return -1; // control messages carry no packet
    const proto = buf[off + 1]!;
    if (proto !== 4 && proto !== 41) return -1;
    inner = off + GUE_BASE_LEN + (b0 & 0x1f) * 4;
    if (inner >= off + captured || buf[inner]! >>> 4 !== (proto === 4 ? 4 : 6)) return -1;
  } else {
    return -1;
  }
  return ipFills(buf, inner, off + len - inner, off + captured - inner, strict) ? inner : -1;
}

/** An IP header at `at`, all in the buffer, whose stated length is exactly `len` bytes. */
function ipFills(buf: Uint8Array, at: number, len: number, captured: number, strict: boolean): boolean {
  if (len < 20 || captured < 20) return false;
  const version = buf[at]! >>> 4;
  if (version === 4) {
    const ihl = (buf[at]! & 0x0f) * 4;
    if (ihl < 20 || ihl > len || ihl > captured) return false;
    if (((buf[at + 2]! << 8) | buf[at + 3]!) !== len) return false;
    return !strict || sum16(buf, at, ihl) === 0xffff;
  }
  if (version === 6) return len >= 40 && captured >= 40 && ((buf[at + 4]! << 8) | buf[at + 5]!) + 40 === len;
  return false;
}

export class GueView extends HeaderView {
  get variant(): number { return this.buf[this.off]! >>> 6; }
  get control(): boolean { return this.variant === 0 && (this.buf[this.off]! & 0x20) !== 0; }
  /** Bytes before the encapsulated packet: 0 for variant 1, 4 + optional fields for variant 0. */
  get headerLen(): number { return this.variant === 1 ? 0 : GUE_BASE_LEN + (this.buf[this.off]! & 0x1f) * 4; }
  /** IP protocol of the payload (proto_ctype of a data message; 4 or 41 by the first nibble for variant 1). */
  get protocol(): number {
    if (this.variant === 1) return this.buf[this.off]! >>> 4 === 6 ? 41 : 4;
    return this.buf[this.off + 1]!;
  }
  get flags(): number { return this.variant === 1 ? 0 : this.u16(2); }

  check(): readonly ['truncated' | 'bad-version', string] | null {
    if (this.len < 1) return ['truncated', 'GUE header needs 4 bytes, 0 captured'];
    const v = this.variant;
    if (v > 1) return ['bad-version', `GUE version ${v} (variants 0 and 1 exist)`];
    if (v === 0 && this.len < this.headerLen) return ['truncated', `GUE header with its optional fields needs ${this.headerLen} bytes, ${this.len} captured`];
    return null;
  }

  toRecord(frameOffset: number, byPort: boolean): GueRecord {
    const v = this.variant;
    const hl = this.headerLen;
    let privateFlags: number | null = null;
    let remcsumStart: number | null = null;
    let remcsumOffset: number | null = null;
    if (v === 0 && (this.flags & GUE_FLAG_PRIV) !== 0 && hl >= GUE_BASE_LEN + 4) {
      privateFlags = this.u32(4);
      if ((privateFlags & GUE_PFLAG_REMCSUM) !== 0 && hl >= GUE_BASE_LEN + 8) {
        remcsumStart = this.u16(8);
        remcsumOffset = this.u16(10);
      }
    }
    return {
      type: 'gue', variant: v, control: this.control, headerLength: hl, protocol: this.protocol, flags: this.flags,
      privateFlags, remcsumStart, remcsumOffset, recognisedBy: byPort ? 'port' : 'payload', offset: frameOffset,
    };
  }
}
