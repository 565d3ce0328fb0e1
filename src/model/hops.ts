/**
 * Which two frames are the same packet before and after the director: the director's copy of a
 * packet seen a moment ago is how DR (MACs and TTL changed) and NAT (addresses rewritten, either
 * way, and both addresses where it masquerades too) show themselves. Only the director emits such
 * copies, so once its MAC is known only its frames are looked up, and only frames sent to it remembered.
 */
import { ACK, PROTO_TCP, PROTO_UDP, SYN, type Packet } from './packet.js';
import { RecentPackets, type SeenPacket } from './recent.js';

/** Up to this many director MACs are compared one by one rather than looked up. */
const MAC_LIST_MAX = 4;
/**
 * Address ids of the packet memory's keys that leave both addresses out: a director that also
 * source-NATs (a masquerade after IPVS, as kube-proxy's IPVS mode adds) rewrites both. What stays
 * of TCP is the IP ID, the sequence number and the payload's length; of UDP the IP ID, the length
 * and the client's port (a masquerade keeps it where it can): its source on the way to a real
 * server, its destination on the way back. No address has these ids.
 */
const ANY_ADDRESS = -1;
const ANY_ADDRESS_SPORT = -2;
const ANY_ADDRESS_DPORT = -3;
/**
 * A cooked capture's packet type for what the capturing host sent: a director's copy always is,
 * the packet it copies never (it arrived), so only arrivals are remembered under these keys and
 * only sends looked up.
 */
const SLL_OUTGOING = 4;

/** The director's copy of a client packet (DR: only MACs and TTL changed; NAT: rewritten) or of a NAT reply. */
export type Hop = 'dr' | 'nat' | 'nat-reply';

export class HopDetector {
  private readonly recent = new RecentPackets();
  /** The earlier copy of the packet the last `detect` found a hop for (reused: read it before the next call). */
  prev: SeenPacket | undefined;

  /** Only ever grows (Roles adds to it): its size says when `macList` is out of date. */
  private readonly directorMacs: ReadonlySet<string>;
  /** The same MACs as a list while there are few: comparing one or two beats a hash lookup, twice a frame. */
  private macList: readonly string[] = [];
  private macCount = 0;
  /** VIP:port → CIP:port of a tracked connection: a real server's reply, not a client's packet (`s`, `d`: its address ids). */
  private readonly isReplyOfFlow: (p: Packet, s: number, d: number) => boolean;
  /** CIP:port → VIP:port of a tracked connection: a client's packet, not a reply. */
  private readonly isClientOfFlow: (p: Packet, s: number, d: number) => boolean;
  /** A packet of a FULLNAT connection, whose director rewrites both addresses without any masquerade. */
  private readonly inFullnatFlow: (p: Packet, s: number, d: number) => boolean;

  constructor(
    directorMacs: ReadonlySet<string>, isReplyOfFlow: (p: Packet, s: number, d: number) => boolean,
    isClientOfFlow: (p: Packet, s: number, d: number) => boolean, inFullnatFlow: (p: Packet, s: number, d: number) => boolean,
  ) {
    this.directorMacs = directorMacs;
    this.isReplyOfFlow = isReplyOfFlow;
    this.isClientOfFlow = isClientOfFlow;
    this.inFullnatFlow = inFullnatFlow;
  }

  /**
   * The hop `p` is the second copy of, or null (then `p` is remembered when it may go to the
   * director). `srcId`/`dstId` are the packet's address ids.
   */
  detect(p: Packet, srcId: number, dstId: number): Hop | null {
    const known = this.directorMacs.size > 0 && p.srcMac !== '' && p.dstMac !== '';
    const fromDirector = !known || this.isDirectorMac(p.srcMac);
    const toDirector = !known || this.isDirectorMac(p.dstMac);
    // The packet-memory keys: (src, sport) and (dst, dport), each with (proto, IP ID, seq).
    // The seq as a signed 32-bit value: an unsigned one above 2^31 would be boxed at each call.
    const seq = p.seq | 0;
    let hop: Hop | null = null;
    let prev: SeenPacket | undefined;
    if (fromDirector) {
      prev = this.recent.get(srcId, p.sport, p.proto, p.ipId, seq, p.srcKeySeen);
      // A forward keeps the client's source (DR and NAT alike); a packet remembered by its
      // destination that matches this one's source is a reply, not an earlier copy of it.
      if (prev !== undefined && prev.n !== p.n && prev.srcMac !== p.srcMac && prev.src === p.src && prev.sport === p.sport) {
        if (prev.dst === p.dst && prev.dport === p.dport) {
          // A DR/TUN real server's reply routed through the director is a hop too, but not a forward.
          if (p.ttl < prev.ttl && !this.isReplyOfFlow(p, srcId, dstId)) hop = 'dr';
        } else if (p.ttl <= prev.ttl && (p.flags & (SYN | ACK)) !== (SYN | ACK) && !this.isReplyOfFlow(p, srcId, dstId)) hop = 'nat';
      }
      if (hop === null) {
        prev = this.recent.get(dstId, p.dport, p.proto, p.ipId, seq, p.dstKeySeen);
        // A NAT reply's copy goes to the same client: only its source was rewritten. A client's
        // packet (a SYN, or one of a connection it opened) is no reply, and a reply (a SYN-ACK)
        // no forward: rewritten so, it is a source NAT (a masquerading router), whose rewrites run
        // the other way round from a director's.
        if (prev !== undefined && prev.n !== p.n && prev.srcMac !== p.srcMac && prev.dst === p.dst && prev.dport === p.dport
          && (prev.src !== p.src || prev.sport !== p.sport) && p.ttl <= prev.ttl && (p.flags & (SYN | ACK)) !== SYN
          && !this.isClientOfFlow(p, srcId, dstId)) hop = 'nat-reply';
      }
      if (hop === null && this.bothRewritable(p) && p.pktType === SLL_OUTGOING) {
        // Both addresses rewritten: a NAT director that source-NATs too. Its forward goes from its
        // own address to a real server; its reply copy comes back from the VIP to the client.
        prev = p.proto === PROTO_TCP
          ? this.recent.get(ANY_ADDRESS, p.payload, p.proto, p.ipId, seq)
          : this.recent.get(ANY_ADDRESS_SPORT, p.sport, p.proto, p.ipId, p.payload) ?? this.recent.get(ANY_ADDRESS_DPORT, p.dport, p.proto, p.ipId, p.payload);
        if (prev !== undefined && prev.n !== p.n && prev.srcMac !== p.srcMac && prev.src !== p.src && prev.dst !== p.dst && p.ttl <= prev.ttl
          && !this.inFullnatFlow(p, srcId, dstId)) {
          if (this.isReplyOfFlow(p, srcId, dstId)) {
            if ((p.flags & (SYN | ACK)) !== SYN) hop = 'nat-reply';
          } else if ((p.flags & (SYN | ACK)) !== (SYN | ACK) && !this.isClientOfFlow(p, srcId, dstId)) hop = 'nat';
        }
      }
    }
    if (hop === null) {
      prev = undefined;
      if (toDirector) {
        this.recent.set(srcId, p.sport, p.proto, p.ipId, seq, p, p.srcKeySeen);
        this.recent.set(dstId, p.dport, p.proto, p.ipId, seq, p, p.dstKeySeen);
        if (this.bothRewritable(p) && p.pktType !== SLL_OUTGOING) {
          if (p.proto === PROTO_TCP) this.recent.set(ANY_ADDRESS, p.payload, p.proto, p.ipId, seq, p);
          else {
            this.recent.set(ANY_ADDRESS_SPORT, p.sport, p.proto, p.ipId, p.payload, p);
            this.recent.set(ANY_ADDRESS_DPORT, p.dport, p.proto, p.ipId, p.payload, p);
          }
        }
      }
    }
    this.prev = prev;
    return hop;
  }

  /**
   * Where a copy with both addresses rewritten is looked for: TCP and UDP in a cooked capture
   * (`tcpdump -i any` on the director: the one capture that holds both sides of its rewrite).
   */
  private bothRewritable(p: Packet): boolean {
    return (p.proto === PROTO_TCP || p.proto === PROTO_UDP) && p.dstMac === '' && p.srcMac !== '';
  }

  private isDirectorMac(mac: string): boolean {
    const set = this.directorMacs;
    if (set.size !== this.macCount) {
      this.macList = [...set];
      this.macCount = set.size;
    }
    const list = this.macList;
    if (list.length > MAC_LIST_MAX) return set.has(mac);
    for (let i = 0; i < list.length; i++) if (list[i] === mac) return true;
    return false;
  }

  /** A tunnelled packet's inner copy seen before the director encapsulated it. */
  before(p: Packet, srcId: number): SeenPacket | undefined {
    return this.recent.get(srcId, p.sport, p.proto, p.ipId, p.seq | 0, p.srcKeySeen);
  }
}
