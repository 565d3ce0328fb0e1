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
import { FilterSyntaxError } from './capture-filter-error.js';
import {
  type Arith, bytesEqual, bytesMasked, CONSTANTS, type Dir, dirPred, ET_ARP, ET_IP, ET_IP6, ET_RARP,
  ETHER_PROTOS, type Frame, IP_PROTOS, ipv4At, ipv4Transport, ipv6At, ipv6Transport, type Kind, network, OOB,
  or, parseIpv4, parseIpv6, parseMac, type Pred, prefixMask, type Proto, PROTO_WORDS, type Quals, type Token,
  tokenize, u16, u32, u8, VLAN_TPIDS,
} from './capture-filter-frame.js';
import { LINKTYPE } from './link-types.js';

export { FilterSyntaxError };

/** A frame's bytes as the reader holds them: buf[start .. start + caplen), `len` on the wire. */
export type FramePredicate = (buf: Uint8Array, start: number, caplen: number, len: number, linkType: number) => boolean;


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
