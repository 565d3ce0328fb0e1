/**
 * In-place frame edits with tcprewrite's meaning, applied to each frame before it is sent:
 *
 * - `--enet-smac` / `--enet-dmac MAC`: every Ethernet II frame gets that source / destination MAC
 *   (tcprewrite's client,server pairs need a tcpprep cache, which we do not read). As upstream
 *   tcprewrite's expected output shows, 802.3 (length-field) frames are left alone and a frame to
 *   a multicast IP keeps a multicast destination MAC (01:00:5e:… / 33:33:…). Unlike upstream, an
 *   MPLS frame carrying Ethernet gets its outer MACs set: those are the ones on the wire.
 * - `--srcipmap` / `--dstipmap CIDR:CIDR[,CIDR:CIDR…]`: an IPv4 source / destination address inside
 *   the first network is moved into the second, keeping the host bits under the second prefix
 *   (tcprewrite's remap_ipv4). The first matching pair wins. As tcprewrite 4.4 does (measured):
 *   ARP sender/target addresses and the IP header quoted inside ICMP errors are left alone, and a
 *   mapped packet's checksums are recomputed (with --fixcsum's guards below; where those refuse,
 *   e.g. a frame cut by the snaplen, an RFC 1624 incremental update keeps a right checksum right).
 *   Unlike tcprewrite, the inner header of IPIP (LVS-TUN) is mapped too: relocating a cluster
 *   capture should move the client and VIP it carries as well.
 * - `--fixcsum`: recompute the IPv4 header checksum and the TCP/UDP/ICMP/IGMP checksum (IPv6:
 *   TCP/UDP/ICMPv6 directly after the fixed header) with tcprewrite's guards: frames cut by the
 *   snaplen are left alone, and a whole IPv4 packet whose total length disagrees with the bytes
 *   after the link header (Ethernet padding, a bad length) is skipped entirely; for a fragment
 *   only the IP header checksum. A UDP/IPv4 checksum of 0 ("none") stays 0.
 *
 * 802.1Q/802.1ad tags are walked; MPLS and other EtherTypes are left untouched. Like the decoder,
 * this never throws on bad bytes: what it cannot parse it leaves as it is.
 */
import { sum16, finish, pseudoHeaderSum } from '../wire/checksum.js';
import { ETHERTYPE, isVlanTpid } from '../wire/ethernet.js';
import { IP_PROTO } from '../wire/ipv4.js';
import { parseIpv4, parseMac } from '../wire/address.js';

/** Bad rewrite option text (the CLI turns it into a usage error). */
export class RewriteOptionError extends Error {
  override readonly name = 'RewriteOptionError';
}

export interface Cidr {
  /** Network address as an unsigned 32-bit value (host bits cleared). */
  readonly network: number;
  readonly prefix: number;
}

export interface CidrMap {
  readonly from: Cidr;
  readonly to: Cidr;
}

export interface RewriteOptions {
  readonly enetSmac?: Uint8Array;
  readonly enetDmac?: Uint8Array;
  readonly srcIpMap?: readonly CidrMap[];
  readonly dstIpMap?: readonly CidrMap[];
  readonly fixCsum?: boolean;
}

export interface RewriteCounts {
  /** Frames with at least one byte changed. */
  framesChanged: number;
  addressesMapped: number;
  checksumsFixed: number;
}

const LINK = { NULL: 0, ETHERNET: 1, RAW_BSD: 12, RAW_BSD14: 14, LOOP: 108, RAW: 101, SLL: 113, IPV4: 228, IPV6: 229, SLL2: 276 } as const;
const ICMPV6 = 58;
/** IPIP inside IPIP beyond this is left alone. */
const MAX_DEPTH = 2;

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** "192.168.0.0/16" or a bare address (/32). */
export function parseCidr(text: string): Cidr {
  const [addr, len, extra] = text.trim().split('/');
  const value = parseIpv4(addr ?? '');
  if (Number.isNaN(value) || extra !== undefined) throw new RewriteOptionError(`not an IPv4 CIDR: ${JSON.stringify(text)} (expected e.g. 10.0.0.0/24)`);
  let prefix = 32;
  if (len !== undefined) {
    if (!/^\d{1,2}$/.test(len) || Number(len) > 32) throw new RewriteOptionError(`bad prefix length in ${JSON.stringify(text)} (0..32)`);
    prefix = Number(len);
  }
  return { network: (value & maskOf(prefix)) >>> 0, prefix };
}

/** tcprewrite's map syntax: "CIDR:CIDR", several separated by commas. */
export function parseCidrMap(text: string): CidrMap[] {
  const out: CidrMap[] = [];
  for (const part of text.split(',')) {
    const halves = part.split(':');
    if (halves.length !== 2) throw new RewriteOptionError(`bad address map ${JSON.stringify(part)}: expected FROM_CIDR:TO_CIDR, e.g. 10.0.0.0/24:192.168.1.0/24`);
    out.push({ from: parseCidr(halves[0]!), to: parseCidr(halves[1]!) });
  }
  return out;
}

export function parseMacOption(text: string, option: string): Uint8Array {
  if (text.includes(',')) {
    throw new RewriteOptionError(`${option} ${text}: a client,server pair needs a tcpprep cache, which lvscope does not read; give one MAC`);
  }
  const mac = parseMac(text);
  if (mac === null) throw new RewriteOptionError(`${option}: not a MAC address: ${JSON.stringify(text)} (expected e.g. 02:00:00:00:00:01)`);
  return mac;
}

/** Where an address from `maps` goes, or -1 when no pair matches. */
export function mapAddress(maps: readonly CidrMap[], addr: number): number {
  for (const m of maps) {
    const fromMask = maskOf(m.from.prefix);
    if (((addr & fromMask) >>> 0) !== m.from.network) continue;
    const toMask = maskOf(m.to.prefix);
    return ((m.to.network & toMask) | (addr & ~toMask)) >>> 0;
  }
  return -1;
}

const u16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;
const u32 = (b: Uint8Array, at: number): number => ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 8;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** RFC 1624 eqn. 3: the checksum at `at` after a 32-bit word covered by it went from old to new. */
export function adjustChecksum32(b: Uint8Array, at: number, oldValue: number, newValue: number, udp: boolean): void {
  const hc = u16(b, at);
  if (udp && hc === 0) return; // UDP/IPv4 without a checksum stays so
  let sum = (~hc & 0xffff) + (~(oldValue >>> 16) & 0xffff) + (~oldValue & 0xffff) + (newValue >>> 16) + (newValue & 0xffff);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  let r = ~sum & 0xffff;
  if (udp && r === 0) r = 0xffff;
  put16(b, at, r);
}

export class Rewriter {
  readonly counts: RewriteCounts = { framesChanged: 0, addressesMapped: 0, checksumsFixed: 0 };
  /** False when no option asks for a change: the sender can skip the call entirely. */
  readonly active: boolean;
  private readonly smac: Uint8Array | null;
  private readonly dmac: Uint8Array | null;
  private readonly srcMap: readonly CidrMap[];
  private readonly dstMap: readonly CidrMap[];
  private readonly fix: boolean;
  private changed = false;
  private mapped = false;
  private readonly mcast = new Uint8Array(6);

  constructor(opts: RewriteOptions = {}) {
    this.smac = opts.enetSmac ?? null;
    this.dmac = opts.enetDmac ?? null;
    this.srcMap = opts.srcIpMap ?? [];
    this.dstMap = opts.dstIpMap ?? [];
    this.fix = opts.fixCsum === true;
    this.active = this.smac !== null || this.dmac !== null || this.srcMap.length > 0 || this.dstMap.length > 0 || this.fix;
  }

  /** True when the MAC options need Ethernet frames (the CLI refuses other link types). */
  get editsEthernet(): boolean {
    return this.smac !== null || this.dmac !== null;
  }

  /**
   * Edits buf[off .. off+caplen) in place; `len` is the original length (caplen < len: cut by the
   * snaplen). Returns true when a byte changed.
   */
  apply(buf: Uint8Array, off: number, caplen: number, len: number, linkType: number): boolean {
    this.changed = false;
    const end = off + caplen;
    const whole = caplen >= len;
    switch (linkType) {
      case LINK.ETHERNET: {
        if (caplen < 14) return false;
        let at = off + 12;
        let type = u16(buf, at);
        // 802.3 frames (a length, not an EtherType) are left alone, as tcprewrite does.
        if (type < 0x0600) return false;
        while (isVlanTpid(type) && at + 6 <= end) {
          at += 4;
          type = u16(buf, at);
        }
        this.l3(buf, type, at + 2, end, whole);
        if (this.dmac !== null) this.setMac(buf, off, this.multicastMac(buf, type, at + 2, end) ?? this.dmac);
        if (this.smac !== null) this.setMac(buf, off + 6, this.smac);
        break;
      }
      case LINK.SLL:
        if (caplen >= 16) this.l3(buf, u16(buf, off + 14), off + 16, end, whole);
        break;
      case LINK.SLL2:
        if (caplen >= 20) this.l3(buf, u16(buf, off), off + 20, end, whole);
        break;
      case LINK.RAW: case LINK.RAW_BSD: case LINK.RAW_BSD14: case LINK.IPV4: case LINK.IPV6:
        if (caplen >= 1) this.l3(buf, (buf[off]! >>> 4) === 6 ? ETHERTYPE.IPV6 : ETHERTYPE.IPV4, off, end, whole);
        break;
      case LINK.NULL: case LINK.LOOP:
        // The 4-byte family is host order (NULL) or network order (LOOP); 2 is AF_INET either way.
        if (caplen >= 5 && (buf[off] === 2 || buf[off + 3] === 2)) this.l3(buf, ETHERTYPE.IPV4, off + 4, end, whole);
        break;
      default:
        break;
    }
    if (this.changed) this.counts.framesChanged++;
    return this.changed;
  }

  /**
   * A multicast IP destination keeps a multicast MAC (upstream tcprewrite's expected output):
   * 01:00:5e + the group's low 23 bits, or 33:33 + the IPv6 group's low 32 bits.
   */
  private multicastMac(buf: Uint8Array, type: number, at: number, end: number): Uint8Array | null {
    const m = this.mcast;
    if (type === ETHERTYPE.IPV4 && end - at >= 20 && (buf[at + 16]! & 0xf0) === 0xe0) {
      m[0] = 0x01; m[1] = 0x00; m[2] = 0x5e; m[3] = buf[at + 17]! & 0x7f; m[4] = buf[at + 18]!; m[5] = buf[at + 19]!;
      return m;
    }
    if (type === ETHERTYPE.IPV6 && end - at >= 40 && buf[at + 24] === 0xff) {
      m[0] = 0x33; m[1] = 0x33; m[2] = buf[at + 36]!; m[3] = buf[at + 37]!; m[4] = buf[at + 38]!; m[5] = buf[at + 39]!;
      return m;
    }
    return null;
  }

  private setMac(buf: Uint8Array, at: number, mac: Uint8Array): void {
    for (let i = 0; i < 6; i++) {
      if (buf[at + i] !== mac[i]) {
        buf[at + i] = mac[i]!;
        this.changed = true;
      }
    }
  }

  private l3(buf: Uint8Array, ethertype: number, at: number, end: number, whole: boolean): void {
    if (ethertype === ETHERTYPE.IPV4) {
      this.mapped = false;
      this.mapIpv4(buf, at, end, 0);
      // A mapped packet gets its checksums recomputed in full where tcprewrite's guards allow
      // (4.4 does, so a checksum that was wrong comes out right); elsewhere the incremental
      // update made in mapField stands.
      if (this.fix || this.mapped) this.fixIpv4(buf, at, end, whole, 0);
    } else if (ethertype === ETHERTYPE.IPV6 && this.fix) {
      this.fixIpv6(buf, at, end, whole);
    }
  }

  /** Header length when buf[at..end) starts with a usable IPv4 header, else 0. */
  private static ipv4HeaderLen(buf: Uint8Array, at: number, end: number): number {
    if (end - at < 20 || buf[at]! >>> 4 !== 4) return 0;
    const hl = (buf[at]! & 0x0f) * 4;
    return hl >= 20 && hl <= end - at ? hl : 0;
  }

  private mapIpv4(buf: Uint8Array, at: number, end: number, depth: number): void {
    const hl = Rewriter.ipv4HeaderLen(buf, at, end);
    if (hl === 0) return;
    if (this.srcMap.length > 0) this.mapField(buf, at, hl, end, at + 12, this.srcMap);
    if (this.dstMap.length > 0) this.mapField(buf, at, hl, end, at + 16, this.dstMap);
    if (buf[at + 9] === IP_PROTO.IPIP && (u16(buf, at + 6) & 0x3fff) === 0 && depth < MAX_DEPTH) {
      this.mapIpv4(buf, at + hl, end, depth + 1);
    }
  }

  private mapField(buf: Uint8Array, ip: number, hl: number, end: number, field: number, maps: readonly CidrMap[]): void {
    const old = u32(buf, field);
    const now = mapAddress(maps, old);
    if (now < 0 || now === old) return;
    put32(buf, field, now);
    this.changed = true;
    this.mapped = true;
    this.counts.addressesMapped++;
    adjustChecksum32(buf, ip + 10, old, now, false);
    // Only the first fragment carries the transport header; its checksum covers the pseudo-header.
    if ((u16(buf, ip + 6) & 0x1fff) !== 0) return;
    const l4 = ip + hl;
    const proto = buf[ip + 9];
    if (proto === IP_PROTO.TCP && l4 + 18 <= end) adjustChecksum32(buf, l4 + 16, old, now, false);
    else if (proto === IP_PROTO.UDP && l4 + 8 <= end) adjustChecksum32(buf, l4 + 6, old, now, true);
  }

  private fixIpv4(buf: Uint8Array, at: number, end: number, whole: boolean, depth: number): void {
    const hl = Rewriter.ipv4HeaderLen(buf, at, end);
    if (hl === 0 || !whole) return;
    const total = u16(buf, at + 2);
    const fragment = (u16(buf, at + 6) & 0x3fff) !== 0;
    if (!fragment) {
      // tcprewrite refuses a packet whose length disagrees with what follows the link header.
      if (depth === 0 && total !== end - at) return;
      if (total < hl || at + total > end) return;
      const proto = buf[at + 9]!;
      const l4 = at + hl;
      const l4len = total - hl;
      if (proto === IP_PROTO.IPIP && depth < MAX_DEPTH) this.fixIpv4(buf, l4, l4 + l4len, true, depth + 1);
      else this.fixTransport(buf, proto, l4, l4len, pseudoHeaderSum(buf, at + 12, at + 16, proto, l4len), true);
    }
    this.setIpv4Checksum(buf, at, hl);
  }

  /** Writes the IPv4 header checksum: computed over the header with the field taken as zero. */
  private setIpv4Checksum(buf: Uint8Array, at: number, hl: number): void {
    const field = at + 10;
    const old = u16(buf, field);
    put16(buf, field, 0);
    const v = finish(sum16(buf, at, hl));
    put16(buf, field, v);
    if (v !== old) {
      this.changed = true;
      this.counts.checksumsFixed++;
    }
  }

  private fixIpv6(buf: Uint8Array, at: number, end: number, whole: boolean): void {
    if (!whole || end - at < 40 || buf[at]! >>> 4 !== 6) return;
    const plen = u16(buf, at + 4);
    const nh = buf[at + 6]!;
    if (at + 40 + plen > end) return;
    let pseudo = sum16(buf, at + 8, 32) + (plen >>> 16) + (plen & 0xffff) + nh;
    while (pseudo > 0xffff) pseudo = (pseudo & 0xffff) + (pseudo >>> 16);
    this.fixTransport(buf, nh, at + 40, plen, pseudo, false);
  }

  /** TCP/UDP with the pseudo-header sum given; ICMP/IGMP without one; ICMPv6 with it. */
  private fixTransport(buf: Uint8Array, proto: number, l4: number, l4len: number, pseudo: number, v4: boolean): void {
    let field: number;
    let initial = pseudo;
    if (proto === IP_PROTO.TCP) {
      if (l4len < 20) return;
      field = l4 + 16;
    } else if (proto === IP_PROTO.UDP) {
      if (l4len < 8) return;
      field = l4 + 6;
      if (v4 && u16(buf, field) === 0) return;
    } else if (v4 && (proto === IP_PROTO.ICMP || proto === IP_PROTO.IGMP)) {
      if (l4len < 4) return;
      field = l4 + 2;
      initial = 0;
    } else if (!v4 && proto === ICMPV6) {
      if (l4len < 4) return;
      field = l4 + 2;
    } else {
      return;
    }
    const old = u16(buf, field);
    put16(buf, field, 0);
    let v = finish(sum16(buf, l4, l4len, initial));
    if (proto === IP_PROTO.UDP && v === 0) v = 0xffff;
    put16(buf, field, v);
    if (v !== old) {
      this.changed = true;
      this.counts.checksumsFixed++;
    }
  }
}
