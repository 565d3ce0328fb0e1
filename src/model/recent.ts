/**
 * A short memory of recently seen IP packets, so the director's copy of a packet can be paired
 * with the copy it received: the same packet seen twice is how DR and NAT show themselves.
 *
 * Bounded by time and size: pairs are microseconds to milliseconds apart, so a few seconds of
 * capture time is plenty and memory never grows with the capture.
 */

export interface SeenPacket {
  n: number;
  t: number;
  srcMac: string;
  dstMac: string;
  pktType: number;
  src: string;
  dst: string;
  sport: number;
  dport: number;
  ttl: number;
}

const MAX_AGE = 2; // seconds
const MAX_ENTRIES = 1 << 16;

export class RecentPackets {
  private readonly map = new Map<string, SeenPacket>();

  get(key: string): SeenPacket | undefined {
    return this.map.get(key);
  }

  set(key: string, p: SeenPacket, now: number): void {
    // A key seen again keeps its old place in the eviction order; it is then evicted a little early,
    // which only costs a missed pair for packets repeated seconds apart (retransmissions).
    this.map.set(key, p);
    if (this.map.size > MAX_ENTRIES || (this.map.size & 1023) === 0) this.evict(now);
  }

  private evict(now: number): void {
    for (const [k, v] of this.map) {
      if (this.map.size <= MAX_ENTRIES && now - v.t <= MAX_AGE) break;
      this.map.delete(k);
    }
  }

  get size(): number {
    return this.map.size;
  }
}
