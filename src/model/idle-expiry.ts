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
import {
  COLD_F_IDLE_IDLE, COLD_F_IDLE_WAKE_T, COLD_IDLE_BEFORE_N, F_IDLE_LAST_T, FLAGS, IDLE_BITS, IDLE_CLOSED, IDLE_ENTRY_MAC,
  IDLE_ESTABLISHED, IDLE_LAST_N, IDLE_MINE, IDLE_SERVER_MAC, IDLE_TTL_MASK, IDLE_TTL_SHIFT, IDLE_WAKE_N, type WatchRecords,
} from './watch-records.js';

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
 * Per connection (client ip:port → virtual ip:port, keyed from the client's SYN), its numbers in
 * the record of the tuple's slot in the fault watchers' shared WatchRecords (fault-watch.ts finds
 * it once for every watcher), beside the other watchers': nothing is allocated per packet or per
 * connection. The record's IDLE_ fields: WAKE_N (0: none) is the client's first segment after a
 * silence, waiting for what answers it, and the cold record (made at that segment) holds its time
 * (WAKE_T), the silence (IDLE) and the last frame before it (BEFORE_N); SERVER_MAC and the TTL in
 * the flag word (IDLE_TTL_SHIFT) the last packet from the server side (the sender's signature);
 * ENTRY_MAC where the client's SYN was sent (its first copy): the director holding the entry. The
 * MACs are numbers in `names`, so that no record holds a string: the client and virtual addresses
 * are those of the packet that ends an episode.
 */
export class IdleExpiries {
  private readonly found: IdleCandidate[] = [];
  private fromOthers = 0;
  private count = 0;
  /** The MACs (or addresses) the records name, each once; 0 is ''. */
  private readonly names: string[] = [''];
  private readonly nameIds = new Map<string, number>([['', 0]]);
  /** The records, for a slot's cold one. */
  private readonly recs: WatchRecords;

  constructor(recs: WatchRecords) {
    this.recs = recs;
  }

  /** Connections followed. */
  get size(): number {
    return this.count;
  }

  /** The client's SYN of a connection not followed yet (check `size` first): follow it in record `e` of `r`/`f`. */
  start(r: Int32Array, f: Float64Array, e: number, p: Packet): void {
    this.count++;
    r[e + FLAGS] = (r[e + FLAGS]! & ~IDLE_BITS) | IDLE_MINE;
    f[(e >> 1) + F_IDLE_LAST_T] = p.t; r[e + IDLE_LAST_N] = p.n; r[e + IDLE_ENTRY_MAC] = this.nameId(p.dstMac);
  }

  /** A packet of followed connection `c` (record `e` of `r`/`f`) from its client. */
  fromClient(c: number, r: Int32Array, f: Float64Array, e: number, p: Packet): void {
    const g = e >> 1;
    const pf = p.flags;
    const flags = r[e + FLAGS]!;
    if ((pf & SYN) !== 0) {
      // A new connection on the same port starts over.
      r[e + FLAGS] = (flags & ~IDLE_BITS) | IDLE_MINE; r[e + IDLE_SERVER_MAC] = 0; r[e + IDLE_WAKE_N] = 0;
    } else if ((pf & (FIN | RST)) !== 0) {
      r[e + FLAGS] = flags | IDLE_CLOSED;
    } else if ((flags & (IDLE_ESTABLISHED | IDLE_CLOSED)) === IDLE_ESTABLISHED && p.t - f[g + F_IDLE_LAST_T]! >= MIN_IDLE) {
      const k = this.recs.cold(c);
      const cf = this.recs.cf64;
      r[e + IDLE_WAKE_N] = p.n; cf[(k >> 1) + COLD_F_IDLE_WAKE_T] = p.t; cf[(k >> 1) + COLD_F_IDLE_IDLE] = p.t - f[g + F_IDLE_LAST_T]!;
      this.recs.ci32[k + COLD_IDLE_BEFORE_N] = r[e + IDLE_LAST_N]!;
    } else if ((pf & ACK) !== 0) {
      // The client's ACK after its SYN: the handshake completed (the server's side may take another way).
      r[e + FLAGS] = flags | IDLE_ESTABLISHED;
    }
    f[g + F_IDLE_LAST_T] = p.t;
    r[e + IDLE_LAST_N] = p.n;
  }

  /** A packet back to the client of followed connection `c` (record `e` of `r`/`f`). */
  fromServer(c: number, r: Int32Array, f: Float64Array, e: number, p: Packet): void {
    const g = e >> 1;
    const pf = p.flags;
    // A segment waiting for its answer (WAKE_N) made the cold record.
    const k = (pf & RST) !== 0 && r[e + IDLE_WAKE_N] !== 0 ? this.recs.coldIfAny(c) : -1;
    const cf = this.recs.cf64;
    if (k >= 0 && p.t - cf[(k >> 1) + COLD_F_IDLE_WAKE_T]! <= RST_WITHIN) {
      const serverMac = this.names[r[e + IDLE_SERVER_MAC]!]!;
      const other = serverMac !== '' && (p.srcMac !== serverMac || p.ttl !== (r[e + FLAGS]! & IDLE_TTL_MASK) >>> IDLE_TTL_SHIFT);
      // The director that held the entry answers: another one (a failover without the sync
      // daemon) lost the entry rather than let it expire, and says so in its own finding.
      const entryMac = this.names[r[e + IDLE_ENTRY_MAC]!]!;
      const sameDirector = entryMac === '' || p.srcMac === entryMac;
      const room = other ? this.fromOthers < MAX_EPISODES : this.found.length - this.fromOthers < MAX_CANDIDATES;
      if (sameDirector && room) {
        if (other) this.fromOthers++;
        // The packet goes back to the client: its destination is the client's ip:port, its source the virtual one.
        this.found.push({
          client: `${p.dst}:${p.dport}`, virtual: `${p.src}:${p.sport}`,
          idle: Math.round(cf[(k >> 1) + COLD_F_IDLE_IDLE]! * 10) / 10, rstMac: p.srcMac, other,
          frames: [this.recs.ci32[k + COLD_IDLE_BEFORE_N]! >>> 0, r[e + IDLE_WAKE_N]! >>> 0, p.n],
        });
      }
      r[e + FLAGS] = r[e + FLAGS]! | IDLE_CLOSED;
      r[e + IDLE_WAKE_N] = 0;
    } else if ((pf & RST) === 0) {
      if ((pf & FIN) !== 0) r[e + FLAGS] = r[e + FLAGS]! | IDLE_CLOSED;
      const server = p.srcMac === '' ? p.src : p.srcMac;
      if (this.names[r[e + IDLE_SERVER_MAC]!] !== server) r[e + IDLE_SERVER_MAC] = this.nameId(server);
      r[e + FLAGS] = (r[e + FLAGS]! & ~IDLE_TTL_MASK) | (p.ttl << IDLE_TTL_SHIFT);
      r[e + IDLE_WAKE_N] = 0;
    }
    f[g + F_IDLE_LAST_T] = p.t;
    r[e + IDLE_LAST_N] = p.n;
  }

  private nameId(name: string): number {
    let id = this.nameIds.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.nameIds.set(name, id);
    }
    return id;
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
