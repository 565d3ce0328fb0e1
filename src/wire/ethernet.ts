/**
 * Ethernet II and 802.1Q / 802.1ad tags.
 */
import { formatMacAt } from './address.js';
import type { EthRecord, VlanRecord } from './records.js';
import { HeaderView } from './view.js';

export const ETHERTYPE = {
  IPV4: 0x0800,
  ARP: 0x0806,
  VLAN: 0x8100,
  IPV6: 0x86dd,
  QINQ: 0x88a8,
  QINQ_OLD: 0x9100,
  MPLS: 0x8847,
  LLDP: 0x88cc,
  PPPOE_SESSION: 0x8864,
  IPVS_SYNC: 0x0000,
} as const;

const ETHERTYPE_NAMES: Readonly<Record<number, string>> = {
  0x0800: 'IPv4', 0x0806: 'ARP', 0x8100: '802.1Q', 0x86dd: 'IPv6', 0x88a8: '802.1ad', 0x9100: 'QinQ',
  0x8847: 'MPLS', 0x88cc: 'LLDP', 0x6558: 'TEB', 0x88be: 'ERSPAN', 0x22eb: 'ERSPAN III', 0x8864: 'PPPoE', 0x8035: 'RARP', 0x88e5: 'MACsec', 0x8809: 'Slow',
};

/** "IPv4", "ARP", or 0x-hex for codes we do not name (smoltcp's enum_with_unknown Display). */
export function ethertypeName(t: number): string {
  return ETHERTYPE_NAMES[t] ?? `0x${t.toString(16).padStart(4, '0')}`;
}

export function isVlanTpid(t: number): boolean {
  return t === ETHERTYPE.VLAN || t === ETHERTYPE.QINQ || t === ETHERTYPE.QINQ_OLD;
}

const field = {
  DST: 0,
  SRC: 6,
  TYPE: 12,
} as const;
export const ETHERNET_HEADER_LEN = field.TYPE + 2;

export class EthernetView extends HeaderView {
  check(): string | null {
    return this.tooShort('Ethernet header', ETHERNET_HEADER_LEN);
  }

  get dstAddr(): string { return formatMacAt(this.buf, this.off + field.DST); }
  get srcAddr(): string { return formatMacAt(this.buf, this.off + field.SRC); }
  get ethertype(): number { return this.u16(field.TYPE); }

  toRecord(frameOffset: number): EthRecord {
    return { type: 'eth', src: this.srcAddr, dst: this.dstAddr, ethertype: this.ethertype, offset: frameOffset };
  }
}

/** An 802.1Q/802.1ad tag: the 4 bytes after the TPID are TCI + next EtherType; we view TCI..type. */
export const VLAN_TAG_LEN = 4;

export class VlanView extends HeaderView {
  /** The TPID that introduced this tag (read from the previous header). */
  tpid = ETHERTYPE.VLAN as number;

  override reset(buf: Uint8Array, off: number, len: number, tpid: number = ETHERTYPE.VLAN): this {
    this.tpid = tpid;
    return super.reset(buf, off, len);
  }

  check(): string | null {
    return this.tooShort('VLAN tag', VLAN_TAG_LEN);
  }

  get tci(): number { return this.u16(0); }
  get vlanId(): number { return this.tci & 0x0fff; }
  get priority(): number { return this.tci >>> 13; }
  get dropEligible(): boolean { return (this.tci & 0x1000) !== 0; }
  get ethertype(): number { return this.u16(2); }

  toRecord(frameOffset: number): VlanRecord {
    const tci = this.tci;
    return {
      type: 'vlan', id: tci & 0x0fff, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0,
      tpid: this.tpid, ethertype: this.ethertype, offset: frameOffset,
    };
  }
}
