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
import { grownF64, grownU8 } from './tuple-map.js';

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
 * Per client ip:port → vip:port, one slot of the arrays below, the slot of the tuple in the fault
 * watchers' shared TupleIndex (fault-watch.ts): nothing allocated per packet.
 */
export class PortReuses {
  private readonly found: PortReuseEpisode[] = [];
  private count = 0;
  private cap = FIRST;
  /** This watcher follows the slot's port (the shared index holds other watchers' too). */
  private mine = new Uint8Array(FIRST);
  /** ISN of the current connection's SYN. */
  private isn = new Float64Array(FIRST);
  /** The current SYN's first frame and time, and whether anything answered it yet. */
  private synN = new Float64Array(FIRST);
  private synT = new Float64Array(FIRST);
  private retransmitN = new Float64Array(FIRST);
  private retransmitT = new Float64Array(FIRST);
  private answered = new Uint8Array(FIRST);
  /** The previous connection on this port: closed (FIN/RST seen), when it was last seen. */
  private closed = new Uint8Array(FIRST);
  private lastT = new Float64Array(FIRST);
  private lastN = new Float64Array(FIRST);
  /** The previous connection, when the current SYN is a reuse. */
  private reuseOfN = new Float64Array(FIRST);
  private reuseAfter = new Float64Array(FIRST);

  /** Ports followed. */
  get size(): number {
    return this.count;
  }

  has(slot: number): boolean {
    return slot >= 0 && slot < this.cap && this.mine[slot] !== 0;
  }

  /** The first SYN from a client port not followed yet (check `size` first): follow it in `u`. */
  start(u: number, p: Packet): void {
    while (u >= this.cap) this.grow();
    this.mine[u] = 1;
    this.count++;
    this.isn[u] = p.seq; this.synN[u] = p.n; this.synT[u] = p.t; this.lastT[u] = p.t; this.lastN[u] = p.n;
  }

  /** Another SYN from followed port `u`. */
  syn(u: number, p: Packet): void {
    if (this.isn[u] === p.seq) {
      // The same SYN: a copy (another hop) or the client's retransmission.
      if (this.answered[u] === 0 && this.retransmitN[u] === 0 && p.t - this.synT[u]! >= COPY_GAP) { this.retransmitN[u] = p.n; this.retransmitT[u] = p.t; }
      return;
    }
    // A new connection from the same port.
    const reuse = this.closed[u] !== 0 && p.t - this.lastT[u]! <= TIME_WAIT;
    this.reuseOfN[u] = reuse ? this.lastN[u]! : 0;
    this.reuseAfter[u] = reuse ? p.t - this.lastT[u]! : 0;
    this.isn[u] = p.seq; this.synN[u] = p.n; this.synT[u] = p.t; this.retransmitN[u] = 0; this.retransmitT[u] = 0;
    this.answered[u] = 0; this.closed[u] = 0; this.lastT[u] = p.t; this.lastN[u] = p.n;
  }

  /** Another packet from followed port `u`. */
  fromClient(u: number, p: Packet): void {
    if ((p.flags & (FIN | RST)) !== 0) this.closed[u] = 1;
    this.lastT[u] = p.t;
    this.lastN[u] = p.n;
  }

  /** A packet back to the client (its destination is the client's ip:port, its source the virtual one). */
  fromServer(u: number, p: Packet): void {
    const f = p.flags;
    if ((f & (FIN | RST)) !== 0) this.closed[u] = 1;
    if (this.answered[u] === 0 && (f & (SYN | RST)) !== 0) {
      this.answered[u] = 1;
      const synT = this.synT[u]!;
      const retransmitT = this.retransmitT[u]!;
      const gap = retransmitT - synT;
      // Answered only after the retransmission, which came one initial RTO after the first SYN.
      if (this.reuseOfN[u] !== 0 && this.retransmitN[u] !== 0 && p.t >= retransmitT && gap >= RTO_MIN && gap <= RTO_MAX
        && this.found.length < MAX_EPISODES) {
        this.found.push({
          client: `${p.dst}:${p.dport}`, virtual: `${p.src}:${p.sport}`,
          gap: Math.round(gap * 1000) / 1000, reuseAfter: Math.round(this.reuseAfter[u]! * 10) / 10,
          frames: [this.reuseOfN[u]!, this.synN[u]!, this.retransmitN[u]!, p.n],
        });
      }
    }
    this.lastT[u] = p.t;
    this.lastN[u] = p.n;
  }

  private grow(): void {
    this.cap *= 2;
    this.mine = grownU8(this.mine);
    this.isn = grownF64(this.isn); this.synN = grownF64(this.synN); this.synT = grownF64(this.synT);
    this.retransmitN = grownF64(this.retransmitN); this.retransmitT = grownF64(this.retransmitT);
    this.answered = grownU8(this.answered); this.closed = grownU8(this.closed);
    this.lastT = grownF64(this.lastT); this.lastN = grownF64(this.lastN);
    this.reuseOfN = grownF64(this.reuseOfN); this.reuseAfter = grownF64(this.reuseAfter);
  }

  episodes(): readonly PortReuseEpisode[] {
    return this.found;
  }
}
