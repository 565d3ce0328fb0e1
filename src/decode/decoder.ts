/**
 * Frame bytes -> DecodedFrame: walks the layers upward (gopacket's DecodingLayerParser idea: one
 * preallocated view per protocol, re-pointed for every frame), producing plain records.
 *
 * Never throws on bad bytes: every problem becomes a typed DecodeIssue on the frame, and the
 * layers decoded before it are kept. The hot path allocates only the records themselves.
 * The link, IP, TCP/UDP and ICMP layers are here; the tunnels and the protocols over IP that lead
 * elsewhere (GRE, GUE, IPVS sync, VRRP) in tunnel-layers.ts; the per-frame state in frame-walk.ts.
 */
import { fold16, sum16, sum16Pair } from '../wire/checksum.js';
import { exactCopy } from '../wire/exact-copy.js';
import { ArpView, ARP_FIXED_LEN } from '../wire/arp.js';
import { EthernetView, ETHERNET_HEADER_LEN, ETHERTYPE, VlanView, VLAN_TAG_LEN, isVlanTpid, ethertypeName } from '../wire/ethernet.js';
import { IcmpView } from '../wire/icmp.js';
import { Icmpv6View } from '../wire/icmpv6.js';
import { IP_PROTO, Ipv4View } from '../wire/ipv4.js';
import { Ipv6View, IPV6_HEADER_LEN } from '../wire/ipv6.js';
import { SllView, Sll2View } from '../wire/sll.js';
import { BSD_AF, isBsdInet6, LOOPBACK_HEADER_LEN, LoopbackView } from '../wire/loopback.js';
import { MAX_MPLS_LABELS, MPLS_ENTRY_LEN, MplsView } from '../wire/mpls.js';
import { LINUX_AF_INET, LINUX_AF_INET6, walkNflog } from '../wire/nflog.js';
import { TcpView } from '../wire/tcp.js';
import { UdpView, UDP_HEADER_LEN } from '../wire/udp.js';
import type { DecodeIssue, DecodedFrame } from '../wire/records.js';
import { MAX_TUNNEL_DEPTH, hex4, type DecodeOptions } from './frame-walk.js';
import { LINKTYPE, linkTypeName } from './link-types.js';
import { TunnelLayers } from './tunnel-layers.js';

export type { DecodeOptions } from './frame-walk.js';

const NO_ISSUES: readonly DecodeIssue[] = Object.freeze([]);

export class FrameDecoder extends TunnelLayers {
  private readonly eth = new EthernetView();
  private readonly vlan = new VlanView();
  private readonly sll = new SllView();
  private readonly sll2 = new Sll2View();
  private readonly loop = new LoopbackView();
  private readonly mpls = new MplsView();
  private readonly arp = new ArpView();
  private readonly ipv4 = new Ipv4View();
  private readonly ipv6 = new Ipv6View();
  private readonly tcp = new TcpView();
  private readonly udp = new UdpView();
  private readonly icmp = new IcmpView();
  private readonly icmpv6 = new Icmpv6View();
  private tcpAt = 0;
  /**
   * The big-endian sum of the TCP segment at segmentAt (segmentLen bytes), summed by ipv4Layer
   * together with the IPv4 header; -1 when none is waiting for tcpLayer.
   */
  private segmentAt = -1;
  private segmentLen = 0;
  private segmentSum = 0;
  /** Bound once: a closure per TCP frame would be an allocation in the hot path. */
  private readonly onBadOption = (offsetInHeader: number, message: string): void => {
    this.issue('tcp', 'bad-option', this.rel(this.tcpAt) + offsetInHeader, message);
  };

  constructor(options: DecodeOptions = {}) {
    super(options);
  }

  /**
   * Decode buf[off .. off+caplen). `len` is the frame's original length (caplen < len means the
   * capture cut it at the snaplen, so a short frame is expected rather than malformed).
   */
  decode(
    buf: Uint8Array, off: number, caplen: number, linkType: number,
    n: number, tsSec: number, tsNsec: number, len: number, iface: number, comment: string | null,
  ): DecodedFrame {
    this.buf = buf;
    this.base = off;
    this.end = off + caplen;
    this.wireEnd = off + Math.max(caplen, len);
    this.snapCut = caplen < len;
    this.layerCount = 0;
    this.issues = null;
    this.segmentAt = -1;

    switch (linkType) {
      case LINKTYPE.ETHERNET: this.ethernetLayer(off, 0); break;
      case LINKTYPE.RAW: case LINKTYPE.RAW_BSD: case LINKTYPE.RAW_BSD14: this.rawIp(off); break;
      case LINKTYPE.IPV4: this.ipv4Layer(off, 0); break;
      case LINKTYPE.IPV6: this.ipv6Layer(off, 0); break;
      case LINKTYPE.LINUX_SLL: this.cooked(off, false); break;
      case LINKTYPE.LINUX_SLL2: this.cooked(off, true); break;
      case LINKTYPE.NULL: case LINKTYPE.LOOP: this.loopback(off); break;
      case LINKTYPE.NFLOG: this.nflog(off); break;
      default:
        this.issue('frame', 'unsupported-link-type', 0, `link type ${linkTypeName(linkType)} (${linkType}) is not decoded`);
    }

    const layers = exactCopy(this.layers, this.layerCount);
    const frame: DecodedFrame = comment === null
      ? { n, tsSec, tsNsec, caplen, len, iface, linkType, layers, issues: this.issues ?? NO_ISSUES }
      : { n, tsSec, tsNsec, caplen, len, iface, linkType, layers, issues: this.issues ?? NO_ISSUES, comment };
    return frame;
  }

  /** Convenience for tests and small tools: a whole frame in its own array. */
  decodeBytes(bytes: Uint8Array, linkType: number = LINKTYPE.ETHERNET, n = 1): DecodedFrame {
    return this.decode(bytes, 0, bytes.length, linkType, n, 0, 0, bytes.length, 0, null);
  }

  /** `depth`: tunnels around this frame (an overlay's frame inside VXLAN is 1 deep). */
  protected ethernetLayer(at: number, depth: number): void {
    const v = this.eth.reset(this.buf, at, this.end - at);
    if (v.check() !== null) {
      this.issue('eth', 'truncated', this.rel(at), this.cutMessage('Ethernet header', ETHERNET_HEADER_LEN, this.end - at));
      return;
    }
    this.add(v.toRecord(this.rel(at)));
    this.etherPayload(v.ethertype, at + ETHERNET_HEADER_LEN, 0, depth);
  }

  private etherPayload(ethertype: number, at: number, vlanDepth: number, depth: number): void {
    if (isVlanTpid(ethertype)) {
      const v = this.vlan.reset(this.buf, at, this.end - at, ethertype);
      if (v.check() !== null) {
        this.issue('vlan', 'truncated', this.rel(at), this.cutMessage('VLAN tag', VLAN_TAG_LEN, this.end - at));
        return;
      }
      this.add(v.toRecord(this.rel(at)));
      if (vlanDepth >= MAX_TUNNEL_DEPTH) {
        this.issue('vlan', 'malformed', this.rel(at), `more than ${MAX_TUNNEL_DEPTH} stacked VLAN tags`);
        return;
      }
      this.etherPayload(v.ethertype, at + VLAN_TAG_LEN, vlanDepth + 1, depth);
      return;
    }
    switch (ethertype) {
      case ETHERTYPE.IPV4: this.ipv4Layer(at, depth); return;
      case ETHERTYPE.ARP: this.arpLayer(at); return;
      case ETHERTYPE.IPV6: this.ipv6Layer(at, depth); return;
      case ETHERTYPE.MPLS: this.mplsLayer(at, depth); return;
      default:
        // Other EtherTypes (LLDP, PPPoE, 802.3 lengths...) are named by the eth layer's ethertype; not an error.
        return;
    }
  }

  /** An MPLS label stack, then the IP packet under its bottom entry (told by its version nibble). */
  private mplsLayer(at: number, depth: number): void {
    for (let k = 0; k < MAX_MPLS_LABELS; k++, at += MPLS_ENTRY_LEN) {
      const v = this.mpls.reset(this.buf, at, this.end - at);
      if (v.check() !== null) {
        this.issue('mpls', 'truncated', this.rel(at), this.cutMessage('MPLS label stack entry', MPLS_ENTRY_LEN, this.end - at));
        return;
      }
      this.add(v.toRecord(this.rel(at)));
      if (!v.bottom) continue;
      const next = at + MPLS_ENTRY_LEN;
      if (next >= this.end) return;
      const version = this.buf[next]! >>> 4;
      if (version === 4) this.ipv4Layer(next, depth);
      else if (version === 6) this.ipv6Layer(next, depth);
      return;
    }
    this.issue('mpls', 'malformed', this.rel(at), `no bottom of the MPLS label stack in ${MAX_MPLS_LABELS} entries`);
  }

  private rawIp(at: number): void {
    if (at >= this.end) {
      this.issue('ipv4', 'truncated', this.rel(at), 'raw IP frame is empty');
      return;
    }
    if (this.buf[at]! >>> 4 === 6) this.ipv6Layer(at, 0);
    else this.ipv4Layer(at, 0);
  }

  private loopback(at: number): void {
    const v = this.loop.reset(this.buf, at, this.end - at);
    if (v.check() !== null) {
      this.issue('loopback', 'truncated', this.rel(at), this.cutMessage('loopback header', LOOPBACK_HEADER_LEN, this.end - at));
      return;
    }
    const family = v.family;
    this.add(v.toRecord(this.rel(at)));
    // Other families (ISO, Appletalk, IPX...) are named by the loopback layer; not an error.
    if (family === BSD_AF.INET) this.ipv4Layer(at + LOOPBACK_HEADER_LEN, 0);
    else if (isBsdInet6(family)) this.ipv6Layer(at + LOOPBACK_HEADER_LEN, 0);
  }

  private nflog(at: number): void {
    const w = walkNflog(this.buf, at, this.end - at, this.rel(at));
    if (w.record !== null) this.add(w.record);
    // A logged packet cut short (the snapshot length) is the IP layer's to report, as on any link.
    const payloadCut = w.problem?.code === 'truncated' && w.payloadAt >= 0 && w.problem.at === w.payloadAt - 4;
    if (w.problem !== null && !payloadCut) {
      this.headerIssue('nflog', w.problem.code, this.rel(w.problem.at), w.problem.message);
    }
    if (w.record === null) return;
    if (w.payloadAt < 0) {
      // The TLVs ended where the capture did, before the packet's: the snapshot length cut it off.
      if (w.problem === null && this.snapCut) this.headerIssue('nflog', 'truncated', this.rel(this.end), 'NFLOG: the capture ends before the logged packet');
      return;
    }
    const packet = w.payloadAt;
    if (w.record.family === LINUX_AF_INET) this.withEnd(packet + w.payloadLen, () => this.ipv4Layer(packet, 0));
    else if (w.record.family === LINUX_AF_INET6) this.withEnd(packet + w.payloadLen, () => this.ipv6Layer(packet, 0));
  }

  private cooked(at: number, v2: boolean): void {
    const v = (v2 ? this.sll2 : this.sll).reset(this.buf, at, this.end - at);
    if (v.check() !== null) {
      this.issue(v.layer, 'truncated', this.rel(at), this.cutMessage(v.what, v.headerLen, this.end - at));
      return;
    }
    this.add(v.toRecord(this.rel(at)));
    const protocol = v.protocol, hatype = v.hardwareType, next = at + v.headerLen;
    // The protocol field is an EtherType except for a few ARPHRD-specific pseudo-values (< 0x600).
    if (hatype === 778 /* ARPHRD_IPGRE */ && protocol === 0x0800) { this.ipv4Layer(next, 0); return; }
    if (protocol >= 0x0600) this.etherPayload(protocol, next, 0, 0);
  }

  private arpLayer(at: number): void {
    const v = this.arp.reset(this.buf, at, this.end - at);
    const bad = v.check();
    if (bad !== null) {
      this.headerIssue('arp', 'truncated', this.rel(at), bad);
      return;
    }
    if (!v.isEthernetIpv4) {
      this.issue('arp', 'unsupported', this.rel(at + ARP_FIXED_LEN),
        `ARP for hardware type ${v.hardwareType} / protocol ${ethertypeName(v.protocolType)} (hlen ${v.hardwareLen}, plen ${v.protocolLen}) is not decoded`);
      return;
    }
    this.add(v.toRecord(this.rel(at)));
  }

  protected ipv4Layer(at: number, depth: number): void {
    const v = this.ipv4.reset(this.buf, at, this.end - at);
    const bad = v.check();
    if (bad !== null) {
      this.headerIssue('ipv4', bad[0], this.rel(at), bad[1]);
      return;
    }
    this.segmentAt = -1;
    let checksumOk: boolean | null = null;
    if (this.verify) {
      const b = this.buf;
      const hl = v.headerLen;
      const total = v.totalLen;
      // A whole, unfragmented TCP packet (the bulk of any capture): its header and segment are
      // summed in one call, and tcpLayer takes the segment's sum from here.
      if (b[at + 9] === IP_PROTO.TCP && total >= hl && total <= this.end - at && (((b[at + 6]! << 8) | b[at + 7]!) & 0x3fff) === 0) {
        const pair = sum16Pair(b, at, hl, at + hl, total - hl);
        checksumOk = (pair & 0xffff) === 0xffff;
        this.segmentAt = at + hl;
        this.segmentLen = total - hl;
        this.segmentSum = pair >>> 16;
      } else {
        checksumOk = sum16(b, at, hl) === 0xffff;
      }
    }
    const rec = v.record(this.rel(at), depth > 0, checksumOk);
    this.add(rec);
    if (this.verify && rec.checksumOk === false) {
      this.issue('ipv4', 'bad-checksum', this.rel(at) + 10, `IPv4 header checksum 0x${hex4(rec.checksum)} is wrong`);
    }
    const hl = rec.headerLength;
    const captured = this.end - at;
    const onWire = this.wireEnd - at;
    let ipEnd = at + rec.totalLength;
    // Bytes of this packet that existed on the wire: the total length, unless the frame was shorter.
    let ipLen = Math.min(rec.totalLength, onWire);
    let complete = true;
    if (rec.totalLength === 0 && onWire >= hl) {
      // TSO/GSO and BIG TCP leave the length 0 for the NIC to fill in: like tcpdump and tshark,
      // presume the packet is the rest of the frame rather than calling the payload empty.
      this.issue('ipv4', 'bad-length', this.rel(at) + 2, `IPv4 total length 0 (TSO/BIG TCP?): presumed ${onWire} bytes, the rest of the frame`);
      ipLen = onWire;
      ipEnd = Math.min(this.end, at + onWire);
      complete = onWire <= captured;
    } else if (rec.totalLength < hl) {
      this.issue('ipv4', 'bad-length', this.rel(at) + 2, `IPv4 total length ${rec.totalLength} is shorter than its header (${hl})`);
      ipEnd = this.end;
      complete = false;
    } else if (rec.totalLength > captured) {
      if (this.snapCut) {
        this.headerIssue('ipv4', 'truncated', this.rel(this.end), `IPv4 total length ${rec.totalLength}, ${captured} bytes captured`);
      } else {
        this.issue('ipv4', 'bad-length', this.rel(at) + 2, `IPv4 total length ${rec.totalLength} exceeds the ${captured} bytes in the frame`);
      }
      ipEnd = this.end;
      complete = false;
    }
    // A later fragment carries no transport header; a first fragment's transport checksum covers
    // bytes we do not have.
    if (rec.fragOffset !== 0) return;
    if (rec.mf) complete = false;
    const pay = at + hl;
    switch (rec.proto) {
      case IP_PROTO.TCP: this.tcpLayer(pay, ipEnd, at, complete, ipLen - hl); return;
      case IP_PROTO.UDP: this.udpLayer(pay, ipEnd, at, complete, depth); return;
      case IP_PROTO.ICMP: this.icmpLayer(pay, ipEnd, complete); return;
      case IP_PROTO.IPIP:
        if (depth >= MAX_TUNNEL_DEPTH) { this.issue('ipv4', 'malformed', this.rel(pay), `IPIP nested more than ${MAX_TUNNEL_DEPTH} deep`); return; }
        this.ipv4InnerLayer(pay, ipEnd, depth + 1, at + ipLen);
        return;
      case IP_PROTO.IPV6:
        if (depth >= MAX_TUNNEL_DEPTH) return;
        this.withEnd(ipEnd, () => this.ipv6Layer(pay, depth + 1));
        return;
      case IP_PROTO.GRE: this.greLayer(pay, ipEnd, depth, complete); return;
      case IP_PROTO.VRRP: this.vrrpLayer(pay, ipEnd, at, complete); return;
      default: return;
    }
  }

  protected ipv6Layer(at: number, depth: number): void {
    const v = this.ipv6.reset(this.buf, at, this.end - at);
    const bad = v.check();
    if (bad !== null) {
      this.issue('ipv6', bad[0], this.rel(at), bad[1]);
      return;
    }
    const pay = at + IPV6_HEADER_LEN;
    const ipEnd = Math.min(this.end, pay + v.payloadLen);
    // As for IPv4: a payload length beyond the frame's wire length is a lie, not a snaplen cut.
    const payLen = Math.min(v.payloadLen, Math.max(0, this.wireEnd - pay));
    v.walk(ipEnd);
    this.v6At = at;
    this.v6FinalDst = v.finalDstAt;
    this.add(v.toRecord(this.rel(at), depth > 0, this.base));
    if (payLen < v.payloadLen) {
      this.issue('ipv6', 'bad-length', this.rel(at) + 4, `IPv6 payload length ${v.payloadLen} exceeds the ${payLen} bytes in the frame`);
    }
    if (v.walkProblem !== null) {
      this.issue('ipv6', ipEnd < pay + payLen ? 'truncated' : 'malformed', this.rel(v.upperAt), v.walkProblem);
      return;
    }
    // A later fragment carries no upper-layer header; a first one's checksum covers bytes we lack.
    if (depth >= MAX_TUNNEL_DEPTH || v.fragOffset !== 0) return;
    const up = v.upperAt;
    const upLen = pay + payLen - up;
    const complete = !v.moreFragments && payLen === v.payloadLen && pay + payLen <= this.end;
    switch (v.upperProto) {
      case IP_PROTO.IPIP: this.ipv4InnerLayer(up, ipEnd, depth + 1); return;
      case IP_PROTO.IPV6: this.withEnd(ipEnd, () => this.ipv6Layer(up, depth + 1)); return;
      case IP_PROTO.TCP: this.tcpLayer(up, ipEnd, at, complete, upLen); return;
      case IP_PROTO.UDP: this.udpLayer(up, ipEnd, at, complete, depth); return;
      case IP_PROTO.GRE: this.greLayer(up, ipEnd, depth, complete); return;
      case IP_PROTO.VRRP: this.vrrpLayer(up, ipEnd, at, complete); return;
      case IP_PROTO.ICMPV6: this.icmpv6Layer(up, ipEnd, at, complete); return;
      default: return;
    }
  }

  private icmpv6Layer(at: number, ipEnd: number, ipAt: number, complete: boolean): void {
    const v = this.icmpv6.reset(this.buf, at, ipEnd - at);
    const bad = v.check();
    if (bad !== null) {
      this.issue('icmpv6', 'truncated', this.rel(at), bad);
      return;
    }
    const len = ipEnd - at;
    const checksumOk = this.verify && complete ? sum16(this.buf, at, len, this.pseudo(ipAt, IP_PROTO.ICMPV6, len)) === 0xffff : null;
    this.add(v.toRecord(this.rel(at), checksumOk));
    if (checksumOk === false) this.issue('icmpv6', 'bad-checksum', this.rel(at) + 2, `ICMPv6 checksum 0x${hex4(v.checksum)} is wrong`);
  }

  /**
   * `ipAt` is the enclosing IPv4 header (for the pseudo-header), or -1 for IPv6. `complete` says
   * the whole segment is in the capture, so the checksum can be judged.
   */
  private tcpLayer(at: number, ipEnd: number, ipAt: number, complete: boolean, segmentLen: number): void {
    const v = this.tcp.reset(this.buf, at, ipEnd - at);
    const bad = v.check();
    if (bad !== null) {
      this.headerIssue('tcp', bad[0], this.rel(at), bad[1]);
      return;
    }
    this.tcpAt = at;
    const options = v.options(this.onBadOption);
    const hl = v.headerLen;
    const payloadLength = Math.max(0, segmentLen - hl);
    let checksumOk: boolean | null = null;
    let sum = 0;
    if (this.verify && complete && ipAt >= 0) {
      const initial = this.pseudo(ipAt, IP_PROTO.TCP, segmentLen);
      sum = at === this.segmentAt && segmentLen === this.segmentLen
        ? fold16(initial + this.segmentSum)
        : sum16(this.buf, at, segmentLen, initial);
      checksumOk = sum === 0xffff;
    }
    const rec = v.toRecord(this.rel(at), options, payloadLength, checksumOk);
    this.add(rec);
    if (checksumOk === false) this.transportChecksumIssue('tcp', at + 16, rec.checksum, ipAt, IP_PROTO.TCP, segmentLen, sum);
  }

  private udpLayer(at: number, ipEnd: number, ipAt: number, complete: boolean, depth: number): void {
    const v = this.udp.reset(this.buf, at, ipEnd - at);
    if (v.check() !== null) {
      this.issue('udp', 'truncated', this.rel(at), this.cutMessage('UDP header', UDP_HEADER_LEN, ipEnd - at));
      return;
    }
    const ulen = v.length;
    let checksumOk: boolean | null = null;
    let sum = 0;
    if (ulen < UDP_HEADER_LEN || at + ulen > ipEnd) {
      if (!this.snapCut || ulen < UDP_HEADER_LEN) this.issue('udp', 'bad-length', this.rel(at) + 4, `UDP length ${ulen} does not fit the ${ipEnd - at} bytes after the IP header`);
    } else if (this.verify && complete && ipAt >= 0 && v.checksum !== 0) {
      const initial = this.pseudo(ipAt, IP_PROTO.UDP, ulen);
      sum = sum16(this.buf, at, ulen, initial);
      checksumOk = sum === 0xffff;
    }
    this.add(v.toRecord(this.rel(at), Math.max(0, ulen - UDP_HEADER_LEN), checksumOk));
    const issueAt = this.issues?.length ?? 0;
    // Only an offload found inside this datagram (this one's own included, for a tunnel around it) counts.
    this.offloadField = -1;
    if (checksumOk === false) this.transportChecksumIssue('udp', at + 6, v.checksum, ipAt, IP_PROTO.UDP, ulen, sum);
    if (ulen > UDP_HEADER_LEN && at + ulen <= ipEnd && depth < MAX_TUNNEL_DEPTH) this.udpPayload(at + UDP_HEADER_LEN, at + ulen, v.dstPort, depth);
    if (checksumOk === false && this.issues?.[issueAt]?.code === 'bad-checksum') this.localChecksumOffload(at, ulen, sum, issueAt);
  }

  /**
   * A tunnel's outer UDP checksum that is wrong only because an inner TCP or UDP checksum inside
   * it is still the offloaded partial one: the sender computed the outer one over the value the
   * NIC writes later (local checksum offload, Linux's lco_csum: VXLAN and GUE on the capturing
   * host). With that value put in, the outer sum comes out right; the issue says so, not "wrong".
   */
  private localChecksumOffload(at: number, ulen: number, sum: number, issueAt: number): void {
    const field = this.offloadField;
    if (field < at + UDP_HEADER_LEN || field + 2 > at + ulen) return;
    // The field's 16-bit word sits at an even offset from the datagram's start or an odd one;
    // at an odd one its bytes count swapped in the outer sum.
    const odd = ((field - at) & 1) === 1;
    const swap = (w: number): number => ((w & 0xff) << 8) | (w >>> 8);
    const was = odd ? swap(this.offloadValue) : this.offloadValue;
    const final = odd ? swap(this.offloadFinal) : this.offloadFinal;
    if (fold16(sum + (~was & 0xffff) + final) !== 0xffff) return;
    const issue = this.issues![issueAt]!;
    this.issues![issueAt] = {
      layer: 'udp', code: 'checksum-offloaded', offset: issue.offset,
      message: `UDP checksum 0x${hex4(this.buf[at + 6]! << 8 | this.buf[at + 7]!)} covers the inner checksum the NIC writes later (local checksum offload on the capturing host), not corruption`,
    };
  }

  private icmpLayer(at: number, ipEnd: number, complete: boolean): void {
    const v = this.icmp.reset(this.buf, at, ipEnd - at);
    const bad = v.check();
    if (bad !== null) {
      this.issue('icmp', 'truncated', this.rel(at), bad);
      return;
    }
    const checksumOk = this.verify && complete ? sum16(this.buf, at, ipEnd - at) === 0xffff : null;
    this.add(v.toRecord(this.rel(at), checksumOk));
    if (checksumOk === false) this.issue('icmp', 'bad-checksum', this.rel(at) + 2, `ICMP checksum 0x${hex4(v.checksum)} is wrong`);
  }
}
