/**
 * The capture filter's pieces below its parser: the tokenizer, reading a frame's bytes the way
 * BPF does (a read past the captured bytes rejects the frame), the network and transport header
 * offsets through VLAN tags, the address forms, and the predicates' combinators.
 */
import { FilterSyntaxError } from './capture-filter-error.js';
import { LINKTYPE } from './link-types.js';
import { BSD_AF, isBsdInet6, LOOPBACK_HEADER_LEN, loopbackFamily } from '../wire/loopback.js';
import { LINUX_AF_INET, LINUX_AF_INET6, walkNflog } from '../wire/nflog.js';

// ---------------------------------------------------------------- tokens

export interface Token {
  readonly kind: 'word' | 'num' | 'op' | 'end';
  readonly text: string;
  /** 0-based offset in the expression. */
  readonly at: number;
}

export const OPS = ['&&', '||', '<<', '>>', '<=', '>=', '==', '!=', '(', ')', '[', ']', ':', '!', '&', '|', '^', '+', '-', '*', '/', '%', '<', '>', '='];

export function tokenize(src: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  let brackets = 0;
  while (i < src.length) {
    const c = src[i]!;
    if (/\s/.test(c)) { i++; continue; }
    const start = i;
    // Addresses and numbers: 10.0.0.1, 10.0.0.0/8, fe80::1, 02:aa:00:00:00:fe, 0x1f. Inside
    // brackets a ':' is the size separator, never part of a number.
    const addressLike = /[0-9]/.test(c) || (c === ':' && src[i + 1] === ':') || /^[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{0,4}:/.test(src.slice(i, i + 12));
    if (addressLike && (brackets === 0 || /[0-9]/.test(c))) {
      const chars = brackets === 0 ? /[0-9A-Fa-fxX.:]/ : /[0-9A-Fa-fxX]/;
      while (i < src.length && chars.test(src[i]!)) i++;
      if (brackets === 0 && src[i] === '/' && /[0-9]/.test(src[i + 1] ?? '')) { i++; while (/[0-9]/.test(src[i] ?? '')) i++; }
      const text = src.slice(start, i);
      out.push({ kind: /^(0x[0-9a-f]+|[0-9]+)$/i.test(text) ? 'num' : 'word', text, at: start });
      continue;
    }
    if (/[A-Za-z_\\]/.test(c)) {
      i++;
      while (i < src.length && /[A-Za-z0-9_.\-]/.test(src[i]!)) i++;
      out.push({ kind: 'word', text: src.slice(start, i), at: start });
      continue;
    }
    const op = OPS.find((o) => src.startsWith(o, i));
    if (op === undefined) throw new FilterSyntaxError(i + 1, `unexpected character '${c}'`);
    if (op === '[') brackets++;
    if (op === ']') brackets = Math.max(0, brackets - 1);
    out.push({ kind: 'op', text: op, at: i });
    i += op.length;
  }
  out.push({ kind: 'end', text: '', at: src.length });
  return out;
}

// ---------------------------------------------------------------- frame access

export class OutOfBounds extends Error {}
export const OOB = new OutOfBounds();

/** The frame being tested; one object, refilled per frame (no allocation on the hot path). */
export interface Frame {
  buf: Uint8Array;
  start: number;
  caplen: number;
  len: number;
  link: number;
}

export function u8(f: Frame, off: number): number {
  if (off < 0 || off + 1 > f.caplen) throw OOB;
  return f.buf[f.start + off]!;
}
export function u16(f: Frame, off: number): number {
  if (off < 0 || off + 2 > f.caplen) throw OOB;
  const b = f.buf, s = f.start + off;
  return (b[s]! << 8) | b[s + 1]!;
}
export function u32(f: Frame, off: number): number {
  if (off < 0 || off + 4 > f.caplen) throw OOB;
  const b = f.buf, s = f.start + off;
  return ((b[s]! << 24) | (b[s + 1]! << 16) | (b[s + 2]! << 8) | b[s + 3]!) >>> 0;
}

export const VLAN_TPIDS = [0x8100, 0x88a8, 0x9100];
export const ET_IP = 0x0800, ET_IP6 = 0x86dd, ET_ARP = 0x0806, ET_RARP = 0x8035;

/**
 * The EtherType (or its equivalent) and where the network header starts, after `depth` VLAN tags
 * (the number of `vlan` primitives before this one in the expression); null when the link type has
 * no such header. Scratch result reused.
 */
export const net = { type: 0, off: 0 };
export function network(f: Frame, depth: number): typeof net | null {
  switch (f.link) {
    case LINKTYPE.ETHERNET: {
      let type = u16(f, 12), off = 14;
      for (let d = 0; d < depth; d++) {
        if (!VLAN_TPIDS.includes(type)) return null;
        type = u16(f, off + 2);
        off += 4;
      }
      net.type = type; net.off = off;
      return net;
    }
    case LINKTYPE.LINUX_SLL: if (depth > 0) return null; net.type = u16(f, 14); net.off = 16; return net;
    case LINKTYPE.LINUX_SLL2: if (depth > 0) return null; net.type = u16(f, 0); net.off = 20; return net;
    // These two say which IP they carry; libpcap does not look at the version nibble.
    case LINKTYPE.IPV4: if (depth > 0) return null; net.type = ET_IP; net.off = 0; return net;
    case LINKTYPE.IPV6: if (depth > 0) return null; net.type = ET_IP6; net.off = 0; return net;
    case LINKTYPE.RAW: case LINKTYPE.RAW_BSD: case LINKTYPE.RAW_BSD14: {
      if (depth > 0) return null;
      const v = u8(f, 0) >> 4;
      net.type = v === 4 ? ET_IP : v === 6 ? ET_IP6 : -1; net.off = 0;
      return net;
    }
    case LINKTYPE.NFLOG: {
      if (depth > 0) return null;
      const w = walkNflog(f.buf, f.start, f.caplen, 0);
      if (w.record === null || w.payloadAt < 0) return null;
      net.type = w.record.family === LINUX_AF_INET ? ET_IP : w.record.family === LINUX_AF_INET6 ? ET_IP6 : -1;
      net.off = w.payloadAt - f.start;
      return net;
    }
    case LINKTYPE.NULL: case LINKTYPE.LOOP: {
      if (depth > 0) return null;
      const fam = loopbackFamily(u8(f, 0), u8(f, 1), u8(f, 2), u8(f, 3));
      net.type = fam === BSD_AF.INET ? ET_IP : isBsdInet6(fam) ? ET_IP6 : -1; net.off = LOOPBACK_HEADER_LEN;
      return net;
    }
    default: return null;
  }
}

// ---------------------------------------------------------------- the tree

export type Pred = (f: Frame) => boolean;
export type Arith = (f: Frame) => number;

export type Dir = 'src' | 'dst' | 'either' | 'both';
export type Kind = 'host' | 'net' | 'port' | 'portrange' | 'gateway';
export type Proto = 'ether' | 'ip' | 'ip6' | 'arp' | 'rarp' | 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmp6' | 'igmp' | 'gre' | null;

export interface Quals { proto: Proto; dir: Dir | null; kind: Kind | null }

export const PROTO_WORDS = new Set(['ether', 'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'sctp', 'icmp', 'icmp6', 'igmp', 'gre']);
export const IP_PROTOS: Readonly<Record<string, number>> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, icmp6: 58, sctp: 132, ipip: 4, esp: 50, ah: 51, vrrp: 112, pim: 103 };
export const ETHER_PROTOS: Readonly<Record<string, number>> = { ip: ET_IP, ip6: ET_IP6, arp: ET_ARP, rarp: ET_RARP };
export const CONSTANTS: Readonly<Record<string, number>> = {
  tcpflags: 13, 'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08, 'tcp-ack': 0x10, 'tcp-urg': 0x20, 'tcp-ece': 0x40, 'tcp-cwr': 0x80,
  icmptype: 0, icmpcode: 1, 'icmp-echoreply': 0, 'icmp-unreach': 3, 'icmp-sourcequench': 4, 'icmp-redirect': 5, 'icmp-echo': 8,
  'icmp-routeradvert': 9, 'icmp-routersolicit': 10, 'icmp-timxceed': 11, 'icmp-paramprob': 12, 'icmp-tstamp': 13, 'icmp-tstampreply': 14,
  'icmp-ireq': 15, 'icmp-ireqreply': 16, 'icmp-maskreq': 17, 'icmp-maskreply': 18,
  icmp6type: 0, icmp6code: 1,
};

/** An IPv4 header at the current depth: its offset, or -1. */
export function ipv4At(f: Frame, depth: number): number {
  const n = network(f, depth);
  return n !== null && n.type === ET_IP ? n.off : -1;
}
export function ipv6At(f: Frame, depth: number): number {
  const n = network(f, depth);
  return n !== null && n.type === ET_IP6 ? n.off : -1;
}

/** Transport header of an unfragmented (or first-fragment) IPv4 packet carrying `proto`, or -1. */
export function ipv4Transport(f: Frame, depth: number, protos: readonly number[], firstFragment: boolean): number {
  const ip = ipv4At(f, depth);
  if (ip < 0 || !protos.includes(u8(f, ip + 9))) return -1;
  if (firstFragment && (u16(f, ip + 6) & 0x1fff) !== 0) return -1;
  return ip + (u8(f, ip) & 0x0f) * 4;
}
export function ipv6Transport(f: Frame, depth: number, protos: readonly number[]): number {
  const ip = ipv6At(f, depth);
  return ip >= 0 && protos.includes(u8(f, ip + 6)) ? ip + 40 : -1;
}

export function bytesEqual(f: Frame, off: number, want: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if (u8(f, off + i) !== want[i]) return false;
  return true;
}
export function bytesMasked(f: Frame, off: number, want: Uint8Array, mask: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if ((u8(f, off + i) & mask[i]!) !== want[i]) return false;
  return true;
}

export function dirPred(dir: Dir, src: Pred, dst: Pred): Pred {
  switch (dir) {
    case 'src': return src;
    case 'dst': return dst;
    case 'both': return (f) => src(f) && dst(f);
    default: return (f) => src(f) || dst(f);
  }
}
export const or = (a: Pred, b: Pred): Pred => (f) => a(f) || b(f);

// ---------------------------------------------------------------- addresses

export function parseIpv4(text: string): Uint8Array | null {
  const p = text.split('.');
  if (p.length < 1 || p.length > 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) return null;
  const b = new Uint8Array(4);
  p.forEach((x, i) => { b[i] = Number(x); });
  return b;
}

export function parseIpv6(text: string): Uint8Array | null {
  if (!/^[0-9a-fA-F:.]+$/.test(text) || !text.includes(':')) return null;
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const groups = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (g.includes('.')) {
        const v4 = parseIpv4(g);
        if (v4 === null || g.split('.').length !== 4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-fA-F]{1,4}$/.test(g)) out.push(parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]!), tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const fill = 8 - head.length - tail.length;
  if ((halves.length === 1 && fill !== 0) || fill < 0) return null;
  const all = [...head, ...Array(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const b = new Uint8Array(16);
  all.forEach((g, i) => { b[2 * i] = g >> 8; b[2 * i + 1] = g & 0xff; });
  return b;
}

export function parseMac(text: string): Uint8Array | null {
  const p = text.split(/[:.-]/);
  if (p.length !== 6 || p.some((x) => !/^[0-9a-fA-F]{1,2}$/.test(x))) return null;
  return Uint8Array.from(p.map((x) => parseInt(x, 16)));
}

export function prefixMask(bits: number, bytes: number): Uint8Array {
  const m = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) m[i] = bits >= 8 * (i + 1) ? 0xff : bits > 8 * i ? (0xff << (8 - (bits - 8 * i))) & 0xff : 0;
  return m;
}

// ---------------------------------------------------------------- parser
