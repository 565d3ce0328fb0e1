/**
 * An MPLS label stack entry (RFC 3032), EtherType 0x8847: label (20 bits), traffic class (3), S
 * (the bottom of the stack), TTL. A capture on a provider-facing link carries IP under one or
 * more of them. After the bottom one the payload says nothing of itself; as tcpdump does, a first
 * nibble of 4 or 6 is taken for IPv4 or IPv6, and anything else (a pseudowire) is left undecoded.
 */
import type { MplsRecord } from './records.js';
import { HeaderView } from './view.js';

export const MPLS_ENTRY_LEN = 4;
/** Labels followed before giving up on a stack that never ends (a damaged or crafted one). */
export const MAX_MPLS_LABELS = 16;

export class MplsView extends HeaderView {
  private get entry(): number { return this.u32(0); }
  get label(): number { return this.entry >>> 12; }
  get trafficClass(): number { return (this.entry >>> 9) & 7; }
  get bottom(): boolean { return (this.entry & 0x100) !== 0; }
  get ttl(): number { return this.entry & 0xff; }

  check(): string | null {
    return this.tooShort('MPLS label stack entry', MPLS_ENTRY_LEN);
  }

  toRecord(frameOffset: number): MplsRecord {
    return { type: 'mpls', label: this.label, tc: this.trafficClass, bottom: this.bottom, ttl: this.ttl, offset: frameOffset };
  }
}
