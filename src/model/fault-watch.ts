/**
 * The failures operators meet in a running cluster, each recognised from its packets alone: a
 * flow black-holed by a stale connection entry, an idle connection whose entry expired, a reused
 * client port whose first SYN was dropped, a real server rejecting with ICMP. Each watcher keeps a
 * small bounded state per conversation and needs nothing the model learns, so it can run where the
 * packets are read (reading-watch.ts, on the reading thread of a two-thread pass) as well as in the
 * engine; at the end its episodes become findings with what the model knows then (`reportFaults`).
 */
import type { StaleEntry } from '../ipvs/report.js';
import type { FindingBook } from './finding-book.js';
import { IdleExpiries, idleEpisodes, MAX_IDLE_CONNS, type IdleCandidate } from './idle-expiry.js';
import { ACK, PROTO_TCP, PROTO_UDP, SYN, type Packet } from './packet.js';
import { MAX_REUSE_PORTS, PortReuses, type PortReuseEpisode } from './port-reuse.js';
import { StaleEntries, type StaleEpisode } from './stale-entry.js';
import { StaleConnections, type StaleTcpEpisode } from './stale-tcp.js';
import { staleConnections } from './rules/stale-entry.js';
import { IDLE_MINE, REUSE_MINE, WatchRecords } from './watch-records.js';

/** What the watchers found, as plain data (it crosses from the reading thread in a message). */
export interface FaultEpisodes {
  readonly stale: readonly StaleEpisode[];
  readonly idle: readonly IdleCandidate[];
  readonly reuse: readonly PortReuseEpisode[];
  readonly staleTcp: readonly StaleTcpEpisode[];
}

export class FaultWatch {
  /**
   * TCP conversations (client ip:port → virtual ip:port) the TCP watchers follow, one slot and one
   * record each: each packet's conversation and its reverse are looked up once here, and one flag
   * word says which watchers follow each. A slot is added only as the idle or the port-reuse
   * watcher starts following it, so there are at most as many as both follow.
   */
  private readonly tcp = new WatchRecords(MAX_IDLE_CONNS + MAX_REUSE_PORTS);
  private readonly stale = new StaleEntries();
  private readonly idle = new IdleExpiries(this.tcp);
  private readonly reuse = new PortReuses(this.tcp);
  private readonly staleTcp = new StaleConnections(this.tcp);

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
    const tcp = this.tcp;
    const idle = this.idle;
    const reuse = this.reuse;
    const syn = (p.flags & (SYN | ACK)) === SYN;
    tcp.lookup(s, p.sport, d, p.dport);
    let fwd = tcp.fwd;
    const back = tcp.back;
    const fwdFlags = tcp.flags(fwd);
    const backFlags = tcp.flags(back);

    // The TCP stale-entry watcher follows the idle watcher's connections.
    if ((fwdFlags & IDLE_MINE) !== 0) {
      const e = tcp.at(fwd);
      idle.fromClient(fwd, tcp.i32, tcp.f64, e, p);
      this.staleTcp.fromClient(fwd, tcp.i32, e, p);
    } else if ((backFlags & IDLE_MINE) !== 0) {
      const e = tcp.at(back);
      idle.fromServer(back, tcp.i32, tcp.f64, e, p);
      this.staleTcp.fromServer(tcp.i32, e, p);
    } else if (syn && idle.size < MAX_IDLE_CONNS) {
      if (fwd < 0) fwd = tcp.add(s, p.sport, d, p.dport);
      const e = tcp.at(fwd);
      idle.start(tcp.i32, tcp.f64, e, p);
      this.staleTcp.start(tcp.i32, e, p);
    }

    if (syn) {
      if ((fwdFlags & REUSE_MINE) !== 0) reuse.syn(fwd, tcp.i32, tcp.f64, tcp.at(fwd), p);
      else if (reuse.size < MAX_REUSE_PORTS) {
        if (fwd < 0) fwd = tcp.add(s, p.sport, d, p.dport);
        reuse.start(tcp.i32, tcp.f64, tcp.at(fwd), p);
      }
    } else if ((fwdFlags & REUSE_MINE) !== 0) reuse.fromClient(tcp.i32, tcp.f64, tcp.at(fwd), p);
    else if ((backFlags & REUSE_MINE) !== 0) reuse.fromServer(back, tcp.i32, tcp.f64, tcp.at(back), p);
  }

  /** What was found, once the packets are all seen. */
  episodes(): FaultEpisodes {
    return { stale: this.stale.episodesFound(), idle: this.idle.candidates(), reuse: this.reuse.episodes(), staleTcp: this.staleTcp.episodes() };
  }
}

/**
 * The watchers' episodes as findings. `rsName`: a real server's name for a MAC or address seen on
 * the wire (its RIP where known); `isDirectorMac`: the model's directors, as known at the end.
 */
export function reportFaults(book: FindingBook, e: FaultEpisodes, rsName: (id: string) => string, isDirectorMac: (mac: string) => boolean): void {
  for (const s of e.stale) {
    const params: StaleEntry = {
      protocol: 'udp', client: s.client, virtual: s.virtual, rs: rsName(s.rsId), after: s.afterId === null ? null : rsName(s.afterId),
      lost: s.lost, seconds: s.seconds, othersAnswered: s.othersAnswered,
    };
    for (const n of s.frames) book.add('stale-entry', `${s.client}>${s.virtual}`, n, params);
  }
  staleConnections(book, e.staleTcp, rsName, isDirectorMac);
  for (const i of idleEpisodes(e.idle, isDirectorMac)) {
    const { frames, ...params } = i;
    for (const n of frames) book.add('idle-entry-expired', `${i.client}>${i.virtual}`, n, params);
  }
  for (const r of e.reuse) {
    const { frames, ...params } = r;
    for (const n of frames) book.add('port-reuse-syn-dropped', `${r.client}>${r.virtual}|${frames[1]}`, n, params);
  }
}
