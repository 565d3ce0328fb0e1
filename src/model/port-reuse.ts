/**
 * The SYN dropped on port reuse: a client opens a new connection from the source port of one that
 * IPVS still holds (TIME_WAIT, 120 s; or CLOSE). With conn_reuse_mode=1 the director expires the old
 * entry to schedule the SYN afresh, but when the old entry is bound to a confirmed netfilter
 * conntrack entry (net.ipv4.vs.conntrack=1, as kube-proxy sets it) kernels before 5.9 drop that first
 * SYN; the client's retransmission, about 1 s later, finds no entry and is scheduled.
 *
 * On the wire: an earlier connection on the same client ip:port → vip:port that closed (FIN or RST
 * seen) shortly before; a SYN with a new sequence number that nothing answers; the same SYN again
 * after the client's initial retransmission timeout (1 s); that one answered.
 */
import type { PortReuse } from '../ipvs/report.js';
import { FIN, RST, SYN, type Packet } from './packet.js';
import { grownF64 } from './tuple-map.js';

/** IPVS's TIME_WAIT timeout: a reuse later than this finds no old entry. */
const TIME_WAIT = 120;
/** Linux's initial RTO is 1 s (TCP_TIMEOUT_INIT); a little slack either way for capture timing. */
const RTO_MIN = 0.8;
const RTO_MAX = 1.6;
/** Copies of one SYN (the director's forward) are this close. */
const COPY_GAP = 0.2;
export const MAX_REUSE_PORTS = 50_000;
const MAX_EPISODES = 50;
const FIRST = 512;

export interface PortReuseEpisode extends PortReuse {
  readonly frames: readonly number[];
}

/**
 * A followed port's record: eight numbers side by side, so that a packet touches one cache line of
 * it rather than one per field (with tens of thousands of ports followed, each field's own array
 * cost a cache miss per packet). FLAGS holds MINE (this watcher follows the slot: the shared index
 * holds other watchers' tuples too), ANSWERED (something answered the current SYN) and CLOSED (the
 * previous connection on this port saw a FIN or RST).
 */
const REC = 8;
const FLAGS = 0, LAST_T = 1, LAST_N = 2, ISN = 3, SYN_N = 4, SYN_T = 5, RETX_N = 6, RETX_T = 7;
const MINE = 1, ANSWERED = 2, CLOSED = 4;
/** Read only when a SYN or its answer comes: the previous connection, when the current SYN is a reuse. */
const COLD = 2;
const REUSE_OF_N = 0, REUSE_AFTER = 1;

/**
 * Per client ip:port → vip:port, one record, at the slot of the tuple in the fault watchers' shared
 * TupleIndex (fault-watch.ts): nothing allocated per packet. The current SYN is ISN, SYN_N/SYN_T
 * (its first frame and time) and RETX_N/RETX_T (its retransmission); LAST_T/LAST_N when the port
 * was last seen.
 */
export class PortReuses {
  private readonly found: PortReuseEpisode[] = [];
  private count = 0;
  private cap = FIRST;
  private rec = new Float64Array(FIRST * REC);
  private cold = new Float64Array(FIRST * COLD);

  /** Ports followed. */
  get size(): number {
    return this.count;
  }

  has(slot: number): boolean {
    return slot >= 0 && slot < this.cap && (this.rec[slot * REC + FLAGS]! & MINE) !== 0;
  }

  /** The first SYN from a client port not followed yet (check `size` first): follow it in `u`. */
  start(u: number, p: Packet): void {
    while (u >= this.cap) this.grow();
    this.count++;
    const r = this.rec;
    const e = u * REC;
    r[e + FLAGS] = MINE;
    r[e + ISN] = p.seq; r[e + SYN_N] = p.n; r[e + SYN_T] = p.t; r[e + LAST_T] = p.t; r[e + LAST_N] = p.n;
  }

  /** Another SYN from followed port `u`. */
  syn(u: number, p: Packet): void {
    const r = this.rec;
    const e = u * REC;
    const flags = r[e + FLAGS]!;
    if (r[e + ISN] === p.seq) {
      // The same SYN: a copy (another hop) or the client's retransmission.
      if ((flags & ANSWERED) === 0 && r[e + RETX_N] === 0 && p.t - r[e + SYN_T]! >= COPY_GAP) { r[e + RETX_N] = p.n; r[e + RETX_T] = p.t; }
      return;
    }
    // A new connection from the same port.
    const reuse = (flags & CLOSED) !== 0 && p.t - r[e + LAST_T]! <= TIME_WAIT;
    const c = u * COLD;
    this.cold[c + REUSE_OF_N] = reuse ? r[e + LAST_N]! : 0;
    this.cold[c + REUSE_AFTER] = reuse ? p.t - r[e + LAST_T]! : 0;
    r[e + ISN] = p.seq; r[e + SYN_N] = p.n; r[e + SYN_T] = p.t; r[e + RETX_N] = 0; r[e + RETX_T] = 0;
    r[e + FLAGS] = MINE; r[e + LAST_T] = p.t; r[e + LAST_N] = p.n;
  }

  /** Another packet from followed port `u`. */
  fromClient(u: number, p: Packet): void {
    const r = this.rec;
    const e = u * REC;
    if ((p.flags & (FIN | RST)) !== 0) r[e + FLAGS] = r[e + FLAGS]! | CLOSED;
    r[e + LAST_T] = p.t;
    r[e + LAST_N] = p.n;
  }

  /** A packet back to the client (its destination is the client's ip:port, its source the virtual one). */
  fromServer(u: number, p: Packet): void {
    const r = this.rec;
    const e = u * REC;
    const f = p.flags;
    if ((f & (FIN | RST)) !== 0) r[e + FLAGS] = r[e + FLAGS]! | CLOSED;
    if ((r[e + FLAGS]! & ANSWERED) === 0 && (f & (SYN | RST)) !== 0) {
      r[e + FLAGS] = r[e + FLAGS]! | ANSWERED;
      const synT = r[e + SYN_T]!;
      const retransmitT = r[e + RETX_T]!;
      const gap = retransmitT - synT;
      const c = u * COLD;
      const reuseOfN = this.cold[c + REUSE_OF_N]!;
      // Answered only after the retransmission, which came one initial RTO after the first SYN.
      if (reuseOfN !== 0 && r[e + RETX_N] !== 0 && p.t >= retransmitT && gap >= RTO_MIN && gap <= RTO_MAX
        && this.found.length < MAX_EPISODES) {
        this.found.push({
          client: `${p.dst}:${p.dport}`, virtual: `${p.src}:${p.sport}`,
          gap: Math.round(gap * 1000) / 1000, reuseAfter: Math.round(this.cold[c + REUSE_AFTER]! * 10) / 10,
          frames: [reuseOfN, r[e + SYN_N]!, r[e + RETX_N]!, p.n],
        });
      }
    }
    r[e + LAST_T] = p.t;
    r[e + LAST_N] = p.n;
  }

  private grow(): void {
    this.cap *= 2;
    this.rec = grownF64(this.rec);
    this.cold = grownF64(this.cold);
  }

  episodes(): readonly PortReuseEpisode[] {
    return this.found;
  }
}
