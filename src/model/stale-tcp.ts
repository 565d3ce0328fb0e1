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
 * forwards them to a real server that stays silent. A run ended by an answer was a loss or the
 * server's own hiccup, not the entry's, and is not reported.
 */
import { ACK, FIN, RST, SYN, type Packet } from './packet.js';
import { grownF64, grownStrings } from './tuple-map.js';

/** The first sending and three retransmissions, spread over a second at least, before a run counts. */
const MIN_SENDS = 4;
const MIN_SECONDS = 1;
/** A gap shorter than this share of the one before is not a backoff (an application resending, not TCP). */
const SHRINK = 0.7;
/** The last gap at least this many times the first: the timeout grew. */
const GROWN = 1.5;
/** Another sighting of the same packet (same sequence, IP ID, length and flags) this soon is another hop's copy. */
const COPY_GAP = 0.2;
const MAX_EPISODES = 20;
const FIRST = 512;

/**
 * A followed connection's numbers side by side (two cache lines, the per-packet ones first).
 * LAST_ID/LAST_SHAPE/LAST_T/LAST_N: the client's last packet (sequence × 65536 + IP ID; payload ×
 * 256 + flags) to tell a copy from a new sending; ACK its acknowledgement number. The open run: SEQ
 * the segment sent again, SENDS how often (0: no run), FIRST_T/FIRST_N its first sending, SEND_T the
 * last, GAP and FIRST_GAP the last and first gap. ANSWER_T/ANSWER_N the server's last word (a packet
 * back, or the client acknowledging something new); VIRT the virtual address id × 65536 + port.
 */
const REC = 16;
const FLAGS = 0, LAST_ID = 1, LAST_SHAPE = 2, LAST_T = 3, LAST_N = 4, ACKNO = 5, SEQ = 6, SENDS = 7,
  FIRST_T = 8, FIRST_N = 9, SEND_T = 10, GAP = 11, FIRST_GAP = 12, ANSWER_T = 13, ANSWER_N = 14, VIRT = 15;
/**
 * MINE: this watcher follows the slot; ESTABLISHED: the client acknowledged the handshake; ACKED:
 * ACKNO holds a value; FWD_BEFORE: the capture saw the director forward the connection; FWD_RUN and
 * INPUT_RUN: a retransmission seen leaving the director, or arriving at it; NOT_BACKOFF: a gap shrank.
 */
const MINE = 1, ESTABLISHED = 2, ACKED = 4, FWD_BEFORE = 8, FWD_RUN = 16, INPUT_RUN = 32, NOT_BACKOFF = 64;

export interface StaleTcpEpisode {
  readonly client: string;
  readonly virtual: string;
  /** The server's identity (MAC, or address where the capture has none); '' when not seen. */
  readonly rsId: string;
  readonly sent: number;
  readonly seconds: number;
  readonly firstGap: number;
  readonly lastGap: number;
  readonly director: 'dropped' | 'forwarded' | 'unseen';
  readonly othersAnswered: boolean;
  readonly frames: readonly number[];
}

/** A connection whose run reached MIN_SENDS: its names, for the report. */
interface Named {
  readonly slot: number;
  readonly client: string;
  readonly virtual: string;
}

/** A run kept for the report: its connection and a copy of its record. */
interface Held extends Named {
  readonly rec: Float64Array;
}

/**
 * Per connection (client ip:port → virtual ip:port, from the client's SYN), one record at the slot
 * of its tuple in the fault watchers' shared TupleIndex; fault-watch.ts follows the same connections
 * for this watcher as for the idle one. Nothing is allocated per packet: a run that qualifies (rare)
 * keeps a copy of its record and its names.
 */
export class StaleConnections {
  private cap = FIRST;
  private rec = new Float64Array(FIRST * REC);
  /** The real server's identity: the source MAC of the server's packets, or where the director forwarded to. */
  private server: string[] = new Array<string>(FIRST).fill('');
  /** Runs that qualified and ended (the client gave up), and the open one per slot that qualified. */
  private readonly ended: Held[] = [];
  private readonly open = new Map<number, Named>();
  private readonly isDirectorMac: (mac: string) => boolean;

  constructor(isDirectorMac: (mac: string) => boolean) {
    this.isDirectorMac = isDirectorMac;
  }

  /** The client's SYN of a connection the fault watchers start following in slot `c`; `virt`: its virtual address id. */
  start(c: number, p: Packet, virt: number): void {
    while (c >= this.cap) this.grow();
    const e = c * REC;
    this.rec.fill(0, e, e + REC);
    this.rec[e + FLAGS] = MINE;
    this.rec[e + VIRT] = virt * 65536 + p.dport;
    this.sighted(e, p);
  }

  /** A packet of followed connection `c` from its client (or a copy of one on its way). */
  fromClient(c: number, p: Packet): void {
    const r = this.rec;
    const e = c * REC;
    const f = p.flags;
    let flags = r[e + FLAGS]!;
    if (p.seq * 65536 + p.ipId === r[e + LAST_ID] && p.payload * 256 + f === r[e + LAST_SHAPE] && p.t - r[e + LAST_T]! < COPY_GAP) {
      // The packet just seen, further on: whether the director forwarded it is checked only until known.
      if (r[e + SENDS]! >= 2) {
        if ((flags & FWD_RUN) === 0 && this.isDirectorMac(p.srcMac)) r[e + FLAGS] = flags | FWD_RUN;
      } else if ((flags & FWD_BEFORE) === 0 && this.isDirectorMac(p.srcMac)) {
        r[e + FLAGS] = flags | FWD_BEFORE;
        if (this.server[c] === '') this.server[c] = p.dstMac;
      }
      return;
    }
    if ((f & (SYN | RST)) !== 0) {
      // The client gave up: a reset, or a new connection on the same port.
      if (r[e + SENDS]! > 0) this.endRun(c, e);
      if ((f & SYN) !== 0) flags = MINE;
      r[e + FLAGS] = flags;
      this.sighted(e, p);
      return;
    }
    if ((f & ACK) !== 0) {
      // The client acknowledging something new: the server's word reached it.
      if ((flags & ACKED) !== 0 && p.ack !== r[e + ACKNO]) this.answered(e, p);
      r[e + ACKNO] = p.ack;
      flags |= ACKED | ESTABLISHED;
    }
    if ((flags & ESTABLISHED) !== 0 && (p.payload > 0 || (f & FIN) !== 0)) {
      const sends = r[e + SENDS]!;
      if (sends === 0) {
        r[e + SEQ] = p.seq; r[e + SENDS] = 1; r[e + FIRST_T] = p.t; r[e + FIRST_N] = p.n; r[e + SEND_T] = p.t;
        r[e + GAP] = 0; r[e + FIRST_GAP] = 0;
        flags &= ~(FWD_RUN | INPUT_RUN | NOT_BACKOFF);
      } else if (p.seq === r[e + SEQ]) {
        const gap = p.t - r[e + SEND_T]!;
        if (sends === 1) r[e + FIRST_GAP] = gap;
        else if (gap < r[e + GAP]! * SHRINK) flags |= NOT_BACKOFF;
        r[e + GAP] = gap; r[e + SEND_T] = p.t; r[e + SENDS] = sends + 1;
        // Retransmissions are rare: where this one is seen is worth a look.
        if (this.isDirectorMac(p.srcMac)) flags |= FWD_RUN;
        else if (this.isDirectorMac(p.dstMac)) flags |= INPUT_RUN;
        if (sends + 1 === MIN_SENDS && !this.open.has(c)) {
          this.open.set(c, { slot: c, client: `${p.src}:${p.sport}`, virtual: `${p.dst}:${p.dport}` });
        }
      }
    }
    r[e + FLAGS] = flags;
    this.sighted(e, p);
  }

  /** A packet back to the client of followed connection `c`. */
  fromServer(c: number, p: Packet): void {
    const e = c * REC;
    this.answered(e, p);
    if ((p.flags & RST) === 0) {
      const id = p.srcMac === '' ? p.src : p.srcMac;
      if (this.server[c] !== id) this.server[c] = id;
    }
  }

  /** Followed connections' runs that qualify: those the client gave up on, and those still open at the end. */
  episodes(): StaleTcpEpisode[] {
    const out: StaleTcpEpisode[] = [];
    const held = [...this.ended];
    for (const [c, h] of this.open) {
      if (this.rec[c * REC + SENDS]! > 0) held.push({ ...h, rec: this.rec.slice(c * REC, c * REC + REC) });
    }
    for (const h of held) {
      if (out.length >= MAX_EPISODES) break;
      const ep = this.episode(h);
      if (ep !== null) out.push(ep);
    }
    return out;
  }

  private episode(h: Held): StaleTcpEpisode | null {
    const r = h.rec;
    const flags = r[FLAGS]!;
    const sends = r[SENDS]!;
    const firstGap = r[FIRST_GAP]!;
    const lastGap = r[GAP]!;
    if (sends < MIN_SENDS || r[SEND_T]! - r[FIRST_T]! < MIN_SECONDS) return null;
    if ((flags & NOT_BACKOFF) !== 0 || lastGap < firstGap * GROWN) return null;
    const director = (flags & FWD_RUN) !== 0 ? 'forwarded'
      : (flags & (INPUT_RUN | FWD_BEFORE)) === (INPUT_RUN | FWD_BEFORE) ? 'dropped' : 'unseen';
    const othersAnswered = this.othersAnswered(h.slot, r[VIRT]!, r[FIRST_T]!);
    // From the client's side alone a path or a director gone silent looks the same: other
    // connections answered meanwhile, or the director's own copies, say it is this entry.
    if (!othersAnswered && director === 'unseen') return null;
    const frames = [r[ANSWER_N]!, r[FIRST_N]!, r[LAST_N]!].filter((n, i, a) => n > 0 && a.indexOf(n) === i);
    return {
      client: h.client, virtual: h.virtual, rsId: this.rsOf(h.slot), sent: sends, seconds: round(r[LAST_T]! - r[FIRST_T]!),
      firstGap: round(firstGap, 1000), lastGap: round(lastGap, 1000), director, othersAnswered, frames,
    };
  }

  /** The real server's identity; not the director's MAC (NAT replies come from it). */
  private rsOf(slot: number): string {
    const id = this.server[slot]!;
    return this.isDirectorMac(id) ? '' : id;
  }

  /** Another followed connection of the same virtual service heard from its server after `since`. */
  private othersAnswered(slot: number, virt: number, since: number): boolean {
    const r = this.rec;
    for (let c = 0; c < this.cap; c++) {
      const e = c * REC;
      if (c !== slot && r[e + FLAGS] !== 0 && r[e + VIRT] === virt && r[e + ANSWER_T]! > since) return true;
    }
    return false;
  }

  private answered(e: number, p: Packet): void {
    const r = this.rec;
    r[e + SENDS] = 0;
    r[e + ANSWER_T] = p.t;
    r[e + ANSWER_N] = p.n;
  }

  /** The client gave up on a run: keep it if it qualified. */
  private endRun(c: number, e: number): void {
    const h = this.open.get(c);
    if (h !== undefined) {
      this.open.delete(c);
      if (this.ended.length < MAX_EPISODES) this.ended.push({ ...h, rec: this.rec.slice(e, e + REC) });
    }
    this.rec[e + SENDS] = 0;
  }

  private sighted(e: number, p: Packet): void {
    const r = this.rec;
    r[e + LAST_ID] = p.seq * 65536 + p.ipId;
    r[e + LAST_SHAPE] = p.payload * 256 + p.flags;
    r[e + LAST_T] = p.t;
    r[e + LAST_N] = p.n;
  }

  private grow(): void {
    this.cap *= 2;
    this.rec = grownF64(this.rec);
    this.server = grownStrings(this.server);
  }
}

function round(s: number, per = 10): number {
  return Math.round(s * per) / per;
}
