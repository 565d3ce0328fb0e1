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
import {
  COLD_F_REUSE_AFTER, COLD_F_REUSE_RETX_T, COLD_REUSE_OF_N, COLD_REUSE_RETX_N, F_REUSE_LAST_T, F_REUSE_SYN_T, FLAGS,
  REUSE_ANSWERED, REUSE_BITS, REUSE_CLOSED, REUSE_ISN, REUSE_LAST_N, REUSE_MINE, REUSE_SYN_N, type WatchRecords,
} from './watch-records.js';

/** IPVS's TIME_WAIT timeout: a reuse later than this finds no old entry. */
const TIME_WAIT = 120;
/** Linux's initial RTO is 1 s (TCP_TIMEOUT_INIT); a little slack either way for capture timing. */
const RTO_MIN = 0.8;
const RTO_MAX = 1.6;
/** Copies of one SYN (the director's forward) are this close. */
const COPY_GAP = 0.2;
export const MAX_REUSE_PORTS = 50_000;
const MAX_EPISODES = 50;

export interface PortReuseEpisode extends PortReuse {
  readonly frames: readonly number[];
}

/**
 * Per client ip:port → vip:port, its numbers in the record of the tuple's slot in the fault
 * watchers' shared WatchRecords (fault-watch.ts), beside the other watchers': nothing allocated per
 * packet. The current SYN is REUSE_ISN and SYN_N/SYN_T (its first frame and time); LAST_T/LAST_N
 * when the port was last seen. In the slot's cold record, made only when there is one to keep:
 * RETX_N/RETX_T (the SYN's retransmission) and OF_N/AFTER (the previous connection, when the
 * current SYN is a reuse); all zero while there is none. Flag bits: REUSE_MINE (this watcher
 * follows the slot), ANSWERED (something answered the current SYN) and CLOSED (the previous
 * connection on this port saw a FIN or RST).
 */
export class PortReuses {
  private readonly found: PortReuseEpisode[] = [];
  private count = 0;
  /** The records, for a slot's cold one. */
  private readonly recs: WatchRecords;

  constructor(recs: WatchRecords) {
    this.recs = recs;
  }

  /** Ports followed. */
  get size(): number {
    return this.count;
  }

  /** The first SYN from a client port not followed yet (check `size` first): follow it in record `e` of `r`/`f`. */
  start(r: Int32Array, f: Float64Array, e: number, p: Packet): void {
    this.count++;
    const g = e >> 1;
    r[e + FLAGS] = (r[e + FLAGS]! & ~REUSE_BITS) | REUSE_MINE;
    r[e + REUSE_ISN] = p.seq; r[e + REUSE_SYN_N] = p.n; f[g + F_REUSE_SYN_T] = p.t; f[g + F_REUSE_LAST_T] = p.t; r[e + REUSE_LAST_N] = p.n;
  }

  /** Another SYN from followed port `c` (record `e` of `r`/`f`). */
  syn(c: number, r: Int32Array, f: Float64Array, e: number, p: Packet): void {
    const g = e >> 1;
    const flags = r[e + FLAGS]!;
    const recs = this.recs;
    // Sequence numbers compared as int32, as the record keeps them.
    if (r[e + REUSE_ISN] === (p.seq | 0)) {
      // The same SYN: a copy (another hop) or the client's retransmission, the first kept.
      if ((flags & REUSE_ANSWERED) === 0 && p.t - f[g + F_REUSE_SYN_T]! >= COPY_GAP) {
        const k = recs.coldIfAny(c);
        if (recs.ci32[k + COLD_REUSE_RETX_N] === 0) {
          const m = recs.cold(c);
          recs.ci32[m + COLD_REUSE_RETX_N] = p.n; recs.cf64[(m >> 1) + COLD_F_REUSE_RETX_T] = p.t;
        }
      }
      return;
    }
    // A new connection from the same port.
    const reuse = (flags & REUSE_CLOSED) !== 0 && p.t - f[g + F_REUSE_LAST_T]! <= TIME_WAIT;
    // Without a cold record its numbers are all zero already, as a SYN that is no reuse sets them.
    if (reuse || recs.hasCold(c)) {
      const k = recs.cold(c);
      const ci = recs.ci32;
      const cf = recs.cf64;
      ci[k + COLD_REUSE_OF_N] = reuse ? r[e + REUSE_LAST_N]! : 0;
      cf[(k >> 1) + COLD_F_REUSE_AFTER] = reuse ? p.t - f[g + F_REUSE_LAST_T]! : 0;
      ci[k + COLD_REUSE_RETX_N] = 0; cf[(k >> 1) + COLD_F_REUSE_RETX_T] = 0;
    }
    r[e + REUSE_ISN] = p.seq; r[e + REUSE_SYN_N] = p.n; f[g + F_REUSE_SYN_T] = p.t;
    r[e + FLAGS] = (r[e + FLAGS]! & ~REUSE_BITS) | REUSE_MINE; f[g + F_REUSE_LAST_T] = p.t; r[e + REUSE_LAST_N] = p.n;
  }

  /** Another packet from a followed port. */
  fromClient(r: Int32Array, f: Float64Array, e: number, p: Packet): void {
    if ((p.flags & (FIN | RST)) !== 0) r[e + FLAGS] = r[e + FLAGS]! | REUSE_CLOSED;
    f[(e >> 1) + F_REUSE_LAST_T] = p.t;
    r[e + REUSE_LAST_N] = p.n;
  }

  /** A packet back to the client of followed port `c` (its destination is the client's ip:port, its source the virtual one). */
  fromServer(c: number, r: Int32Array, f: Float64Array, e: number, p: Packet): void {
    const g = e >> 1;
    const pf = p.flags;
    if ((pf & (FIN | RST)) !== 0) r[e + FLAGS] = r[e + FLAGS]! | REUSE_CLOSED;
    if ((r[e + FLAGS]! & REUSE_ANSWERED) === 0 && (pf & (SYN | RST)) !== 0) {
      r[e + FLAGS] = r[e + FLAGS]! | REUSE_ANSWERED;
      const recs = this.recs;
      const k = recs.coldIfAny(c);
      const ci = recs.ci32;
      const cf = recs.cf64;
      const synT = f[g + F_REUSE_SYN_T]!;
      const retransmitT = cf[(k >> 1) + COLD_F_REUSE_RETX_T]!;
      const gap = retransmitT - synT;
      const reuseOfN = ci[k + COLD_REUSE_OF_N]! >>> 0;
      // Answered only after the retransmission, which came one initial RTO after the first SYN.
      if (reuseOfN !== 0 && ci[k + COLD_REUSE_RETX_N] !== 0 && p.t >= retransmitT && gap >= RTO_MIN && gap <= RTO_MAX
        && this.found.length < MAX_EPISODES) {
        this.found.push({
          client: `${p.dst}:${p.dport}`, virtual: `${p.src}:${p.sport}`,
          gap: Math.round(gap * 1000) / 1000, reuseAfter: Math.round(cf[(k >> 1) + COLD_F_REUSE_AFTER]! * 10) / 10,
          frames: [reuseOfN, r[e + REUSE_SYN_N]! >>> 0, ci[k + COLD_REUSE_RETX_N]! >>> 0, p.n],
        });
      }
    }
    f[g + F_REUSE_LAST_T] = p.t;
    r[e + REUSE_LAST_N] = p.n;
  }

  episodes(): readonly PortReuseEpisode[] {
    return this.found;
  }
}
