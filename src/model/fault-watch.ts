/**
 * The failures operators meet in a running cluster, each recognised from its packets alone: a
 * flow black-holed by a stale connection entry, an idle connection whose entry expired, a reused
 * client port whose first SYN was dropped, a real server rejecting with ICMP. Each watcher keeps a
 * small bounded state per conversation; the engine feeds them every TCP/UDP packet and asks for
 * findings at the end.
 */
import type { StaleEntry } from '../ipvs/report.js';
import type { FindingBook } from './finding-book.js';
import { IdleExpiries, MAX_IDLE_CONNS } from './idle-expiry.js';
import { ACK, PROTO_TCP, PROTO_UDP, SYN, type Packet } from './packet.js';
import { MAX_REUSE_PORTS, PortReuses } from './port-reuse.js';
import { StaleEntries } from './stale-entry.js';
import { StaleConnections } from './stale-tcp.js';
import { staleConnections } from './rules/stale-entry.js';
import { TupleIndex } from './tuple-map.js';


export class FaultWatch {
  private readonly stale = new StaleEntries();
  private readonly idle: IdleExpiries;
  private readonly reuse = new PortReuses();
  private readonly staleTcp: StaleConnections;
  /**
   * TCP conversations (client ip:port → virtual ip:port) the TCP watchers follow, one slot each:
   * each packet's two tuples are looked up once here, for both watchers.
   */
  private readonly tcp = new TupleIndex();

  constructor(isDirectorMac: (mac: string) => boolean) {
    this.idle = new IdleExpiries(isDirectorMac);
    this.staleTcp = new StaleConnections(isDirectorMac);
  }

  /** Every TCP or UDP packet (the inner one of a tunnel); `s`, `d`: its addresses as `AddressIds` numbers. */
  observe(p: Packet, s: number, d: number): void {
    if (p.proto === PROTO_TCP) this.observeTcp(p, s, d);
    else if (p.proto === PROTO_UDP) this.stale.observe(p);
  }

  /**
   * Each watcher's own rule, as if it kept its own map: a packet of a conversation it follows is
   * the client's (its tuple) or the server's (the reverse tuple); a client's SYN starts one.
   */
  private observeTcp(p: Packet, s: number, d: number): void {
    const idle = this.idle;
    const reuse = this.reuse;
    const syn = (p.flags & (SYN | ACK)) === SYN;
    let fwd = this.tcp.find(s, p.sport, d, p.dport);
    const idleFwd = idle.has(fwd);
    const reuseFwd = reuse.has(fwd);
    const back = !idleFwd || (!syn && !reuseFwd) ? this.tcp.find(d, p.dport, s, p.sport) : -1;

    // The TCP stale-entry watcher follows the idle watcher's connections.
    if (idleFwd) { idle.fromClient(fwd, p); this.staleTcp.fromClient(fwd, p); }
    else if (idle.has(back)) { idle.fromServer(back, p); this.staleTcp.fromServer(back, p); }
    else if (syn && idle.size < MAX_IDLE_CONNS) {
      if (fwd < 0) fwd = this.tcp.add(s, p.sport, d, p.dport);
      idle.start(fwd, p);
      this.staleTcp.start(fwd, p, d);
    }

    if (syn) {
      if (reuseFwd) reuse.syn(fwd, p);
      else if (reuse.size < MAX_REUSE_PORTS) {
        if (fwd < 0) fwd = this.tcp.add(s, p.sport, d, p.dport);
        reuse.start(fwd, p);
      }
    } else if (reuseFwd) reuse.fromClient(fwd, p);
    else if (reuse.has(back)) reuse.fromServer(back, p);
  }

  /** `rsName`: a real server's name for a MAC or address seen on the wire (its RIP where known). */
  report(book: FindingBook, rsName: (id: string) => string): void {
    for (const e of this.stale.episodesFound()) {
      const params: StaleEntry = {
        protocol: 'udp', client: e.client, virtual: e.virtual, rs: rsName(e.rsId), after: e.afterId === null ? null : rsName(e.afterId),
        lost: e.lost, seconds: e.seconds, othersAnswered: e.othersAnswered,
      };
      for (const n of e.frames) book.add('stale-entry', `${e.client}>${e.virtual}`, n, params);
    }
    staleConnections(book, this.staleTcp.episodes(), rsName);
    for (const e of this.idle.episodes()) {
      const { frames, ...params } = e;
      for (const n of frames) book.add('idle-entry-expired', `${e.client}>${e.virtual}`, n, params);
    }
    for (const e of this.reuse.episodes()) {
      const { frames, ...params } = e;
      for (const n of frames) book.add('port-reuse-syn-dropped', `${e.client}>${e.virtual}|${frames[1]}`, n, params);
    }
  }
}
