/**
 * The IPVS connection synchronisation protocol (net/netfilter/ipvs/ip_vs_sync.c): what a master
 * director's sync daemon sends its backups over UDP (port 8848 + thread id, multicast 224.0.0.81
 * by default, or unicast).
 *
 * Version 0 (sync_version=0): a 4-byte header (count, syncid, size) and 24-byte IPv4 entries,
 * each followed by 24 bytes of sequence adjustments when its flags have IN_SEQ/OUT_SEQ.
 * Version 1 (the default): an 8-byte header (0, syncid, size, count, version 1, spare 0) and
 * entries of their own size (type, protocol, version+size, 32-bit flags, state, ports, fwmark,
 * timeout in seconds, three IPv4 or IPv6 addresses, then options: sequence data, persistence
 * engine data and name), each padded to 4 bytes. The receiver drops a message whose size field
 * differs from the datagram's length, which is also what tells a sync message from other UDP.
 */
import { formatIpv4At, formatIpv6At, hexOf } from './address.js';
import type { IpvsConnEnds, IpvsSyncConn, IpvsSyncRecord, IpvsSyncSeq } from './records.js';

export const IPVS_SYNC_PORT = 8848;
export const IPVS_SYNC_GROUP = '224.0.0.81';

/** include/uapi/linux/ip_vs.h connection flags. */
export const IP_VS_CONN_F = {
  FWD_MASK: 0x0007, MASQ: 0, LOCALNODE: 1, TUNNEL: 2, DROUTE: 3, BYPASS: 4,
  SYNC: 0x0020, HASHED: 0x0040, NOOUTPUT: 0x0080, INACTIVE: 0x0100, OUT_SEQ: 0x0200, IN_SEQ: 0x0400,
  SEQ_MASK: 0x0600, NO_CPORT: 0x0800, TEMPLATE: 0x1000, ONE_PACKET: 0x2000,
} as const;

const FORWARD_NAMES = ['nat', 'local', 'tun', 'dr', 'bypass'] as const;
export type SyncForward = (typeof FORWARD_NAMES)[number] | 'unknown';

export function syncForward(flags: number): SyncForward {
  return FORWARD_NAMES[flags & IP_VS_CONN_F.FWD_MASK] ?? 'unknown';
}

const OPT_SEQ_DATA = 1;
const OPT_PE_DATA = 2;
const OPT_PE_NAME = 3;
/** An option type with this bit may be skipped by a receiver that does not know it. */
const OPT_F_PARAM = 1 << 6;

const V0_HEADER = 4;
const V1_HEADER = 8;
const V0_CONN = 24;
const SEQ_OPTIONS = 24;
const V1_CONN_V4 = 36;
const V1_CONN_V6 = 72;

function u16(b: Uint8Array, at: number): number { return (b[at]! << 8) | b[at + 1]!; }
function u32(b: Uint8Array, at: number): number { return ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0; }

function seqAt(b: Uint8Array, at: number): IpvsSyncSeq {
  return { initSeq: u32(b, at), delta: u32(b, at + 4), previousDelta: u32(b, at + 8) };
}

/** True when buf[off .. off+len) is shaped like a sync message: its size field is its length. */
export function looksLikeIpvsSync(buf: Uint8Array, off: number, len: number): boolean {
  return len >= V0_HEADER && u16(buf, off + 2) === len;
}

/**
 * Decode one sync message. Problems (an entry running past the message, an unknown version) end
 * the walk, as they end the kernel's, and are returned as `problem` with the offset in the message.
 */
export function decodeIpvsSync(buf: Uint8Array, off: number, len: number, frameOffset: number): { record: IpvsSyncRecord; problem: { at: number; message: string } | null } {
  const size = len >= 4 ? u16(buf, off + 2) : 0;
  const v1 = len >= V1_HEADER && buf[off] === 0 && buf[off + 5] === 1 && u16(buf, off + 6) === 0;
  const count = v1 ? buf[off + 4]! : len >= 1 ? buf[off]! : 0;
  const conns: IpvsSyncConn[] = [];
  let problem: { at: number; message: string } | null = null;
  const end = off + Math.min(len, size || len);
  if (v1) {
    let p = off + V1_HEADER;
    for (let i = 0; i < count; i++) {
      if (p + V1_CONN_V4 > end) { problem = { at: p - off, message: `sync entry ${i + 1} of ${count} runs past the message` }; break; }
      const verSize = u16(buf, p + 2);
      const csize = verSize & 0x0fff;
      if (verSize >>> 12 !== 0) { problem = { at: p + 2 - off, message: `sync entry ${i + 1}: unknown entry version ${verSize >>> 12}` }; break; }
      if (p + csize > end || csize < V1_CONN_V4) { problem = { at: p + 2 - off, message: `sync entry ${i + 1}: size ${csize} does not fit the message` }; break; }
      const c = v1Conn(buf, p, p + csize);
      if (c === null) { problem = { at: p - off, message: `sync entry ${i + 1}: bad type or options` }; break; }
      conns.push(c);
      p += (csize + 3) & ~3;
    }
  } else {
    let p = off + V0_HEADER;
    for (let i = 0; i < count; i++) {
      if (p + V0_CONN > end) { problem = { at: p - off, message: `sync entry ${i + 1} of ${count} runs past the message` }; break; }
      const flags = u16(buf, p + 20);
      const seq = (flags & IP_VS_CONN_F.SEQ_MASK) !== 0;
      if (seq && p + V0_CONN + SEQ_OPTIONS > end) { problem = { at: p - off, message: `sync entry ${i + 1}: sequence options run past the message` }; break; }
      conns.push({
        protocol: buf[p + 1]!, ipv6: false, flags, forward: syncForward(flags), template: (flags & IP_VS_CONN_F.TEMPLATE) !== 0,
        state: u16(buf, p + 22), cport: u16(buf, p + 2), vport: u16(buf, p + 4), dport: u16(buf, p + 6),
        caddr: formatIpv4At(buf, p + 8), vaddr: formatIpv4At(buf, p + 12), daddr: formatIpv4At(buf, p + 16),
        fwmark: null, timeout: null,
        inSeq: seq ? seqAt(buf, p + V0_CONN) : null, outSeq: seq ? seqAt(buf, p + V0_CONN + 12) : null, peData: null, peName: null,
      });
      p += V0_CONN + (seq ? SEQ_OPTIONS : 0);
    }
  }
  return { record: { type: 'ipvs-sync', version: v1 ? 1 : 0, syncId: len >= 2 ? buf[off + 1]! : 0, size, count, conns, offset: frameOffset }, problem };
}

function v1Conn(b: Uint8Array, p: number, end: number): IpvsSyncConn | null {
  const type = b[p]!;
  if (type !== 0 && type !== 1) return null;
  const ipv6 = type === 1;
  const base = ipv6 ? V1_CONN_V6 : V1_CONN_V4;
  if (p + base > end) return null;
  const fmt = ipv6 ? formatIpv6At : formatIpv4At;
  const a = ipv6 ? 16 : 4;
  const flags = u32(b, p + 4);
  let inSeq: IpvsSyncSeq | null = null, outSeq: IpvsSyncSeq | null = null;
  let peData: string | null = null, peName: string | null = null;
  for (let q = p + base; q < end;) {
    if (q + 2 > end) return null;
    const ptype = b[q]!, plen = b[q + 1]!;
    q += 2;
    if (plen === 0 || q + plen > end) return null;
    switch (ptype & ~OPT_F_PARAM) {
      case OPT_SEQ_DATA:
        if (plen !== SEQ_OPTIONS) return null;
        inSeq = seqAt(b, q); outSeq = seqAt(b, q + 12);
        break;
      case OPT_PE_DATA: peData = hexOf(b, q, plen); break;
      case OPT_PE_NAME: peName = String.fromCharCode(...b.subarray(q, q + plen)); break;
      default: break;
    }
    q += plen;
  }
  return {
    protocol: b[p + 1]!, ipv6, flags, forward: syncForward(flags), template: (flags & IP_VS_CONN_F.TEMPLATE) !== 0,
    state: u16(b, p + 8), cport: u16(b, p + 10), vport: u16(b, p + 12), dport: u16(b, p + 14),
    fwmark: u32(b, p + 16), timeout: u32(b, p + 20),
    caddr: fmt(b, p + 24), vaddr: fmt(b, p + 24 + a), daddr: fmt(b, p + 24 + 2 * a),
    inSeq, outSeq, peData, peName,
  };
}

/** A connection to put in a sync message (the fields ip_vs_sync_conn copies). */
export interface SyncConnSpec extends IpvsConnEnds {
  readonly protocol: number;
  readonly flags: number;
  readonly state: number;
  readonly fwmark?: number;
  /** Seconds (v1 only). */
  readonly timeout?: number;
  readonly inSeq?: IpvsSyncSeq;
  readonly outSeq?: IpvsSyncSeq;
  /** Persistence engine data (hex) and name, e.g. the SIP Call-ID and "sip" (v1 only). */
  readonly peData?: string;
  readonly peName?: string;
}

/**
 * The bytes of a sync message as the master writes them (ip_vs_sync_conn / _v0): for synth
 * presets and tests. IPv4 addresses only for v0; v1 takes IPv6 when the addresses are.
 */
export function encodeIpvsSync(version: 0 | 1, syncId: number, conns: readonly SyncConnSpec[]): Uint8Array {
  const parts: number[] = [];
  const put16 = (v: number): void => { parts.push((v >>> 8) & 255, v & 255); };
  const put32 = (v: number): void => { parts.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255); };
  const putAddr = (s: string): void => {
    if (s.includes(':')) parts.push(...ipv6Bytes(s));
    else for (const x of s.split('.')) parts.push(Number(x) & 255);
  };
  const putSeq = (s: IpvsSyncSeq | undefined): void => { put32(s?.initSeq ?? 0); put32(s?.delta ?? 0); put32(s?.previousDelta ?? 0); };
  if (version === 0) {
    parts.push(conns.length, syncId, 0, 0);
    for (const c of conns) {
      parts.push(0, c.protocol); put16(c.cport); put16(c.vport); put16(c.dport);
      putAddr(c.caddr); putAddr(c.vaddr); putAddr(c.daddr);
      put16(c.flags & ~IP_VS_CONN_F.HASHED & 0xffff); put16(c.state);
      if ((c.flags & IP_VS_CONN_F.SEQ_MASK) !== 0) { putSeq(c.inSeq); putSeq(c.outSeq); }
    }
  } else {
    parts.push(0, syncId, 0, 0, conns.length, 1, 0, 0);
    for (const c of conns) {
      while (parts.length % 4 !== 0) parts.push(0);
      const start = parts.length;
      const v6 = c.caddr.includes(':');
      parts.push(v6 ? 1 : 0, c.protocol, 0, 0);
      put32(c.flags & ~IP_VS_CONN_F.HASHED); put16(c.state); put16(c.cport); put16(c.vport); put16(c.dport);
      put32(c.fwmark ?? 0); put32(c.timeout ?? 0);
      putAddr(c.caddr); putAddr(c.vaddr); putAddr(c.daddr);
      if ((c.flags & IP_VS_CONN_F.SEQ_MASK) !== 0) { parts.push(OPT_SEQ_DATA, SEQ_OPTIONS); putSeq(c.inSeq); putSeq(c.outSeq); }
      if (c.peData !== undefined && c.peData !== '') {
        const data = c.peData.match(/../g)?.map((h) => parseInt(h, 16)) ?? [];
        parts.push(OPT_PE_DATA, data.length, ...data);
        if (c.peName !== undefined) parts.push(OPT_PE_NAME, c.peName.length, ...[...c.peName].map((ch) => ch.charCodeAt(0)));
      }
      const csize = parts.length - start;
      parts[start + 2] = (csize >>> 8) & 0x0f;
      parts[start + 3] = csize & 255;
    }
  }
  parts[2] = (parts.length >>> 8) & 255;
  parts[3] = parts.length & 255;
  return Uint8Array.from(parts);
}

function ipv6Bytes(s: string): number[] {
  const [head = '', tail = ''] = s.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = s.includes('::') ? (tail === '' ? [] : tail.split(':')) : [];
  const words = [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t].map((w) => parseInt(w, 16));
  return words.flatMap((w) => [(w >>> 8) & 255, w & 255]);
}
