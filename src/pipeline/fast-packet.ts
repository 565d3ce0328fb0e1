/**
 * Frame bytes straight into a Packet, for the common frame of a big capture: Ethernet or a
 * cooked (SLL/SLL2) header with a 6-byte address, then a whole, unfragmented IPv4 packet carrying
 * TCP or UDP. It builds no layer records, which is most of what decoding costs the model's pass.
 *
 * Ethernet/IPv4 ARP (most frames of a small-frame capture) takes a path of its own here too.
 * Anything else (other ARP, VLAN tags, IPv6, ICMP, tunnels (GUE, VXLAN and Geneve included), fragments, a truncated or inconsistent
 * header) returns false, and the caller decodes the frame in full (FrameDecoder, Packet.load).
 * Where it returns true, the Packet is exactly what that full path gives; the corpus test in
 * test/pipeline/packet-feed.test.ts holds it to that, field by field.
 */
import { formatIpv4At, formatMacAt } from '../wire/address.js';
import { ARP_ETHERNET_IPV4_LEN, ARP_HTYPE_ETHERNET, ARP_PTYPE_IPV4 } from '../wire/arp.js';
import { gueInnerOffset } from '../wire/gue.js';
import { IPVS_SYNC_PORT } from '../wire/ipvs-sync.js';
import { isVxlanPayload } from '../wire/vxlan.js';
import { isGenevePort } from '../wire/geneve.js';
import { Packet, PROTO_TCP, PROTO_UDP } from '../model/packet.js';
import type { FrameAddressIds } from './address-table.js';

const LINKTYPE_ETHERNET = 1;
const LINKTYPE_LINUX_SLL = 113;
const LINKTYPE_LINUX_SLL2 = 276;
const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_ARP = 0x0806;

// RFC 6994 experiment ids that share TCP option kind 254 with TOA (see wire/tcp.ts).
const TOA_KIND = 254;
const TS_KIND = 8;
const EXID_TFO = 0xf989;
const EXID_ACCECN0 = 0xacc0;
const EXID_ACCECN1 = 0xacc1;
/** NOP, NOP, then a timestamps option's kind and length (10). */
const NOP_NOP_TS = 0x0101080a;

/**
 * Fills p from the frame buf[off .. off+caplen) when it is a common one; false (p then holds
 * garbage) when the full decoder must look at it. With `ids`, the addresses' text comes from
 * its table, and their ids are left there too (the reading thread's chunks carry ids).
 */
export function loadCommonFrame(p: Packet, buf: Uint8Array, off: number, caplen: number, linkType: number, n: number, tsSec: number, tsNsec: number, ids: FrameAddressIds | null = null): boolean {
  const end = off + caplen;
  let ip: number;
  let etherType: number;
  if (linkType === LINKTYPE_ETHERNET) {
    if (caplen < 14) return false;
    etherType = (buf[off + 12]! << 8) | buf[off + 13]!;
    if (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_ARP) return false;
    if (ids === null) {
      p.dstMac = formatMacAt(buf, off);
      p.srcMac = formatMacAt(buf, off + 6);
    } else {
      const t = ids.table;
      p.dstMac = t.texts[ids.dstMac = t.macAt(buf, off)]!;
      p.srcMac = t.texts[ids.srcMac = t.macAt(buf, off + 6)]!;
    }
    p.pktType = -1;
    ip = off + 14;
  } else if (linkType === LINKTYPE_LINUX_SLL) {
    if (caplen < 16 || ((buf[off + 4]! << 8) | buf[off + 5]!) !== 6) return false;
    etherType = (buf[off + 14]! << 8) | buf[off + 15]!;
    if (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_ARP) return false;
    p.dstMac = '';
    if (ids === null) p.srcMac = formatMacAt(buf, off + 6);
    else {
      ids.dstMac = 0;
      p.srcMac = ids.table.texts[ids.srcMac = ids.table.macAt(buf, off + 6)]!;
    }
    p.pktType = (buf[off]! << 8) | buf[off + 1]!;
    ip = off + 16;
  } else if (linkType === LINKTYPE_LINUX_SLL2) {
    if (caplen < 20 || buf[off + 11] !== 6) return false;
    etherType = (buf[off]! << 8) | buf[off + 1]!;
    if (etherType !== ETHERTYPE_IPV4 && etherType !== ETHERTYPE_ARP) return false;
    p.dstMac = '';
    if (ids === null) p.srcMac = formatMacAt(buf, off + 12);
    else {
      ids.dstMac = 0;
      p.srcMac = ids.table.texts[ids.srcMac = ids.table.macAt(buf, off + 12)]!;
    }
    p.pktType = buf[off + 10]!;
    ip = off + 20;
  } else {
    return false;
  }
  if (etherType === ETHERTYPE_ARP) return loadArp(p, buf, ip, end, n, tsSec, tsNsec, ids);

  // IPv4: version 4, a sane header, the whole packet captured, not a fragment.
  if (end - ip < 20) return false;
  const verIhl = buf[ip]!;
  const ihl = (verIhl & 0x0f) * 4;
  // IPv4 options (a DSR balancer's service address among them) are the full decoder's to read.
  if (verIhl >>> 4 !== 4 || ihl !== 20) return false;
  const total = (buf[ip + 2]! << 8) | buf[ip + 3]!;
  if (total < ihl || total > end - ip) return false;
  const flagsOffset = (buf[ip + 6]! << 8) | buf[ip + 7]!;
  if ((flagsOffset & 0x3fff) !== 0) return false; // MF or an offset: a fragment
  const proto = buf[ip + 9]!;
  const l4 = ip + ihl;
  const ipEnd = ip + total;

  if (proto === PROTO_TCP) {
    if (ipEnd - l4 < 20) return false;
    const hl = (buf[l4 + 12]! >>> 4) * 4;
    if (hl < 20 || hl > ipEnd - l4) return false;
    p.flags = ((buf[l4 + 12]! & 1) << 8) | buf[l4 + 13]!;
    p.seq = ((buf[l4 + 4]! << 24) | (buf[l4 + 5]! << 16) | (buf[l4 + 6]! << 8) | buf[l4 + 7]!) >>> 0;
    p.ack = ((buf[l4 + 8]! << 24) | (buf[l4 + 9]! << 16) | (buf[l4 + 10]! << 8) | buf[l4 + 11]!) >>> 0;
    p.payload = Math.max(0, total - ihl - hl);
    p.toaAddr = '';
    p.toaPort = 0;
    p.hasTimestamp = false;
    if (ids !== null) ids.toaAddr = 0;
    // Most segments past the handshake carry NOP, NOP, timestamps (RFC 7323 appendix A) and
    // nothing else: what the walk below makes of them, without walking.
    if (hl === 32 && ((buf[l4 + 20]! << 24) | (buf[l4 + 21]! << 16) | (buf[l4 + 22]! << 8) | buf[l4 + 23]!) === NOP_NOP_TS) p.hasTimestamp = true;
    else if (hl > 20) tcpOptions(p, buf, l4 + 20, l4 + hl, ids);
  } else if (proto === PROTO_UDP) {
    if (ipEnd - l4 < 8) return false;
    // IPVS sync messages carry records the model reads (the director pair): decoded in full.
    if (((buf[l4 + 2]! << 8) | buf[l4 + 3]!) === IPVS_SYNC_PORT) return false;
    // A GUE tunnel (recognised by its payload, as the decoder does) has an inner packet.
    const ulen = (buf[l4 + 4]! << 8) | buf[l4 + 5]!;
    // A length that does not fit is damage the full decoder reports (and the pass counts).
    if (ulen < 8 || ulen > ipEnd - l4) return false;
    if (ulen > 8 && gueInnerOffset(buf, l4 + 8, ulen - 8, ulen - 8, true) >= 0) return false;
    // VXLAN and Geneve carry an overlay's frame, which the packet is made of instead.
    const udpDst = (buf[l4 + 2]! << 8) | buf[l4 + 3]!;
    if (isVxlanPayload(buf, l4 + 8, ulen - 8, ulen - 8, udpDst) || isGenevePort(udpDst)) return false;
    p.flags = p.seq = p.ack = 0;
    p.payload = Math.max(0, ((buf[l4 + 4]! << 8) | buf[l4 + 5]!) - 8);
    p.toaAddr = '';
    p.toaPort = 0;
    p.hasTimestamp = false;
  } else {
    return false;
  }
  p.sport = (buf[l4]! << 8) | buf[l4 + 1]!;
  p.dport = (buf[l4 + 2]! << 8) | buf[l4 + 3]!;

  resetBeyondLink(p, n, tsSec, tsNsec);
  p.kind = 'ip';
  if (ids === null) {
    p.src = formatIpv4At(buf, ip + 12);
    p.dst = formatIpv4At(buf, ip + 16);
  } else {
    const t = ids.table;
    p.src = t.texts[p.srcAddrId = t.ipv4At(buf, ip + 12)]!;
    p.dst = t.texts[p.dstAddrId = t.ipv4At(buf, ip + 16)]!;
  }
  p.proto = proto;
  p.ttl = buf[ip + 8]!;
  p.ipId = (buf[ip + 4]! << 8) | buf[ip + 5]!;
  p.ipLen = total;
  p.df = (flagsOffset & 0x4000) !== 0;
  p.v6 = false;
  return true;
}

/** Ethernet/IPv4 ARP at `at` (the link header read): the fields Packet.load takes from the decoder's ArpRecord. */
function loadArp(p: Packet, buf: Uint8Array, at: number, end: number, n: number, tsSec: number, tsNsec: number, ids: FrameAddressIds | null): boolean {
  if (end - at < ARP_ETHERNET_IPV4_LEN) return false;
  if (((buf[at]! << 8) | buf[at + 1]!) !== ARP_HTYPE_ETHERNET || ((buf[at + 2]! << 8) | buf[at + 3]!) !== ARP_PTYPE_IPV4
    || buf[at + 4] !== 6 || buf[at + 5] !== 4) return false;
  resetBeyondLink(p, n, tsSec, tsNsec);
  p.kind = 'arp';
  p.src = p.dst = '';
  p.proto = p.ttl = p.ipId = p.ipLen = 0;
  p.df = false;
  p.v6 = false;
  p.sport = p.dport = p.flags = p.seq = p.ack = p.payload = 0;
  p.toaAddr = '';
  p.toaPort = 0;
  p.hasTimestamp = false;
  p.arpOp = (buf[at + 6]! << 8) | buf[at + 7]!;
  if (ids === null) {
    p.sha = formatMacAt(buf, at + 8);
    p.spa = formatIpv4At(buf, at + 14);
    p.tha = formatMacAt(buf, at + 18);
    p.tpa = formatIpv4At(buf, at + 24);
  } else {
    const t = ids.table;
    // No IP addresses: id 0, the table's ''.
    p.srcAddrId = p.dstAddrId = ids.toaAddr = 0;
    p.sha = t.texts[ids.sha = t.macAt(buf, at + 8)]!;
    p.spa = t.texts[ids.spa = t.ipv4At(buf, at + 14)]!;
    p.tha = t.texts[ids.tha = t.macAt(buf, at + 18)]!;
    p.tpa = t.texts[ids.tpa = t.ipv4At(buf, at + 24)]!;
  }
  return true;
}

/**
 * What neither path here reads from the frame, as Packet.load leaves it (no VLAN, tunnel, ICMP or
 * DSR option), with the frame's number and time: the IP path has set its TCP/UDP fields before.
 */
function resetBeyondLink(p: Packet, n: number, tsSec: number, tsNsec: number): void {
  p.ha = null;
  p.n = n;
  p.t = tsSec + tsNsec / 1e9;
  p.vlan = -1;
  p.arpOp = 0;
  p.sha = p.spa = p.tha = p.tpa = '';
  p.tunnel = null;
  p.outerSrc = p.outerDst = '';
  p.outerTtl = p.outerLen = 0;
  p.icmpType = p.icmpCode = -1;
  p.icmpMtu = null;
  p.icmpGateway = null;
  p.icmpQuote = null;
  p.dsrVip = '';
  p.dsrPort = 0;
  p.srcKeySeen = p.dstKeySeen = -1;
  p.srcAddrId = p.dstAddrId = -1;
}

/**
 * The two options the model reads (timestamps present; TOA's client address), walked with the
 * full parser's rules: EOL or a malformed length ends the walk, a later TOA replaces an earlier one.
 */
function tcpOptions(p: Packet, b: Uint8Array, start: number, end: number, ids: FrameAddressIds | null): void {
  let i = start;
  while (i < end) {
    const kind = b[i]!;
    if (kind === 0) return;
    if (kind === 1) { i++; continue; }
    if (i + 1 >= end) return;
    const olen = b[i + 1]!;
    if (olen < 2 || i + olen > end) return;
    const d = i + 2;
    const dlen = olen - 2;
    if (kind === TS_KIND) {
      if (dlen === 8) p.hasTimestamp = true;
    } else if (kind === TOA_KIND && dlen === 6) {
      const exid = (b[d]! << 8) | b[d + 1]!;
      if (exid !== EXID_TFO && exid !== EXID_ACCECN0 && exid !== EXID_ACCECN1) {
        p.toaPort = exid;
        if (ids === null) p.toaAddr = formatIpv4At(b, d + 2);
        else p.toaAddr = ids.table.texts[ids.toaAddr = ids.table.ipv4At(b, d + 2)]!;
      }
    }
    i += olen;
  }
}
