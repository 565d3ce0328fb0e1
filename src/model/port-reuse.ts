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
import { ACK, FIN, PROTO_TCP, RST, SYN, type Packet } from './packet.js';
import { TupleMap } from './tuple-map.js';

/** IPVS's TIME_WAIT timeout: a reuse later than this finds no old entry. */
const TIME_WAIT = 120;
/** Linux's initial RTO is 1 s (TCP_TIMEOUT_INIT); a little slack either way for capture timing. */
const RTO_MIN = 0.8;
const RTO_MAX = 1.6;
/** Copies of one SYN (the director's forward) are this close. */
const COPY_GAP = 0.2;
const MAX_PORTS = 50_000;
const MAX_EPISODES = 50;

interface PortUse {
  /** ISN of the current connection's SYN. */
  isn: number;
  /** The current SYN's first frame and time, and whether anything answered it yet. */
  synN: number;
  synT: number;
  retransmitN: number;
  retransmitT: number;
  answered: boolean;
  /** The previous connection on this port: closed (FIN/RST seen), when it was last seen. */
  closed: boolean;
  lastT: number;
  lastN: number;
  /** The previous connection, when the current SYN is a reuse. */
  reuseOfN: number;
  reuseAfter: number;
}

export interface PortReuseEpisode extends PortReuse {
  readonly frames: readonly number[];
}

export class PortReuses {
  private readonly ports = new TupleMap<PortUse>();
  private readonly found: PortReuseEpisode[] = [];

  /** `s`, `d`: the packet's source and destination as `AddressIds` numbers. */
  observe(p: Packet, s: number, d: number): void {
    if (p.proto !== PROTO_TCP) return;
    const f = p.flags;
    const u = this.ports.get(s, p.sport, d, p.dport);
    if ((f & (SYN | ACK)) === SYN) { this.syn(s, d, u, p); return; }
    if (u !== undefined) { this.fromClient(u, p); return; }
    const back = this.ports.get(d, p.dport, s, p.sport);
    if (back !== undefined) this.fromServer(back, p, `${p.dst}:${p.dport}`, `${p.src}:${p.sport}`);
  }

  private syn(s: number, d: number, u: PortUse | undefined, p: Packet): void {
    if (u === undefined) {
      if (this.ports.size >= MAX_PORTS) return;
      this.ports.set(s, p.sport, d, p.dport, {
        isn: p.seq, synN: p.n, synT: p.t, retransmitN: 0, retransmitT: 0, answered: false,
        closed: false, lastT: p.t, lastN: p.n, reuseOfN: 0, reuseAfter: 0,
      });
      return;
    }
    if (u.isn === p.seq) {
      // The same SYN: a copy (another hop) or the client's retransmission.
      if (!u.answered && u.retransmitN === 0 && p.t - u.synT >= COPY_GAP) { u.retransmitN = p.n; u.retransmitT = p.t; }
      return;
    }
    // A new connection from the same port.
    const reuse = u.closed && p.t - u.lastT <= TIME_WAIT;
    u.reuseOfN = reuse ? u.lastN : 0;
    u.reuseAfter = reuse ? p.t - u.lastT : 0;
    u.isn = p.seq; u.synN = p.n; u.synT = p.t; u.retransmitN = 0; u.retransmitT = 0;
    u.answered = false; u.closed = false; u.lastT = p.t; u.lastN = p.n;
  }

  private fromClient(u: PortUse, p: Packet): void {
    if ((p.flags & (FIN | RST)) !== 0) u.closed = true;
    u.lastT = p.t;
    u.lastN = p.n;
  }

  private fromServer(u: PortUse, p: Packet, client: string, virtual: string): void {
    const f = p.flags;
    if ((f & (FIN | RST)) !== 0) u.closed = true;
    if (!u.answered && (f & (SYN | RST)) !== 0) {
      u.answered = true;
      const gap = u.retransmitT - u.synT;
      // Answered only after the retransmission, which came one initial RTO after the first SYN.
      if (u.reuseOfN !== 0 && u.retransmitN !== 0 && p.t >= u.retransmitT && gap >= RTO_MIN && gap <= RTO_MAX
        && this.found.length < MAX_EPISODES) {
        this.found.push({
          client, virtual, gap: Math.round(gap * 1000) / 1000, reuseAfter: Math.round(u.reuseAfter * 10) / 10,
          frames: [u.reuseOfN, u.synN, u.retransmitN, p.n],
        });
      }
    }
    u.lastT = p.t;
    u.lastN = p.n;
  }

  episodes(): readonly PortReuseEpisode[] {
    return this.found;
  }
}
