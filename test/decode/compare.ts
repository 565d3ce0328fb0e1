/**
 * Our decoded frame, written as tshark would write its fields, and the comparison of the two.
 *
 * Every field is a list of occurrences in header order (tshark's `-E occurrence=a`), so an IPIP
 * frame's ip.src is [outer, inner] on both sides. Where tshark goes deeper than lvscope (the
 * header quoted inside an ICMP error, VXLAN, payload protocols), tshark has more occurrences:
 * the comparison is then over the occurrences lvscope produced, which must be tshark's first
 * ones. Where lvscope has an occurrence tshark lacks, or a value differs, it is a mismatch.
 */
import type { DecodedFrame, LayerRecord, TcpRecord } from '../../src/wire/records.js';
import { occurrences } from './reference.js';

export type FieldName =
  | 'eth.src' | 'eth.dst' | 'vlan.id' | 'ieee8021ad.id'
  | 'sll.pkttype' | 'sll.ifindex' | 'sll.hatype' | 'sll.etype'
  | 'arp.opcode' | 'arp.src.hw_mac' | 'arp.src.proto_ipv4' | 'arp.dst.hw_mac' | 'arp.dst.proto_ipv4'
  | 'ip.src' | 'ip.dst' | 'ip.proto' | 'ip.ttl' | 'ip.len' | 'ip.hdr_len' | 'ip.id' | 'ip.flags.df' | 'ip.frag_offset'
  | 'ipv6.src' | 'ipv6.dst'
  | 'tcp.srcport' | 'tcp.dstport' | 'tcp.flags.str' | 'tcp.seq_raw' | 'tcp.ack_raw' | 'tcp.len' | 'tcp.window_size_value'
  | 'tcp.options.mss_val' | 'tcp.options.wscale.shift' | 'tcp.options.sack_perm' | 'sack.length'
  | 'tcp.options.timestamp.tsval' | 'tcp.options.timestamp.tsecr'
  | 'udp.srcport' | 'udp.dstport' | 'gre.proto';

export const COMPARED_FIELDS: readonly FieldName[] = [
  'eth.src', 'eth.dst', 'vlan.id', 'ieee8021ad.id', 'sll.pkttype', 'sll.ifindex', 'sll.hatype', 'sll.etype',
  'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4',
  'ip.src', 'ip.dst', 'ip.proto', 'ip.ttl', 'ip.len', 'ip.hdr_len', 'ip.id', 'ip.flags.df', 'ip.frag_offset',
  'ipv6.src', 'ipv6.dst',
  'tcp.srcport', 'tcp.dstport', 'tcp.flags.str', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len', 'tcp.window_size_value',
  'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.sack_perm', 'sack.length',
  'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr',
  'udp.srcport', 'udp.dstport', 'gre.proto',
];

/**
 * tshark's flags.str is 12 positions "RRRNCEUAPRSF" with '·' for a clear bit; ours is the set
 * letters of CEUAPRSF. On an AccECN connection (RFC 9768) tshark prints the AE/CWR/ECE bits of a
 * non-SYN segment as one ACE counter, "-2-": its bit 1 is CWR and bit 0 is ECE.
 */
export function tsharkFlagsToLetters(str: string): string {
  const chars = [...str];
  if (chars.length !== 12) return str;
  let out = '';
  const ace = /^-(\d)-$/.exec(chars.slice(3, 6).join(''));
  if (ace !== null) {
    const v = Number(ace[1]);
    if (v & 2) out += 'C';
    if (v & 1) out += 'E';
  } else {
    if (chars[4] !== '·') out += 'C';
    if (chars[5] !== '·') out += 'E';
  }
  'UAPRSF'.split('').forEach((letter, i) => { if (chars[6 + i] !== '·') out += letter; });
  return out;
}

/** Numeric tshark cells ("0x0800", "64") and ours compare as numbers; others as lower-case text. */
function same(ours: string, theirs: string): boolean {
  if (ours === theirs) return true;
  if (/^(0x[0-9a-f]+|\d+)$/i.test(ours) && /^(0x[0-9a-f]+|\d+)$/i.test(theirs)) return Number(ours) === Number(theirs);
  return ours.toLowerCase() === theirs.toLowerCase();
}

type Fields = Map<FieldName, string[]>;

function push(m: Fields, f: FieldName, v: string | number | boolean): void {
  const s = typeof v === 'boolean' ? (v ? '1' : '0') : String(v);
  const list = m.get(f);
  if (list === undefined) m.set(f, [s]);
  else list.push(s);
}

function tcpFields(m: Fields, t: TcpRecord): void {
  push(m, 'tcp.srcport', t.srcPort);
  push(m, 'tcp.dstport', t.dstPort);
  push(m, 'tcp.flags.str', t.flags);
  push(m, 'tcp.seq_raw', t.seq);
  push(m, 'tcp.ack_raw', t.ack);
  push(m, 'tcp.len', t.payloadLength);
  push(m, 'tcp.window_size_value', t.window);
  for (const o of t.options) {
    switch (o.kind) {
      case 'mss': push(m, 'tcp.options.mss_val', o.value); break;
      case 'wscale': push(m, 'tcp.options.wscale.shift', o.value); break;
      case 'sackOk': push(m, 'tcp.options.sack_perm', 1); break;
      // tshark prints SACK edges relative to the ISN; a block's length (re - le) is the same either way.
      case 'sack': for (const [le, re] of o.blocks) push(m, 'sack.length', (re - le) >>> 0); break;
      case 'ts': push(m, 'tcp.options.timestamp.tsval', o.tsval); push(m, 'tcp.options.timestamp.tsecr', o.tsecr); break;
      default: break;
    }
  }
}

/** Our frame as tshark-style field occurrences. */
export function ourFields(f: DecodedFrame): Fields {
  const m: Fields = new Map();
  const quotes: LayerRecord[] = [];
  for (const l of f.layers) {
    switch (l.type) {
      case 'eth': push(m, 'eth.src', l.src); push(m, 'eth.dst', l.dst); break;
      // tshark files an 802.1ad service tag (TPID 0x88a8) under its own field.
      case 'vlan': push(m, l.tpid === 0x88a8 ? 'ieee8021ad.id' : 'vlan.id', l.id); break;
      case 'sll': push(m, 'sll.pkttype', l.pktType); push(m, 'sll.hatype', l.hatype); push(m, 'sll.etype', l.protocol); break;
      case 'sll2':
        push(m, 'sll.pkttype', l.pktType); push(m, 'sll.ifindex', l.ifindex); push(m, 'sll.hatype', l.hatype); push(m, 'sll.etype', l.protocol);
        break;
      case 'arp':
        push(m, 'arp.opcode', l.op); push(m, 'arp.src.hw_mac', l.sha); push(m, 'arp.src.proto_ipv4', l.spa);
        push(m, 'arp.dst.hw_mac', l.tha); push(m, 'arp.dst.proto_ipv4', l.tpa);
        break;
      case 'ipv4':
        push(m, 'ip.src', l.src); push(m, 'ip.dst', l.dst); push(m, 'ip.proto', l.proto); push(m, 'ip.ttl', l.ttl);
        // A zero total length (TSO, BIG TCP) is shown by tshark as the length it presumes, the
        // rest of the frame; our record keeps the raw 0 and the decoder presumes the same.
        push(m, 'ip.len', l.totalLength === 0 ? f.len - l.offset : l.totalLength); push(m, 'ip.hdr_len', l.headerLength); push(m, 'ip.id', l.id);
        push(m, 'ip.flags.df', l.df); push(m, 'ip.frag_offset', l.fragOffset);
        break;
      case 'ipv6': push(m, 'ipv6.src', l.src); push(m, 'ipv6.dst', l.dst); break;
      case 'tcp': tcpFields(m, l); break;
      case 'udp': push(m, 'udp.srcport', l.srcPort); push(m, 'udp.dstport', l.dstPort); break;
      case 'gre': push(m, 'gre.proto', l.protocol); break;
      case 'icmp': case 'icmpv6': if (l.quoted !== null) quotes.push(l); break;
    }
  }
  // tshark decodes the header an ICMP error quotes as one more ip (and tcp/udp) occurrence.
  for (const l of quotes) {
    if ((l.type !== 'icmp' && l.type !== 'icmpv6') || l.quoted === null) continue;
    const q = l.quoted;
    if (l.type === 'icmpv6') { push(m, 'ipv6.src', q.src); push(m, 'ipv6.dst', q.dst); } else { push(m, 'ip.src', q.src); push(m, 'ip.dst', q.dst); push(m, 'ip.proto', q.proto); }
    if (q.srcPort !== null && q.dstPort !== null) {
      const p = q.proto === 6 ? 'tcp' : 'udp';
      push(m, `${p}.srcport`, q.srcPort); push(m, `${p}.dstport`, q.dstPort);
    }
  }
  return m;
}

function theirList(row: Record<string, string>, f: FieldName): string[] {
  if (f === 'sack.length') {
    const le = occurrences(row['tcp.options.sack_le']);
    const re = occurrences(row['tcp.options.sack_re']);
    return le.map((v, i) => String((Number(re[i]) - Number(v)) >>> 0));
  }
  const list = occurrences(row[f]);
  if (f === 'tcp.flags.str') return list.map(tsharkFlagsToLetters);
  // tshark prints SACK-permitted as 1 or as the option's raw bytes (0402): either way, present.
  if (f === 'tcp.options.sack_perm') return list.map(() => '1');
  return list;
}

export interface FieldStats {
  /** Values compared equal. */
  compared: number;
  /** Occurrences tshark has beyond ours (it decodes deeper). */
  beyond: number;
}

/** Mismatch descriptions ("ip.ttl[1]: ours 63, tshark 64"); `skip` leaves fields out. */
export function compareFrame(
  frame: DecodedFrame, row: Record<string, string>, stats: Map<FieldName, FieldStats>, skip: ReadonlySet<FieldName> = new Set(),
): string[] {
  const ours = ourFields(frame);
  const out: string[] = [];
  // tshark abandons an IPv4 header whose total length is below its header length ("Bogus IP
  // length") after showing ip.len and ip.hdr_len; lvscope keeps the header's fields and decodes
  // on, as gopacket does, so our further ip/tcp/udp occurrences have nothing to meet there.
  const bogusIp = (row['_ws.expert.message'] ?? '').includes('Bogus IP length');
  const unexplained: string[] = [];
  for (const f of COMPARED_FIELDS) {
    if (skip.has(f)) continue;
    const a = ours.get(f) ?? [];
    const b = theirList(row, f);
    const s = stats.get(f) ?? { compared: 0, beyond: 0 };
    stats.set(f, s);
    for (let i = 0; i < a.length; i++) {
      if (i >= b.length) {
        if (bogusIp && /^(ip|tcp|udp)\./.test(f) && f !== 'ip.len' && f !== 'ip.hdr_len') continue;
        out.push(`${f}[${i}]: ours ${a[i]}, tshark has none`);
        continue;
      }
      if (!same(a[i]!, b[i]!)) out.push(`${f}[${i}]: ours ${a[i]}, tshark ${b[i]}`);
      else s.compared++;
    }
    if (b.length > a.length) {
      s.beyond += b.length - a.length;
      unexplained.push(f);
    }
  }
  if (unexplained.length > 0 && !beyondExplained(frame, row)) {
    out.push(`tshark decodes ${unexplained.join(', ')} further than lvscope, with no issue or undecoded protocol to say why`);
  }
  return out;
}

/** Codes that say "lvscope stopped here on purpose": what tshark shows past them is its own guess. */
const STOPPING_CODES = new Set(['truncated', 'bad-length', 'bad-version', 'bad-header-length', 'unsupported', 'unsupported-link-type', 'malformed', 'bad-option']);
const DECODED_ETHERTYPES = new Set([0x0800, 0x0806, 0x86dd]);

/**
 * tshark may decode further than lvscope when lvscope reported why it stopped, when the frame
 * carries a protocol lvscope only names (MPLS, RARP, the header quoted in an ICMP error, which we
 * keep as `quoted`), never silently.
 */
function beyondExplained(frame: DecodedFrame, row: Record<string, string>): boolean {
  if (frame.issues.some((i) => STOPPING_CODES.has(i.code))) return true;
  const protocols = row['frame.protocols'] ?? '';
  if (/(^|:)mpls(:|$)/.test(protocols) || protocols.includes('icmp:ip') || protocols.includes('icmpv6:ipv6')) return true;
  let ethertype: number | null = null;
  for (const l of frame.layers) {
    if (l.type === 'eth' || l.type === 'vlan') ethertype = l.ethertype;
    else if (l.type === 'sll' || l.type === 'sll2') ethertype = l.protocol;
  }
  return ethertype !== null && !DECODED_ETHERTYPES.has(ethertype) && !(ethertype === 0x8100 || ethertype === 0x88a8 || ethertype === 0x9100);
}

/** tshark's checksum status cell -> verdict, or null for unverified / not present. */
function tsharkVerdict(cell: string | undefined): boolean | null {
  if (cell === '0') return false;
  if (cell === '1') return true;
  return null;
}

export interface ChecksumStats {
  /** Verdicts both sides gave, and agreed on, per protocol. */
  agreed: Record<'ip' | 'tcp' | 'udp' | 'icmp', number>;
  /** Of those, how many were "bad". */
  bad: number;
}

/** Compare our checksumOk verdicts with tshark's validation, wherever both give one. */
export function compareChecksums(frame: DecodedFrame, extra: Record<string, string>, stats: ChecksumStats): string[] {
  const out: string[] = [];
  const ours: Record<'ip' | 'tcp' | 'udp' | 'icmp', (boolean | null)[]> = { ip: [], tcp: [], udp: [], icmp: [] };
  for (const l of frame.layers) {
    if (l.type === 'ipv4') ours.ip.push(l.checksumOk);
    else if (l.type === 'tcp') ours.tcp.push(l.checksumOk);
    else if (l.type === 'udp') ours.udp.push(l.checksumOk);
    else if (l.type === 'icmp') ours.icmp.push(l.checksumOk);
  }
  for (const p of ['ip', 'tcp', 'udp', 'icmp'] as const) {
    const theirs = occurrences(extra[`${p}.checksum.status`]);
    ours[p].forEach((v, i) => {
      const t = tsharkVerdict(theirs[i]);
      if (v === null || t === null) return;
      if (v !== t) out.push(`${p} checksum[${i}]: ours ${v ? 'good' : 'bad'}, tshark ${t ? 'good' : 'bad'}`);
      else {
        stats.agreed[p]++;
        if (!v) stats.bad++;
      }
    });
  }
  return out;
}

/** Fields where tshark has occurrences we do not: for reviewing what tshark decodes beyond us. */
export function beyondOurs(frame: DecodedFrame, row: Record<string, string>): string[] {
  const ours = ourFields(frame);
  const out: string[] = [];
  for (const f of COMPARED_FIELDS) {
    const a = ours.get(f) ?? [];
    const b = theirList(row, f);
    if (b.length > a.length) out.push(`${f}: tshark ${b.join(',')} ours ${a.join(',')}`);
  }
  return out;
}
