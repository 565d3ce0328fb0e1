/**
 * The few fields of a decoded frame the model reasons about, pulled out of the layer list once.
 * One Packet object is reused for every frame (the hot path allocates nothing here); callers copy
 * what they keep.
 */
import { ipv4FromQuad } from '../wire/address.js';
import { dsrServiceOption } from '../wire/dsr-option.js';
import { ETHERTYPE_TEB } from '../wire/geneve.js';
import type { DecodedFrame, IcmpQuote, IpvsSyncRecord, LayerRecord, VrrpRecord } from '../wire/records.js';

export const PROTO_ICMP = 1;
export const PROTO_IPIP = 4;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_IPV6 = 41;
export const PROTO_GRE = 47;
export const PROTO_ICMPV6 = 58;

/** ICMPv6 neighbour solicitation and advertisement: IPv6's ARP. */
export const NDP_NS = 135;
export const NDP_NA = 136;

/** TCP flag bits as in TcpRecord.flagBits. */
export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;
export const PSH = 0x08;
export const ACK = 0x10;

export type { TunnelKind } from '../ipvs/report.js';
import type { TunnelKind } from '../ipvs/report.js';

export type PacketKind = 'arp' | 'ip' | 'ipv6-other' | 'other';

export class Packet {
  kind: PacketKind = 'other';
  n = 0;
  /** Seconds since the epoch, as a float. */
  t = 0;
  /** Link-layer source (eth or SLL); '' when there is none. */
  srcMac = '';
  /** Link-layer destination; '' for SLL captures, which carry none. */
  dstMac = '';
  /** SLL packet type (4 = sent by the capturing host), -1 for Ethernet. */
  pktType = -1;
  vlan = -1;

  // ARP
  arpOp = 0;
  sha = '';
  spa = '';
  tha = '';
  tpa = '';

  // The client packet: the only IP header, or the inner one of a tunnel.
  src = '';
  dst = '';
  proto = 0;
  ttl = 0;
  ipId = 0;
  ipLen = 0;
  df = false;
  v6 = false;

  // Tunnel (outer header), when there is one.
  tunnel: TunnelKind | null = null;
  outerSrc = '';
  outerDst = '';
  outerTtl = 0;
  outerLen = 0;

  // L4
  sport = 0;
  dport = 0;
  flags = 0;
  seq = 0;
  ack = 0;
  payload = 0;
  toaAddr = '';
  toaPort = 0;
  hasTimestamp = false;
  /** The service address a DSR balancer put in an IPv4 option of the first header (wire/dsr-option.ts), else ''. */
  dsrVip = '';
  dsrPort = 0;

  // ICMP
  icmpType = -1;
  icmpCode = -1;
  icmpMtu: number | null = null;
  icmpGateway: string | null = null;
  icmpQuote: IcmpQuote | null = null;

  /** A director pair's own traffic (rare): a VRRP advert or an IPVS sync message. */
  ha: VrrpRecord | IpvsSyncRecord | null = null;

  /**
   * Packet-memory keys (address, port, protocol, IP ID, seq; the source's and the destination's)
   * as the reading thread of a two-thread pass saw them: for each, a frame number no earlier than
   * the last frame before this one that carried that key (this frame's source key counts for the
   * destination's), 0 when none did; -1 when not worked out (the memory then looks the key up).
   * A key last carried before the memory's oldest entry cannot be in it (hops.ts, recent.ts).
   */
  srcKeySeen = -1;
  dstKeySeen = -1;

  /**
   * The reading side's numbers for `src` and `dst` (its address table, src/pipeline), -1 when it
   * gave none: the model's parts key by numbers, and a number to map is cheaper than a text to
   * hash (AddressIds.fed). One reading side numbers all the packets of a pass.
   */
  srcAddrId = -1;
  dstAddrId = -1;

  /** Re-point this object at a frame. Returns this. */
  load(f: DecodedFrame): this {
    this.n = f.n;
    this.t = f.tsSec + f.tsNsec / 1e9;
    this.clearLayers();

    let ipCount = 0;
    let sawGre = false;
    const layers = f.layers;
    for (let i = 0; i < layers.length; i++) {
      const l: LayerRecord = layers[i]!;
      switch (l.type) {
        case 'eth':
          // An Ethernet frame inside an IP packet is an overlay's (VXLAN, Geneve, GRE carrying
          // Ethernet: a Kubernetes or cloud node's capture): the packet is the one inside, on the
          // overlay's own LAN, and the underlay around it is not LVS's business.
          if (ipCount > 0) { this.clearLayers(); ipCount = 0; sawGre = false; }
          this.srcMac = l.src; this.dstMac = l.dst;
          break;
        case 'vlan': if (this.vlan < 0) this.vlan = l.id; break;
        case 'sll': this.srcMac = l.src; this.pktType = l.pktType; break;
        case 'sll2': this.srcMac = l.src; this.pktType = l.pktType; break;
        case 'arp':
          this.kind = 'arp';
          this.arpOp = l.op; this.sha = l.sha; this.spa = l.spa; this.tha = l.tha; this.tpa = l.tpa;
          break;
        case 'ipv4':
        case 'ipv6': {
          if (ipCount === 1) {
            // The first header becomes the outer one.
            this.outerSrc = this.src; this.outerDst = this.dst; this.outerTtl = this.ttl; this.outerLen = this.ipLen;
            this.tunnel = sawGre ? 'gre' : this.proto === PROTO_IPV6 ? (this.v6 ? 'ip6ip6' : 'sit') : this.proto === PROTO_UDP ? 'gue' : this.v6 ? 'ip4ip6' : 'ipip';
          }
          if (ipCount >= 2) break; // deeper nesting: keep the first tunnel level only
          ipCount++;
          this.kind = 'ip';
          this.src = l.src; this.dst = l.dst;
          if (l.type === 'ipv4') {
            this.v6 = false; this.proto = l.proto; this.ttl = l.ttl; this.ipId = l.id; this.ipLen = l.totalLength; this.df = l.df;
            if (ipCount === 1 && l.options !== '') {
              const dsr = dsrServiceOption(l.options);
              if (dsr !== null) { this.dsrVip = dsr.addr; this.dsrPort = dsr.port; }
            }
          } else {
            this.v6 = true; this.proto = l.protocol; this.ttl = l.hopLimit; this.ipId = 0; this.ipLen = l.payloadLength + 40; this.df = true;
          }
          break;
        }
        case 'gre': sawGre = true; break;
        case 'geneve':
          // Geneve may carry IP without an Ethernet header: an overlay's packet all the same.
          if (l.protocol !== ETHERTYPE_TEB) { this.clearLayers(); ipCount = 0; sawGre = false; }
          break;
        case 'tcp':
          if (ipCount === 0) break;
          this.sport = l.srcPort; this.dport = l.dstPort; this.flags = l.flagBits; this.seq = l.seq; this.ack = l.ack;
          this.payload = l.payloadLength;
          for (let k = 0; k < l.options.length; k++) {
            const o = l.options[k]!;
            if (o.kind === 'toa') { this.toaAddr = o.addr; this.toaPort = o.port; } else if (o.kind === 'ts') this.hasTimestamp = true;
          }
          break;
        case 'udp':
          if (ipCount === 0) break;
          this.sport = l.srcPort; this.dport = l.dstPort; this.payload = l.payloadLength;
          break;
        case 'vrrp': case 'ipvs-sync': this.ha = l; break;
        case 'icmp':
          this.icmpType = l.icmpType; this.icmpCode = l.code; this.icmpMtu = l.mtu; this.icmpGateway = l.gateway; this.icmpQuote = l.quoted;
          break;
        case 'icmpv6':
          this.icmpType = l.icmpType; this.icmpCode = l.code; this.icmpMtu = l.mtu; this.icmpQuote = l.quoted;
          if ((l.icmpType === NDP_NS || l.icmpType === NDP_NA) && this.tunnel === null) {
            // IPv6's ARP, in ARP's fields: a solicitation asks who has the target (request), an
            // advertisement says the target is at a MAC (reply).
            const ns = l.icmpType === NDP_NS;
            this.arpOp = ns ? 1 : 2;
            this.spa = ns ? this.src : l.target ?? '';
            // An unsolicited advertisement (S clear, RFC 4861 7.2.6) is IPv6's gratuitous ARP: a
            // new VRRP master's announcement of the VIP. ARP's sign of one is target = sender.
            this.tpa = ns ? l.target ?? '' : l.naFlags !== null && l.naFlags.indexOf('S') < 0 ? this.spa : this.dst;
            for (let k = 0; k < l.options.length; k++) {
              const o = l.options[k]!;
              if (o.kind === 'source-lla' || o.kind === 'target-lla') this.sha = o.mac;
            }
            // Without the link-layer option the answer comes from the frame's own source MAC.
            if (this.sha === '') this.sha = this.srcMac;
          }
          break;
      }
    }
    if (this.kind === 'ip' && this.v6 && this.proto !== PROTO_TCP && this.proto !== PROTO_UDP && this.proto !== PROTO_ICMPV6 && this.tunnel === null && this.ha === null) this.kind = 'ipv6-other';
    return this;
  }

  /**
   * Everything load() reads from the layers, as a frame with none leaves it; also how an overlay's
   * frame or packet starts the packet over (nothing of the underlay's stays).
   */
  private clearLayers(): void {
    this.kind = 'other';
    this.srcMac = '';
    this.dstMac = '';
    this.pktType = -1;
    this.vlan = -1;
    this.arpOp = 0;
    this.sha = this.spa = this.tha = this.tpa = '';
    this.tunnel = null;
    this.outerSrc = this.outerDst = '';
    this.outerTtl = this.outerLen = 0;
    this.src = this.dst = '';
    this.proto = this.ttl = this.ipId = this.ipLen = 0;
    this.v6 = false;
    this.df = false;
    this.sport = this.dport = this.flags = this.seq = this.ack = this.payload = 0;
    this.toaAddr = '';
    this.toaPort = 0;
    this.hasTimestamp = false;
    this.dsrVip = '';
    this.dsrPort = 0;
    this.icmpType = this.icmpCode = -1;
    this.icmpMtu = null;
    this.icmpGateway = null;
    this.icmpQuote = null;
    this.ha = null;
    this.srcKeySeen = this.dstKeySeen = -1;
    this.srcAddrId = this.dstAddrId = -1;
  }

  get isTcp(): boolean { return this.kind === 'ip' && this.proto === PROTO_TCP; }
  get isUdp(): boolean { return this.kind === 'ip' && this.proto === PROTO_UDP; }
  /** TCP or UDP with ports: something IPVS can schedule. */
  get isL4(): boolean { return this.kind === 'ip' && (this.proto === PROTO_TCP || this.proto === PROTO_UDP); }
  get isIcmp(): boolean { return this.kind === 'ip' && this.icmpType >= 0; }
  get isIcmp6(): boolean { return this.kind === 'ip' && this.icmpType >= 0 && this.proto === PROTO_ICMPV6; }
  /** A TCP SYN without ACK: what makes IPVS schedule. */
  get isSyn(): boolean { return this.isTcp && (this.flags & (SYN | ACK | RST)) === SYN; }
  get isSynAck(): boolean { return this.isTcp && (this.flags & (SYN | ACK)) === (SYN | ACK); }
}

export function protoName(proto: number): 'tcp' | 'udp' {
  return proto === PROTO_UDP ? 'udp' : 'tcp';
}

/** "ip:port", with IPv6 in brackets like ipvsadm prints it. */
export function ipPort(ip: string, port: number): string {
  // '?' is a VIP the capture never shows (inside a NAT director): its port is unknown too.
  if (ip === '?') return '?:?';
  return ip.includes(':') ? `[${ip}]:${port}` : `${ip}:${port}`;
}

/** Numeric sort key for an address (IPv4 by value; IPv6 after every IPv4, by text). */
export function compareIp(a: string, b: string): number {
  const av = ipv4Value(a);
  const bv = ipv4Value(b);
  if (av !== null && bv !== null) return av - bv;
  if (av !== null) return -1;
  if (bv !== null) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * `[...ips].sort(compareIp)`, each address parsed once instead of at every comparison (a report
 * can list hundreds of thousands of clients).
 */
export function sortedByIp(ips: Iterable<string>): string[] {
  const keyed = Array.from(ips, (ip) => ({ ip, v: ipv4Value(ip) }));
  keyed.sort((a, b) => {
    if (a.v !== null && b.v !== null) return a.v - b.v;
    if (a.v !== null) return -1;
    if (b.v !== null) return 1;
    return a.ip < b.ip ? -1 : a.ip > b.ip ? 1 : 0;
  });
  return keyed.map((k) => k.ip);
}

function ipv4Value(s: string): number | null {
  const v = ipv4FromQuad(s);
  return Number.isNaN(v) ? ipv4ValueSplit(s) : v;
}

/** What Number() makes of each of four parts (any other spelling of a dotted quad). */
function ipv4ValueSplit(s: string): number | null {
  const p = s.split('.');
  if (p.length !== 4) return null;
  let v = 0;
  for (const x of p) {
    const n = Number(x);
    if (!Number.isInteger(n) || n < 0 || n > 255) return null;
    v = v * 256 + n;
  }
  return v;
}
