/**
 * Fast synthesis ("stamping") for bulk workloads. The full simulation runs the first connections;
 * each one it finishes cleanly becomes a template: the frames the capture point saw, with their
 * times from the client's connect(), and the IPVS lookups its packets caused. Later connections
 * are written as copies of a template with their own client address and port, ISNs, IP IDs, TCP
 * timestamps and times; the bytes are patched in place in the output buffer and the IP and TCP
 * checksums are recomputed from a per-frame sum of the unchanged words (RFC 1071: the sum is
 * order-free, so the unchanged part is summed once per template).
 *
 * The director's decisions stay the kernel model's: each stamped SYN is scheduled by src/ipvs at
 * the connection's start, the template of the chosen real server is used, and the IPVS lookups
 * that change a connection's state (a new flag class: SYN, ACK, FIN, RST, per direction) are
 * replayed at their times, so state counters (lc, wlc, ...) and the truth's states are kept.
 * Packets that would only refresh a timer are not replayed.
 */
import type { Connection } from '../ipvs/connection-table.js';
import type { VirtualService } from '../ipvs/service.js';
import { tcpFlagRow, type TcpFlags } from '../ipvs/tcp-states.js';
import { sum16 } from '../wire/checksum.js';
import { formatIpv4 } from '../wire/address.js';
import type { ByteSink } from '../capture/index.js';
import type { DirectorGlue } from './director.js';
import { SEC } from './net.js';
import type { Flow } from './packet.js';

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_LINUX_SLL2 = 276;

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

interface FrameStep {
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

interface IpvsStep {
  readonly dt: number;
  readonly out: boolean;
  readonly flags: TcpFlags;
  readonly bytes: number;
  /** The end that is not the client: the VIP (inbound) or the replying address (outbound). */
  readonly peer: number;
  readonly peerText: string;
  readonly peerPort: number;
}

interface Step {
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

function fold(s: number): number {
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
  if (linkType === LINKTYPE_ETHERNET) {
    if (b.length < 14 || u16(b, 12) !== 0x0800) return null;
    ipOff = 14;
    if (sameMac(b, 0, rec.clientMac)) macA = 0;
    if (sameMac(b, 6, rec.clientMac)) macB = 6;
  } else if (linkType === LINKTYPE_LINUX_SLL2) {
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

/** Classic pcap records written straight into 1 MiB chunks handed to the sink whole. */
export class PcapBatch {
  readonly buf = new Uint8Array(1 << 20);
  private readonly view = new DataView(this.buf.buffer);
  used = 0;
  private readonly sink: ByteSink;

  constructor(sink: ByteSink) {
    this.sink = sink;
  }

  /** Room for a record of `n` bytes (header included); returns where it starts. */
  reserve(n: number): number {
    if (this.used + n > this.buf.length) this.flush();
    return this.used;
  }

  header(at: number, sec: number, nsec: number, len: number): void {
    const v = this.view;
    v.setUint32(at, sec, true);
    v.setUint32(at + 4, nsec, true);
    v.setUint32(at + 8, len, true);
    v.setUint32(at + 12, len, true);
  }

  /** A frame built elsewhere (the full simulation's). */
  write(data: Uint8Array, sec: number, nsec: number): void {
    const at = this.reserve(16 + data.length);
    this.header(at, sec, nsec, data.length);
    this.buf.set(data, at + 16);
    this.used = at + 16 + data.length;
  }

  flush(): void {
    if (this.used === 0) return;
    this.sink.write(this.buf.subarray(0, this.used));
    this.used = 0;
  }
}

/** One stamped connection in progress. */
class Active {
  t = 0;
  i = 0;
  seq: number;
  readonly tpl: Template;
  readonly base: number;
  readonly cip: number;
  readonly cipText: string;
  readonly cport: number;
  readonly mac: Uint8Array;
  readonly dSeqC: number;
  readonly dSeqS: number;
  readonly dIdC: number;
  readonly dIdS: number;
  readonly dTsC: number;
  readonly dTsS: number;
  readonly flow: Flow;
  readonly conn: Connection;
  readonly service: VirtualService | null;
  readonly clientName: string;
  readonly why: string;

  constructor(seq: number, tpl: Template, start: number, p: StampParams) {
    this.seq = seq;
    this.tpl = tpl;
    this.base = start;
    this.cip = p.clientIp;
    this.cipText = formatIpv4(p.clientIp);
    this.cport = p.clientPort;
    this.mac = p.clientMac;
    this.dSeqC = p.seqShiftC;
    this.dSeqS = p.seqShiftS;
    this.dIdC = p.idShiftC;
    this.dIdS = p.idShiftS;
    const ms = Math.floor(start / 1e6) - Math.floor(tpl.start / 1e6);
    this.dTsC = p.clientTsOffset - tpl.clientTsOffset + ms;
    this.dTsS = p.serverTsOffset - tpl.serverTsOffset + ms;
    this.flow = p.flow;
    this.conn = p.conn;
    this.service = p.service;
    this.clientName = p.clientName;
    this.why = p.why;
  }
}

export interface StampParams {
  readonly clientIp: number;
  readonly clientPort: number;
  readonly clientMac: Uint8Array;
  readonly clientName: string;
  readonly clientTsOffset: number;
  readonly serverTsOffset: number;
  /**
   * Random shifts of each side's sequence numbers and IP IDs: a uniformly random shift of the
   * template's ISN is as random an ISN as the stack's own, and the capture point need not have
   * seen either ISN.
   */
  readonly seqShiftC: number;
  readonly seqShiftS: number;
  readonly idShiftC: number;
  readonly idShiftS: number;
  readonly flow: Flow;
  readonly conn: Connection;
  /** The virtual service that scheduled it (its counters). */
  readonly service: VirtualService | null;
  readonly why: string;
}

export interface StamperOptions {
  readonly glue: DirectorGlue;
  readonly startSec: number;
  /** Nanoseconds of the capture start within its second. */
  readonly startNs: number;
  /** Classic pcap output, or null for pcapng through `writeNg`. */
  readonly pcap: PcapBatch | null;
  readonly writeNg: ((data: Uint8Array, sec: number, nsec: number, note: string | null) => void) | null;
  readonly comments: boolean;
  readonly maxFrames: number;
  /** Shared with the full simulation's recorder. */
  readonly count: { frames: number };
  readonly onProgress?: (frames: number) => void;
}

/** The stamped connections in progress, written in time order on demand. */
export class Stamper {
  private readonly heap: Active[] = [];
  private seq = 0;
  private readonly o: StamperOptions;
  private readonly scratch = new Uint8Array(65536 + 64);
  /** Connections started by stamping. */
  started = 0;

  constructor(o: StamperOptions) {
    this.o = o;
  }

  get pending(): number {
    return this.heap.length;
  }

  start(tpl: Template, at: number, p: StampParams): void {
    this.started++;
    if (tpl.steps.length === 0) return;
    const a = new Active(this.seq++, tpl, at, p);
    a.t = a.base + tpl.steps[0]!.dt;
    const h = this.heap;
    h.push(a);
    this.up(h.length - 1);
  }

  /** Writes everything before time `limit`; true once the frame limit is reached. */
  drain(limit: number): boolean {
    const h = this.heap;
    const o = this.o;
    const count = o.count;
    while (h.length > 0) {
      if (count.frames >= o.maxFrames) return true;
      const a = h[0]!;
      if (a.t >= limit) return false;
      const st = a.tpl.steps[a.i]!;
      if (st.frame !== null) this.frame(a, st.frame);
      else this.ipvs(a, st.ipvs!);
      a.i++;
      if (a.i < a.tpl.steps.length) {
        a.t = a.base + a.tpl.steps[a.i]!.dt;
        this.down(0);
      } else {
        const last = h.pop()!;
        if (h.length > 0) { h[0] = last; this.down(0); }
      }
    }
    return count.frames >= o.maxFrames;
  }

  private ipvs(a: Active, s: IpvsStep): void {
    const g = this.o.glue;
    if (g.stampPacket(a.conn, a.service, s.out, s.flags, s.bytes, a.t)) return;
    if (s.out) g.stampOutbound(s.peerText, s.peerPort, a.cipText, a.cport, s.flags, s.bytes, a.t);
    else g.stampInbound(a.cipText, a.cport, s.peer, s.peerText, s.peerPort, s.flags, s.bytes, a.t);
  }

  private frame(a: Active, f: FrameStep): void {
    const o = this.o;
    const len = f.len;
    let b: Uint8Array;
    let at: number;
    const pcap = o.pcap;
    if (pcap !== null) {
      at = pcap.reserve(16 + len) + 16;
      b = pcap.buf;
    } else {
      at = 0;
      b = this.scratch;
    }
    b.set(f.bytes, at);
    const cip = a.cip;
    const cipHi = cip >>> 16, cipLo = cip & 0xffff;
    const client = f.client;
    // Client address and port.
    let p = at + f.cipOff;
    b[p] = cip >>> 24; b[p + 1] = (cip >>> 16) & 255; b[p + 2] = (cip >>> 8) & 255; b[p + 3] = cip & 255;
    const port = a.cport;
    p = at + f.portOff;
    b[p] = port >>> 8; b[p + 1] = port & 255;
    if (f.macA >= 0) b.set(a.mac, at + f.macA);
    if (f.macB >= 0) b.set(a.mac, at + f.macB);
    // IP ID and header checksum.
    const id = f.idFixed ? f.id : (f.id + (client ? a.dIdC : a.dIdS)) & 0xffff;
    p = at + f.ipOff;
    b[p + 4] = id >>> 8; b[p + 5] = id & 255;
    const ipSum = ~fold(f.ipBase + cipHi + cipLo + id) & 0xffff;
    b[p + 10] = ipSum >>> 8; b[p + 11] = ipSum & 255;
    // Sequence numbers, timestamps and the TCP checksum.
    const seq = (f.seq + (client ? a.dSeqC : a.dSeqS)) >>> 0;
    const ack = f.ackFlag ? (f.ack + (client ? a.dSeqS : a.dSeqC)) >>> 0 : f.ack;
    p = at + f.tcpOff;
    b[p + 4] = seq >>> 24; b[p + 5] = (seq >>> 16) & 255; b[p + 6] = (seq >>> 8) & 255; b[p + 7] = seq & 255;
    b[p + 8] = ack >>> 24; b[p + 9] = (ack >>> 16) & 255; b[p + 10] = (ack >>> 8) & 255; b[p + 11] = ack & 255;
    let sum = f.tcpBase + cipHi + cipLo + port + (seq >>> 16) + (seq & 0xffff) + (ack >>> 16) + (ack & 0xffff);
    if (f.tsOff >= 0) {
      const tsval = (f.tsval + (client ? a.dTsC : a.dTsS)) >>> 0;
      const tsecr = f.tsecr === 0 ? 0 : (f.tsecr + (client ? a.dTsS : a.dTsC)) >>> 0;
      const q = at + f.tsOff;
      b[q] = tsval >>> 24; b[q + 1] = (tsval >>> 16) & 255; b[q + 2] = (tsval >>> 8) & 255; b[q + 3] = tsval & 255;
      b[q + 4] = tsecr >>> 24; b[q + 5] = (tsecr >>> 16) & 255; b[q + 6] = (tsecr >>> 8) & 255; b[q + 7] = tsecr & 255;
      sum += (tsval >>> 16) + (tsval & 0xffff) + (tsecr >>> 16) + (tsecr & 0xffff);
    }
    const tcpSum = ~fold(sum) & 0xffff;
    b[p + 16] = tcpSum >>> 8; b[p + 17] = tcpSum & 255;

    const abs = o.startNs + a.t;
    const s = Math.floor(abs / SEC);
    const sec = o.startSec + s;
    const nsec = abs - s * SEC;
    if (pcap !== null) {
      pcap.header(at - 16, sec, nsec, len);
      pcap.used = at + len;
    } else {
      o.writeNg!(b.subarray(0, len), sec, nsec, o.comments ? this.note(a, f.note) : null);
    }
    const n = ++o.count.frames;
    const flow = a.flow;
    if (flow.firstFrame === 0) flow.firstFrame = n;
    flow.lastFrame = n;
    if (o.onProgress !== undefined && (n & 0xffff) === 0) o.onProgress(n);
  }

  /** The template's note told about this connection's client. */
  private note(a: Active, note: string): string {
    const t = a.tpl;
    const ipText = formatIpv4(t.clientIp);
    return note.replace(t.noteRe, (m) => {
      if (m === t.clientName) return a.clientName;
      if (m === ipText) return a.cipText;
      if (m === t.why) return a.why;
      return `${a.cipText}:${a.cport}`;
    });
  }

  private less(x: Active, y: Active): boolean {
    return x.t < y.t || (x.t === y.t && x.seq < y.seq);
  }

  private up(i: number): void {
    const h = this.heap;
    const e = h[i]!;
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (!this.less(e, h[p]!)) break;
      h[i] = h[p]!;
      i = p;
    }
    h[i] = e;
  }

  private down(i: number): void {
    const h = this.heap;
    const n = h.length;
    const e = h[i]!;
    for (;;) {
      const l = 2 * i + 1;
      if (l >= n) break;
      const r = l + 1;
      const c = r < n && this.less(h[r]!, h[l]!) ? r : l;
      if (!this.less(h[c]!, e)) break;
      h[i] = h[c]!;
      i = c;
    }
    h[i] = e;
  }
}

