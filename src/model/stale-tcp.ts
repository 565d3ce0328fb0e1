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
 * 256 + flags) to tell a copy from a new sending; ACKNO its acknowledgement number. The open run:
 * SEQ the segment sent again, SENDS how often (0: no run), FIRST_T/FIRST_N its first sending, SEND_T
 * the last, GAP and FIRST_GAP the last and first gap. ANSWER_T/ANSWER_N the server's last word (a
 * packet back, or the client acknowledging something new); VIRT the virtual address id × 65536 + port.
 */
const REC = 16;
const FLAGS = 0, LAST_ID = 1, LAST_SHAPE = 2, LAST_T = 3, LAST_N = 4, ACKNO = 5, SEQ = 6, SENDS = 7,
  FIRST_T = 8, FIRST_N = 9, SEND_T = 10, GAP = 11, FIRST_GAP = 12, ANSWER_T = 13, ANSWER_N = 14, VIRT = 15;
/** MINE: this watcher follows the slot; ESTABLISHED: the client acknowledged the handshake; ACKED: ACKNO holds a value; NOT_BACKOFF: a gap shrank. */
const MINE = 1, ESTABLISHED = 2, ACKED = 4, NOT_BACKOFF = 8;

/**
 * A black-holed run as plain data (it may cross from the reading thread): the numbers, and the
 * MACs that say where the capture saw the segments, for the end to weigh against the model's
 * directors (rules/stale-entry.ts).
 */
export interface StaleTcpEpisode {
  readonly client: string;
  readonly virtual: string;
  /** The source MAC (or address) of the server's packets; '' when none was seen. */
  readonly server: string;
  /** The sender of the first copy of one of the connection's earlier segments (another hop forwarding it), and where it sent it; '' when none. */
  readonly forwarder: string;
  readonly forwardedTo: string;
  /** The retransmissions: the source and destination MAC of their first sighting, and the sender of a copy of one ('' when none). */
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

/** A connection that retransmitted: its names, and where its retransmissions were seen. */
interface RunNames {
  readonly client: string;
  readonly virtual: string;
  from: string;
  to: string;
  copy: string;
}

/** A run kept for the end: its connection's slot, names and a copy of its record. */
interface Held {
  readonly slot: number;
  readonly names: RunNames;
  readonly rec: Float64Array;
}

/**
 * Per connection (client ip:port → virtual ip:port, from the client's SYN), one record at the slot
 * of its tuple in the fault watchers' shared TupleIndex; fault-watch.ts follows the same connections
 * for this watcher as for the idle one. Nothing is allocated per packet: a connection's first
 * retransmission (rare) gets a small record of names.
 */
export class StaleConnections {
  private cap = FIRST;
  private rec = new Float64Array(FIRST * REC);
  /** Per slot: the server's packets' source, and the first copy of a client segment's sender and destination. */
  private server: string[] = new Array<string>(FIRST).fill('');
  private forwarder: string[] = new Array<string>(FIRST).fill('');
  private forwardedTo: string[] = new Array<string>(FIRST).fill('');
  private readonly runs = new Map<number, RunNames>();
  /** Runs that qualified and that the client gave up on (RST, or a new SYN on the port). */
  private readonly ended: Held[] = [];

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
    if (p.seq * 65536 + p.ipId === r[e + LAST_ID] && p.payload * 256 + f === r[e + LAST_SHAPE] && p.t - r[e + LAST_T]! < COPY_GAP) {
      // The packet just seen, further on: who sent it on is kept once per connection, and once per run.
      if (r[e + SENDS]! >= 2) {
        const run = this.runs.get(c)!;
        if (run.copy === '') run.copy = p.srcMac;
      } else if (this.forwarder[c] === '') {
        this.forwarder[c] = p.srcMac;
        this.forwardedTo[c] = p.dstMac;
      }
      return;
    }
    let flags = r[e + FLAGS]!;
    if ((f & (SYN | RST)) !== 0) {
      // The client gave up: a reset, or a new connection on the same port.
      if (r[e + SENDS]! >= MIN_SENDS) this.keep(c, e);
      r[e + SENDS] = 0;
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
        flags &= ~NOT_BACKOFF;
      } else if (p.seq === r[e + SEQ]) {
        const gap = p.t - r[e + SEND_T]!;
        if (sends === 1) r[e + FIRST_GAP] = gap;
        else if (gap < r[e + GAP]! * SHRINK) flags |= NOT_BACKOFF;
        r[e + GAP] = gap; r[e + SEND_T] = p.t; r[e + SENDS] = sends + 1;
        this.retransmitted(c, p, sends === 1);
      }
    }
    r[e + FLAGS] = flags;
    this.sighted(e, p);
  }

  /** A packet back to the client of followed connection `c`. */
  fromServer(c: number, p: Packet): void {
    this.answered(c * REC, p);
    if ((p.flags & RST) === 0) {
      const id = p.srcMac === '' ? p.src : p.srcMac;
      if (this.server[c] !== id) this.server[c] = id;
    }
  }

  /** Runs that qualify: those the client gave up on, and those still open at the end. */
  episodes(): StaleTcpEpisode[] {
    const held = [...this.ended];
    for (const [c, names] of this.runs) {
      const e = c * REC;
      if (this.rec[e + SENDS]! >= MIN_SENDS) held.push({ slot: c, names, rec: this.rec.slice(e, e + REC) });
    }
    const out: StaleTcpEpisode[] = [];
    for (const h of held) {
      if (out.length >= MAX_EPISODES) break;
      const ep = this.episode(h);
      if (ep !== null) out.push(ep);
    }
    return out;
  }

  /** A retransmission's first sighting: where it was seen (names made once per connection). */
  private retransmitted(c: number, p: Packet, first: boolean): void {
    let run = this.runs.get(c);
    if (run === undefined) {
      run = { client: `${p.src}:${p.sport}`, virtual: `${p.dst}:${p.dport}`, from: '', to: '', copy: '' };
      this.runs.set(c, run);
    } else if (first) run.copy = '';
    run.from = p.srcMac;
    run.to = p.dstMac;
  }

  private episode(h: Held): StaleTcpEpisode | null {
    const r = h.rec;
    const sends = r[SENDS]!;
    const firstGap = r[FIRST_GAP]!;
    const lastGap = r[GAP]!;
    if (sends < MIN_SENDS || r[SEND_T]! - r[FIRST_T]! < MIN_SECONDS) return null;
    if ((r[FLAGS]! & NOT_BACKOFF) !== 0 || lastGap < firstGap * GROWN) return null;
    const frames = [r[ANSWER_N]!, r[FIRST_N]!, r[LAST_N]!].filter((n, i, a) => n > 0 && a.indexOf(n) === i);
    const c = h.slot;
    const n = h.names;
    return {
      client: n.client, virtual: n.virtual, server: this.server[c]!, forwarder: this.forwarder[c]!, forwardedTo: this.forwardedTo[c]!,
      runFrom: n.from, runTo: n.to, runCopy: n.copy,
      sent: sends, seconds: round(r[LAST_T]! - r[FIRST_T]!), firstGap: round(firstGap, 1000), lastGap: round(lastGap, 1000),
      othersAnswered: this.othersAnswered(c, r[VIRT]!, r[FIRST_T]!), frames,
    };
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

  /** The client gave up on a run that may qualify: keep it as it stood. */
  private keep(c: number, e: number): void {
    const names = this.runs.get(c);
    if (names !== undefined && this.ended.length < MAX_EPISODES) this.ended.push({ slot: c, names: { ...names }, rec: this.rec.slice(e, e + REC) });
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
    this.forwarder = grownStrings(this.forwarder);
    this.forwardedTo = grownStrings(this.forwardedTo);
  }
}

function round(s: number, per = 10): number {
  return Math.round(s * per) / per;
}
