/**
 * The fault watchers (fault-watch.ts) fed where the packets are read: on the reading thread of a
 * two-thread pass, so that the model thread is spared their per-packet work. They see exactly
 * the packets the engine would give them (its `onL4`: TCP and UDP, tunnelled ones by their inner
 * packet, not ICMP or NDP, not the director pair's own health checks and sync messages), so
 * their episodes are the same whichever thread ran them. The pair's own traffic is told apart by
 * a tracker of this side's own (model/ha), which learns from the packets alone in a first pass.
 */
import { AddressIds } from './flow-table.js';
import { FaultWatch, type FaultEpisodes } from './fault-watch.js';
import { HaTracker, isPairOwn } from './ha/tracker.js';
import { PROTO_TCP, PROTO_UDP, type Packet } from './packet.js';

export class ReadingWatch {
  private readonly faults = new FaultWatch();
  private readonly ha = new HaTracker(null);
  private readonly addrs = new AddressIds();

  /** Every packet, in capture order. */
  observe(p: Packet): void {
    if (isPairOwn(this.ha.observe(p))) return;
    if (p.kind !== 'ip' || (p.arpOp !== 0 && p.isIcmp6) || p.icmpType >= 0) return;
    if (p.proto !== PROTO_TCP && p.proto !== PROTO_UDP) return;
    this.faults.observe(p, this.addrs.fed(p.srcAddrId, p.src), this.addrs.fed(p.dstAddrId, p.dst));
  }

  episodes(): FaultEpisodes {
    return this.faults.episodes();
  }
}
