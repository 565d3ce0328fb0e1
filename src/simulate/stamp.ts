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
import { formatIpv4 } from '../wire/address.js';
import type { DirectorGlue } from './director.js';
import { MinHeap } from './heap.js';
import { SEC } from './net.js';
import type { Flow } from './packet.js';
import type { PcapBatch } from './pcap-batch.js';
import { fold, type FrameStep, type IpvsStep, type Template } from './stamp-template.js';

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
  /** Ordered on (time, start order), as the event queue is. */
  private readonly heap = new MinHeap<Active>((x, y) => x.t < y.t || (x.t === y.t && x.seq < y.seq));
  private seq = 0;
  private readonly o: StamperOptions;
  private readonly scratch = new Uint8Array(65536 + 64);
  /** Connections started by stamping. */
  started = 0;

  constructor(o: StamperOptions) {
    this.o = o;
  }

  get pending(): number {
    return this.heap.size;
  }

  start(tpl: Template, at: number, p: StampParams): void {
    this.started++;
    if (tpl.steps.length === 0) return;
    const a = new Active(this.seq++, tpl, at, p);
    a.t = a.base + tpl.steps[0]!.dt;
    this.heap.push(a);
  }

  /** Writes everything before time `limit`; true once the frame limit is reached. */
  drain(limit: number): boolean {
    const h = this.heap;
    const o = this.o;
    const count = o.count;
    for (let a = h.peek(); a !== undefined; a = h.peek()) {
      if (count.frames >= o.maxFrames) return true;
      if (a.t >= limit) return false;
      const st = a.tpl.steps[a.i]!;
      if (st.frame !== null) this.frame(a, st.frame);
      else this.ipvs(a, st.ipvs!);
      a.i++;
      if (a.i < a.tpl.steps.length) {
        a.t = a.base + a.tpl.steps[a.i]!.dt;
        h.topMovedLater();
      } else {
        h.pop();
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
}
