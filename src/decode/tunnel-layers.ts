/**
 * The layers carried inside IP that lvscope follows besides TCP, UDP and ICMP: GRE (RFC 2784) and
 * GUE tunnels, which lead back into an inner IPv4 or IPv6 header, VXLAN and Geneve (and GRE
 * carrying Ethernet), which lead into an overlay's Ethernet frame, ERSPAN (a switch's mirror in
 * GRE), which leads into the mirrored frame, the IPVS sync daemon's messages and VRRP. FrameDecoder (decoder.ts) calls them from its IP and UDP layers.
 */
import { sum16 } from '../wire/checksum.js';
import { ETHERTYPE } from '../wire/ethernet.js';
import { ErspanView, GRE_PROTO_ERSPAN_II, GRE_PROTO_ERSPAN_III } from '../wire/erspan.js';
import { ETHERTYPE_TEB, GeneveView, isGenevePort } from '../wire/geneve.js';
import { GreView } from '../wire/gre.js';
import { GueView, gueInnerOffset } from '../wire/gue.js';
import { IP_PROTO } from '../wire/ipv4.js';
import { IPVS_SYNC_PORT, decodeIpvsSync } from '../wire/ipvs-sync.js';
import { VrrpView } from '../wire/vrrp.js';
import { isVxlanPayload, VXLAN_HEADER_LEN, VxlanView } from '../wire/vxlan.js';
import { FrameWalk, MAX_TUNNEL_DEPTH, hex4, type DecodeOptions } from './frame-walk.js';

export abstract class TunnelLayers extends FrameWalk {
  private readonly gre = new GreView();
  private readonly gue = new GueView();
  private readonly vrrp = new VrrpView();
  private readonly vxlan = new VxlanView();
  private readonly geneve = new GeneveView();
  private readonly erspan = new ErspanView();
  private readonly guePorts: ReadonlySet<number>;
  private readonly syncPorts: ReadonlySet<number>;

  constructor(options: DecodeOptions) {
    super(options);
    this.guePorts = new Set(options.guePorts ?? []);
    this.syncPorts = new Set([IPVS_SYNC_PORT, ...(options.syncPorts ?? [])]);
  }

  protected greLayer(at: number, end: number, depth: number, complete: boolean): void {
    const v = this.gre.reset(this.buf, at, Math.min(end, this.end) - at);
    const bad = v.check();
    if (bad !== null) {
      this.issue('gre', 'truncated', this.rel(at), bad);
      return;
    }
    // RFC 2784: the checksum covers the GRE header and the payload.
    const checksumOk = v.checksumPresent && this.verify && complete ? sum16(this.buf, at, end - at) === 0xffff : null;
    this.add(v.toRecord(this.rel(at), checksumOk));
    if (checksumOk === false) this.issue('gre', 'bad-checksum', this.rel(at) + 4, `GRE checksum 0x${hex4(v.checksum)} is wrong`);
    if (depth >= MAX_TUNNEL_DEPTH) return;
    const inner = at + v.headerLen;
    if (v.protocol === GRE_PROTO_ERSPAN_II || v.protocol === GRE_PROTO_ERSPAN_III) {
      this.erspanLayer(inner, end, depth, v.protocol === GRE_PROTO_ERSPAN_II && !v.seqPresent);
      return;
    }
    this.tunnelPayload(v.protocol, inner, end, depth);
  }

  /** A switch's port mirror: the ERSPAN header (none for type I), then the mirrored frame. */
  private erspanLayer(at: number, end: number, depth: number, typeOne: boolean): void {
    const v = this.erspan.resetErspan(this.buf, at, Math.min(end, this.end) - at, typeOne);
    const bad = v.check();
    if (bad !== null) {
      this.headerIssue('erspan', bad[0], this.rel(at), bad[1]);
      return;
    }
    this.add(v.toRecord(this.rel(at)));
    const inner = at + v.headerLen;
    this.withEnd(end, () => this.ethernetLayer(inner, depth + 1));
  }

  /** The packet a tunnel header says it carries (an EtherType): IPv4, IPv6, or an overlay's Ethernet frame (TEB). */
  private tunnelPayload(protocol: number, inner: number, end: number, depth: number): void {
    if (protocol === ETHERTYPE.IPV4) this.ipv4InnerLayer(inner, end, depth + 1);
    else if (protocol === ETHERTYPE.IPV6) this.withEnd(end, () => this.ipv6Layer(inner, depth + 1));
    else if (protocol === ETHERTYPE_TEB) this.withEnd(end, () => this.ethernetLayer(inner, depth + 1));
  }

  /** What a UDP datagram carries, when lvscope decodes it: IPVS sync messages, VXLAN, GUE (by port or by payload). */
  protected udpPayload(at: number, end: number, dstPort: number, depth: number): void {
    if (this.syncPorts.has(dstPort)) { this.syncLayer(at, end); return; }
    const byPort = this.guePorts.has(dstPort);
    const captured = Math.min(end, this.end) - at;
    if (!byPort && isVxlanPayload(this.buf, at, end - at, captured, dstPort)) { this.vxlanLayer(at, end, depth); return; }
    if (!byPort && isGenevePort(dstPort)) { this.geneveLayer(at, end, depth); return; }
    if (!byPort && gueInnerOffset(this.buf, at, end - at, captured, true) < 0) return;
    this.gueLayer(at, end, depth, byPort);
  }

  protected syncLayer(at: number, end: number): void {
    const captured = Math.min(end, this.end) - at;
    const { record, problem } = decodeIpvsSync(this.buf, at, captured, this.rel(at));
    this.add(record);
    if (record.size !== end - at) {
      this.issue('ipvs-sync', 'bad-length', this.rel(at) + 2, `IPVS sync message size ${record.size}, the datagram carries ${end - at} bytes (a backup drops it)`);
    }
    if (problem !== null) this.issue('ipvs-sync', captured < end - at ? 'truncated' : 'malformed', this.rel(at) + problem.at, problem.message);
  }

  /** `ipAt` is the enclosing IPv4 or IPv6 header: VRRPv3's checksum covers its pseudo-header. */
  protected vrrpLayer(at: number, ipEnd: number, ipAt: number, complete: boolean): void {
    const v = this.vrrp.reset(this.buf, at, ipEnd - at);
    const ipv6 = this.buf[ipAt]! >>> 4 === 6;
    const bad = v.check(ipv6);
    if (bad !== null) {
      this.issue('vrrp', bad[0], this.rel(at), bad[1]);
      return;
    }
    let checksumOk: boolean | null = null;
    if (this.verify && complete) {
      const len = ipEnd - at;
      const initial = v.version === 2 ? 0 : this.pseudo(ipAt, IP_PROTO.VRRP, len);
      checksumOk = sum16(this.buf, at, len, initial) === 0xffff;
    }
    this.add(v.toRecord(this.rel(at), ipv6, checksumOk));
    if (checksumOk === false) this.issue('vrrp', 'bad-checksum', this.rel(at) + 6, `VRRP checksum 0x${hex4(v.checksum)} is wrong`);
  }

  protected vxlanLayer(at: number, end: number, depth: number): void {
    const v = this.vxlan.reset(this.buf, at, Math.min(end, this.end) - at);
    if (v.check() !== null) {
      this.issue('vxlan', 'truncated', this.rel(at), this.cutMessage('VXLAN header', VXLAN_HEADER_LEN, Math.min(end, this.end) - at));
      return;
    }
    this.add(v.toRecord(this.rel(at)));
    // The overlay's frame ends where the datagram does (its wire length is the datagram's too).
    this.withEnd(end, () => this.ethernetLayer(at + VXLAN_HEADER_LEN, depth + 1));
  }

  protected geneveLayer(at: number, end: number, depth: number): void {
    const v = this.geneve.reset(this.buf, at, Math.min(end, this.end) - at);
    const bad = v.check();
    if (bad !== null) {
      this.headerIssue('geneve', bad[0], this.rel(at), bad[1]);
      return;
    }
    this.add(v.toRecord(this.rel(at)));
    if (!v.oam) this.tunnelPayload(v.protocol, at + v.headerLen, end, depth);
  }

  protected gueLayer(at: number, end: number, depth: number, byPort: boolean): void {
    const v = this.gue.reset(this.buf, at, Math.min(end, this.end) - at);
    const bad = v.check();
    if (bad !== null) {
      this.issue('gue', bad[0], this.rel(at), bad[1]);
      return;
    }
    this.add(v.toRecord(this.rel(at), byPort));
    if (v.control) return;
    const inner = at + v.headerLen;
    if (v.protocol === IP_PROTO.IPIP) this.ipv4InnerLayer(inner, end, depth + 1);
    else if (v.protocol === IP_PROTO.IPV6) this.withEnd(end, () => this.ipv6Layer(inner, depth + 1));
  }
}
