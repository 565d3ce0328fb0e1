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
import { ACK, FIN, RST, SYN, type Packet } from './packet.js';
import { grownF64, grownStrings } from './tuple-map.js';

/** Silence before a segment, in seconds, that counts as idle: above any RTT and delayed ACK. */
const MIN_IDLE = 2;
/** How soon the reset must follow the segment. */
const RST_WITHIN = 2;
export const MAX_IDLE_CONNS = 50_000;
const MAX_EPISODES = 20;
/**
 * Resets kept for the end's director check (sent by the host that answered before: only the
 * director's MAC makes them episodes). A server's own resets after a silence are of that kind and
 * can be many; they cannot crowd out the resets from another host, which are episodes whoever the
 * director is and are kept apart, MAX_EPISODES of them.
 */
const MAX_CANDIDATES = 1000;
const FIRST = 512;

export interface IdleEpisode extends IdleExpiry {
  readonly frames: readonly number[];
}

/**
 * A reset that may end an idle episode, as the watcher saw it: whether the director sent it is
 * asked at the end (`episodes`), of what the model learnt by then. The watcher may run on the
 * reading thread, where the model's roles are not known; every candidate's answer is the same
 * wherever it runs.
 */
export interface IdleCandidate {
  readonly client: string;
  readonly virtual: string;
  readonly idle: number;
  /** The reset's sender MAC ('' in a capture without MACs). */
  readonly rstMac: string;
  /** Another host than the one that answered before sent it (its MAC or TTL differ). */
  readonly other: boolean;
  readonly frames: readonly number[];
}

/**
 * A followed connection's numbers side by side, one cache line, so that a packet touches one line
 * of them rather than one per field (each field's own array cost a cache miss per packet with tens
 * of thousands of connections followed). FLAGS holds MINE (this watcher follows the slot: the
 * shared index holds other watchers' tuples too), ESTABLISHED and CLOSED. WAKE_N (0: none) and
 * WAKE_T are the client's first segment after a silence, waiting for what answers it; IDLE the
 * silence; BEFORE_N the last frame before it; SERVER_TTL the TTL of the last packet from the
 * server side (with its MAC in `serverMac`: the sender's signature).
 */
const REC = 8;
const FLAGS = 0, LAST_T = 1, LAST_N = 2, WAKE_N = 3, WAKE_T = 4, IDLE = 5, BEFORE_N = 6, SERVER_TTL = 7;
const MINE = 1, ESTABLISHED = 2, CLOSED = 4;

/**
 * Per connection (client ip:port → virtual ip:port, keyed from the client's SYN), one record, at
 * the slot of the tuple in the fault watchers' shared TupleIndex (fault-watch.ts finds it once for
 * every watcher): nothing is allocated per packet or per connection but the arrays' growth.
 */
export class IdleExpiries {
  private readonly found: IdleCandidate[] = [];
  private fromOthers = 0;
  private count = 0;
  private cap = FIRST;
  private rec = new Float64Array(FIRST * REC);
  /** The client's and the virtual address and port, for the report. */
  private client: string[] = new Array<string>(FIRST).fill('');
  private virtual: string[] = new Array<string>(FIRST).fill('');
  private ports = new Float64Array(FIRST * 2);
  /** The last packet from the server side: its MAC (or address). */
  private serverMac: string[] = new Array<string>(FIRST).fill('');
  /** Where the client's SYN was sent (its first copy): the director holding the entry. */
  private entryMac: string[] = new Array<string>(FIRST).fill('');

  /** Connections followed. */
  get size(): number {
    return this.count;
  }

  has(slot: number): boolean {
    return slot >= 0 && slot < this.cap && (this.rec[slot * REC + FLAGS]! & MINE) !== 0;
  }

  /** The client's SYN of a connection not followed yet (check `size` first): follow it in `c`. */
  start(c: number, p: Packet): void {
    while (c >= this.cap) this.grow();
    this.count++;
    const r = this.rec;
    const e = c * REC;
    r[e + FLAGS] = MINE;
    this.client[c] = p.src; this.ports[2 * c] = p.sport; this.virtual[c] = p.dst; this.ports[2 * c + 1] = p.dport;
    r[e + LAST_T] = p.t; r[e + LAST_N] = p.n; this.entryMac[c] = p.dstMac;
  }

  /** A packet of followed connection `c` from its client. */
  fromClient(c: number, p: Packet): void {
    const r = this.rec;
    const e = c * REC;
    const f = p.flags;
    const flags = r[e + FLAGS]!;
    if ((f & SYN) !== 0) {
      // A new connection on the same port starts over.
      r[e + FLAGS] = MINE; this.serverMac[c] = ''; r[e + WAKE_N] = 0;
    } else if ((f & (FIN | RST)) !== 0) {
      r[e + FLAGS] = flags | CLOSED;
    } else if ((flags & (ESTABLISHED | CLOSED)) === ESTABLISHED && p.t - r[e + LAST_T]! >= MIN_IDLE) {
      r[e + WAKE_N] = p.n; r[e + WAKE_T] = p.t; r[e + IDLE] = p.t - r[e + LAST_T]!; r[e + BEFORE_N] = r[e + LAST_N]!;
    } else if ((f & ACK) !== 0) {
      // The client's ACK after its SYN: the handshake completed (the server's side may take another way).
      r[e + FLAGS] = flags | ESTABLISHED;
    }
    r[e + LAST_T] = p.t;
    r[e + LAST_N] = p.n;
  }

  /** A packet back to the client of followed connection `c`. */
  fromServer(c: number, p: Packet): void {
    const r = this.rec;
    const e = c * REC;
    const f = p.flags;
    if ((f & RST) !== 0 && r[e + WAKE_N] !== 0 && p.t - r[e + WAKE_T]! <= RST_WITHIN) {
      const serverMac = this.serverMac[c]!;
      const other = serverMac !== '' && (p.srcMac !== serverMac || p.ttl !== r[e + SERVER_TTL]);
      // The director that held the entry answers: another one (a failover without the sync
      // daemon) lost the entry rather than let it expire, and says so in its own finding.
      const entryMac = this.entryMac[c]!;
      const sameDirector = entryMac === '' || p.srcMac === entryMac;
      const room = other ? this.fromOthers < MAX_EPISODES : this.found.length - this.fromOthers < MAX_CANDIDATES;
      if (sameDirector && room) {
        if (other) this.fromOthers++;
        this.found.push({
          client: `${this.client[c]}:${this.ports[2 * c]}`, virtual: `${this.virtual[c]}:${this.ports[2 * c + 1]}`,
          idle: Math.round(r[e + IDLE]! * 10) / 10, rstMac: p.srcMac, other,
          frames: [r[e + BEFORE_N]!, r[e + WAKE_N]!, p.n],
        });
      }
      r[e + FLAGS] = r[e + FLAGS]! | CLOSED;
      r[e + WAKE_N] = 0;
    } else if ((f & RST) === 0) {
      if ((f & FIN) !== 0) r[e + FLAGS] = r[e + FLAGS]! | CLOSED;
      this.serverMac[c] = p.srcMac === '' ? p.src : p.srcMac;
      r[e + SERVER_TTL] = p.ttl;
      r[e + WAKE_N] = 0;
    }
    r[e + LAST_T] = p.t;
    r[e + LAST_N] = p.n;
  }

  private grow(): void {
    this.cap *= 2;
    this.rec = grownF64(this.rec);
    this.client = grownStrings(this.client); this.virtual = grownStrings(this.virtual); this.ports = grownF64(this.ports);
    this.serverMac = grownStrings(this.serverMac); this.entryMac = grownStrings(this.entryMac);
  }

  /** The resets seen after a silence, for `idleEpisodes` at the end. */
  candidates(): readonly IdleCandidate[] {
    return this.found;
  }
}

/** The episodes among `candidates`: a reset from the director (`isDirectorMac`) or from another host than answered before. */
export function idleEpisodes(candidates: readonly IdleCandidate[], isDirectorMac: (mac: string) => boolean): IdleEpisode[] {
  const out: IdleEpisode[] = [];
  for (const c of candidates) {
    if (out.length >= MAX_EPISODES) break;
    const director = isDirectorMac(c.rstMac);
    if (director || c.other) out.push({ client: c.client, virtual: c.virtual, idle: c.idle, by: director ? 'director' : 'other', frames: c.frames });
  }
  return out;
}
