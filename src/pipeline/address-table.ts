/**
 * The reading thread's numbering of addresses for the numeric chunks (packet-slots.ts): text →
 * small id, one id per distinct text. Common frames (fast-packet.ts) ask by the address's bytes,
 * so a frame whose addresses were seen before costs a probe of an integer table each, and no
 * text is made or compared: before, each address was formatted (a cache probe), then its text
 * hashed and probed again to find its id. Text is made once, on an address's first sight.
 *
 * Grows with distinct addresses (hosts), never with frames.
 */
import { formatIpv4At, formatMacAt } from '../wire/address.js';

/** Slots of the integer tables when they start (a power of two); they double at half full. */
const FIRST_BITS = 10;

export class AddressTable {
  /** Id → text; id 0 is '' (no address). */
  readonly texts: string[] = [''];
  private readonly ids = new Map<string, number>([['', 0]]);
  /** Texts given an id since the last takeFresh. */
  private fresh: string[] = [];

  // Open addressing, linear probing; an id of 0 marks an empty slot.
  private v4Bits = FIRST_BITS;
  private v4Key = new Int32Array(1 << FIRST_BITS);
  private v4Id = new Int32Array(1 << FIRST_BITS);
  private v4Count = 0;
  private macBits = FIRST_BITS;
  /** A MAC as its first two bytes (macHi) and last four (macLo, as a signed 32-bit value). */
  private macHi = new Int32Array(1 << FIRST_BITS);
  private macLo = new Int32Array(1 << FIRST_BITS);
  private macId = new Int32Array(1 << FIRST_BITS);
  private macCount = 0;

  /** The id of an address given as text (any kind, '' included). */
  idOf(text: string): number {
    let id = this.ids.get(text);
    if (id === undefined) {
      id = this.texts.length;
      this.ids.set(text, id);
      this.texts.push(text);
      this.fresh.push(text);
    }
    return id;
  }

  /** The id of the IPv4 address at buf[off..off+4): the id its text (formatIpv4At) has. */
  ipv4At(buf: Uint8Array, off: number): number {
    const v = (buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!;
    const mask = (1 << this.v4Bits) - 1;
    const keys = this.v4Key;
    const ids = this.v4Id;
    // Fibonacci hashing: the clients of one /24 differ only in the low byte.
    for (let s = Math.imul(v, 0x9e3779b1) >>> (32 - this.v4Bits); ; s = (s + 1) & mask) {
      const id = ids[s]!;
      if (id === 0) break;
      if (keys[s] === v) return id;
    }
    const id = this.idOf(formatIpv4At(buf, off));
    this.putV4(v, id);
    return id;
  }

  /** The id of the MAC address at buf[off..off+6): the id its text (formatMacAt) has. */
  macAt(buf: Uint8Array, off: number): number {
    const hi = (buf[off]! << 8) | buf[off + 1]!;
    const lo = (buf[off + 2]! << 24) | (buf[off + 3]! << 16) | (buf[off + 4]! << 8) | buf[off + 5]!;
    const mask = (1 << this.macBits) - 1;
    const his = this.macHi;
    const los = this.macLo;
    const ids = this.macId;
    for (let s = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - this.macBits); ; s = (s + 1) & mask) {
      const id = ids[s]!;
      if (id === 0) break;
      if (los[s] === lo && his[s] === hi) return id;
    }
    const id = this.idOf(formatMacAt(buf, off));
    this.putMac(hi, lo, id);
    return id;
  }

  /** The texts given ids since the last call, in id order; they follow on from the previous call's. */
  takeFresh(): string[] {
    const f = this.fresh;
    this.fresh = [];
    return f;
  }

  private putV4(v: number, id: number): void {
    if (++this.v4Count * 2 > this.v4Key.length) {
      const keys = this.v4Key;
      const ids = this.v4Id;
      this.v4Bits++;
      this.v4Key = new Int32Array(1 << this.v4Bits);
      this.v4Id = new Int32Array(1 << this.v4Bits);
      for (let s = 0; s < keys.length; s++) if (ids[s] !== 0) this.placeV4(keys[s]!, ids[s]!);
    }
    this.placeV4(v, id);
  }

  private placeV4(v: number, id: number): void {
    const mask = (1 << this.v4Bits) - 1;
    let s = Math.imul(v, 0x9e3779b1) >>> (32 - this.v4Bits);
    while (this.v4Id[s] !== 0) s = (s + 1) & mask;
    this.v4Key[s] = v;
    this.v4Id[s] = id;
  }

  private putMac(hi: number, lo: number, id: number): void {
    if (++this.macCount * 2 > this.macId.length) {
      const his = this.macHi;
      const los = this.macLo;
      const ids = this.macId;
      this.macBits++;
      this.macHi = new Int32Array(1 << this.macBits);
      this.macLo = new Int32Array(1 << this.macBits);
      this.macId = new Int32Array(1 << this.macBits);
      for (let s = 0; s < ids.length; s++) if (ids[s] !== 0) this.placeMac(his[s]!, los[s]!, ids[s]!);
    }
    this.placeMac(hi, lo, id);
  }

  private placeMac(hi: number, lo: number, id: number): void {
    const mask = (1 << this.macBits) - 1;
    let s = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - this.macBits);
    while (this.macId[s] !== 0) s = (s + 1) & mask;
    this.macHi[s] = hi;
    this.macLo[s] = lo;
    this.macId[s] = id;
  }
}

/**
 * A common frame's addresses as ids of `table`, beside their text in the Packet: what
 * loadCommonFrame fills in when the reading thread asks for them (0 for an address the frame has not).
 * The IP source and destination ids go to the Packet itself (srcAddrId/dstAddrId: the model keys
 * by them), so they are not kept here too.
 */
export class FrameAddressIds {
  readonly table: AddressTable;
  /** Whether the ids below are the current Packet's (it came through loadCommonFrame). */
  valid = false;
  srcMac = 0;
  dstMac = 0;
  sha = 0;
  spa = 0;
  tha = 0;
  tpa = 0;
  toaAddr = 0;

  constructor(table: AddressTable) {
    this.table = table;
  }
}
