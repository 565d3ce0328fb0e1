/**
 * What emit.ts writes: one spec per layer, mirroring the decoded records (records.ts), so a
 * decoded frame's layers can be fed back in unchanged. A field left undefined is computed on emit.
 */
import type { Ipv4Addr, MacAddr, TcpOption } from './records.js';

/** An IPv4 address as text or as its 32-bit value (the simulator keeps numbers). */
export type Ipv4Value = Ipv4Addr | number;

export interface EthSpec {
  readonly type: 'eth';
  readonly src: MacAddr;
  readonly dst: MacAddr;
  /** Default: from the next layer (vlan 0x8100, ipv4 0x0800, arp 0x0806). */
  readonly ethertype?: number;
  /** Pad the frame to the 60-byte Ethernet minimum (no FCS), as a NIC does. Default true. */
  readonly pad?: boolean;
}

export interface VlanSpec {
  readonly type: 'vlan';
  readonly id: number;
  readonly pcp?: number;
  readonly dei?: boolean;
  /** The TPID written before this tag; only read when the previous layer leaves its type undefined. */
  readonly tpid?: number;
  readonly ethertype?: number;
}

/** Linux cooked v2 header, what `tcpdump -i any` writes (LINKTYPE_LINUX_SLL2). */
export interface Sll2Spec {
  readonly type: 'sll2';
  readonly protocol?: number;
  readonly ifindex: number;
  /** ARPHRD_ETHER (1) by default. */
  readonly hatype?: number;
  /** 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us. */
  readonly pktType: number;
  /** Link-layer source address (a MAC). */
  readonly src: MacAddr;
}

export interface ArpSpec {
  readonly type: 'arp';
  readonly op: number;
  readonly sha: MacAddr;
  readonly spa: Ipv4Value;
  readonly tha: MacAddr;
  readonly tpa: Ipv4Value;
  readonly htype?: number;
  readonly ptype?: number;
}

export interface Ipv4Spec {
  readonly type: 'ipv4';
  readonly src: Ipv4Value;
  readonly dst: Ipv4Value;
  /** Default: from the next layer (tcp 6, udp 17, icmp 1, ipv4 4, gre 47), else 0. */
  readonly proto?: number;
  /** Default 64. */
  readonly ttl?: number;
  readonly id?: number;
  readonly tos?: number;
  readonly df?: boolean;
  readonly mf?: boolean;
  /** In bytes (a multiple of 8), as records show it. */
  readonly fragOffset?: number;
  /** Default: computed. */
  readonly totalLength?: number;
  /** Default: computed. */
  readonly checksum?: number;
  /** Raw options as hex; padded with zeros (EOL) to a multiple of 4 bytes. */
  readonly options?: string;
  /** Written verbatim into IHL (bytes / 4); default 20 + options. */
  readonly headerLength?: number;
}

export interface TcpSpec {
  readonly type: 'tcp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq?: number;
  readonly ack?: number;
  /** Letters 'S', 'SA'/'AS', 'A', 'AP', 'AF', 'R', ... in any order, or the bits. */
  readonly flags?: string | number;
  /** The nine flag bits; wins over `flags` (a decoded record carries both). */
  readonly flagBits?: number;
  /** Default 64240. */
  readonly window?: number;
  readonly checksum?: number;
  readonly urgentPointer?: number;
  readonly options?: readonly TcpOption[];
  /** Written verbatim into the data offset (bytes / 4); default 20 + padded options. */
  readonly headerLength?: number;
  /** Zero bytes appended when no payload layer follows (a record's payloadLength). */
  readonly payloadLength?: number;
}

export interface UdpSpec {
  readonly type: 'udp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly length?: number;
  /** Default computed (0 is sent as 0xffff); give 0 for "no checksum". */
  readonly checksum?: number;
  readonly payloadLength?: number;
}

export interface IcmpSpec {
  readonly type: 'icmp';
  readonly icmpType: number;
  readonly code: number;
  readonly checksum?: number;
  /** Next-hop MTU of fragmentation-needed (type 3 code 4). */
  readonly mtu?: number | null;
  readonly echoId?: number | null;
  readonly echoSeq?: number | null;
  readonly gateway?: Ipv4Value | null;
  /** The quoted datagram of an error, or an echo's data: bytes written after the 8-byte header. */
  readonly quote?: Uint8Array;
}

export interface GreSpec {
  readonly type: 'gre';
  /** Default: from the next layer (ipv4 0x0800). */
  readonly protocol?: number;
  readonly checksumPresent?: boolean;
  readonly keyPresent?: boolean;
  readonly key?: number | null;
  readonly seqPresent?: boolean;
  readonly seq?: number;
  readonly version?: number;
}

/** GUE (variant 0 unless given); the optional fields are written when given. */
export interface GueSpec {
  readonly type: 'gue';
  /** 1: direct IP, nothing is written. Default 0. */
  readonly variant?: number;
  readonly control?: boolean;
  /** proto_ctype; default from the next layer (ipv4 4). */
  readonly protocol?: number;
  /** Default: GUE_FLAG_PRIV when privateFlags is given, else 0. */
  readonly flags?: number;
  readonly privateFlags?: number | null;
  readonly remcsumStart?: number | null;
  readonly remcsumOffset?: number | null;
}

/** A VRRP advertisement (keepalived); IPv4 addresses only (v3 over IPv6 is not emitted). */
export interface VrrpSpec {
  readonly type: 'vrrp';
  /** 2 (default) or 3. */
  readonly version?: number;
  readonly vrid: number;
  readonly priority: number;
  /** v2 only: 0 none (default), 1 simple password (authData), 2 AH. */
  readonly authType?: number;
  /** Seconds for v2, centiseconds for v3; default 1 s. */
  readonly advertInterval?: number;
  readonly addresses: readonly Ipv4Value[];
  /** v2 simple password, up to 8 characters. */
  readonly authData?: string;
  readonly checksum?: number;
}

export interface PayloadSpec {
  readonly type: 'payload';
  readonly bytes?: Uint8Array;
  /** Zero-filled length when bytes are not given. */
  readonly length?: number;
}

export type LayerSpec = EthSpec | VlanSpec | Sll2Spec | ArpSpec | Ipv4Spec | TcpSpec | UdpSpec | IcmpSpec | GreSpec | GueSpec | VrrpSpec | PayloadSpec;
