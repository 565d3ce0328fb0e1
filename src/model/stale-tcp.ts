/**
 * A TCP connection black-holed by its IPVS connection entry. Every segment of a connection goes to
 * its entry's real server. When that server is removed (`ipvsadm -d`, a health checker), the
 * director drops the connection's segments without a word (expire_nodest_conn=0, the default): the
 * entry stays ESTABLISHED and, the dropped segments not restarting its timer, lingers until the
 * established timeout counted from the last segment it forwarded (ip_vs_in: `__ip_vs_conn_put`,
 * NF_DROP). A server still listed (or quiesced, weight 0) keeps getting them: the connection hangs
 * only if that server is down too.
 *
 * On the wire: an established connection, answered before; then the client sends its oldest
 * unanswered segment again and again, each time after a longer wait (the retransmission timeout
 * doubling), and nothing answers: no packet back, its own acknowledgement number never moves.
 * Where the capture sees the director's copies it tells which: the retransmissions reach the
 * director and it forwards none (as it forwarded the connection's earlier segments), or it
 * forwards them to a real server that stays silent. The watcher keeps the MACs that say so and
 * the end weighs them against the model's directors, so it needs nothing the model learns and may
 * run on the reading thread. A run ended by an answer was a loss or the server's own hiccup, not
 * the entry's, and is not reported.
 */
import { ACK, FIN, RST, SYN, type Packet } from './packet.js';
import { SLL_PACKET_TYPE } from '../wire/sll.js';
import {
  COLD_STALE_FIRST_GAP, COLD_STALE_GAP, FLAGS, KEY_B, KEY_PORTS, REC, STALE_ACKED, STALE_ACKNO, STALE_ANSWER_N, STALE_ANSWER_T,
  STALE_BITS, STALE_ESTABLISHED, STALE_FIRST_N, STALE_FIRST_T, STALE_FORWARDER, STALE_LAST_IPID, STALE_LAST_N, STALE_LAST_SEQ,
  STALE_LAST_SHAPE, STALE_LAST_T, STALE_NOT_BACKOFF, STALE_SEND_T, STALE_SENDS, STALE_SEQ, STALE_SERVER, type WatchRecords,
} from './watch-records.js';

/** The first sending and three retransmissions, spread over a second at least, before a run counts. */
const MIN_SENDS = 4;
const MIN_MS = 1000;
/** A gap shorter than this share of the one before is not a backoff (an application resending, not TCP). */
const SHRINK = 0.7;
/** The last gap at least this many times the first: the timeout grew. */
const GROWN = 1.5;
/**
 * Another sighting of the same packet (same sequence, length and flags, and IP ID) this soon, in
 * ms, is another hop's copy: a retransmission carries a new IP ID (IPv4), so with one the window
 * only guards against the ID wrapping; without one (IPv6, or 0) it must stay below the client's
 * tail loss probe (10 ms at the least, after an RTT).
 */
const COPY_MS = 1000;
const COPY_MS_NO_ID = 5;
const MAX_EPISODES = 20;
/** Distinct MACs the records may name (servers, forwarders): beyond, a record names none. */
const MAX_MACS = 1024;

/**
 * A followed connection's numbers, as 32-bit integers (sequence numbers wrapped to int32 alike,
 * times in ms since the first connection followed), in the record of its slot in the fault
 * watchers' shared WatchRecords, beside the other watchers' (its virtual address and port are the
 * record's tuple). STALE_LAST_SEQ/LAST_IPID/LAST_SHAPE/LAST_T: the client's last packet (payload ×
 * 256 + flags) to tell a copy from a new sending; ACKNO its acknowledgement number;
 * ANSWER_T/ANSWER_N the server's last word (a packet back, or the client acknowledging something
 * new; ANSWER_N 0: none yet). The open run: SENDS how often its segment SEQ was sent (0: no run),
 * FIRST_T/FIRST_N its first sending, SEND_T the last, LAST_N its last packet; GAP and FIRST_GAP,
 * the last and first gap, are in the slot's cold record (made at its first retransmission). SERVER: the server's identity (the source of its packets, else where
 * the first copy of a client segment was sent), FORWARDER: that copy's sender; both as indexes
 * into `macs`. Flag bits: ESTABLISHED (the client acknowledged the handshake), ACKED (ACKNO holds
 * a value), NOT_BACKOFF (a gap shrank).
 */

/**
 * A black-holed run as plain data (it may cross from the reading thread): the numbers, and the
 * MACs that say where the capture saw the segments, for the end to weigh against the model's
 * directors (rules/stale-entry.ts).
 */
export interface StaleTcpEpisode {
  readonly client: string;
  readonly virtual: string;
  /** The server's identity: the source MAC (or address) of its packets, else where the first copy of a client segment was sent; '' when neither was seen. */
  readonly server: string;
  /** The sender of the first copy of one of the connection's client segments (another hop forwarding it); '' when none. */
  readonly forwarder: string;
  /**
   * The retransmissions: the source and destination MAC of their first sighting (TO_CAPTURING_HOST
   * in a cooked capture, delivered to its host), and the sender of a copy of one ('' when none).
   */
  readonly runFrom: string;
  readonly runTo: string;
  readonly runCopy: string;
  readonly sent: number;
  readonly seconds: number;
  readonly firstGap: number;
  readonly lastGap: number;
  /** Another connection of the same virtual service heard from its server after the run began. */
  readonly othersAnswered: boolean;
  /** The server's last word before the run, its first sending, the client's last packet. */
  readonly frames: readonly number[];
}

/** `runTo` of a retransmission a cooked capture saw delivered to its own host. */
export const TO_CAPTURING_HOST = 'capturing host';

/** A connection that retransmitted: its names, and where its retransmissions were seen. */
interface RunNames {
  readonly client: string;
  readonly virtual: string;
  from: string;
  to: string;
  copy: string;
}

/** A run kept for the end: its connection's slot, names, a copy of its record, and its gaps. */
interface Held {
  readonly slot: number;
  readonly names: RunNames;
  readonly rec: Int32Array;
  readonly gap: number;
  readonly firstGap: number;
}

/**
 * Per connection (client ip:port → virtual ip:port, from the client's SYN), its record in the fault
 * watchers' shared WatchRecords; fault-watch.ts follows the same connections for this watcher as
 * for the idle one, each slot started once. Nothing is allocated per packet: a connection's first
 * retransmission (rare) gets a small record of names.
 */
export class StaleConnections {
  /** Times are kept in ms since this (the first SYN followed), as int32. */
  private base = -1;
  /**
   * The MACs (or addresses) the records name, each once: a capture shows few servers and fewer
   * forwarders. Index 0 is '' (none seen, or the table full: then nothing is claimed from it).
   */
  private readonly macs: string[] = [''];
  private readonly runs = new Map<number, RunNames>();
  /** Runs that qualified and that the client gave up on (RST, or a new SYN on the port). */
  private readonly ended: Held[] = [];

  /** The records, read again at the end. */
  private readonly recs: WatchRecords;

  constructor(recs: WatchRecords) {
    this.recs = recs;
  }

  /** The client's SYN of a connection the fault watchers start following in slot `c`, record `e` of `r` (its fields all zero). */
  start(r: Int32Array, e: number, p: Packet): void {
    if (this.base < 0) this.base = p.t;
    this.sighted(r, e, p, this.ms(p.t));
  }

  /** A packet of followed connection `c` (record `e` of `r`) from its client (or a copy of one on its way). */
  fromClient(c: number, r: Int32Array, e: number, p: Packet): void {
    const f = p.flags;
    const t = this.ms(p.t);
    if ((p.seq | 0) === r[e + STALE_LAST_SEQ] && p.ipId === r[e + STALE_LAST_IPID] && p.payload * 256 + f === r[e + STALE_LAST_SHAPE]
      && t - r[e + STALE_LAST_T]! < (p.ipId !== 0 ? COPY_MS : COPY_MS_NO_ID)) {
      // The packet just seen, further on: who sent it on is kept once per connection, and once per run.
      if (r[e + STALE_SENDS]! >= 2) {
        const run = this.runs.get(c)!;
        if (run.copy === '') run.copy = p.srcMac;
      } else if (r[e + STALE_FORWARDER] === 0) {
        r[e + STALE_FORWARDER] = this.macIndex(p.srcMac);
        if (r[e + STALE_SERVER] === 0) r[e + STALE_SERVER] = this.macIndex(p.dstMac);
      }
      return;
    }
    // This watcher's bits of the flag word, written back alone (a cold record made meanwhile sets another).
    let flags = r[e + FLAGS]!;
    if ((f & (SYN | RST)) !== 0) {
      // The client gave up: a reset, or a new connection on the same port.
      if (r[e + STALE_SENDS]! >= MIN_SENDS) this.keep(c, r, e);
      r[e + STALE_SENDS] = 0;
      if ((f & SYN) !== 0) flags &= ~STALE_BITS;
      r[e + FLAGS] = (r[e + FLAGS]! & ~STALE_BITS) | (flags & STALE_BITS);
      this.sighted(r, e, p, t);
      return;
    }
    if ((f & ACK) !== 0) {
      // The client acknowledging something new: the server's word reached it.
      const ack = p.ack | 0;
      if ((flags & STALE_ACKED) !== 0 && ack !== r[e + STALE_ACKNO]) this.answered(r, e, p, t);
      r[e + STALE_ACKNO] = ack;
      flags |= STALE_ACKED | STALE_ESTABLISHED;
    }
    if ((flags & STALE_ESTABLISHED) !== 0 && (p.payload > 0 || (f & FIN) !== 0)) {
      const sends = r[e + STALE_SENDS]!;
      if (sends === 0) {
        r[e + STALE_SEQ] = p.seq; r[e + STALE_SENDS] = 1; r[e + STALE_FIRST_T] = t; r[e + STALE_FIRST_N] = p.n; r[e + STALE_SEND_T] = t;
        flags &= ~STALE_NOT_BACKOFF;
      } else if ((p.seq | 0) === r[e + STALE_SEQ]) {
        const gap = t - r[e + STALE_SEND_T]!;
        const k = this.recs.cold(c);
        const ci = this.recs.ci32;
        if (sends === 1) ci[k + COLD_STALE_FIRST_GAP] = gap;
        else if (gap < ci[k + COLD_STALE_GAP]! * SHRINK) flags |= STALE_NOT_BACKOFF;
        ci[k + COLD_STALE_GAP] = gap; r[e + STALE_SEND_T] = t; r[e + STALE_SENDS] = sends + 1;
        this.retransmitted(c, p, sends === 1);
      }
    }
    r[e + FLAGS] = (r[e + FLAGS]! & ~STALE_BITS) | (flags & STALE_BITS);
    this.sighted(r, e, p, t);
  }

  /** A packet back to the client of a followed connection (record `e` of `r`). */
  fromServer(r: Int32Array, e: number, p: Packet): void {
    this.answered(r, e, p, this.ms(p.t));
    if ((p.flags & RST) === 0) {
      const id = p.srcMac === '' ? p.src : p.srcMac;
      if (this.macs[r[e + STALE_SERVER]!] !== id) r[e + STALE_SERVER] = this.macIndex(id);
    }
  }

  /** Runs that qualify: those the client gave up on, and those still open at the end. */
  episodes(): StaleTcpEpisode[] {
    const held = [...this.ended];
    const recs = this.recs;
    for (const [c, names] of this.runs) {
      const e = recs.at(c);
      if (recs.i32[e + STALE_SENDS]! >= MIN_SENDS) held.push(this.held(c, names, recs.i32, e));
    }
    const out: StaleTcpEpisode[] = [];
    for (const h of held) {
      if (out.length >= MAX_EPISODES) break;
      const ep = this.episode(h);
      if (ep !== null) out.push(ep);
    }
    return out;
  }

  private macIndex(mac: string): number {
    const m = this.macs;
    for (let i = 1; i < m.length; i++) if (m[i] === mac) return i;
    if (m.length >= MAX_MACS || mac === '') return 0;
    m.push(mac);
    return m.length - 1;
  }

  private ms(t: number): number {
    return Math.round((t - this.base) * 1000) | 0;
  }

  /** A retransmission's first sighting: where it was seen (names made once per connection). */
  private retransmitted(c: number, p: Packet, first: boolean): void {
    let run = this.runs.get(c);
    if (run === undefined) {
      run = { client: `${p.src}:${p.sport}`, virtual: `${p.dst}:${p.dport}`, from: '', to: '', copy: '' };
      this.runs.set(c, run);
    } else if (first) run.copy = '';
    run.from = p.srcMac;
    // A cooked (any) capture has no destination MAC: one delivered to the capturing host says where it went.
    run.to = p.dstMac !== '' || p.pktType !== SLL_PACKET_TYPE.HOST ? p.dstMac : TO_CAPTURING_HOST;
  }

  private episode(h: Held): StaleTcpEpisode | null {
    const r = h.rec;
    const sends = r[STALE_SENDS]!;
    const firstGap = h.firstGap;
    const lastGap = h.gap;
    if (sends < MIN_SENDS || r[STALE_SEND_T]! - r[STALE_FIRST_T]! < MIN_MS) return null;
    if ((r[FLAGS]! & STALE_NOT_BACKOFF) !== 0 || lastGap < firstGap * GROWN) return null;
    const frames = [r[STALE_ANSWER_N]!, r[STALE_FIRST_N]!, r[STALE_LAST_N]!].filter((n, i, a) => n > 0 && a.indexOf(n) === i);
    const c = h.slot;
    const n = h.names;
    return {
      client: n.client, virtual: n.virtual, server: this.macs[r[STALE_SERVER]!]!, forwarder: this.macs[r[STALE_FORWARDER]!]!,
      runFrom: n.from, runTo: n.to, runCopy: n.copy,
      sent: sends, seconds: Math.round((r[STALE_LAST_T]! - r[STALE_FIRST_T]!) / 100) / 10, firstGap: firstGap / 1000, lastGap: lastGap / 1000,
      othersAnswered: this.othersAnswered(c, r[KEY_B]!, r[KEY_PORTS]! & 0xffff, r[STALE_FIRST_T]!), frames,
    };
  }

  /** Another followed connection of the same virtual service (`virt`:`port`) heard from its server after `since` (ms). */
  private othersAnswered(slot: number, virt: number, port: number, since: number): boolean {
    const recs = this.recs;
    for (let c = 0; c < recs.size; c++) {
      const e = recs.at(c);
      const r = recs.i32;
      // Only this watcher's slots have an answer: the others' fields stay zero.
      if (c !== slot && r[e + STALE_ANSWER_N]! > 0 && r[e + KEY_B] === virt && (r[e + KEY_PORTS]! & 0xffff) === port && r[e + STALE_ANSWER_T]! > since) return true;
    }
    return false;
  }

  private answered(r: Int32Array, e: number, p: Packet, t: number): void {
    r[e + STALE_SENDS] = 0;
    r[e + STALE_ANSWER_T] = t;
    r[e + STALE_ANSWER_N] = p.n;
  }

  /** The client gave up on a run that may qualify: keep it as it stood. */
  private keep(c: number, r: Int32Array, e: number): void {
    const names = this.runs.get(c);
    if (names !== undefined && this.ended.length < MAX_EPISODES) this.ended.push(this.held(c, { ...names }, r, e));
  }

  /** Slot `c`'s run as it stands (record `e` of `r`). */
  private held(c: number, names: RunNames, r: Int32Array, e: number): Held {
    const rec = r.slice(e, e + REC);
    const k = this.recs.coldIfAny(c);
    return { slot: c, names, rec, gap: this.recs.ci32[k + COLD_STALE_GAP]!, firstGap: this.recs.ci32[k + COLD_STALE_FIRST_GAP]! };
  }

  private sighted(r: Int32Array, e: number, p: Packet, t: number): void {
    r[e + STALE_LAST_SEQ] = p.seq;
    r[e + STALE_LAST_IPID] = p.ipId;
    r[e + STALE_LAST_SHAPE] = p.payload * 256 + p.flags;
    r[e + STALE_LAST_T] = t;
    if (r[e + STALE_SENDS] !== 0) r[e + STALE_LAST_N] = p.n;
  }
}
