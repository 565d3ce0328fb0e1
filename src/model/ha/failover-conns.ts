/**
 * Client connections to a VIP of a director pair, kept just well enough to say what a takeover
 * did to them: which were open when the master changed, and then whether the new master
 * forwarded them (they continue), reset them (its own TCP stack answers an ACK it has no IPVS
 * entry for with a RST from the VIP), or the client retransmitted into silence.
 */
import type { ConnOutcome } from '../../ipvs/director-pair.js';
import { FIN, RST, SYN, ACK, ipPort } from '../packet.js';

export interface WatchedConn {
  readonly client: string;
  readonly virtual: string;
  readonly firstT: number;
  lastT: number;
  closed: boolean;
  /** The client's last data segment (to tell a retransmission). */
  lastSeq: number;
  lastLen: number;
  /** Recent retransmissions: [t, frame]. */
  readonly retrans: [number, number][];
}

export interface FailoverConn {
  readonly conn: WatchedConn;
  readonly synced: boolean;
  outcome: ConnOutcome;
  readonly frames: number[];
}

export interface FailoverWatch {
  readonly newMac: string;
  readonly since: number;
  readonly conns: Map<string, FailoverConn>;
  /** The first client packet for the VIP sent to the new master's MAC. */
  trafficMovedN: number | null;
}

/** Connections followed at once; beyond it the oldest idle ones are forgotten. */
const MAX_CONNS = 20_000;
/** A connection idle this long is no longer "open" for a takeover. */
const OPEN_WINDOW = 120;
const MAX_FRAMES = 8;

export class FailoverConns {
  readonly conns = new Map<string, WatchedConn>();
  readonly watches: FailoverWatch[] = [];
  private current: FailoverWatch | null = null;

  private push(fc: FailoverConn, n: number): void {
    if (fc.frames.length < MAX_FRAMES && !fc.frames.includes(n)) fc.frames.push(n);
  }

  /** A client segment for the VIP (on its way to a director). Returns the outcome it shows, if any. */
  client(n: number, t: number, cip: string, cport: number, vip: string, vport: number, flags: number, seq: number, payload: number, dstMac: string): 'retransmit' | null {
    const key = `${ipPort(cip, cport)}|${ipPort(vip, vport)}`;
    let c = this.conns.get(key);
    if (c === undefined || ((flags & (SYN | ACK)) === SYN && c.closed)) {
      if (this.conns.size >= MAX_CONNS) this.forget(t);
      c = { client: ipPort(cip, cport), virtual: ipPort(vip, vport), firstT: t, lastT: t, closed: false, lastSeq: -1, lastLen: 0, retrans: [] };
      this.conns.set(key, c);
    }
    c.lastT = t;
    let retransmit = false;
    if (payload > 0) {
      if (seq === c.lastSeq && payload === c.lastLen) {
        retransmit = true;
        if (c.retrans.length >= MAX_FRAMES) c.retrans.shift();
        c.retrans.push([t, n]);
      }
      c.lastSeq = seq; c.lastLen = payload;
    }
    if ((flags & (FIN | RST)) !== 0) c.closed = true;
    const w = this.current;
    if (w !== null && dstMac === w.newMac && w.trafficMovedN === null) w.trafficMovedN = n;
    const fc = w?.conns.get(key);
    if (fc !== undefined && retransmit && fc.outcome === 'idle') { fc.outcome = 'retransmit-silence'; this.push(fc, n); }
    return retransmit ? 'retransmit' : null;
  }

  /** The new master copied a client segment to a real server: the connection lives on. */
  forwarded(n: number, srcMac: string, cip: string, cport: number, vip: string, vport: number, flags: number): boolean {
    const w = this.current;
    if (w === null || srcMac !== w.newMac || (flags & SYN) !== 0) return false;
    const fc = w.conns.get(`${ipPort(cip, cport)}|${ipPort(vip, vport)}`);
    if (fc === undefined || fc.outcome === 'reset') return false;
    fc.outcome = 'continued';
    this.push(fc, n);
    return true;
  }

  /** A segment from the VIP to a client: a RST from a director is the takeover breaking it; a real server's answer is the connection living on. */
  fromVip(n: number, vip: string, vport: number, cip: string, cport: number, flags: number, fromRouter: boolean): boolean {
    const key = `${ipPort(cip, cport)}|${ipPort(vip, vport)}`;
    const c = this.conns.get(key);
    if (c !== undefined && (flags & (FIN | RST)) !== 0) c.closed = true;
    const fc = this.current?.conns.get(key);
    if (fc === undefined) return false;
    if ((flags & RST) !== 0 && fromRouter) {
      fc.outcome = 'reset';
      this.push(fc, n);
      return true;
    }
    // The real server still answers it (its replies pass where the director's copies may not).
    if (!fromRouter && (flags & RST) === 0 && fc.outcome !== 'reset' && fc.outcome !== 'continued') {
      fc.outcome = 'continued';
      this.push(fc, n);
    }
    return false;
  }

  /** The master changed at t: the connections open now are the ones to follow. */
  takeover(newMac: string, lastAdvertT: number, t: number, synced: (client: string, virtual: string) => boolean): FailoverWatch {
    const w: FailoverWatch = { newMac, since: t, conns: new Map(), trafficMovedN: null };
    for (const [key, c] of this.conns) {
      if (c.closed || t - c.lastT > OPEN_WINDOW || c.firstT >= t) continue;
      const fc: FailoverConn = { conn: c, synced: synced(c.client, c.virtual), outcome: 'idle', frames: [] };
      // Retransmissions since the old master's last advert went into silence already.
      for (const [rt, rn] of c.retrans) if (rt > lastAdvertT) { fc.outcome = 'retransmit-silence'; this.push(fc, rn); }
      w.conns.set(key, fc);
    }
    this.watches.push(w);
    this.current = w;
    return w;
  }

  private forget(t: number): void {
    for (const [k, c] of this.conns) if (c.closed || t - c.lastT > OPEN_WINDOW) this.conns.delete(k);
    if (this.conns.size >= MAX_CONNS) {
      const first = this.conns.keys().next();
      if (first.done !== true) this.conns.delete(first.value);
    }
  }
}
