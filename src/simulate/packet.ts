/**
 * The simulator's in-flight packets and frames, and their conversion to emitter layer specs.
 * Addresses are 32-bit numbers internally (no text on the per-packet path); the emitter accepts them.
 */
import type { LayerSpec } from '../wire/emit.js';
import type { TcpOption } from '../wire/records.js';
import { formatIpv4 } from '../wire/address.js';
import { tcpOptionsLength } from '../wire/tcp.js';
import type { FindingCode } from '../ipvs/report.js';

export const PROTO_ICMP = 1;
export const PROTO_IPIP = 4;
export const PROTO_TCP = 6;
export const PROTO_UDP = 17;
export const PROTO_GRE = 47;

export const F_FIN = 0x01;
export const F_SYN = 0x02;
export const F_RST = 0x04;
export const F_PSH = 0x08;
export const F_ACK = 0x10;

/** A connection as the truth file names it; packets point at it so capture frames can be attributed. */
export interface Flow {
  readonly id: number;
  readonly protocol: 'tcp' | 'udp';
  readonly client: string;
  /** VIP:vport as the director sees it. */
  virtual: string;
  realServer: string | null;
  realServerName: string | null;
  firstFrame: number;
  lastFrame: number;
  /** IPVS state of its entry at the end (or when it left the table), '' when IPVS never saw it. */
  state: string;
  /** Which service scheduled it. */
  serviceKey: string | null;
}

export interface Packet {
  src: number;
  dst: number;
  ttl: number;
  id: number;
  tos: number;
  df: boolean;
  proto: number;
  sport: number;
  dport: number;
  seq: number;
  ack: number;
  flags: number;
  win: number;
  opts: TcpOption[] | null;
  payload: Uint8Array | null;
  icmpType: number;
  icmpCode: number;
  /** ICMP frag-needed next-hop MTU. */
  mtu: number;
  /** ICMP error: the start of the offending datagram. */
  quote: Uint8Array | null;
  /**
   * A tunnel's encapsulated packet: IPIP (proto 4), GRE (proto 47), or GUE (proto 17, the outer
   * UDP ports in sport/dport, a 4-byte GUE header before the inner packet).
   */
  inner: Packet | null;
  /** GUE/GRE: the tunnel carries a checksum (ipvsadm --tun-csum): UDP checksum or GRE C bit. */
  tunCsum: boolean;
  flow: Flow | null;
}

/** The GUE header IPVS writes (no optional fields without remote checksum offload). */
export const GUE_HEADER = 4;

export function newPacket(src: number, dst: number, proto: number): Packet {
  return {
    src, dst, ttl: 64, id: 0, tos: 0, df: true, proto, sport: 0, dport: 0, seq: 0, ack: 0, flags: 0, win: 0,
    opts: null, payload: null, icmpType: 0, icmpCode: 0, mtu: 0, quote: null, inner: null, tunCsum: false, flow: null,
  };
}

export function clonePacket(p: Packet): Packet {
  return { ...p, opts: p.opts === null ? null : p.opts.slice(), inner: p.inner === null ? null : clonePacket(p.inner) };
}

function tcpOptionsBytes(opts: readonly TcpOption[] | null): number {
  return (tcpOptionsLength(opts) + 3) & ~3;
}

/** Total length of the IP datagram. */
export function ipLength(p: Packet): number {
  switch (p.proto) {
    case PROTO_TCP: return 40 + tcpOptionsBytes(p.opts) + (p.payload?.length ?? 0);
    case PROTO_UDP: return p.inner !== null ? 28 + GUE_HEADER + ipLength(p.inner) : 28 + (p.payload?.length ?? 0);
    case PROTO_GRE: return 24 + (p.tunCsum ? 4 : 0) + (p.inner === null ? 0 : ipLength(p.inner));
    case PROTO_ICMP: return 28 + (p.quote?.length ?? 0);
    case PROTO_IPIP: return 20 + (p.inner === null ? 0 : ipLength(p.inner));
    default: return 20;
  }
}

export interface ArpMessage {
  readonly op: 1 | 2;
  readonly sha: string;
  readonly spa: number;
  readonly tha: string;
  readonly tpa: number;
}

export interface Frame {
  readonly src: string;
  readonly dst: string;
  readonly arp: ArpMessage | null;
  readonly ip: Packet | null;
  /** The explanation written as the packet comment. */
  readonly note: string;
  /** Finding codes this frame is evidence of. */
  readonly findings: readonly FindingCode[] | null;
}

/** IP-layer specs of a packet (and its inner packet), appended to `out`. */
export function packetSpecs(p: Packet, out: LayerSpec[]): LayerSpec[] {
  out.push({ type: 'ipv4', src: p.src, dst: p.dst, ttl: p.ttl, id: p.id, tos: p.tos, df: p.df, proto: p.proto });
  switch (p.proto) {
    case PROTO_TCP:
      out.push({
        type: 'tcp', srcPort: p.sport, dstPort: p.dport, seq: p.seq >>> 0, ack: p.ack >>> 0, flagBits: p.flags, window: p.win,
        ...(p.opts !== null ? { options: p.opts } : {}),
      });
      if (p.payload !== null && p.payload.length > 0) out.push({ type: 'payload', bytes: p.payload });
      break;
    case PROTO_UDP:
      if (p.inner !== null) {
        // ipvs_gue_encap: UDP checksum 0 unless --tun-csum, GUE variant 0 with proto_ctype 4.
        out.push({ type: 'udp', srcPort: p.sport, dstPort: p.dport, ...(p.tunCsum ? {} : { checksum: 0 }) }, { type: 'gue' });
        packetSpecs(p.inner, out);
        break;
      }
      out.push({ type: 'udp', srcPort: p.sport, dstPort: p.dport });
      if (p.payload !== null) out.push({ type: 'payload', bytes: p.payload });
      break;
    case PROTO_GRE:
      // ipvs_gre_encap: protocol 0x0800, no key or sequence, the C bit with --tun-csum.
      out.push({ type: 'gre', checksumPresent: p.tunCsum });
      if (p.inner !== null) packetSpecs(p.inner, out);
      break;
    case PROTO_ICMP:
      out.push({ type: 'icmp', icmpType: p.icmpType, code: p.icmpCode, mtu: p.mtu !== 0 ? p.mtu : null, ...(p.quote !== null ? { quote: p.quote } : {}) });
      break;
    case PROTO_IPIP:
      if (p.inner !== null) packetSpecs(p.inner, out);
      break;
    default:
      break;
  }
  return out;
}

export function frameSpecs(f: Frame, out: LayerSpec[]): LayerSpec[] {
  out.push({ type: 'eth', src: f.src, dst: f.dst });
  if (f.arp !== null) {
    out.push({ type: 'arp', op: f.arp.op, sha: f.arp.sha, spa: f.arp.spa, tha: f.arp.tha, tpa: f.arp.tpa });
  } else if (f.ip !== null) {
    packetSpecs(f.ip, out);
  }
  return out;
}

export const ip = formatIpv4;

/** "a.b.c.d:port" */
export function ipPort(a: number, port: number): string {
  return `${formatIpv4(a)}:${port}`;
}
