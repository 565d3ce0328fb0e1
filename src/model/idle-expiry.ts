/**
 * An idle TCP connection whose IPVS entry expired: the director forgets an ESTABLISHED entry after
 * its timeout (900 s by default, `ipvsadm --set`), counted from the last packet it saw. The client's
 * next segment then finds no entry; not being a SYN it is not scheduled (sloppy_tcp=0) but passed to
 * the director's own stack, which owns the VIP and answers with a RST. With sloppy_tcp=1 it is
 * scheduled afresh, maybe to another real server, which has no such connection and resets it.
 *
 * On the wire: an established connection, a silence, the client's next segment, and a RST back
 * from the director the connection's packets were sent to, unlike what answered before (another MAC
 * or another TTL). A RST from the same server is that server's own doing (its idle timeout, a
 * restart); one from another director is a failover that lost the entry; neither is reported.
 */
import type { IdleExpiry } from '../ipvs/report.js';
import { ACK, FIN, PROTO_TCP, RST, SYN, type Packet } from './packet.js';
import { TupleMap } from './tuple-map.js';

/** Silence before a segment, in seconds, that counts as idle: above any RTT and delayed ACK. */
const MIN_IDLE = 2;
/** How soon the reset must follow the segment. */
const RST_WITHIN = 2;
const MAX_CONNS = 50_000;
const MAX_EPISODES = 20;

interface Conn {
  readonly client: string;
  readonly virtual: string;
  established: boolean;
  closed: boolean;
  lastT: number;
  lastN: number;
  /** The last packet from the server side: its MAC and TTL, the sender's signature. */
  serverMac: string;
  serverTtl: number;
  /** The client's first segment after a silence, waiting for what answers it. */
  wakeN: number;
  wakeT: number;
  idle: number;
  /** The last frame before the silence. */
  beforeN: number;
  /** Where the client's SYN was sent (its first copy): the director holding the entry. */
  readonly entryMac: string;
}

export interface IdleEpisode extends IdleExpiry {
  readonly frames: readonly number[];
}

export class IdleExpiries {
  private readonly conns = new TupleMap<Conn>();
  private readonly found: IdleEpisode[] = [];

  private readonly isDirectorMac: (mac: string) => boolean;

  constructor(isDirectorMac: (mac: string) => boolean) {
    this.isDirectorMac = isDirectorMac;
  }

  /** `s`, `d`: the packet's source and destination as `AddressIds` numbers. */
  observe(p: Packet, s: number, d: number): void {
    if (p.proto !== PROTO_TCP) return;
    const f = p.flags;
    const fwd = this.conns.get(s, p.sport, d, p.dport);
    if (fwd !== undefined) { this.fromClient(fwd, p); return; }
    const back = this.conns.get(d, p.dport, s, p.sport);
    if (back !== undefined) { this.fromServer(back, p); return; }
    if ((f & (SYN | ACK)) === SYN && this.conns.size < MAX_CONNS) {
      const c: Conn = {
        client: `${p.src}:${p.sport}`, virtual: `${p.dst}:${p.dport}`, established: false, closed: false,
        lastT: p.t, lastN: p.n, serverMac: '', serverTtl: 0, wakeN: 0, wakeT: 0, idle: 0, beforeN: 0, entryMac: p.dstMac,
      };
      this.conns.set(s, p.sport, d, p.dport, c);
    }
  }

  private fromClient(c: Conn, p: Packet): void {
    const f = p.flags;
    if ((f & SYN) !== 0) {
      // A new connection on the same port starts over.
      c.established = false; c.closed = false; c.serverMac = ''; c.wakeN = 0;
    } else if ((f & (FIN | RST)) !== 0) {
      c.closed = true;
    } else if (c.established && !c.closed && p.t - c.lastT >= MIN_IDLE) {
      c.wakeN = p.n; c.wakeT = p.t; c.idle = p.t - c.lastT; c.beforeN = c.lastN;
    } else if ((f & ACK) !== 0) {
      // The client's ACK after its SYN: the handshake completed (the server's side may take another way).
      c.established = true;
    }
    c.lastT = p.t;
    c.lastN = p.n;
  }

  private fromServer(c: Conn, p: Packet): void {
    const f = p.flags;
    if ((f & RST) !== 0 && c.wakeN !== 0 && p.t - c.wakeT <= RST_WITHIN) {
      const director = this.isDirectorMac(p.srcMac);
      const other = c.serverMac !== '' && (p.srcMac !== c.serverMac || p.ttl !== c.serverTtl);
      // The director that held the entry answers: another one (a failover without the sync
      // daemon) lost the entry rather than let it expire, and says so in its own finding.
      const sameDirector = c.entryMac === '' || p.srcMac === c.entryMac;
      if ((director || other) && sameDirector && this.found.length < MAX_EPISODES) {
        this.found.push({
          client: c.client, virtual: c.virtual, idle: Math.round(c.idle * 10) / 10, by: director ? 'director' : 'other',
          frames: [c.beforeN, c.wakeN, p.n],
        });
      }
      c.closed = true;
      c.wakeN = 0;
    } else if ((f & RST) === 0) {
      if ((f & FIN) !== 0) c.closed = true;
      c.serverMac = p.srcMac === '' ? p.src : p.srcMac;
      c.serverTtl = p.ttl;
      c.wakeN = 0;
    }
    c.lastT = p.t;
    c.lastN = p.n;
  }

  episodes(): readonly IdleEpisode[] {
    return this.found;
  }
}
