/**
 * Linux "cooked" capture headers: SLL (LINKTYPE_LINUX_SLL, 113, 16 bytes) and SLL2
 * (LINKTYPE_LINUX_SLL2, 276, 20 bytes), what `tcpdump -i any` writes (SLL2 since libpcap 1.10).
 * See https://www.tcpdump.org/linktypes/LINKTYPE_LINUX_SLL.html and ..._SLL2.html.
 */
import { formatMacAt, hexOf } from './address.js';
import type { Sll2Record, SllRecord } from './records.js';
import { HeaderView } from './view.js';

export const SLL_HEADER_LEN = 16;
export const SLL2_HEADER_LEN = 20;

export const SLL_PACKET_TYPE = { HOST: 0, BROADCAST: 1, MULTICAST: 2, OTHERHOST: 3, OUTGOING: 4 } as const;

const PKTTYPE_NAMES = ['In', 'B', 'M', 'P', 'Out'] as const;
/** tcpdump's one-word direction for a cooked header's packet type. */
export function sllPacketTypeName(t: number): string {
  return PKTTYPE_NAMES[t] ?? `pkttype ${t}`;
}

function linkAddr(buf: Uint8Array, off: number, addrLen: number): string {
  const n = Math.min(addrLen, 8);
  if (n === 6) return formatMacAt(buf, off);
  return hexOf(buf, off, n);
}

const sllField = { PKTTYPE: 0, HATYPE: 2, HALEN: 4, ADDR: 6, PROTOCOL: 14 } as const;
const sll2Field = { PROTOCOL: 0, RESERVED: 2, IFINDEX: 4, HATYPE: 8, PKTTYPE: 10, HALEN: 11, ADDR: 12 } as const;

/** What both cooked headers give the decoder, at their own offsets: the protocol and the ARPHRD type. */
abstract class CookedView extends HeaderView {
  readonly layer: 'sll' | 'sll2';
  /** The fixed length, and its name in a truncation message. */
  readonly headerLen: number;
  readonly what: string;
  abstract get protocol(): number;
  abstract get hardwareType(): number;

  constructor(layer: 'sll' | 'sll2', headerLen: number, what: string) {
    super();
    this.layer = layer;
    this.headerLen = headerLen;
    this.what = what;
  }

  check(): string | null {
    return this.tooShort(this.what, this.headerLen);
  }
}

export class SllView extends CookedView {
  constructor() { super('sll', SLL_HEADER_LEN, 'SLL header'); }

  get packetType(): number { return this.u16(sllField.PKTTYPE); }
  get hardwareType(): number { return this.u16(sllField.HATYPE); }
  get addrLen(): number { return this.u16(sllField.HALEN); }
  get protocol(): number { return this.u16(sllField.PROTOCOL); }

  toRecord(frameOffset: number): SllRecord {
    return {
      type: 'sll', pktType: this.packetType, hatype: this.hardwareType,
      src: linkAddr(this.buf, this.off + sllField.ADDR, this.addrLen), protocol: this.protocol, offset: frameOffset,
    };
  }
}

export class Sll2View extends CookedView {
  constructor() { super('sll2', SLL2_HEADER_LEN, 'SLL2 header'); }

  get protocol(): number { return this.u16(sll2Field.PROTOCOL); }
  get ifindex(): number { return this.u32(sll2Field.IFINDEX); }
  get hardwareType(): number { return this.u16(sll2Field.HATYPE); }
  get packetType(): number { return this.buf[this.off + sll2Field.PKTTYPE]!; }
  get addrLen(): number { return this.buf[this.off + sll2Field.HALEN]!; }

  toRecord(frameOffset: number): Sll2Record {
    return {
      type: 'sll2', protocol: this.protocol, ifindex: this.ifindex, hatype: this.hardwareType,
      pktType: this.packetType, src: linkAddr(this.buf, this.off + sll2Field.ADDR, this.addrLen), offset: frameOffset,
    };
  }
}
