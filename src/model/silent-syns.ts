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
import { ClientRecords, KEY_PORT } from './tuple-map.js';

/** A copy of the same SYN within this gap is another hop's copy of it (the director's forward), not a retransmission. */
const RETRANSMIT_GAP = 0.2;
/** Enough to explain a capture, bounded for a SYN flood. */
const MAX_TRACKED = 100_000;
const MAX_FRAMES = 8;

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

/**
 * A client's record (tuple-map.ts), after its key: the address it connected to (its AddressIds id)
 * and port ("vip:port" is built only for the report), the SYN's ISN (as int32, as compared), the
 * time of its last copy, the frame of its first, and COUNTS: copies seen (the director's forwards
 * included), retransmissions, and whether anything answered it.
 */
const DST = 2, ISN = 3, FIRST_N = 6, COUNTS = 7;
const F_LAST_T = 2;
/** In KEY_PORT's high 16 bits. */
const DPORT_SHIFT = 16;
/**
 * COUNTS: copies in the low 16 bits, retransmissions in the next 15, ANSWERED the top bit. Each
 * count stops at its most: beyond MAX_SYN_RETRIES retransmissions, or 4 × that many copies, a SYN
 * is not reported whatever the exact count, and one that is reported has both below their most.
 */
const COPIES = 0xffff;
const RETX_ONE = 1 << 16, RETX_MAX = 0x7fff;
const ANSWERED = 1 << 31;

export class SilentSyns {
  /**
   * Per client (address id, port), one slot and record: this runs on every SYN and every
   * connection's end, so a SYN allocates nothing but a chunk of records now and then.
   */
  private readonly tries = new ClientRecords(MAX_TRACKED);
  private readonly addrs: AddressIds;
  private answeredAny = false;
  /** Frames of a SYN's retransmissions (few, and rare), per slot; its first is FIRST_N. */
  private readonly later = new Map<number, number[]>();
  /** Slots whose SYN was sent again (retransmissions > 0): while there are none, none is reported. */
  private retrying = 0;
  /**
   * The real server the director sent it to and the service's method, when the engine knows them:
   * kept only for a SYN not answered by then (the few that matter), not in two fields per client.
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
      const tries = this.tries;
      const t = tries.find(d, p.dport);
      const e = t < 0 ? 0 : tries.at(t);
      if (t >= 0 && (tries.i32[e + COUNTS]! & ANSWERED) === 0) { tries.i32[e + COUNTS] = tries.i32[e + COUNTS]! | ANSWERED; this.answeredAny = true; }
      else if ((f & SYN) !== 0) this.answeredAny = true;
    }
  }

  private syn(p: Packet, s: number, d: number): void {
    const tries = this.tries;
    const isn = p.seq | 0;
    let t = tries.find(s, p.sport);
    let e: number;
    if (t < 0) {
      if (tries.size >= MAX_TRACKED) return;
      t = tries.add(s, p.sport);
      e = tries.at(t);
    } else {
      e = tries.at(t);
      const r = tries.i32;
      if (r[e + ISN] === isn) {
        let w = r[e + COUNTS]!;
        if ((w & COPIES) !== COPIES) w++;
        const f = tries.f64;
        const g = (e >> 1) + F_LAST_T;
        if (p.t - f[g]! >= RETRANSMIT_GAP) {
          const retransmits = (w >>> 16) & RETX_MAX;
          if (retransmits === 0) this.retrying++;
          if (retransmits !== RETX_MAX) w += RETX_ONE;
          let more = this.later.get(t);
          if (more === undefined) { more = []; this.later.set(t, more); }
          if (more.length < MAX_FRAMES - 1) more.push(p.n);
        }
        r[e + COUNTS] = w;
        f[g] = p.t;
        return;
      }
      // Another SYN from the port: a new connection starts afresh.
      this.later.delete(t);
      if ((r[e + COUNTS]! & (RETX_MAX << 16)) !== 0) this.retrying--;
      if (this.seen.size > 0) this.seen.delete(t);
    }
    const r = tries.i32;
    r[e + KEY_PORT] = p.sport | (p.dport << DPORT_SHIFT);
    r[e + DST] = d; r[e + ISN] = isn; r[e + FIRST_N] = p.n; r[e + COUNTS] = 1;
    tries.f64[(e >> 1) + F_LAST_T] = p.t;
  }

  /**
   * The engine's view of a connection when it ends: the real server it was sent to, and whether the
   * client went on with the handshake (its ACK answers the SYN even where the SYN-ACK is not seen).
   */
  flowSeen(cip: string, cport: number, rs: string | null, method: ForwardingMethod, clientAcked: boolean): void {
    const id = this.addrs.peek(cip);
    const tries = this.tries;
    const t = id < 0 ? -1 : tries.find(id, cport);
    if (t < 0) return;
    const e = tries.at(t);
    const r = tries.i32;
    if (clientAcked && (r[e + COUNTS]! & ANSWERED) === 0) { r[e + COUNTS] = r[e + COUNTS]! | ANSWERED; this.answeredAny = true; }
    // An answered SYN is never reported, and a new one on this port starts afresh.
    if (rs !== null && (r[e + COUNTS]! & ANSWERED) === 0) this.seen.set(t, { rs, method });
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
    const tries = this.tries;
    for (let t = 0; t < tries.size; t++) {
      const e = tries.at(t);
      const r = tries.i32;
      const w = r[e + COUNTS]!;
      const retransmits = (w >>> 16) & RETX_MAX;
      if ((w & ANSWERED) !== 0 || retransmits === 0 || !backoffLike(retransmits, w & COPIES)) continue;
      const known = this.seen.get(t) ?? null;
      const rs = known?.rs ?? `${this.addrs.text(r[e + DST]!)}:${r[e + KEY_PORT]! >>> DPORT_SHIFT}`;
      let g = by.get(rs);
      if (g === undefined) {
        g = { rs, rsKnown: known !== null, method: known?.method ?? 'unknown', connections: 0, retransmits: 0, frames: [] };
        by.set(rs, g);
      }
      g.connections++;
      g.retransmits += retransmits;
      if (g.frames.length < MAX_FRAMES) g.frames.push(r[e + FIRST_N]! >>> 0);
      for (const n of this.later.get(t) ?? []) if (g.frames.length < MAX_FRAMES) g.frames.push(n);
    }
    return [...by.values()];
  }
}
