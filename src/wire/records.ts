/**
 * Plain, readonly, JSON-serialisable records: what every stage after `decode` sees.
 *
 * Views (in this folder) read fields out of bytes; records are the values they produce. A record
 * never points back into the capture buffer, so it can be kept, compared and serialised freely.
 * Field names are the ndjson names of `lvscope decode --format ndjson` (issue 2), so a record is
 * printed by JSON.stringify without a mapping table.
 *
 * A frame is an ordered list of layers, never a map keyed by layer type: an IPIP frame is
 * `[eth, ipv4 (outer), ipv4 (inner), tcp]`, and both IPv4 headers survive.
 */

/** "192.168.23.100" */
export type Ipv4Addr = string;
/** "00:0c:29:06:13:ea", lower case */
export type MacAddr = string;

export interface EthRecord {
  readonly type: 'eth';
  readonly src: MacAddr;
  readonly dst: MacAddr;
  /** The EtherType after any VLAN tags is on the last vlan layer; this is the frame's first one. */
  readonly ethertype: number;
  /** Offset of this header in the frame's bytes. */
  readonly offset: number;
}

export interface VlanRecord {
  readonly type: 'vlan';
  readonly id: number;
  readonly pcp: number;
  readonly dei: boolean;
  /** 0x8100 (802.1Q) or 0x88a8 / 0x9100 (802.1ad service tag) that introduced this tag. */
  readonly tpid: number;
  /** The EtherType carried after this tag. */
  readonly ethertype: number;
  readonly offset: number;
}

/** Linux cooked capture v1 (LINKTYPE_LINUX_SLL, 113). */
export interface SllRecord {
  readonly type: 'sll';
  /** 0 to us, 1 broadcast, 2 multicast, 3 to someone else, 4 sent by us. */
  readonly pktType: number;
  readonly hatype: number;
  /** Link-layer source address (MAC when hatype is 1 and the length is 6), else hex. */
  readonly src: string;
  readonly protocol: number;
  readonly offset: number;
}

/** Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, 276): what `tcpdump -i any` writes today. */
export interface Sll2Record {
  readonly type: 'sll2';
  readonly protocol: number;
  readonly ifindex: number;
  readonly hatype: number;
  readonly pktType: number;
  readonly src: string;
  readonly offset: number;
}

/** The BSD loopback header (LINKTYPE_NULL, 0, and LINKTYPE_LOOP, 108): the payload's address family. */
export interface LoopbackRecord {
  readonly type: 'loopback';
  /** BSD AF_ value: 2 IPv4; 24, 28 or 30 IPv6 (wire/loopback.ts). */
  readonly family: number;
  readonly offset: number;
}

/** LINKTYPE_NFLOG (239): a packet a netfilter rule logged to a group. */
export interface NflogRecord {
  readonly type: 'nflog';
  /** The logged packet's address family: 2 IPv4, 10 IPv6 (Linux's AF_ values). */
  readonly family: number;
  readonly version: number;
  /** The NFLOG group the rule logged to. */
  readonly resourceId: number;
  /** The rule's --nflog-prefix, null when it gave none. */
  readonly prefix: string | null;
  /** The netfilter hook the packet was logged at (0 PREROUTING … 4 POSTROUTING), null when not given. */
  readonly hook: number | null;
  readonly offset: number;
}

export interface ArpRecord {
  readonly type: 'arp';
  readonly htype: number;
  readonly ptype: number;
  /** 1 request, 2 reply. */
  readonly op: number;
  readonly sha: MacAddr;
  readonly spa: Ipv4Addr;
  readonly tha: MacAddr;
  readonly tpa: Ipv4Addr;
  /** Sender and target protocol addresses equal: an announcement, not a question. */
  readonly gratuitous: boolean;
  readonly offset: number;
}

export interface Ipv4Record {
  readonly type: 'ipv4';
  readonly src: Ipv4Addr;
  readonly dst: Ipv4Addr;
  readonly proto: number;
  readonly ttl: number;
  readonly id: number;
  readonly tos: number;
  readonly headerLength: number;
  readonly totalLength: number;
  readonly df: boolean;
  readonly mf: boolean;
  readonly fragOffset: number;
  readonly checksum: number;
  /** null when the header is not all in the capture. */
  readonly checksumOk: boolean | null;
  /** Options kept raw, as lower-case hex ("" when there are none). */
  readonly options: string;
  /** True for an IPv4 header carried inside another one (IPIP, protocol 4). */
  readonly inner: boolean;
  readonly offset: number;
}

export type TcpOption =
  | { readonly kind: 'eol' }
  | { readonly kind: 'nop' }
  | { readonly kind: 'mss'; readonly value: number }
  | { readonly kind: 'wscale'; readonly value: number }
  | { readonly kind: 'sackOk' }
  | { readonly kind: 'sack'; readonly blocks: readonly (readonly [number, number])[] }
  | { readonly kind: 'ts'; readonly tsval: number; readonly tsecr: number }
  | { readonly kind: 'tfo'; readonly cookie: string }
  /** TCP Option Address (kind 254, length 8): the client's port and address, added by FULLNAT. */
  | { readonly kind: 'toa'; readonly port: number; readonly addr: Ipv4Addr }
  | { readonly kind: 'unknown'; readonly code: number; readonly data: string };

export interface TcpRecord {
  readonly type: 'tcp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly seq: number;
  readonly ack: number;
  /** Letters in the order C E U A P R S F: tcpdump's `S.` is `SA`. */
  readonly flags: string;
  /** The nine flag bits (NS through FIN) as a number, for fast tests. */
  readonly flagBits: number;
  readonly window: number;
  readonly checksum: number;
  /** null when the segment is not all in the capture, so no verdict is possible. */
  readonly checksumOk: boolean | null;
  readonly urgentPointer: number;
  readonly headerLength: number;
  readonly options: readonly TcpOption[];
  readonly payloadLength: number;
  readonly offset: number;
}

export interface UdpRecord {
  readonly type: 'udp';
  readonly srcPort: number;
  readonly dstPort: number;
  readonly length: number;
  readonly checksum: number;
  readonly checksumOk: boolean | null;
  readonly payloadLength: number;
  readonly offset: number;
}

/** The start of the datagram an ICMP error quotes. */
export interface IcmpQuote {
  readonly src: Ipv4Addr;
  readonly dst: Ipv4Addr;
  readonly proto: number;
  readonly srcPort: number | null;
  readonly dstPort: number | null;
}

export interface IcmpRecord {
  readonly type: 'icmp';
  readonly icmpType: number;
  readonly code: number;
  readonly checksum: number;
  readonly checksumOk: boolean | null;
  /** Next-hop MTU of a fragmentation-needed message (type 3 code 4), else null. */
  readonly mtu: number | null;
  /** Echo identifier and sequence for echo request/reply, else null. */
  readonly echoId: number | null;
  readonly echoSeq: number | null;
  /** Gateway address of a redirect (type 5), else null. */
  readonly gateway: Ipv4Addr | null;
  readonly quoted: IcmpQuote | null;
  readonly offset: number;
}

export interface Ipv6Extension {
  /** The extension's protocol number: 0 hop-by-hop, 43 routing, 44 fragment, 51 AH, 60 destination options... */
  readonly type: number;
  readonly offset: number;
  readonly length: number;
  /** Fragment header only: offset in bytes, M flag, identification. */
  readonly fragOffset?: number;
  readonly moreFragments?: boolean;
  readonly fragId?: number;
}

export interface Ipv6Record {
  readonly type: 'ipv6';
  readonly src: string;
  readonly dst: string;
  /** The fixed header's next header field (may name an extension header). */
  readonly nextHeader: number;
  readonly hopLimit: number;
  readonly payloadLength: number;
  readonly trafficClass: number;
  readonly flowLabel: number;
  /** The upper-layer protocol after the extension headers (TCP, UDP, ICMPv6 58, 4, 41...). */
  readonly protocol: number;
  readonly extensions: readonly Ipv6Extension[];
  /** True for an IPv6 header carried inside another IP header (sit, ip6ip6, GUE, GRE). */
  readonly inner: boolean;
  readonly offset: number;
}

/** An NDP option (RFC 4861 §4.6) as decoded: link-layer addresses, prefix information, MTU. */
export type NdpOption =
  | { readonly kind: 'source-lla' | 'target-lla'; readonly mac: string }
  | { readonly kind: 'prefix'; readonly prefix: string; readonly prefixLength: number; readonly onLink: boolean; readonly autonomous: boolean; readonly validLifetime: number; readonly preferredLifetime: number }
  | { readonly kind: 'mtu'; readonly mtu: number }
  | { readonly kind: 'other'; readonly code: number; readonly length: number };

/** The start of the packet an ICMPv6 error quotes. */
export interface Icmpv6Quote {
  readonly src: string;
  readonly dst: string;
  /** Upper-layer protocol after the quoted packet's extension headers. */
  readonly proto: number;
  readonly srcPort: number | null;
  readonly dstPort: number | null;
}

export interface Icmpv6Record {
  readonly type: 'icmpv6';
  readonly icmpType: number;
  readonly code: number;
  readonly checksum: number;
  readonly checksumOk: boolean | null;
  /** Packet Too Big (type 2): the next-hop MTU. */
  readonly mtu: number | null;
  /** Parameter Problem (type 4): the offending octet's offset. */
  readonly pointer: number | null;
  readonly echoId: number | null;
  readonly echoSeq: number | null;
  /** NS / NA / redirect: the target address. */
  readonly target: string | null;
  /** NA flags R, S, O as letters ("SO"), else null. */
  readonly naFlags: string | null;
  /** RA: router lifetime in seconds, cur hop limit, M and O flags as letters. */
  readonly routerLifetime: number | null;
  readonly curHopLimit: number | null;
  readonly raFlags: string | null;
  readonly options: readonly NdpOption[];
  readonly quoted: Icmpv6Quote | null;
  readonly offset: number;
}

export interface GreRecord {
  readonly type: 'gre';
  readonly protocol: number;
  readonly checksumPresent: boolean;
  readonly keyPresent: boolean;
  readonly seqPresent: boolean;
  readonly key: number | null;
  /** Sequence number (S bit), else null. */
  readonly seq: number | null;
  /** Checksum field (C bit), else null; it covers the GRE header and everything after it. */
  readonly checksum: number | null;
  /** null without a checksum, or when the packet is not all in the capture. */
  readonly checksumOk: boolean | null;
  readonly version: number;
  readonly offset: number;
}

/** Generic UDP Encapsulation (IPVS `--tun-type gue`, Linux fou/gue). */
/** A VXLAN header (RFC 7348): an Ethernet frame follows, the overlay's own. */
export interface VxlanRecord {
  readonly type: 'vxlan';
  /** 0x08 when the VNI is valid (the I flag). */
  readonly flags: number;
  /** VXLAN network identifier: which overlay (24 bits). */
  readonly vni: number;
  readonly offset: number;
}

/** A Geneve header (RFC 8926): the payload's EtherType says what follows (0x6558: an Ethernet frame). */
export interface GeneveRecord {
  readonly type: 'geneve';
  readonly version: number;
  /** Bytes of options after the 8-byte base header. */
  readonly optionsLength: number;
  /** O bit: a control message. */
  readonly oam: boolean;
  /** C bit: critical options present. */
  readonly critical: boolean;
  readonly protocol: number;
  readonly vni: number;
  readonly offset: number;
}

/** An ERSPAN header (a switch's port mirror in GRE): the mirrored Ethernet frame follows. */
export interface ErspanRecord {
  readonly type: 'erspan';
  /** 1, 2 or 3: type I (no header), II or III. */
  readonly erspanType: number;
  /** The mirrored frame's VLAN, CoS and the mirror session's id (0 for type I). */
  readonly vlan: number;
  readonly cos: number;
  readonly session: number;
  readonly offset: number;
}

/** One MPLS label stack entry (RFC 3032). */
export interface MplsRecord {
  readonly type: 'mpls';
  readonly label: number;
  /** Traffic class (the former EXP bits). */
  readonly tc: number;
  /** S: the bottom of the stack. */
  readonly bottom: boolean;
  readonly ttl: number;
  readonly offset: number;
}

export interface GueRecord {
  readonly type: 'gue';
  /** 0: a GUE header; 1: direct IP (the UDP payload is the IP packet, no GUE header). */
  readonly variant: number;
  /** C bit: a control message (no encapsulated packet). */
  readonly control: boolean;
  /** Bytes before the encapsulated packet (0 for variant 1). */
  readonly headerLength: number;
  /** IP protocol of the encapsulated packet (4 IPv4, 41 IPv6), or the control type. */
  readonly protocol: number;
  readonly flags: number;
  /** The private flags word when flags has GUE_FLAG_PRIV, else null. */
  readonly privateFlags: number | null;
  /** Remote checksum offload: where the inner checksum starts and where it is written, else null. */
  readonly remcsumStart: number | null;
  readonly remcsumOffset: number | null;
  /** 'port': a UDP port configured as GUE; 'payload': recognised by a well-formed GUE + IP packet. */
  readonly recognisedBy: 'port' | 'payload';
  readonly offset: number;
}

/** VRRP v2/v3 advertisement (keepalived). */
export interface VrrpRecord {
  readonly type: 'vrrp';
  readonly version: number;
  /** 1: advertisement (the only type). */
  readonly msgType: number;
  readonly vrid: number;
  /** 255: the address owner; 0: the master is leaving (a backup should take over at once). */
  readonly priority: number;
  readonly count: number;
  /** v2 only: 0 none, 1 simple text password, 2 IP AH; null for v3. */
  readonly authType: number | null;
  /** As on the wire: seconds (v2) or centiseconds (v3). */
  readonly advertInterval: number;
  readonly intervalMs: number;
  readonly checksum: number;
  readonly checksumOk: boolean | null;
  /** Virtual addresses (IPv4, or IPv6 for v3 over IPv6). */
  readonly addresses: readonly string[];
  readonly offset: number;
}

/** An IPVS connection's three ends, as struct ip_vs_conn names them: client, virtual service, destination (the real server). */
export interface IpvsConnEnds {
  readonly caddr: string;
  readonly cport: number;
  readonly vaddr: string;
  readonly vport: number;
  readonly daddr: string;
  readonly dport: number;
}

export interface IpvsSyncSeq {
  readonly initSeq: number;
  readonly delta: number;
  readonly previousDelta: number;
}

/** One connection in an IPVS sync message. */
export interface IpvsSyncConn extends IpvsConnEnds {
  /** IP protocol (6 TCP, 17 UDP, 132 SCTP). */
  readonly protocol: number;
  readonly ipv6: boolean;
  /** IP_VS_CONN_F_* flags as sent (the sender clears HASHED). */
  readonly flags: number;
  /** The forwarding method in the flags. */
  readonly forward: 'nat' | 'local' | 'tun' | 'dr' | 'bypass' | 'unknown';
  /** A persistence template, not a connection. */
  readonly template: boolean;
  /** IPVS state number (TCP: 1 ESTABLISHED ... as in ip_vs_proto_tcp.c). */
  readonly state: number;
  /** v1 only (null in v0 messages). */
  readonly fwmark: number | null;
  /** Seconds; v1 only. */
  readonly timeout: number | null;
  readonly inSeq: IpvsSyncSeq | null;
  readonly outSeq: IpvsSyncSeq | null;
  /** Persistence engine data (hex) and name, v1 only. */
  readonly peData: string | null;
  readonly peName: string | null;
}

/** An IPVS connection synchronisation message (ip_vs_sync.c), version 0 or 1. */
export interface IpvsSyncRecord {
  readonly type: 'ipvs-sync';
  readonly version: number;
  readonly syncId: number;
  /** The size field (the receiver drops a message whose size is not its length). */
  readonly size: number;
  readonly count: number;
  readonly conns: readonly IpvsSyncConn[];
  readonly offset: number;
}

export type LayerRecord =
  | EthRecord
  | VlanRecord
  | SllRecord
  | Sll2Record
  | LoopbackRecord
  | NflogRecord
  | ArpRecord
  | Ipv4Record
  | TcpRecord
  | UdpRecord
  | IcmpRecord
  | Ipv6Record
  | Icmpv6Record
  | GreRecord
  | GueRecord
  | VxlanRecord
  | GeneveRecord
  | ErspanRecord
  | MplsRecord
  | VrrpRecord
  | IpvsSyncRecord;

export type LayerType = LayerRecord['type'];

/** What went wrong while decoding, typed so code can match on it (gopacket prints, we type). */
export type DecodeIssueCode =
  | 'truncated'
  | 'bad-checksum'
  /** The field holds only the pseudo-header sum: captured on the sender before the NIC filled it in. */
  | 'checksum-offloaded'
  | 'bad-length'
  | 'bad-version'
  | 'bad-header-length'
  | 'bad-option'
  | 'malformed'
  | 'unsupported-link-type'
  | 'unsupported';

export interface DecodeIssue {
  /** Layer the problem belongs to ("frame" for capture-level problems). */
  readonly layer: LayerType | 'frame';
  readonly code: DecodeIssueCode;
  /** Byte offset in the frame where the problem was found. */
  readonly offset: number;
  readonly message: string;
}

/** What a capture records of every frame besides its bytes (a pcap record header, a pcapng packet block). */
export interface FrameHeader {
  /** 1-based frame number, as Wireshark and tcpdump count. */
  readonly n: number;
  /** Seconds since the epoch. */
  readonly tsSec: number;
  /** Nanoseconds within the second (0..999,999,999), whatever the file's resolution. */
  readonly tsNsec: number;
  readonly caplen: number;
  /** Original length on the wire. */
  readonly len: number;
  /** pcapng interface id; 0 for classic pcap. */
  readonly iface: number;
  readonly linkType: number;
}

export interface DecodedFrame extends FrameHeader {
  readonly layers: readonly LayerRecord[];
  readonly issues: readonly DecodeIssue[];
  /** pcapng opt_comment of the packet, when there is one. */
  readonly comment?: string;
}
