/**
 * Ethernet II and 802.1Q / 802.1ad tags.
 *
 * Contract (smoltcp's, restated): a view's getters may only be trusted after `check()` returned
 * null; `check()` returns the reason the bytes cannot hold this header. Views never allocate and
 * never throw; they are re-pointed with `reset()` so the decoder keeps one of each.
 */
import { formatMacAt } from './address.js';
import type { EthRecord, VlanRecord } from './records.js';

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
  0x8847: 'MPLS', 0x88cc: 'LLDP', 0x8864: 'PPPoE', 0x8035: 'RARP', 0x88e5: 'MACsec', 0x8809: 'Slow',
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

export class EthernetView {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;

  reset(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    return this;
  }

  check(): string | null {
    return this.len < ETHERNET_HEADER_LEN ? `Ethernet header needs ${ETHERNET_HEADER_LEN} bytes, ${this.len} captured` : null;
  }

  get dstAddr(): string { return formatMacAt(this.buf, this.off + field.DST); }
  get srcAddr(): string { return formatMacAt(this.buf, this.off + field.SRC); }
  get ethertype(): number { return (this.buf[this.off + field.TYPE]! << 8) | this.buf[this.off + field.TYPE + 1]!; }

  toRecord(frameOffset: number): EthRecord {
    return { type: 'eth', src: this.srcAddr, dst: this.dstAddr, ethertype: this.ethertype, offset: frameOffset };
  }
}

/** An 802.1Q/802.1ad tag: the 4 bytes after the TPID are TCI + next EtherType; we view TCI..type. */
export const VLAN_TAG_LEN = 4;

export class VlanView {
  buf: Uint8Array = new Uint8Array(0);
  off = 0;
  len = 0;
  /** The TPID that introduced this tag (read from the previous header). */
  tpid = ETHERTYPE.VLAN as number;

  reset(buf: Uint8Array, off: number, len: number, tpid: number): this {
    this.buf = buf;
    this.off = off;
    this.len = len;
    this.tpid = tpid;
    return this;
  }

  check(): string | null {
    return this.len < VLAN_TAG_LEN ? `VLAN tag needs ${VLAN_TAG_LEN} bytes, ${this.len} captured` : null;
  }

  get tci(): number { return (this.buf[this.off]! << 8) | this.buf[this.off + 1]!; }
  get vlanId(): number { return this.tci & 0x0fff; }
  get priority(): number { return this.tci >>> 13; }
  get dropEligible(): boolean { return (this.tci & 0x1000) !== 0; }
  get ethertype(): number { return (this.buf[this.off + 2]! << 8) | this.buf[this.off + 3]!; }

  toRecord(frameOffset: number): VlanRecord {
    const tci = this.tci;
    return {
      type: 'vlan', id: tci & 0x0fff, pcp: tci >>> 13, dei: (tci & 0x1000) !== 0,
      tpid: this.tpid, ethertype: this.ethertype, offset: frameOffset,
    };
  }
}
