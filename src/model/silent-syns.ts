/**
 * Unanswered SYN retransmissions: the client sent a SYN, got neither SYN-ACK nor RST, and sent the
 * same SYN again (same client ip:port, same ISN, after its retransmission timer: 1 s, then 3 s…).
 * This holds whether or not the service answered anything else, and from any capture point that
 * sees the client's side; a reply seen anywhere in the capture (SYN-ACK or RST to that client
 * ip:port) means the server did answer, so a reply lost on its way back is reported by the rules
 * that see the way it took (dr-reply-via-director, nat-reply-bypasses-director), not here.
 */
import type { ForwardingMethod } from '../ipvs/report.js';
import { ACK, RST, SYN, type Packet } from './packet.js';

/** A copy of the same SYN within this gap is another hop's copy of it (the director's forward), not a retransmission. */
const RETRANSMIT_GAP = 0.2;
/** Enough to explain a capture, bounded for a SYN flood. */
const MAX_TRACKED = 100_000;
const MAX_FRAMES = 8;

interface SynTry {
  /** The address the client connected to and its port; "vip:port" is built only for the report. */
  readonly dst: string;
  readonly dport: number;
  isn: number;
  lastT: number;
  /** Frames of the first SYN and of each retransmission. */
  frames: number[];
  retransmits: number;
  /** Every copy seen, the director's forwards included. */
  copies: number;
  answered: boolean;
  /** The real server the director sent it to and the service's method, when the engine knows them. */
  rs: string | null;
  method: ForwardingMethod;
}

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
function backoffLike(t: SynTry): boolean {
  return t.retransmits <= MAX_SYN_RETRIES && t.copies <= COPIES_PER_SEND * (t.retransmits + 1);
}
const MAX_SYN_RETRIES = 15;
const COPIES_PER_SEND = 4;

export class SilentSyns {
  /** Keyed by client (address id, port) as one number: this runs on every SYN and every connection's end. */
  private readonly tries = new Map<number, SynTry>();
  /** Client address → a small id (addresses are cached strings: one probe). */
  private readonly addrIds = new Map<string, number>();
  private answeredAny = false;

  /** The key of a client ip:port; -1 when the address has no id yet (so no SYN of it is tracked). */
  private key(ip: string, port: number, create: boolean): number {
    let id = this.addrIds.get(ip);
    if (id === undefined) {
      if (!create) return -1;
      id = this.addrIds.size;
      this.addrIds.set(ip, id);
    }
    return id * 65536 + port;
  }

  /** Every TCP packet (the inner one of a tunnel). */
  observe(p: Packet): void {
    const f = p.flags;
    if ((f & SYN) !== 0 && (f & ACK) === 0) this.syn(p);
    else if ((f & SYN) !== 0 || (f & RST) !== 0) {
      // A SYN-ACK or RST going to the client answers its SYN, from whichever server or hop.
      const k = this.key(p.dst, p.dport, false);
      const t = k < 0 ? undefined : this.tries.get(k);
      if (t !== undefined && !t.answered) { t.answered = true; this.answeredAny = true; }
      else if ((f & SYN) !== 0) this.answeredAny = true;
    }
  }

  private syn(p: Packet): void {
    const key = this.key(p.src, p.sport, true);
    const t = this.tries.get(key);
    if (t === undefined || t.isn !== p.seq) {
      if (t === undefined && this.tries.size >= MAX_TRACKED) return;
      const fresh: SynTry = {
        dst: p.dst, dport: p.dport, isn: p.seq, lastT: p.t, frames: [p.n],
        retransmits: 0, copies: 1, answered: false, rs: null, method: 'unknown',
      };
      this.tries.set(key, fresh);
      return;
    }
    t.copies++;
    if (p.t - t.lastT >= RETRANSMIT_GAP) {
      t.retransmits++;
      if (t.frames.length < MAX_FRAMES) t.frames.push(p.n);
    }
    t.lastT = p.t;
  }

  /**
   * The engine's view of a connection when it ends: the real server it was sent to, and whether the
   * client went on with the handshake (its ACK answers the SYN even where the SYN-ACK is not seen).
   */
  flowSeen(cip: string, cport: number, rs: string | null, method: ForwardingMethod, clientAcked: boolean): void {
    const k = this.key(cip, cport, false);
    const t = k < 0 ? undefined : this.tries.get(k);
    if (t === undefined) return;
    if (rs !== null) { t.rs = rs; t.method = method; }
    if (clientAcked && !t.answered) { t.answered = true; this.answeredAny = true; }
  }

  /** True when no SYN in the capture was answered at all: every connection failed. */
  get noneAnswered(): boolean {
    return !this.answeredAny;
  }

  /** Unanswered, retransmitted SYNs, one entry per real server (or per address connected to). */
  silent(): SilentRs[] {
    const by = new Map<string, { rs: string; rsKnown: boolean; method: ForwardingMethod; connections: number; retransmits: number; frames: number[] }>();
    for (const t of this.tries.values()) {
      if (t.answered || t.retransmits === 0 || !backoffLike(t)) continue;
      const rs = t.rs ?? `${t.dst}:${t.dport}`;
      let g = by.get(rs);
      if (g === undefined) {
        g = { rs, rsKnown: t.rs !== null, method: t.method, connections: 0, retransmits: 0, frames: [] };
        by.set(rs, g);
      }
      g.connections++;
      g.retransmits += t.retransmits;
      for (const n of t.frames) if (g.frames.length < MAX_FRAMES) g.frames.push(n);
    }
    return [...by.values()];
  }
}

