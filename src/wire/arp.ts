/**
 * ARP for Ethernet/IPv4 (RFC 826). Only that combination is turned into a record, like smoltcp's
 * `arp::Repr::EthernetIpv4`; anything else is reported as unsupported by the decoder.
 */
import { formatIpv4At, formatMacAt } from './address.js';
import type { ArpRecord } from './records.js';
import { HeaderView } from './view.js';

export const ARP_OP = { REQUEST: 1, REPLY: 2, RARP_REQUEST: 3, RARP_REPLY: 4 } as const;
export const ARP_HTYPE_ETHERNET = 1;
export const ARP_PTYPE_IPV4 = 0x0800;

const field = { HTYPE: 0, PTYPE: 2, HLEN: 4, PLEN: 5, OPER: 6, SHA: 8 } as const;
/** Fixed part before the addresses. */
export const ARP_FIXED_LEN = field.SHA;
/** Ethernet/IPv4 ARP is 28 bytes. */
export const ARP_ETHERNET_IPV4_LEN = ARP_FIXED_LEN + 2 * (6 + 4);

export class ArpView extends HeaderView {
  check(): string | null {
    return this.tooShort('ARP header', ARP_FIXED_LEN) ??
      this.tooShort(`ARP with hlen ${this.hardwareLen} plen ${this.protocolLen}`, ARP_FIXED_LEN + 2 * (this.hardwareLen + this.protocolLen));
  }

  get hardwareType(): number { return this.u16(field.HTYPE); }
  get protocolType(): number { return this.u16(field.PTYPE); }
  get hardwareLen(): number { return this.buf[this.off + field.HLEN]!; }
  get protocolLen(): number { return this.buf[this.off + field.PLEN]!; }
  get operation(): number { return this.u16(field.OPER); }
  get isEthernetIpv4(): boolean {
    return this.hardwareType === ARP_HTYPE_ETHERNET && this.protocolType === ARP_PTYPE_IPV4 &&
      this.hardwareLen === 6 && this.protocolLen === 4;
  }

  /** Only after check() and isEthernetIpv4. */
  toRecord(frameOffset: number): ArpRecord {
    const b = this.buf, o = this.off + field.SHA;
    const spa = formatIpv4At(b, o + 6);
    const tpa = formatIpv4At(b, o + 16);
    return {
      type: 'arp', htype: this.hardwareType, ptype: this.protocolType, op: this.operation,
      sha: formatMacAt(b, o), spa, tha: formatMacAt(b, o + 10), tpa,
      gratuitous: spa === tpa, offset: frameOffset,
    };
  }
}
