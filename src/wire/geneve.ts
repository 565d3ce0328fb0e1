/**
 * Geneve (RFC 8926), UDP port 6081: the overlay of Open vSwitch/OVN (OpenStack, OpenShift) and of
 * AWS's Gateway Load Balancer. 8 bytes, then options: version (2 bits) and options length (6
 * bits, 4-byte words) in the first byte, the O (control) and C (critical options) bits in the
 * second, the payload's EtherType (0x6558: an Ethernet frame; or IPv4, IPv6), the 24-bit VNI.
 * Decoded on its port, as tcpdump does.
 */
import type { GeneveRecord } from './records.js';
import { HeaderView } from './view.js';

export const GENEVE_PORT = 6081;
export const GENEVE_BASE_LEN = 8;
/** Transparent Ethernet Bridging: the payload is an Ethernet frame (also GRE's, for gretap). */
export const ETHERTYPE_TEB = 0x6558;

export function isGenevePort(dstPort: number): boolean {
  return dstPort === GENEVE_PORT;
}

export class GeneveView extends HeaderView {
  get version(): number { return this.buf[this.off]! >>> 6; }
  /** Bytes of options after the base header. */
  get optionsLength(): number { return (this.buf[this.off]! & 0x3f) * 4; }
  get oam(): boolean { return (this.buf[this.off + 1]! & 0x80) !== 0; }
  get critical(): boolean { return (this.buf[this.off + 1]! & 0x40) !== 0; }
  get protocol(): number { return this.u16(2); }
  get vni(): number { return (this.buf[this.off + 4]! << 16) | (this.buf[this.off + 5]! << 8) | this.buf[this.off + 6]!; }
  get headerLen(): number { return GENEVE_BASE_LEN + this.optionsLength; }

  check(): readonly ['truncated' | 'bad-version', string] | null {
    const short = this.tooShort('Geneve header', GENEVE_BASE_LEN);
    if (short !== null) return ['truncated', short];
    if (this.version !== 0) return ['bad-version', `Geneve version ${this.version} (only 0 exists)`];
    const withOptions = this.tooShort('Geneve header with its options', this.headerLen);
    return withOptions === null ? null : ['truncated', withOptions];
  }

  toRecord(frameOffset: number): GeneveRecord {
    return {
      type: 'geneve', version: this.version, optionsLength: this.optionsLength, oam: this.oam, critical: this.critical,
      protocol: this.protocol, vni: this.vni, offset: frameOffset,
    };
  }
}
