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
import { grownF64, grownI32, grownStrings, grownU8 } from './tuple-map.js';

/** Silence before a segment, in seconds, that counts as idle: above any RTT and delayed ACK. */
const MIN_IDLE = 2;
/** How soon the reset must follow the segment. */
const RST_WITHIN = 2;
export const MAX_IDLE_CONNS = 50_000;
const MAX_EPISODES = 20;
const FIRST = 512;

export interface IdleEpisode extends IdleExpiry {
  readonly frames: readonly number[];
}

/**
 * Per connection (client ip:port → virtual ip:port, keyed from the client's SYN), one slot of the
 * arrays below, the slot of the tuple in the fault watchers' shared TupleIndex (fault-watch.ts
 * finds it once for every watcher): nothing is allocated per packet or per connection but the
 * arrays' growth.
 */
export class IdleExpiries {
  private readonly found: IdleEpisode[] = [];
  private count = 0;
  private cap = FIRST;
  /** This watcher follows the slot's conversation (the shared index holds other watchers' too). */
  private mine = new Uint8Array(FIRST);
  /** The client's and the virtual address and port, for the report. */
  private client: string[] = new Array<string>(FIRST).fill('');
  private clientPort = new Int32Array(FIRST);
  private virtual: string[] = new Array<string>(FIRST).fill('');
  private virtualPort = new Int32Array(FIRST);
  private established = new Uint8Array(FIRST);
  private closed = new Uint8Array(FIRST);
  private lastT = new Float64Array(FIRST);
  private lastN = new Float64Array(FIRST);
  /** The last packet from the server side: its MAC (or address) and TTL, the sender's signature. */
  private serverMac: string[] = new Array<string>(FIRST).fill('');
  private serverTtl = new Int32Array(FIRST);
  /** The client's first segment after a silence (0: none), waiting for what answers it. */
  private wakeN = new Float64Array(FIRST);
  private wakeT = new Float64Array(FIRST);
  private idle = new Float64Array(FIRST);
  /** The last frame before the silence. */
  private beforeN = new Float64Array(FIRST);
  /** Where the client's SYN was sent (its first copy): the director holding the entry. */
  private entryMac: string[] = new Array<string>(FIRST).fill('');

  private readonly isDirectorMac: (mac: string) => boolean;

  constructor(isDirectorMac: (mac: string) => boolean) {
    this.isDirectorMac = isDirectorMac;
  }

  /** Connections followed. */
  get size(): number {
    return this.count;
  }

  has(slot: number): boolean {
    return slot >= 0 && slot < this.cap && this.mine[slot] !== 0;
  }

  /** The client's SYN of a connection not followed yet (check `size` first): follow it in `c`. */
  start(c: number, p: Packet): void {
    while (c >= this.cap) this.grow();
    this.mine[c] = 1;
    this.count++;
    this.client[c] = p.src; this.clientPort[c] = p.sport; this.virtual[c] = p.dst; this.virtualPort[c] = p.dport;
    this.lastT[c] = p.t; this.lastN[c] = p.n; this.entryMac[c] = p.dstMac;
  }

  /** A packet of followed connection `c` from its client. */
  fromClient(c: number, p: Packet): void {
    const f = p.flags;
    if ((f & SYN) !== 0) {
      // A new connection on the same port starts over.
      this.established[c] = 0; this.closed[c] = 0; this.serverMac[c] = ''; this.wakeN[c] = 0;
    } else if ((f & (FIN | RST)) !== 0) {
      this.closed[c] = 1;
    } else if (this.established[c] !== 0 && this.closed[c] === 0 && p.t - this.lastT[c]! >= MIN_IDLE) {
      this.wakeN[c] = p.n; this.wakeT[c] = p.t; this.idle[c] = p.t - this.lastT[c]!; this.beforeN[c] = this.lastN[c]!;
    } else if ((f & ACK) !== 0) {
      // The client's ACK after its SYN: the handshake completed (the server's side may take another way).
      this.established[c] = 1;
    }
    this.lastT[c] = p.t;
    this.lastN[c] = p.n;
  }

  /** A packet back to the client of followed connection `c`. */
  fromServer(c: number, p: Packet): void {
    const f = p.flags;
    if ((f & RST) !== 0 && this.wakeN[c] !== 0 && p.t - this.wakeT[c]! <= RST_WITHIN) {
      const director = this.isDirectorMac(p.srcMac);
      const serverMac = this.serverMac[c]!;
      const other = serverMac !== '' && (p.srcMac !== serverMac || p.ttl !== this.serverTtl[c]);
      // The director that held the entry answers: another one (a failover without the sync
      // daemon) lost the entry rather than let it expire, and says so in its own finding.
      const entryMac = this.entryMac[c]!;
      const sameDirector = entryMac === '' || p.srcMac === entryMac;
      if ((director || other) && sameDirector && this.found.length < MAX_EPISODES) {
        this.found.push({
          client: `${this.client[c]}:${this.clientPort[c]}`, virtual: `${this.virtual[c]}:${this.virtualPort[c]}`,
          idle: Math.round(this.idle[c]! * 10) / 10, by: director ? 'director' : 'other',
          frames: [this.beforeN[c]!, this.wakeN[c]!, p.n],
        });
      }
      this.closed[c] = 1;
      this.wakeN[c] = 0;
    } else if ((f & RST) === 0) {
      if ((f & FIN) !== 0) this.closed[c] = 1;
      this.serverMac[c] = p.srcMac === '' ? p.src : p.srcMac;
      this.serverTtl[c] = p.ttl;
      this.wakeN[c] = 0;
    }
    this.lastT[c] = p.t;
    this.lastN[c] = p.n;
  }

  private grow(): void {
    this.cap *= 2;
    this.mine = grownU8(this.mine);
    this.client = grownStrings(this.client); this.clientPort = grownI32(this.clientPort);
    this.virtual = grownStrings(this.virtual); this.virtualPort = grownI32(this.virtualPort);
    this.established = grownU8(this.established); this.closed = grownU8(this.closed);
    this.lastT = grownF64(this.lastT); this.lastN = grownF64(this.lastN);
    this.serverMac = grownStrings(this.serverMac); this.serverTtl = grownI32(this.serverTtl);
    this.wakeN = grownF64(this.wakeN); this.wakeT = grownF64(this.wakeT); this.idle = grownF64(this.idle);
    this.beforeN = grownF64(this.beforeN); this.entryMac = grownStrings(this.entryMac);
  }

  episodes(): readonly IdleEpisode[] {
    return this.found;
  }
}
