/**
 * The failures operators meet in a running cluster, each recognised from its packets alone: a
 * flow black-holed by a stale connection entry, an idle connection whose entry expired, a reused
 * client port whose first SYN was dropped, a real server rejecting with ICMP. Each watcher keeps a
 * small bounded state per conversation; the engine feeds them every TCP/UDP packet and asks for
 * findings at the end.
 */
import type { StaleEntry } from '../ipvs/report.js';
import type { FindingBook } from './finding-book.js';
import { IdleExpiries } from './idle-expiry.js';
import { PROTO_TCP, PROTO_UDP, type Packet } from './packet.js';
import { PortReuses } from './port-reuse.js';
import { StaleEntries } from './stale-entry.js';


export class FaultWatch {
  private readonly stale = new StaleEntries();
  private readonly idle: IdleExpiries;
  private readonly reuse = new PortReuses();

  constructor(isDirectorMac: (mac: string) => boolean) {
    this.idle = new IdleExpiries(isDirectorMac);
  }

  /** Every TCP or UDP packet (the inner one of a tunnel); `s`, `d`: its addresses as `AddressIds` numbers. */
  observe(p: Packet, s: number, d: number): void {
    if (p.proto === PROTO_TCP) {
      this.idle.observe(p, s, d);
      this.reuse.observe(p, s, d);
    }
    else if (p.proto === PROTO_UDP) this.stale.observe(p);
  }

  /** `rsName`: a real server's name for a MAC or address seen on the wire (its RIP where known). */
  report(book: FindingBook, rsName: (id: string) => string): void {
    for (const e of this.stale.episodesFound()) {
      const params: StaleEntry = {
        client: e.client, virtual: e.virtual, rs: rsName(e.rsId), after: e.afterId === null ? null : rsName(e.afterId),
        lost: e.lost, seconds: e.seconds, othersAnswered: e.othersAnswered,
      };
      for (const n of e.frames) book.add('stale-entry', `${e.client}>${e.virtual}`, n, params);
    }
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
