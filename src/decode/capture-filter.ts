/**
 * Capture filter expressions in tcpdump's syntax (pcap-filter(7)), compiled to a predicate over a
 * frame's bytes. libpcap compiles to BPF, which reads fixed offsets of the outermost headers; this
 * reads the same bytes, so a frame matches here exactly when tcpdump would keep it: a tunnelled
 * frame is matched by its outer headers, a VLAN-tagged frame only after `vlan` in the expression,
 * and a read past the captured bytes rejects the frame (BPF's out-of-bounds load).
 *
 * The subset (README "Capture filters"):
 *   [src|dst|src or dst|src and dst] host|net|port|portrange ADDR   (net: A.B.C.D/len, mask M, or A.B)
 *   ether host|src|dst MAC, ether broadcast|multicast, broadcast, multicast
 *   ip ip6 arp rarp tcp udp icmp icmp6 igmp gre sctp, vlan [ID]
 *   ip proto N, ip6 proto N, proto N, ether proto N (names with or without a backslash)
 *   tcp|udp|sctp [src|dst] port|portrange ..., ip|ip6|arp host|net ...
 *   less N, greater N
 *   PROTO[EXPR] / PROTO[EXPR:SIZE] (ether ip ip6 arp tcp udp icmp), len, numbers, + - * / % & | ^ << >>,
 *   compared with = == != < <= > >=; tcpflags, tcp-fin … tcp-cwr, icmptype, icmpcode, icmp-echo …
 *   and && or || not ! ( ); `host a or b` repeats the last qualifiers, as libpcap does.
 * Host names are not resolved (lvscope never resolves names).
 */
import { LINKTYPE } from './link-types.js';

/** A frame's bytes as the reader holds them: buf[start .. start + caplen), `len` on the wire. */
export type FramePredicate = (buf: Uint8Array, start: number, caplen: number, len: number, linkType: number) => boolean;

export class FilterSyntaxError extends Error {
  override readonly name = 'FilterSyntaxError';
  /** 1-based column of the offending token in the expression. */
  readonly column: number;
  constructor(column: number, message: string) {
    super(`column ${column}: ${message}`);
    this.column = column;
  }
}

// ---------------------------------------------------------------- tokens

interface Token {
  readonly kind: 'word' | 'num' | 'op' | 'end';
  readonly text: string;
  /** 0-based offset in the expression. */
  readonly at: number;
}

const OPS = ['&&', '||', '<<', '>>', '<=', '>=', '==', '!=', '(', ')', '[', ']', ':', '!', '&', '|', '^', '+', '-', '*', '/', '%', '<', '>', '='];

function tokenize(src: string): Token[] {
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

class OutOfBounds extends Error {}
const OOB = new OutOfBounds();

/** The frame being tested; one object, refilled per frame (no allocation on the hot path). */
interface Frame {
  buf: Uint8Array;
  start: number;
  caplen: number;
  len: number;
  link: number;
}

function u8(f: Frame, off: number): number {
  if (off < 0 || off + 1 > f.caplen) throw OOB;
  return f.buf[f.start + off]!;
}
function u16(f: Frame, off: number): number {
  if (off < 0 || off + 2 > f.caplen) throw OOB;
  const b = f.buf, s = f.start + off;
  return (b[s]! << 8) | b[s + 1]!;
}
function u32(f: Frame, off: number): number {
  if (off < 0 || off + 4 > f.caplen) throw OOB;
  const b = f.buf, s = f.start + off;
  return ((b[s]! << 24) | (b[s + 1]! << 16) | (b[s + 2]! << 8) | b[s + 3]!) >>> 0;
}

const VLAN_TPIDS = [0x8100, 0x88a8, 0x9100];
const ET_IP = 0x0800, ET_IP6 = 0x86dd, ET_ARP = 0x0806, ET_RARP = 0x8035;

/**
 * The EtherType (or its equivalent) and where the network header starts, after `depth` VLAN tags
 * (the number of `vlan` primitives before this one in the expression); null when the link type has
 * no such header. Scratch result reused.
 */
const net = { type: 0, off: 0 };
function network(f: Frame, depth: number): typeof net | null {
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
    case LINKTYPE.NULL: {
      if (depth > 0) return null;
      // Host byte order family: AF_INET 2, AF_INET6 24/28/30 depending on the BSD.
      const fam = u8(f, 0) | u8(f, 3);
      net.type = fam === 2 ? ET_IP : fam === 24 || fam === 28 || fam === 30 ? ET_IP6 : -1; net.off = 4;
      return net;
    }
    default: return null;
  }
}

// ---------------------------------------------------------------- the tree

type Pred = (f: Frame) => boolean;
type Arith = (f: Frame) => number;

type Dir = 'src' | 'dst' | 'either' | 'both';
type Kind = 'host' | 'net' | 'port' | 'portrange' | 'gateway';
type Proto = 'ether' | 'ip' | 'ip6' | 'arp' | 'rarp' | 'tcp' | 'udp' | 'sctp' | 'icmp' | 'icmp6' | 'igmp' | 'gre' | null;

interface Quals { proto: Proto; dir: Dir | null; kind: Kind | null }

const PROTO_WORDS = new Set(['ether', 'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'sctp', 'icmp', 'icmp6', 'igmp', 'gre']);
const IP_PROTOS: Readonly<Record<string, number>> = { icmp: 1, igmp: 2, tcp: 6, udp: 17, gre: 47, icmp6: 58, sctp: 132, ipip: 4, esp: 50, ah: 51, vrrp: 112, pim: 103 };
const ETHER_PROTOS: Readonly<Record<string, number>> = { ip: ET_IP, ip6: ET_IP6, arp: ET_ARP, rarp: ET_RARP };
const CONSTANTS: Readonly<Record<string, number>> = {
  tcpflags: 13, 'tcp-fin': 0x01, 'tcp-syn': 0x02, 'tcp-rst': 0x04, 'tcp-push': 0x08, 'tcp-ack': 0x10, 'tcp-urg': 0x20, 'tcp-ece': 0x40, 'tcp-cwr': 0x80,
  icmptype: 0, icmpcode: 1, 'icmp-echoreply': 0, 'icmp-unreach': 3, 'icmp-sourcequench': 4, 'icmp-redirect': 5, 'icmp-echo': 8,
  'icmp-routeradvert': 9, 'icmp-routersolicit': 10, 'icmp-timxceed': 11, 'icmp-paramprob': 12, 'icmp-tstamp': 13, 'icmp-tstampreply': 14,
  'icmp-ireq': 15, 'icmp-ireqreply': 16, 'icmp-maskreq': 17, 'icmp-maskreply': 18,
  icmp6type: 0, icmp6code: 1,
};

/** An IPv4 header at the current depth: its offset, or -1. */
function ipv4At(f: Frame, depth: number): number {
  const n = network(f, depth);
  return n !== null && n.type === ET_IP ? n.off : -1;
}
function ipv6At(f: Frame, depth: number): number {
  const n = network(f, depth);
  return n !== null && n.type === ET_IP6 ? n.off : -1;
}

/** Transport header of an unfragmented (or first-fragment) IPv4 packet carrying `proto`, or -1. */
function ipv4Transport(f: Frame, depth: number, protos: readonly number[], firstFragment: boolean): number {
  const ip = ipv4At(f, depth);
  if (ip < 0 || !protos.includes(u8(f, ip + 9))) return -1;
  if (firstFragment && (u16(f, ip + 6) & 0x1fff) !== 0) return -1;
  return ip + (u8(f, ip) & 0x0f) * 4;
}
function ipv6Transport(f: Frame, depth: number, protos: readonly number[]): number {
  const ip = ipv6At(f, depth);
  return ip >= 0 && protos.includes(u8(f, ip + 6)) ? ip + 40 : -1;
}

function bytesEqual(f: Frame, off: number, want: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if (u8(f, off + i) !== want[i]) return false;
  return true;
}
function bytesMasked(f: Frame, off: number, want: Uint8Array, mask: Uint8Array): boolean {
  for (let i = 0; i < want.length; i++) if ((u8(f, off + i) & mask[i]!) !== want[i]) return false;
  return true;
}

function dirPred(dir: Dir, src: Pred, dst: Pred): Pred {
  switch (dir) {
    case 'src': return src;
    case 'dst': return dst;
    case 'both': return (f) => src(f) && dst(f);
    default: return (f) => src(f) || dst(f);
  }
}
const or = (a: Pred, b: Pred): Pred => (f) => a(f) || b(f);

// ---------------------------------------------------------------- addresses

function parseIpv4(text: string): Uint8Array | null {
  const p = text.split('.');
  if (p.length < 1 || p.length > 4 || p.some((x) => !/^\d{1,3}$/.test(x) || Number(x) > 255)) return null;
  const b = new Uint8Array(4);
  p.forEach((x, i) => { b[i] = Number(x); });
  return b;
}

function parseIpv6(text: string): Uint8Array | null {
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

function parseMac(text: string): Uint8Array | null {
  const p = text.split(/[:.-]/);
  if (p.length !== 6 || p.some((x) => !/^[0-9a-fA-F]{1,2}$/.test(x))) return null;
  return Uint8Array.from(p.map((x) => parseInt(x, 16)));
}

function prefixMask(bits: number, bytes: number): Uint8Array {
  const m = new Uint8Array(bytes);
  for (let i = 0; i < bytes; i++) m[i] = bits >= 8 * (i + 1) ? 0xff : bits > 8 * i ? (0xff << (8 - (bits - 8 * i))) & 0xff : 0;
  return m;
}

// ---------------------------------------------------------------- parser

class Parser {
  private readonly toks: Token[];
  private pos = 0;
  /** VLAN tags passed so far: libpcap moves every later offset by 4 per `vlan`. */
  private depth = 0;
  private last: Quals | null = null;

  constructor(src: string) {
    this.toks = tokenize(src);
  }

  parse(): Pred {
    if (this.peek().kind === 'end') return () => true;
    const p = this.orExpr();
    const t = this.peek();
    if (t.kind !== 'end') throw this.error(t, t.text === ')' ? "')' without a matching '('" : `expected 'and', 'or' or the end, found '${t.text}'`);
    return p;
  }

  private peek(k = 0): Token { return this.toks[Math.min(this.pos + k, this.toks.length - 1)]!; }
  private next(): Token { return this.toks[Math.min(this.pos++, this.toks.length - 1)]!; }
  private error(t: Token, message: string): FilterSyntaxError { return new FilterSyntaxError(t.at + 1, message); }
  private is(text: string, k = 0): boolean { const t = this.peek(k); return t.kind !== 'end' && t.text === text; }
  private expect(text: string, what = `'${text}'`): Token {
    const t = this.next();
    if (t.text !== text || t.kind === 'end') throw this.error(t, `expected ${what}, found ${t.kind === 'end' ? 'the end' : `'${t.text}'`}`);
    return t;
  }

  private orExpr(): Pred {
    let p = this.andExpr();
    while (this.is('or') || this.is('||')) { this.next(); const q = this.andExpr(); const a = p; p = (f) => a(f) || q(f); }
    return p;
  }

  private andExpr(): Pred {
    let p = this.unary();
    while (this.is('and') || this.is('&&')) { this.next(); const q = this.unary(); const a = p; p = (f) => a(f) && q(f); }
    return p;
  }

  private unary(): Pred {
    const t = this.peek();
    if (t.text === 'not' || t.text === '!') { this.next(); const p = this.unary(); return (f) => !p(f); }
    if (t.kind === 'end') throw this.error(t, 'expression ends too early');
    // A comparison (`tcp[13] & 2 != 0`, `len > 100`, `(ip[0] & 0xf) > 5`) or a primitive / group.
    const save = this.pos, saveDepth = this.depth;
    const rel = this.tryRelation();
    if (rel !== null) return rel;
    this.pos = save; this.depth = saveDepth;
    if (t.text === '(') {
      this.next();
      const p = this.orExpr();
      this.expect(')', "')'");
      return p;
    }
    return this.primitive();
  }

  // ---- comparisons

  private tryRelation(): Pred | null {
    const first = this.peek();
    // PROTO[…] or a leading number can only start a comparison: its errors are the ones to report.
    const surely = this.is('[', 1) || (first.kind === 'num' && this.peek(1).kind === 'op' && !['(', ')'].includes(this.peek(1).text));
    let a: Arith;
    try {
      a = this.arith();
    } catch (e) {
      if (e instanceof FilterSyntaxError && !surely) return null;
      throw e;
    }
    const op = this.peek();
    if (!['=', '==', '!=', '<', '<=', '>', '>='].includes(op.text) || op.kind !== 'op') {
      if (surely) throw this.error(op, `expected a comparison (=, !=, <, <=, >, >=), found ${op.kind === 'end' ? 'the end' : `'${op.text}'`}`);
      return null;
    }
    this.next();
    const b = this.arith();
    switch (op.text) {
      case '=': case '==': return (f) => a(f) === b(f);
      case '!=': return (f) => a(f) !== b(f);
      case '<': return (f) => a(f) < b(f);
      case '<=': return (f) => a(f) <= b(f);
      case '>': return (f) => a(f) > b(f);
      default: return (f) => a(f) >= b(f);
    }
  }

  private binary(levels: readonly (readonly string[])[], level: number): Arith {
    if (level === levels.length) return this.arithUnary();
    let a = this.binary(levels, level + 1);
    for (;;) {
      const t = this.peek();
      if (t.kind !== 'op' || !levels[level]!.includes(t.text)) return a;
      this.next();
      const b = this.binary(levels, level + 1), x = a;
      switch (t.text) {
        case '|': a = (f) => (x(f) | b(f)) >>> 0; break;
        case '&': a = (f) => (x(f) & b(f)) >>> 0; break;
        case '^': a = (f) => (x(f) ^ b(f)) >>> 0; break;
        case '<<': a = (f) => (x(f) << b(f)) >>> 0; break;
        case '>>': a = (f) => x(f) >>> b(f); break;
        case '+': a = (f) => (x(f) + b(f)) >>> 0; break;
        case '-': a = (f) => (x(f) - b(f)) >>> 0; break;
        case '*': a = (f) => Math.imul(x(f), b(f)) >>> 0; break;
        // BPF rejects the packet on a division by zero.
        case '/': a = (f) => { const d = b(f); if (d === 0) throw OOB; return Math.floor(x(f) / d) >>> 0; }; break;
        default: a = (f) => { const d = b(f); if (d === 0) throw OOB; return (x(f) % d) >>> 0; };
      }
    }
  }

  private arith(): Arith {
    // libpcap's precedence, loosest first.
    return this.binary([['|'], ['&'], ['^'], ['<<', '>>'], ['+', '-'], ['*', '/', '%']], 0);
  }

  private arithUnary(): Arith {
    const t = this.next();
    if (t.text === '-' && t.kind === 'op') { const a = this.arithUnary(); return (f) => (-a(f)) >>> 0; }
    if (t.text === '(' && t.kind === 'op') { const a = this.arith(); this.expect(')', "')'"); return a; }
    if (t.kind === 'num') { const v = Number(t.text) >>> 0; return () => v; }
    if (t.kind === 'word' && t.text === 'len') return (f) => f.len;
    if (t.kind === 'word' && CONSTANTS[t.text] !== undefined) { const v = CONSTANTS[t.text]!; return () => v; }
    if (t.kind === 'word' && this.is('[') && ['ether', 'ip', 'ip6', 'arp', 'rarp', 'tcp', 'udp', 'icmp', 'icmp6', 'sctp', 'igmp', 'vlan', 'link'].includes(t.text)) return this.indexed(t);
    throw this.error(t, `expected a number, len or PROTO[offset], found ${t.kind === 'end' ? 'the end' : `'${t.text}'`}`);
  }

  private indexed(proto: Token): Arith {
    this.expect('[');
    const off = this.arith();
    let size = 1;
    if (this.is(':')) {
      this.next();
      const s = this.next();
      if (s.kind !== 'num' || !['1', '2', '4'].includes(s.text)) throw this.error(s, 'the size after \':\' must be 1, 2 or 4');
      size = Number(s.text);
    }
    this.expect(']', "']'");
    const depth = this.depth;
    const load = (f: Frame, at: number): number => (size === 1 ? u8(f, at) : size === 2 ? u16(f, at) : u32(f, at));
    const base = ((): (f: Frame) => number => {
      switch (proto.text) {
        case 'ether': case 'link': return () => 0;
        case 'ip': return (f) => ipv4At(f, depth);
        case 'ip6': return (f) => ipv6At(f, depth);
        case 'arp': case 'rarp': { const et = proto.text === 'arp' ? ET_ARP : ET_RARP; return (f) => { const n = network(f, depth); return n !== null && n.type === et ? n.off : -1; }; }
        case 'tcp': return (f) => ipv4Transport(f, depth, [6], false);
        case 'udp': return (f) => ipv4Transport(f, depth, [17], false);
        case 'sctp': return (f) => ipv4Transport(f, depth, [132], false);
        case 'icmp': return (f) => ipv4Transport(f, depth, [1], false);
        case 'igmp': return (f) => ipv4Transport(f, depth, [2], false);
        case 'icmp6': return (f) => ipv6Transport(f, depth, [58]);
        default: throw this.error(proto, `${proto.text}[…] is not supported`);
      }
    })();
    // Not that protocol: BPF's generated test fails and the packet is rejected.
    return (f) => { const b = base(f); if (b < 0) throw OOB; return load(f, b + off(f)); };
  }

  // ---- primitives

  private primitive(): Pred {
    const start = this.peek();
    const q: Quals = { proto: null, dir: null, kind: null };
    let any = false;
    if (start.kind === 'word' && PROTO_WORDS.has(start.text)) { q.proto = start.text as Proto; this.next(); any = true; }
    if (q.proto !== null && this.is('proto')) return this.protoNumber(q.proto, this.next());
    if (q.proto === 'ether') {
      if (this.is('broadcast')) { this.next(); return this.ethBroadcast(); }
      if (this.is('multicast')) { this.next(); return this.ethMulticast(); }
    }
    if (this.is('src') || this.is('dst')) {
      const d = this.next().text as 'src' | 'dst';
      q.dir = d;
      if ((this.is('or') || this.is('and')) && (this.is('src', 1) || this.is('dst', 1))) {
        q.dir = this.next().text === 'or' ? 'either' : 'both';
        this.next();
      }
      any = true;
    }
    if (this.is('host') || this.is('net') || this.is('port') || this.is('portrange') || this.is('gateway')) { q.kind = this.next().text as Kind; any = true; }
    const t = this.peek();
    if (q.proto !== null && q.dir === null && q.kind === null && !(t.kind === 'word' || t.kind === 'num') ) {
      this.last = null;
      return this.protoAlone(q.proto, start);
    }
    if (q.proto !== null && q.dir === null && q.kind === null && t.kind === 'word' && isKeyword(t.text)) {
      this.last = null;
      return this.protoAlone(q.proto, start);
    }
    if (!any) {
      switch (start.text) {
        case 'vlan': return this.vlan();
        case 'less': case 'greater': {
          this.next();
          const n = this.next();
          if (n.kind !== 'num') throw this.error(n, `${start.text} needs a number of bytes`);
          const v = Number(n.text);
          return start.text === 'less' ? (f) => f.len <= v : (f) => f.len >= v;
        }
        case 'proto': return this.protoNumber(null, this.next());
        case 'broadcast': this.next(); return this.ethBroadcast();
        case 'multicast': this.next(); return this.ethMulticast();
        default: break;
      }
      // `host a or b`: a bare value repeats the last primitive's qualifiers.
      if ((start.kind === 'word' || start.kind === 'num') && this.last !== null && !isKeyword(start.text)) {
        return this.value(this.last, this.next());
      }
      if (start.kind === 'word' && !isKeyword(start.text)) {
        throw this.error(start, looksLikeFile(start.text)
          ? `'${start.text}' is neither a capture file nor a filter word (no such file)`
          : `'${start.text}' is not a filter word; expected host, net, port, a protocol (ip, tcp, …) or a comparison`);
      }
      throw this.error(start, start.kind === 'end' ? 'expression ends too early' : `unexpected '${start.text}'`);
    }
    const v = this.next();
    if (q.dir === null && q.kind === null && q.proto !== null && !['ip', 'ip6', 'arp', 'rarp', 'ether'].includes(q.proto) && v.kind === 'word') {
      throw this.error(v, `'${v.text}' is not a filter word; after ${q.proto} expected port, portrange, src, dst, and, or`);
    }
    if (v.kind === 'end' || (v.kind === 'op')) throw this.error(v, `expected an address or number after '${this.toks[this.pos - 2]?.text}', found ${v.kind === 'end' ? 'the end' : `'${v.text}'`}`);
    this.last = { ...q };
    return this.value(q, v);
  }

  private ethBroadcast(): Pred {
    const all = new Uint8Array([255, 255, 255, 255, 255, 255]);
    return (f) => f.link === LINKTYPE.ETHERNET && bytesEqual(f, 0, all);
  }

  private ethMulticast(): Pred {
    return (f) => f.link === LINKTYPE.ETHERNET && (u8(f, 0) & 1) === 1;
  }

  private vlan(): Pred {
    this.next();
    const depth = this.depth;
    let id: number | null = null;
    if (this.peek().kind === 'num') id = Number(this.next().text);
    this.depth++;
    return (f) => {
      if (f.link !== LINKTYPE.ETHERNET) return false;
      const n = network(f, depth);
      if (n === null || !VLAN_TPIDS.includes(n.type)) return false;
      return id === null || (u16(f, n.off) & 0x0fff) === id;
    };
  }

  private protoNumber(proto: Proto, at: Token): Pred {
    const v = this.next();
    const name = v.text.replace(/^\\/, '');
    const depth = this.depth;
    if (proto === 'ether') {
      const et = v.kind === 'num' ? Number(v.text) : ETHER_PROTOS[name];
      if (et === undefined) throw this.error(v, `unknown ether protocol '${v.text}' (a number, or ip, ip6, arp, rarp)`);
      return (f) => network(f, depth)?.type === et;
    }
    const n = v.kind === 'num' ? Number(v.text) : IP_PROTOS[name];
    if (n === undefined || n > 255) throw this.error(v, `unknown IP protocol '${v.text}' (a number 0–255 or a name such as tcp, udp, icmp, gre)`);
    const v4: Pred = (f) => { const ip = ipv4At(f, depth); return ip >= 0 && u8(f, ip + 9) === n; };
    const v6: Pred = (f) => { const ip = ipv6At(f, depth); return ip >= 0 && u8(f, ip + 6) === n; };
    if (proto === 'ip') return v4;
    if (proto === 'ip6') return v6;
    if (proto === null) return or(v4, v6);
    throw this.error(at, `'proto' follows ip, ip6 or ether, not ${proto}`);
  }

  /** `tcp`, `ip`, `arp` … on their own. */
  private protoAlone(proto: Exclude<Proto, null>, at: Token): Pred {
    const depth = this.depth;
    const ether = (et: number): Pred => (f) => network(f, depth)?.type === et;
    const ipProto = (n: number, v6 = true): Pred => {
      const a: Pred = (f) => { const ip = ipv4At(f, depth); return ip >= 0 && u8(f, ip + 9) === n; };
      if (!v6) return a;
      return or(a, (f) => { const ip = ipv6At(f, depth); return ip >= 0 && u8(f, ip + 6) === n; });
    };
    switch (proto) {
      case 'ip': return ether(ET_IP);
      case 'ip6': return ether(ET_IP6);
      case 'arp': return ether(ET_ARP);
      case 'rarp': return ether(ET_RARP);
      case 'icmp': return ipProto(1, false);
      case 'igmp': return ipProto(2, false);
      case 'icmp6': return (f) => { const ip = ipv6At(f, depth); return ip >= 0 && u8(f, ip + 6) === 58; };
      case 'tcp': return ipProto(6);
      case 'udp': return ipProto(17);
      case 'sctp': return ipProto(132);
      case 'gre': return ipProto(47);
      default: throw this.error(at, `'${proto}' needs host, src, dst, proto or broadcast after it`);
    }
  }

  /** A qualified value: `src host 10.0.0.1`, `tcp port 80`, `ether dst 02:…`, `net 10.0.0.0/8`. */
  private value(q: Quals, v: Token): Pred {
    const dir: Dir = q.dir ?? 'either';
    const depth = this.depth;
    let kind = q.kind;
    if (q.proto === 'ether') {
      if (kind !== null && kind !== 'host') throw this.error(v, `ether takes host, src or dst, not ${kind}`);
      const mac = parseMac(v.text);
      if (mac === null) throw this.error(v, `'${v.text}' is not a MAC address (like 02:aa:00:00:00:fe)`);
      return dirPred(dir, (f) => f.link === LINKTYPE.ETHERNET && bytesEqual(f, 6, mac), (f) => f.link === LINKTYPE.ETHERNET && bytesEqual(f, 0, mac));
    }
    if (kind === null) {
      // libpcap: a bare value is a host (or a port, for tcp/udp/sctp with a number).
      if (v.kind === 'num' && (q.proto === 'tcp' || q.proto === 'udp' || q.proto === 'sctp')) kind = 'port';
      else if (v.kind === 'num' && q.dir !== null && q.proto === null) kind = 'port';
      else kind = 'host';
    }
    if (kind === 'gateway') throw this.error(v, 'gateway needs name resolution, which lvscope never does');
    if (kind === 'port' || kind === 'portrange') return this.ports(q, kind, v, dir, depth);
    // host / net
    if (q.proto !== null && !['ip', 'ip6', 'arp', 'rarp'].includes(q.proto)) throw this.error(v, `${q.proto} takes port or portrange, not ${kind}`);
    let text = v.text;
    let bits: number | null = null;
    const slash = text.indexOf('/');
    if (slash >= 0) {
      if (kind !== 'net') throw this.error(v, `'${text}': a prefix length goes with net, not ${kind}`);
      bits = Number(text.slice(slash + 1));
      text = text.slice(0, slash);
    }
    const v4 = parseIpv4(text), v6 = v4 === null ? parseIpv6(text) : null;
    if (v4 === null && v6 === null) {
      throw this.error(v, /^[A-Za-z]/.test(text) && !text.includes(':')
        ? `'${text}' is a name; lvscope never resolves names: give an address`
        : `'${text}' is not an IPv4 or IPv6 address`);
    }
    let mask: Uint8Array;
    let addr: Uint8Array;
    if (v4 !== null) {
      const given = text.split('.').length;
      if (kind === 'host' && given !== 4) throw this.error(v, `'${text}' is not a whole IPv4 address (a.b.c.d); use net for a network`);
      if (this.is('mask') && kind === 'net') {
        this.next();
        const m = this.next();
        const mm = parseIpv4(m.text);
        if (mm === null || m.text.split('.').length !== 4) throw this.error(m, `'${m.text}' is not a netmask (like 255.255.0.0)`);
        mask = mm;
      } else {
        if (bits !== null && (bits > 32 || !Number.isInteger(bits))) throw this.error(v, `prefix length ${bits} is more than 32`);
        mask = prefixMask(bits ?? given * 8, 4);
      }
      addr = v4.map((b, i) => b & mask[i]!);
      if (bits !== null && v4.some((b, i) => (b & mask[i]!) !== b)) throw this.error(v, `'${v.text}': host bits are set beyond the /${bits} prefix`);
    } else {
      if (bits !== null && bits > 128) throw this.error(v, `prefix length ${bits} is more than 128`);
      mask = prefixMask(bits ?? 128, 16);
      addr = v6!.map((b, i) => b & mask[i]!);
    }
    const match = (off: number): ((f: Frame) => boolean) => (f) => bytesMasked(f, off, addr, mask);
    if (v4 !== null) {
      const ipSide = (off: number): Pred => (f) => { const ip = ipv4At(f, depth); return ip >= 0 && match(ip + off)(f); };
      const arpSide = (et: number, off: number): Pred => (f) => { const n = network(f, depth); return n !== null && n.type === et && match(n.off + off)(f); };
      const ip = dirPred(dir, ipSide(12), ipSide(16));
      const arp = dirPred(dir, arpSide(ET_ARP, 14), arpSide(ET_ARP, 24));
      const rarp = dirPred(dir, arpSide(ET_RARP, 14), arpSide(ET_RARP, 24));
      switch (q.proto) {
        case 'ip': return ip;
        case 'arp': return arp;
        case 'rarp': return rarp;
        case 'ip6': throw this.error(v, `'${text}' is IPv4; ip6 needs an IPv6 address`);
        default: return (f) => ip(f) || arp(f) || rarp(f);
      }
    }
    if (q.proto !== null && q.proto !== 'ip6') throw this.error(v, `'${text}' is IPv6; use ip6 (or no protocol)`);
    const side = (off: number): Pred => (f) => { const ip = ipv6At(f, depth); return ip >= 0 && match(ip + off)(f); };
    return dirPred(dir, side(8), side(24));
  }

  private ports(q: Quals, kind: 'port' | 'portrange', v: Token, dir: Dir, depth: number): Pred {
    let lo: number, hi: number;
    const m = /^(\d+)(?:-(\d+))?$/.exec(v.text);
    if (v.kind === 'num' && kind === 'port') { lo = hi = Number(v.text); }
    else if (kind === 'portrange' && v.kind === 'num' && this.is('-')) {
      this.next();
      const h = this.next();
      if (h.kind !== 'num') throw this.error(h, 'portrange needs LOW-HIGH');
      lo = Number(v.text); hi = Number(h.text);
    } else if (m !== null && kind === 'portrange') { lo = Number(m[1]); hi = Number(m[2] ?? m[1]); }
    else throw this.error(v, `'${v.text}' is not a port number${kind === 'portrange' ? ' range (like 8000-8080)' : ''}; service names are not looked up`);
    if (lo > 65535 || hi > 65535) throw this.error(v, 'ports go up to 65535');
    if (lo > hi) [lo, hi] = [hi, lo];
    const protos = q.proto === 'tcp' ? [6] : q.proto === 'udp' ? [17] : q.proto === 'sctp' ? [132] : [6, 17, 132];
    const v4ok = q.proto === null || q.proto === 'ip' || q.proto === 'tcp' || q.proto === 'udp' || q.proto === 'sctp';
    const v6ok = q.proto === null || q.proto === 'ip6' || q.proto === 'tcp' || q.proto === 'udp' || q.proto === 'sctp';
    if (!v4ok && !v6ok) throw this.error(v, `${q.proto} has no ports`);
    const inRange = (p: number): boolean => p >= lo && p <= hi;
    const side = (off: number): Pred => (f) => {
      if (v4ok) { const t = ipv4Transport(f, depth, protos, true); if (t >= 0 && inRange(u16(f, t + off))) return true; }
      if (v6ok) { const t = ipv6Transport(f, depth, protos); if (t >= 0 && inRange(u16(f, t + off))) return true; }
      return false;
    };
    return dirPred(dir, side(0), side(2));
  }
}

const KEYWORDS = new Set([
  ...PROTO_WORDS, 'host', 'net', 'port', 'portrange', 'src', 'dst', 'and', 'or', 'not', 'vlan', 'less', 'greater', 'proto',
  'broadcast', 'multicast', 'mask', 'len', 'gateway',
]);
function isKeyword(w: string): boolean {
  return KEYWORDS.has(w);
}
function looksLikeFile(w: string): boolean {
  return /[/\\]|\.(pcap|pcapng|cap|gz)$/i.test(w);
}

/** Compiles an expression; throws FilterSyntaxError naming the column of the first bad token. */
export function compileCaptureFilter(expression: string): FramePredicate {
  const word = expression.trim();
  if (looksLikeFile(word) && !/\s/.test(word)) throw new FilterSyntaxError(expression.indexOf(word) + 1, `'${word}' is neither a capture file nor a filter expression (no such file)`);
  const pred = new Parser(expression).parse();
  const frame: Frame = { buf: new Uint8Array(0), start: 0, caplen: 0, len: 0, link: 0 };
  return (buf, start, caplen, len, linkType) => {
    frame.buf = buf; frame.start = start; frame.caplen = caplen; frame.len = len; frame.link = linkType;
    try {
      return pred(frame);
    } catch (e) {
      if (e === OOB) return false;
      throw e;
    }
  };
}

/** The expression with a caret under the column an error names, for messages. */
export function pointAt(expression: string, column: number): string {
  return `  ${expression}\n  ${' '.repeat(Math.max(0, column - 1))}^`;
}
