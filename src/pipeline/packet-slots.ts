/**
 * A Packet as numbers, so that one thread can read and decode frames while another runs the
 * model. Each frame takes SLOTS int32 slots and one float64 (its time, computed once by the
 * writer so the reader gets the very same double). Addresses travel as ids into a string table
 * that grows as new addresses appear: each chunk carries only the strings new since the last one.
 * The rare ICMP quote rides beside the chunk as a list of small objects.
 *
 * The round trip is exact: `reader.load(p, i)` gives every field `Packet.load` gave the writer.
 */
import type { IcmpQuote, IpvsSyncRecord, VrrpRecord } from '../wire/records.js';
import type { Packet, PacketKind, TunnelKind } from '../model/packet.js';
import { KeySightings } from './key-sightings.js';
import { AddressTable, type FrameAddressIds } from './address-table.js';

export const SLOTS = 39;

// Slot positions within a frame's SLOTS: first the fields every frame carries, together (21 slots,
// 84 bytes: two cache lines of the 156 a frame takes, where spread over all of it they touched three
// or four, on the writing thread and again on the reading one), then those only some frames have.
const N = 0;
const KIND = 1;
const SRC_MAC = 2;
const DST_MAC = 3;
const PKT_TYPE = 4;
const VLAN = 5;
const SRC = 6;
const DST = 7;
const PROTO = 8;
const TTL = 9;
const IP_ID = 10;
const IP_LEN = 11;
const BITS = 12;
const SPORT = 13;
const DPORT = 14;
const FLAGS = 15;
const SEQ = 16;
const ACK = 17;
const PAYLOAD = 18;
const SRC_SEEN = 19;
const DST_SEEN = 20;
const ARP_OP = 21;
const SHA = 22;
const SPA = 23;
const THA = 24;
const TPA = 25;
const TUNNEL = 26;
const OUTER_SRC = 27;
const OUTER_DST = 28;
const OUTER_TTL = 29;
const OUTER_LEN = 30;
const TOA_ADDR = 31;
const TOA_PORT = 32;
const ICMP_TYPE = 33;
const ICMP_CODE = 34;
const ICMP_MTU = 35;
const ICMP_GATEWAY = 36;
const DSR_VIP = 37;
const DSR_PORT = 38;

// BITS
const DF = 1;
const V6 = 2;
const HAS_TS = 4;
const HAS_MTU = 8;
// Groups of slots written (and read) only when present: most frames are TCP/UDP with none of them.
const HAS_ARP = 16;
const HAS_TUNNEL = 32;
const HAS_TOA = 64;
const HAS_ICMP = 128;
const HAS_DSR = 256;

const KINDS: readonly PacketKind[] = ['other', 'arp', 'ip', 'ipv6-other'];
const TUNNELS: readonly (TunnelKind | null)[] = [null, 'ipip', 'ip4ip6', 'gre', 'sit', 'ip6ip6', 'gue'];

/** One batch of frames as the writer hands it over (every member survives structured cloning). */
export interface PacketChunk {
  readonly count: number;
  readonly ints: Int32Array;
  readonly times: Float64Array;
  /** Strings first used in this chunk; their ids follow on from the previous chunk's. */
  readonly fresh: string[];
  /** [frame index within the chunk, quote] for frames that quote a header in ICMP. */
  readonly quotes: [number, IcmpQuote][];
  /** [frame index within the chunk, record] for VRRP adverts and IPVS sync messages. */
  readonly ha: [number, VrrpRecord | IpvsSyncRecord][];
}

/** Slots of the writer's string-id memo (a power of two). */
const MEMO = 128;

export class PacketChunkWriter {
  private readonly capacity: number;
  /** The numbering of the addresses (text → id); loadCommonFrame may give ids from it directly. */
  readonly table = new AddressTable();
  // A direct-mapped memo in front of the table's Map, indexed by the last two characters and the
  // length: the few hundred addresses of a capture mostly differ there, and a probe costs less than the Map's.
  private readonly memoKey: string[] = new Array<string>(MEMO).fill('');
  private readonly memoId = new Int32Array(MEMO);
  private ints: Int32Array;
  private times: Float64Array;
  private spare: { ints: Int32Array; times: Float64Array }[] = [];
  private quotes: [number, IcmpQuote][] = [];
  private ha: [number, VrrpRecord | IpvsSyncRecord][] = [];
  /** Set when the writer works out each packet's srcKeySeen/dstKeySeen (the reading thread's). */
  private readonly sightings: KeySightings | null;
  count = 0;

  /** `sightings`: work out Packet.srcKeySeen/dstKeySeen here rather than carry p's. */
  constructor(capacity: number, sightings = false) {
    this.capacity = capacity;
    this.sightings = sightings ? new KeySightings() : null;
    this.ints = new Int32Array(capacity * SLOTS);
    this.times = new Float64Array(capacity);
  }

  get full(): boolean {
    return this.count >= this.capacity;
  }

  private id(s: string): number {
    const len = s.length;
    if (len === 0) return 0;
    const slot = (s.charCodeAt(len - 1) * 7 + s.charCodeAt(len >> 1) * 3 + len) & (MEMO - 1);
    if (this.memoKey[slot] === s) return this.memoId[slot]!;
    const id = this.table.idOf(s);
    this.memoKey[slot] = s;
    this.memoId[slot] = id;
    return id;
  }

  /**
   * Appends p; check `full` afterwards. `ids`: p's addresses as ids of this writer's table, when
   * they are p's (ids.valid); otherwise each address's text is looked up.
   */
  add(p: Packet, ids: FrameAddressIds | null = null): void {
    const f = ids !== null && ids.valid ? ids : null;
    const i = this.count++;
    const a = this.ints;
    const o = i * SLOTS;
    this.times[i] = p.t;
    const kind = p.kind;
    a[o + N] = p.n;
    a[o + KIND] = kind === 'ip' ? 2 : kind === 'arp' ? 1 : kind === 'other' ? 0 : 3;
    a[o + SRC_MAC] = f !== null ? f.srcMac : this.id(p.srcMac);
    a[o + DST_MAC] = f !== null ? f.dstMac : this.id(p.dstMac);
    a[o + PKT_TYPE] = p.pktType;
    a[o + VLAN] = p.vlan;
    // A common frame's address ids (fast-packet.ts gave them to the Packet too); read back, they are its srcAddrId/dstAddrId.
    const src = f !== null ? p.srcAddrId : this.id(p.src);
    const dst = f !== null ? p.dstAddrId : this.id(p.dst);
    a[o + SRC] = src;
    a[o + DST] = dst;
    this.sightings?.mark(p, src, dst);
    a[o + SRC_SEEN] = p.srcKeySeen;
    a[o + DST_SEEN] = p.dstKeySeen;
    a[o + PROTO] = p.proto;
    a[o + TTL] = p.ttl;
    a[o + IP_ID] = p.ipId;
    a[o + IP_LEN] = p.ipLen;
    a[o + SPORT] = p.sport;
    a[o + DPORT] = p.dport;
    a[o + FLAGS] = p.flags;
    a[o + SEQ] = p.seq | 0;
    a[o + ACK] = p.ack | 0;
    a[o + PAYLOAD] = p.payload;
    let bits = (p.df ? DF : 0) | (p.v6 ? V6 : 0) | (p.hasTimestamp ? HAS_TS : 0);
    if (p.arpOp !== 0 || p.sha !== '' || p.spa !== '' || p.tha !== '' || p.tpa !== '') {
      bits |= HAS_ARP;
      a[o + ARP_OP] = p.arpOp;
      a[o + SHA] = f !== null ? f.sha : this.id(p.sha);
      a[o + SPA] = f !== null ? f.spa : this.id(p.spa);
      a[o + THA] = f !== null ? f.tha : this.id(p.tha);
      a[o + TPA] = f !== null ? f.tpa : this.id(p.tpa);
    }
    if (p.tunnel !== null || p.outerSrc !== '' || p.outerDst !== '' || p.outerTtl !== 0 || p.outerLen !== 0) {
      bits |= HAS_TUNNEL;
      a[o + TUNNEL] = p.tunnel === null ? 0 : TUNNELS.indexOf(p.tunnel);
      a[o + OUTER_SRC] = this.id(p.outerSrc);
      a[o + OUTER_DST] = this.id(p.outerDst);
      a[o + OUTER_TTL] = p.outerTtl;
      a[o + OUTER_LEN] = p.outerLen;
    }
    if (p.dsrVip !== '') {
      bits |= HAS_DSR;
      a[o + DSR_VIP] = this.id(p.dsrVip);
      a[o + DSR_PORT] = p.dsrPort;
    }
    if (p.toaAddr !== '' || p.toaPort !== 0) {
      bits |= HAS_TOA;
      a[o + TOA_ADDR] = f !== null ? f.toaAddr : this.id(p.toaAddr);
      a[o + TOA_PORT] = p.toaPort;
    }
    if (p.icmpType !== -1 || p.icmpCode !== -1 || p.icmpMtu !== null || p.icmpGateway !== null || p.icmpQuote !== null) {
      bits |= HAS_ICMP | (p.icmpMtu !== null ? HAS_MTU : 0);
      a[o + ICMP_TYPE] = p.icmpType;
      a[o + ICMP_CODE] = p.icmpCode;
      a[o + ICMP_MTU] = p.icmpMtu ?? 0;
      a[o + ICMP_GATEWAY] = p.icmpGateway === null ? -1 : this.id(p.icmpGateway);
      if (p.icmpQuote !== null) this.quotes.push([i, p.icmpQuote]);
    }
    if (p.ha !== null) this.ha.push([i, p.ha]);
    a[o + BITS] = bits;
  }

  /** The frames added since the last take, ready to transfer; the writer starts a fresh batch. */
  take(): PacketChunk {
    const count = this.count;
    const chunk: PacketChunk = {
      count,
      ints: count === this.capacity ? this.ints : this.ints.slice(0, count * SLOTS),
      times: count === this.capacity ? this.times : this.times.slice(0, count),
      fresh: this.table.takeFresh(),
      quotes: this.quotes,
      ha: this.ha,
    };
    const reuse = this.spare.pop();
    this.ints = reuse?.ints ?? new Int32Array(this.capacity * SLOTS);
    this.times = reuse?.times ?? new Float64Array(this.capacity);
    this.quotes = [];
    this.ha = [];
    this.count = 0;
    return chunk;
  }

  /** Hands back a taken chunk's arrays (once its reader is done) so later chunks reuse them. */
  recycle(ints: Int32Array, times: Float64Array): void {
    if (ints.length === this.capacity * SLOTS && times.length === this.capacity) this.spare.push({ ints, times });
  }
}

export class PacketChunkReader {
  private readonly strings: string[] = [''];
  private ints: Int32Array = new Int32Array(0);
  private times: Float64Array = new Float64Array(0);
  private quotes: [number, IcmpQuote][] = [];
  private nextQuote = 0;
  private ha: [number, VrrpRecord | IpvsSyncRecord][] = [];
  private nextHa = 0;

  /** Start reading a chunk; chunks must come in the order the writer took them. */
  begin(chunk: PacketChunk): void {
    for (const s of chunk.fresh) this.strings.push(s);
    this.ints = chunk.ints;
    this.times = chunk.times;
    this.quotes = chunk.quotes;
    this.nextQuote = 0;
    this.ha = chunk.ha;
    this.nextHa = 0;
  }

  /** Re-point p at frame i of the current chunk (frames in increasing order). Returns p. */
  load(p: Packet, i: number): Packet {
    const a = this.ints;
    const s = this.strings;
    const o = i * SLOTS;
    p.n = a[o + N]!;
    p.t = this.times[i]!;
    p.kind = KINDS[a[o + KIND]!]!;
    p.srcMac = s[a[o + SRC_MAC]!]!;
    p.dstMac = s[a[o + DST_MAC]!]!;
    p.pktType = a[o + PKT_TYPE]!;
    const h = this.ha;
    p.ha = this.nextHa < h.length && h[this.nextHa]![0] === i ? h[this.nextHa++]![1] : null;
    p.vlan = a[o + VLAN]!;
    p.src = s[a[o + SRC]!]!;
    p.dst = s[a[o + DST]!]!;
    p.proto = a[o + PROTO]!;
    p.ttl = a[o + TTL]!;
    p.ipId = a[o + IP_ID]!;
    p.ipLen = a[o + IP_LEN]!;
    p.sport = a[o + SPORT]!;
    p.dport = a[o + DPORT]!;
    p.flags = a[o + FLAGS]!;
    p.seq = a[o + SEQ]! >>> 0;
    p.ack = a[o + ACK]! >>> 0;
    p.payload = a[o + PAYLOAD]!;
    p.srcKeySeen = a[o + SRC_SEEN]!;
    p.dstKeySeen = a[o + DST_SEEN]!;
    p.srcAddrId = a[o + SRC]!;
    p.dstAddrId = a[o + DST]!;
    const bits = a[o + BITS]!;
    p.df = (bits & DF) !== 0;
    p.v6 = (bits & V6) !== 0;
    p.hasTimestamp = (bits & HAS_TS) !== 0;
    if ((bits & HAS_ARP) !== 0) {
      p.arpOp = a[o + ARP_OP]!;
      p.sha = s[a[o + SHA]!]!;
      p.spa = s[a[o + SPA]!]!;
      p.tha = s[a[o + THA]!]!;
      p.tpa = s[a[o + TPA]!]!;
    } else {
      p.arpOp = 0;
      p.sha = p.spa = p.tha = p.tpa = '';
    }
    if ((bits & HAS_TUNNEL) !== 0) {
      p.tunnel = TUNNELS[a[o + TUNNEL]!]!;
      p.outerSrc = s[a[o + OUTER_SRC]!]!;
      p.outerDst = s[a[o + OUTER_DST]!]!;
      p.outerTtl = a[o + OUTER_TTL]!;
      p.outerLen = a[o + OUTER_LEN]!;
    } else {
      p.tunnel = null;
      p.outerSrc = p.outerDst = '';
      p.outerTtl = p.outerLen = 0;
    }
    if ((bits & HAS_DSR) !== 0) {
      p.dsrVip = s[a[o + DSR_VIP]!]!;
      p.dsrPort = a[o + DSR_PORT]!;
    } else {
      p.dsrVip = '';
      p.dsrPort = 0;
    }
    if ((bits & HAS_TOA) !== 0) {
      p.toaAddr = s[a[o + TOA_ADDR]!]!;
      p.toaPort = a[o + TOA_PORT]!;
    } else {
      p.toaAddr = '';
      p.toaPort = 0;
    }
    if ((bits & HAS_ICMP) !== 0) {
      p.icmpType = a[o + ICMP_TYPE]!;
      p.icmpCode = a[o + ICMP_CODE]!;
      p.icmpMtu = (bits & HAS_MTU) !== 0 ? a[o + ICMP_MTU]! : null;
      const gw = a[o + ICMP_GATEWAY]!;
      p.icmpGateway = gw < 0 ? null : s[gw]!;
      const q = this.quotes;
      if (this.nextQuote < q.length && q[this.nextQuote]![0] === i) p.icmpQuote = q[this.nextQuote++]![1];
      else p.icmpQuote = null;
    } else {
      p.icmpType = p.icmpCode = -1;
      p.icmpMtu = null;
      p.icmpGateway = null;
      p.icmpQuote = null;
    }
    return p;
  }
}
