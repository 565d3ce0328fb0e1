/**
 * Templates for stamping (stamp.ts): a connection the full simulation finished cleanly, reduced
 * to the frames the capture point saw, with the offsets of every word that differs between
 * connections (client address and port, MACs, IP ID, sequence numbers, TCP timestamps) and the
 * one's-complement sums of the words that do not, and the IPVS lookups that changed its state.
 */
import { tcpFlagRow, type TcpFlags } from '../ipvs/tcp-states.js';
import { sum16 } from '../wire/checksum.js';
import { formatIpv4 } from '../wire/address.js';
import { LINKTYPE } from '../decode/link-types.js';
import type { Flow } from './packet.js';

const F_SYN = 0x02, F_RST = 0x04, F_ACK = 0x10;
const TCPOPT_SACK = 5, TCPOPT_TS = 8, TCPOPT_TOA = 254;

/** What the full simulation did for one connection, kept until both its sockets are closed. */
export interface Recording {
  readonly flow: Flow;
  /** connect() time, ns. */
  readonly start: number;
  /** Template key without the real server: client class and target port. */
  readonly keyBase: string;
  readonly clientName: string;
  readonly clientIp: number;
  readonly clientPort: number;
  readonly clientMac: Uint8Array;
  readonly clientTsOffset: number;
  readonly steps: RecordedStep[];
  why: string | null;
  closed: number;
  tainted: boolean;
}

export type RecordedStep =
  | { readonly kind: 'frame'; readonly t: number; readonly bytes: Uint8Array; readonly note: string }
  | { readonly kind: 'ipvs'; readonly t: number; readonly out: boolean; readonly flags: TcpFlags; readonly bytes: number; readonly src: number; readonly sport: number; readonly dst: number; readonly dport: number };

export interface FrameStep {
  readonly dt: number;
  readonly bytes: Uint8Array;
  readonly len: number;
  /** Sent by the client side: its seq counts from the client's ISN. */
  readonly client: boolean;
  readonly ipOff: number;
  readonly cipOff: number;
  readonly portOff: number;
  readonly tcpOff: number;
  /** Offset of the timestamp option's TSval, or -1. */
  readonly tsOff: number;
  readonly seq: number;
  readonly ack: number;
  readonly ackFlag: boolean;
  readonly id: number;
  /** IP ID 0 of a SYN-ACK (sent from the request socket), kept as is. */
  readonly idFixed: boolean;
  readonly tsval: number;
  readonly tsecr: number;
  /** One's-complement sums of the IPv4 header and of the TCP pseudo-header + segment without the stamped words. */
  readonly ipBase: number;
  readonly tcpBase: number;
  /** Offsets of the client's MAC address (Ethernet source/destination, SLL2 source), -1 when absent. */
  readonly macA: number;
  readonly macB: number;
  readonly note: string;
}

export interface IpvsStep {
  readonly dt: number;
  readonly out: boolean;
  readonly flags: TcpFlags;
  readonly bytes: number;
  /** The end that is not the client: the VIP (inbound) or the replying address (outbound). */
  readonly peer: number;
  readonly peerText: string;
  readonly peerPort: number;
}

export interface Step {
  readonly dt: number;
  readonly frame: FrameStep | null;
  readonly ipvs: IpvsStep | null;
}

export interface Template {
  readonly steps: readonly Step[];
  readonly start: number;
  readonly clientIp: number;
  readonly clientPort: number;
  readonly clientName: string;
  readonly clientTsOffset: number;
  /** The real server's TCP timestamp clock at time 0. */
  readonly serverTsOffset: number;
  readonly why: string;
  /** Matches what the notes say about the template's client (for pcapng comments). */
  readonly noteRe: RegExp;
}

export function fold(s: number): number {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

const u16 = (b: Uint8Array, o: number): number => (b[o]! << 8) | b[o + 1]!;
const u32 = (b: Uint8Array, o: number): number => ((b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!) >>> 0;

function sameMac(b: Uint8Array, o: number, mac: Uint8Array): boolean {
  for (let i = 0; i < 6; i++) if (b[o + i] !== mac[i]) return false;
  return true;
}

const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Offsets and sums of one captured frame of the template's connection; null when it cannot be stamped. */
function frameStep(rec: Recording, dt: number, src: Uint8Array, note: string, linkType: number): FrameStep | null {
  const b = src;
  let ipOff: number;
  let macA = -1, macB = -1;
  if (linkType === LINKTYPE.ETHERNET) {
    if (b.length < 14 || u16(b, 12) !== 0x0800) return null;
    ipOff = 14;
    if (sameMac(b, 0, rec.clientMac)) macA = 0;
    if (sameMac(b, 6, rec.clientMac)) macB = 6;
  } else if (linkType === LINKTYPE.LINUX_SLL2) {
    if (b.length < 20 || u16(b, 0) !== 0x0800) return null;
    ipOff = 20;
    if (b[11] === 6 && sameMac(b, 12, rec.clientMac)) macA = 12;
  } else {
    return null;
  }
  if (b.length < ipOff + 20 || b[ipOff]! >> 4 !== 4) return null;
  let ihl = (b[ipOff]! & 15) * 4;
  if (b[ipOff + 9] === 4) {
    // IPIP (TUN): the outer header does not depend on the client; stamp the inner one.
    ipOff += ihl;
    if (b.length < ipOff + 20 || b[ipOff]! >> 4 !== 4) return null;
    ihl = (b[ipOff]! & 15) * 4;
  }
  if (b[ipOff + 9] !== 6 || (u16(b, ipOff + 6) & 0x3fff) !== 0) return null;
  const ipLen = u16(b, ipOff + 2);
  const tcpOff = ipOff + ihl;
  if (ipOff + ipLen > b.length || ipLen < ihl + 20) return null;
  const tcpLen = ipLen - ihl;
  const doff = (b[tcpOff + 12]! >> 4) * 4;
  if (doff < 20 || doff > tcpLen) return null;
  const flags = b[tcpOff + 13]!;
  if (flags & F_RST) return null;
  const srcIp = u32(b, ipOff + 12), dstIp = u32(b, ipOff + 16);
  const sport = u16(b, tcpOff), dport = u16(b, tcpOff + 2);
  let client: boolean;
  if (srcIp === rec.clientIp && sport === rec.clientPort) client = true;
  else if (dstIp === rec.clientIp && dport === rec.clientPort) client = false;
  else return null;
  let tsOff = -1;
  for (let o = tcpOff + 20; o < tcpOff + doff;) {
    const kind = b[o]!;
    if (kind === 0) break;
    if (kind === 1) { o++; continue; }
    const l = b[o + 1]!;
    if (l < 2 || o + l > tcpOff + doff) return null;
    if (kind === TCPOPT_SACK || kind === TCPOPT_TOA) return null;
    if (kind === TCPOPT_TS && l === 10) tsOff = o + 2;
    o += l;
  }
  const cipOff = ipOff + (client ? 12 : 16);
  const portOff = tcpOff + (client ? 0 : 2);
  // The IPv4 header without checksum, client address and ID.
  const hdr = b.slice(ipOff, ipOff + ihl);
  hdr.fill(0, 10, 12);
  hdr.fill(0, client ? 12 : 16, client ? 16 : 20);
  hdr.fill(0, 4, 6);
  const ipBase = sum16(hdr, 0, ihl);
  // Pseudo-header (the other address, protocol, length) plus the segment without the stamped words.
  const seg = b.slice(tcpOff, tcpOff + tcpLen);
  seg.fill(0, 16, 18);
  seg.fill(0, client ? 0 : 2, client ? 2 : 4);
  seg.fill(0, 4, 12);
  if (tsOff >= 0) seg.fill(0, tsOff - tcpOff, tsOff - tcpOff + 8);
  const other = client ? dstIp : srcIp;
  const tcpBase = fold(sum16(seg, 0, tcpLen) + (other >>> 16) + (other & 0xffff) + 6 + tcpLen);
  const id = u16(b, ipOff + 4);
  return {
    dt, bytes: b, len: b.length, client, ipOff, cipOff, portOff, tcpOff, tsOff,
    seq: u32(b, tcpOff + 4), ack: u32(b, tcpOff + 8), ackFlag: (flags & F_ACK) !== 0,
    id, idFixed: !client && id === 0 && (flags & F_SYN) !== 0,
    tsval: tsOff >= 0 ? u32(b, tsOff) : 0, tsecr: tsOff >= 0 ? u32(b, tsOff + 4) : 0,
    ipBase, tcpBase, macA, macB, note,
  };
}

/**
 * A finished connection as a template, or null when it cannot be stamped faithfully (a reset,
 * an ICMP error, a retransmitted SYN, a finding, FULLNAT's TOA and sequence rewriting, ...).
 */
export function makeTemplate(rec: Recording, linkType: number, serverTsOffset: number): Template | null {
  if (rec.tainted || rec.why === null || rec.flow.realServer === null) return null;
  const steps: Step[] = [];
  let syns = 0;
  let lastRow = '';
  for (const s of rec.steps) {
    const dt = s.t - rec.start;
    if (s.kind === 'ipvs') {
      const row = tcpFlagRow(s.flags) ?? 'none';
      if (!s.out && s.flags.syn === true && s.flags.ack !== true) {
        syns++;
        if (syns > 1 || steps.some((x) => x.ipvs !== null)) return null;
        lastRow = `in:${row}`;
        continue; // scheduling happens when the stamped connection starts
      }
      if (syns === 0) return null;
      const client = s.out ? s.dst === rec.clientIp && s.dport === rec.clientPort : s.src === rec.clientIp && s.sport === rec.clientPort;
      if (!client) return null;
      const key = `${s.out ? 'out' : 'in'}:${row}`;
      if (key === lastRow) continue;
      lastRow = key;
      const peer = s.out ? s.src : s.dst;
      steps.push({ dt, frame: null, ipvs: { dt, out: s.out, flags: s.flags, bytes: s.bytes, peer, peerText: formatIpv4(peer), peerPort: s.out ? s.sport : s.dport } });
    } else {
      const f = frameStep(rec, dt, s.bytes, s.note, linkType);
      if (f === null) return null;
      steps.push({ dt, frame: f, ipvs: null });
    }
  }
  if (syns !== 1) return null;
  const ipText = formatIpv4(rec.clientIp);
  const alts = [`${escapeRe(ipText)}:${rec.clientPort}(?![0-9])`, `${escapeRe(ipText)}(?![0-9])`, `(?<![\\w-])${escapeRe(rec.clientName)}(?![\\w-])`, escapeRe(rec.why)];
  return {
    steps, start: rec.start, clientIp: rec.clientIp, clientPort: rec.clientPort, clientName: rec.clientName,
    clientTsOffset: rec.clientTsOffset, serverTsOffset, why: rec.why, noteRe: new RegExp(alts.join('|'), 'g'),
  };
}

