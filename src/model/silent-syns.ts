/**
 * Unanswered SYN retransmissions: the client sent a SYN, got neither SYN-ACK nor RST, and sent the
 * same SYN again (same client ip:port, same ISN, after its retransmission timer: 1 s, then 3 s…).
 * This holds whether or not the service answered anything else, and from any capture point that
 * sees the client's side; a reply seen anywhere in the capture (SYN-ACK or RST to that client
 * ip:port) means the server did answer, so a reply lost on its way back is reported by the rules
 * that see the way it took (dr-reply-via-director, nat-reply-bypasses-director), not here.
 */
import type { ForwardingMethod } from '../ipvs/report.js';
import type { AddressIds } from './flow-table.js';
import { ACK, RST, SYN, type Packet } from './packet.js';
import { TupleIndex, grownF64, grownI32, grownU8 } from './tuple-map.js';

/** A copy of the same SYN within this gap is another hop's copy of it (the director's forward), not a retransmission. */
const RETRANSMIT_GAP = 0.2;
/** Enough to explain a capture, bounded for a SYN flood. */
const MAX_TRACKED = 100_000;
const MAX_FRAMES = 8;
const FIRST = 512;

export interface SilentRs {
  /** The real server (RIP or MAC), or the address the client connected to when no forward was seen. */
  readonly rs: string;
  readonly rsKnown: boolean;
  readonly method: ForwardingMethod;
  readonly connections: number;
  readonly retransmits: number;
  readonly frames: readonly number[];
}

/**
 * A client's SYN retransmissions back off (1 s, 3 s, 7 s…; net.ipv4.tcp_syn_retries 6 by default),
 * each seen at most a few times (the client's copy, the director's forward, a gateway's). The same
 * SYN sent hundreds of times at a steady rate comes from a packet generator, not from a client.
 */
function backoffLike(retransmits: number, copies: number): boolean {
  return retransmits <= MAX_SYN_RETRIES && copies <= COPIES_PER_SEND * (retransmits + 1);
}
const MAX_SYN_RETRIES = 15;
const COPIES_PER_SEND = 4;

export class SilentSyns {
  /**
   * Per client (address id, port), one slot of the arrays below: this runs on every SYN and every
   * connection's end, so a SYN allocates nothing but the arrays' growth.
   */
  private readonly tries = new TupleIndex();
  private readonly addrs: AddressIds;
  private answeredAny = false;
  private cap = FIRST;
  /** The address the client connected to (its AddressIds id) and its port; "vip:port" is built only for the report. */
  private dst = new Int32Array(FIRST);
  private dport = new Int32Array(FIRST);
  private isn = new Float64Array(FIRST);
  private lastT = new Float64Array(FIRST);
  /** Frame of the first SYN; those of its retransmissions (few, and rare) in `later`. */
  private firstN = new Float64Array(FIRST);
  private readonly later = new Map<number, number[]>();
  private retransmits = new Int32Array(FIRST);
  /** Every copy seen, the director's forwards included. */
  private copies = new Int32Array(FIRST);
  private answered = new Uint8Array(FIRST);
  /** Slots whose SYN was sent again (retransmits > 0): while there are none, none is reported. */
  private retrying = 0;
  /**
   * The real server the director sent it to and the service's method, when the engine knows them:
   * kept only for a SYN not answered by then (the few that matter), not in two arrays per client.
   */
  private readonly seen = new Map<number, { readonly rs: string; readonly method: ForwardingMethod }>();

  /** `addrs`: the engine's address ids, the same the packets' ids given to `observe` come from. */
  constructor(addrs: AddressIds) {
    this.addrs = addrs;
  }

  /** Every TCP packet (the inner one of a tunnel); `s`, `d`: its addresses' ids. */
  observe(p: Packet, s: number, d: number): void {
    const f = p.flags;
    if ((f & SYN) !== 0 && (f & ACK) === 0) this.syn(p, s, d);
    else if ((f & SYN) !== 0 || (f & RST) !== 0) {
      // A SYN-ACK or RST going to the client answers its SYN, from whichever server or hop.
      const t = this.tries.find(d, p.dport, 0, 0);
      if (t >= 0 && this.answered[t] === 0) { this.answered[t] = 1; this.answeredAny = true; }
      else if ((f & SYN) !== 0) this.answeredAny = true;
    }
  }

  private syn(p: Packet, s: number, d: number): void {
    let t = this.tries.find(s, p.sport, 0, 0);
    if (t < 0 || this.isn[t] !== p.seq) {
      if (t < 0) {
        if (this.tries.size >= MAX_TRACKED) return;
        t = this.tries.add(s, p.sport, 0, 0);
        if (t >= this.cap) this.grow();
      } else {
        this.later.delete(t);
      }
      this.dst[t] = d; this.dport[t] = p.dport; this.isn[t] = p.seq; this.lastT[t] = p.t; this.firstN[t] = p.n;
      if (this.retransmits[t]! > 0) this.retrying--;
      this.retransmits[t] = 0; this.copies[t] = 1; this.answered[t] = 0;
      if (this.seen.size > 0) this.seen.delete(t);
      return;
    }
    this.copies[t] = this.copies[t]! + 1;
    if (p.t - this.lastT[t]! >= RETRANSMIT_GAP) {
      if (this.retransmits[t] === 0) this.retrying++;
      this.retransmits[t] = this.retransmits[t]! + 1;
      let more = this.later.get(t);
      if (more === undefined) { more = []; this.later.set(t, more); }
      if (more.length < MAX_FRAMES - 1) more.push(p.n);
    }
    this.lastT[t] = p.t;
  }

  /**
   * The engine's view of a connection when it ends: the real server it was sent to, and whether the
   * client went on with the handshake (its ACK answers the SYN even where the SYN-ACK is not seen).
   */
  flowSeen(cip: string, cport: number, rs: string | null, method: ForwardingMethod, clientAcked: boolean): void {
    const id = this.addrs.peek(cip);
    const t = id < 0 ? -1 : this.tries.find(id, cport, 0, 0);
    if (t < 0) return;
    if (clientAcked && this.answered[t] === 0) { this.answered[t] = 1; this.answeredAny = true; }
    // An answered SYN is never reported, and a new one on this port starts afresh.
    if (rs !== null && this.answered[t] === 0) this.seen.set(t, { rs, method });
  }

  /**
   * Nothing `flowSeen` says can change what is reported, once no SYN is to come (the end of the
   * capture): a SYN was answered already, and none was sent again (only those are reported).
   * Saves a lookup per connection still open at the end, tens of thousands on a busy capture.
   */
  get settled(): boolean {
    return this.answeredAny && this.retrying === 0;
  }

  /** True when no SYN in the capture was answered at all: every connection failed. */
  get noneAnswered(): boolean {
    return !this.answeredAny;
  }

  /** Unanswered, retransmitted SYNs, one entry per real server (or per address connected to). */
  silent(): SilentRs[] {
    const by = new Map<string, { rs: string; rsKnown: boolean; method: ForwardingMethod; connections: number; retransmits: number; frames: number[] }>();
    for (let t = 0; t < this.tries.size; t++) {
      const retransmits = this.retransmits[t]!;
      if (this.answered[t] !== 0 || retransmits === 0 || !backoffLike(retransmits, this.copies[t]!)) continue;
      const known = this.seen.get(t) ?? null;
      const rs = known?.rs ?? `${this.addrs.text(this.dst[t]!)}:${this.dport[t]}`;
      let g = by.get(rs);
      if (g === undefined) {
        g = { rs, rsKnown: known !== null, method: known?.method ?? 'unknown', connections: 0, retransmits: 0, frames: [] };
        by.set(rs, g);
      }
      g.connections++;
      g.retransmits += retransmits;
      if (g.frames.length < MAX_FRAMES) g.frames.push(this.firstN[t]!);
      for (const n of this.later.get(t) ?? []) if (g.frames.length < MAX_FRAMES) g.frames.push(n);
    }
    return [...by.values()];
  }

  private grow(): void {
    this.cap *= 2;
    this.dst = grownI32(this.dst); this.dport = grownI32(this.dport); this.isn = grownF64(this.isn);
    this.lastT = grownF64(this.lastT); this.firstN = grownF64(this.firstN);
    this.retransmits = grownI32(this.retransmits); this.copies = grownI32(this.copies); this.answered = grownU8(this.answered);
  }
}
