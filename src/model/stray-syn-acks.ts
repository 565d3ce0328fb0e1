/**
 * SYN-ACKs that answer no SYN in the capture: a server's replies passing where its requests never
 * did. Kept per server and client ip:port on the SYN-ACK itself (a connection event, never on a
 * plain segment), bounded for a capture that holds only one direction of a busy link. The rule
 * that reads them is model/rules/stray-syn-ack.ts.
 */
import type { Packet } from './packet.js';
import { ipPort } from './packet.js';

/** Enough to explain a capture; a one-way capture of a busy link stops adding here. */
const MAX_TRACKED = 1024;
const MAX_FRAMES = 8;

export interface StraySynAck {
  readonly server: string;
  readonly client: string;
  readonly firstT: number;
  lastT: number;
  count: number;
  readonly frames: number[];
}

export class StraySynAcks {
  readonly byTuple = new Map<string, StraySynAck>();

  observe(p: Packet): void {
    const key = `${p.src}|${p.sport}|${p.dst}|${p.dport}`;
    let s = this.byTuple.get(key);
    if (s === undefined) {
      if (this.byTuple.size >= MAX_TRACKED) return;
      s = { server: ipPort(p.src, p.sport), client: ipPort(p.dst, p.dport), firstT: p.t, lastT: p.t, count: 0, frames: [] };
      this.byTuple.set(key, s);
    }
    s.count++;
    s.lastT = p.t;
    if (s.frames.length < MAX_FRAMES) s.frames.push(p.n);
  }
}
