/**
 * The field writers emit.ts uses: big-endian integers, addresses given as text or numbers, TCP
 * flag letters and options, and the next-protocol numbers a layer announces for the one after it.
 */
import { parseIpv4, parseMac } from './address.js';
import { ETHERTYPE } from './ethernet.js';
import { IP_PROTO } from './ipv4.js';
import type { Ipv4Value, LayerSpec } from './emit-specs.js';
import type { MacAddr, TcpOption } from './records.js';
import { TCP_FLAG, TCP_OPTION_KIND } from './tcp.js';

/** Raised for specs that cannot be written (bad address text, a frame too large for the buffer). */
export class EmitError extends Error {
  override readonly name = 'EmitError';
}

const FLAG_LETTERS: Readonly<Record<string, number>> = {
  F: TCP_FLAG.FIN, S: TCP_FLAG.SYN, R: TCP_FLAG.RST, P: TCP_FLAG.PSH, A: TCP_FLAG.ACK,
  U: TCP_FLAG.URG, E: TCP_FLAG.ECE, C: TCP_FLAG.CWR, N: TCP_FLAG.NS, '.': TCP_FLAG.ACK,
};
const flagCache = new Map<string, number>();

/** 'SA' / 'AS' / 'S.' -> bits. Unknown letters are a programming error. */
export function tcpFlagBits(flags: string | number): number {
  if (typeof flags === 'number') return flags & 0x1ff;
  let v = flagCache.get(flags);
  if (v !== undefined) return v;
  v = 0;
  for (const ch of flags.toUpperCase()) {
    const bit = FLAG_LETTERS[ch];
    if (bit === undefined) throw new EmitError(`unknown TCP flag letter ${JSON.stringify(ch)} in ${JSON.stringify(flags)}`);
    v |= bit;
  }
  flagCache.set(flags, v);
  return v;
}

export function ipValue(a: Ipv4Value, what: string): number {
  if (typeof a === 'number') return a >>> 0;
  const v = parseIpv4(a);
  if (Number.isNaN(v)) throw new EmitError(`${what}: not an IPv4 address: ${JSON.stringify(a)}`);
  return v;
}

export function putU16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 255;
  b[at + 1] = v & 255;
}

export function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 24) & 255;
  b[at + 1] = (v >>> 16) & 255;
  b[at + 2] = (v >>> 8) & 255;
  b[at + 3] = v & 255;
}

export function putIp(b: Uint8Array, at: number, a: Ipv4Value, what: string): void {
  putU32(b, at, ipValue(a, what));
}

export function putMac(b: Uint8Array, at: number, m: MacAddr, what: string): void {
  const mac = parseMac(m);
  if (mac === null) throw new EmitError(`${what}: not a MAC address: ${JSON.stringify(m)}`);
  b[at] = mac[0]!; b[at + 1] = mac[1]!; b[at + 2] = mac[2]!;
  b[at + 3] = mac[3]!; b[at + 4] = mac[4]!; b[at + 5] = mac[5]!;
}

export function hexInto(b: Uint8Array, at: number, hex: string): number {
  const n = hex.length >> 1;
  for (let i = 0; i < n; i++) b[at + i] = parseInt(hex.substr(i * 2, 2), 16);
  return n;
}

/** The EtherType that announces `next` (undefined when nothing sensible follows). */
export function ethertypeFor(next: LayerSpec | undefined): number {
  if (next === undefined) return 0;
  switch (next.type) {
    case 'vlan': return next.tpid ?? ETHERTYPE.VLAN;
    case 'arp': return ETHERTYPE.ARP;
    case 'ipv4': return ETHERTYPE.IPV4;
    default: return 0;
  }
}

export function ipProtoFor(next: LayerSpec | undefined): number {
  if (next === undefined) return 0;
  switch (next.type) {
    case 'tcp': return IP_PROTO.TCP;
    case 'udp': return IP_PROTO.UDP;
    case 'icmp': return IP_PROTO.ICMP;
    case 'ipv4': return IP_PROTO.IPIP;
    case 'gre': return IP_PROTO.GRE;
    case 'vrrp': return IP_PROTO.VRRP;
    default: return 0;
  }
}


export function writeTcpOptions(b: Uint8Array, at: number, options: readonly TcpOption[]): number {
  const start = at;
  for (const o of options) {
    switch (o.kind) {
      case 'eol': b[at++] = TCP_OPTION_KIND.EOL; break;
      case 'nop': b[at++] = TCP_OPTION_KIND.NOP; break;
      case 'mss': b[at] = TCP_OPTION_KIND.MSS; b[at + 1] = 4; putU16(b, at + 2, o.value); at += 4; break;
      case 'wscale': b[at] = TCP_OPTION_KIND.WSCALE; b[at + 1] = 3; b[at + 2] = o.value; at += 3; break;
      case 'sackOk': b[at] = TCP_OPTION_KIND.SACK_PERMITTED; b[at + 1] = 2; at += 2; break;
      case 'sack':
        b[at] = TCP_OPTION_KIND.SACK; b[at + 1] = 2 + 8 * o.blocks.length; at += 2;
        for (const [l, r] of o.blocks) { putU32(b, at, l); putU32(b, at + 4, r); at += 8; }
        break;
      case 'ts': b[at] = TCP_OPTION_KIND.TIMESTAMP; b[at + 1] = 10; putU32(b, at + 2, o.tsval); putU32(b, at + 6, o.tsecr); at += 10; break;
      case 'tfo': b[at] = TCP_OPTION_KIND.TFO; b[at + 1] = 2 + (o.cookie.length >> 1); at += 2 + hexInto(b, at + 2, o.cookie); break;
      case 'toa': b[at] = TCP_OPTION_KIND.TOA; b[at + 1] = 8; putU16(b, at + 2, o.port); putIp(b, at + 4, o.addr, 'TOA address'); at += 8; break;
      case 'unknown': b[at] = o.code; b[at + 1] = 2 + (o.data.length >> 1); at += 2 + hexInto(b, at + 2, o.data); break;
    }
  }
  return at - start;
}
