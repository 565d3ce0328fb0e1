/**
 * What a frame's walk records and the bounds it walks within: the per-frame state FrameDecoder
 * (decoder.ts) re-points for every frame, the layers and issues it collects, and the checksum
 * sums the transport layers share.
 */
import { fold16, pseudoHeaderSum, pseudoHeaderSum6 } from '../wire/checksum.js';
import type { DecodeIssue, DecodeIssueCode, LayerRecord, LayerType } from '../wire/records.js';

export interface DecodeOptions {
  /** Verify IPv4, TCP, UDP and ICMP checksums (default true). Off, every checksumOk is null. */
  readonly verifyChecksums?: boolean;
  /**
   * UDP destination ports carrying GUE (IPVS `--tun-port`, `ip fou add port N gue`): decoded as
   * GUE even when the payload is damaged. On other ports GUE is recognised by its payload.
   */
  readonly guePorts?: readonly number[];
  /** UDP destination ports of the IPVS sync daemon besides 8848 (its --mcast-port). */
  readonly syncPorts?: readonly number[];
}

const SNAP_CUT = ' (frame cut at the snapshot length)';

/** Tunnels inside tunnels beyond this are reported, not followed (a crafted frame could nest 700). */
export const MAX_TUNNEL_DEPTH = 8;

export abstract class FrameWalk {
  protected readonly verify: boolean;

  // Per-frame state, reset by decode(); fields rather than locals so helpers need no closures.
  protected buf: Uint8Array = new Uint8Array(0);
  /** Where the frame starts in buf; record offsets are relative to it. */
  protected base = 0;
  protected end = 0;
  /** Where the frame ended on the wire (end + the bytes the snapshot length cut off), bounded by enclosing headers. */
  protected wireEnd = 0;
  protected snapCut = false;
  /**
   * Layers of the current frame, reused across frames: the frame gets an exact-size copy, so a
   * frame kept by later stages holds three slots rather than the seventeen a pushed array grows to.
   */
  protected readonly layers: LayerRecord[] = [];
  protected layerCount = 0;
  protected issues: DecodeIssue[] | null = null;
  /** The last IPv6 header walked and its final destination (a routing header's last hop) for pseudo-headers. */
  protected v6At = -1;
  protected v6FinalDst = 0;
  /**
   * The last transport checksum found offloaded: where its field is, what the capture holds there
   * and what the NIC writes. A tunnel's outer UDP checksum is computed over the final value
   * (local checksum offload), which the outer datagram's check needs.
   */
  protected offloadField = -1;
  protected offloadValue = 0;
  protected offloadFinal = 0;

  constructor(options: DecodeOptions) {
    this.verify = options.verifyChecksums !== false;
  }

  protected abstract ethernetLayer(at: number, depth: number): void;
  protected abstract ipv4Layer(at: number, depth: number): void;
  protected abstract ipv6Layer(at: number, depth: number): void;

  protected add(rec: LayerRecord): void {
    this.layers[this.layerCount++] = rec;
  }

  protected issue(layer: LayerType | 'frame', code: DecodeIssueCode, at: number, message: string): void {
    (this.issues ??= []).push({ layer, code, offset: at, message });
  }

  /** Frame-relative offset of an absolute position. */
  protected rel(at: number): number {
    return at - this.base;
  }

  protected cutMessage(what: string, need: number, have: number): string {
    return `${what}: needs ${need} bytes, ${have} captured${this.snapCut ? SNAP_CUT : ''}`;
  }

  /** A header's problem; a truncation says so when the snapshot length made it (not damage on the wire). */
  protected headerIssue(layer: LayerType | 'frame', code: DecodeIssueCode, at: number, message: string): void {
    this.issue(layer, code, at, code === 'truncated' && this.snapCut ? `${message}${SNAP_CUT}` : message);
  }

  /** Decode an encapsulated header bounded by the outer packet's end, then restore the bound. */
  protected withEnd(end: number, f: () => void, wireEnd: number = end): void {
    const saved = this.end;
    const savedWire = this.wireEnd;
    this.end = Math.min(end, saved);
    this.wireEnd = Math.max(this.end, Math.min(wireEnd, savedWire));
    f();
    this.end = saved;
    this.wireEnd = savedWire;
  }

  protected ipv4InnerLayer(at: number, end: number, depth: number, wireEnd: number = end): void {
    this.withEnd(end, () => this.ipv4Layer(at, depth), wireEnd);
  }

  /** Pseudo-header sum for the IPv4 or IPv6 header at ipAt (RFC 793/768, RFC 8200 §8.1). */
  protected pseudo(ipAt: number, proto: number, length: number): number {
    if (this.buf[ipAt]! >>> 4 !== 6) return pseudoHeaderSum(this.buf, ipAt + 12, ipAt + 16, proto, length);
    return pseudoHeaderSum6(this.buf, ipAt, proto, length, ipAt === this.v6At ? this.v6FinalDst : ipAt + 24);
  }

  /**
   * A wrong TCP/UDP checksum that equals the bare pseudo-header sum is checksum offload
   * (CHECKSUM_PARTIAL): the capture saw the segment before the NIC finished it. Saying "bad
   * checksum" there would send the user chasing corruption that does not exist.
   */
  protected transportChecksumIssue(layer: 'tcp' | 'udp', fieldAt: number, value: number, ipAt: number, proto: number, length: number, sum: number): void {
    const partial = this.pseudo(ipAt, proto, length);
    let folded = partial;
    while (folded > 0xffff) folded = (folded & 0xffff) + (folded >>> 16);
    const name = layer.toUpperCase();
    if (value === folded) {
      this.issue(layer, 'checksum-offloaded', this.rel(fieldAt),
        `${name} checksum 0x${hex4(value)} is only the pseudo-header sum: checksum offload on the capturing host, not corruption`);
      // The value the NIC writes: the one that makes the segment's sum come out right.
      this.offloadField = fieldAt;
      this.offloadValue = value;
      this.offloadFinal = ~fold16(sum + (~value & 0xffff)) & 0xffff;
    } else {
      this.issue(layer, 'bad-checksum', this.rel(fieldAt), `${name} checksum 0x${hex4(value)} is wrong`);
    }
  }
}

export function hex4(v: number): string {
  return v.toString(16).padStart(4, '0');
}
