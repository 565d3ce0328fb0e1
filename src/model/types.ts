/**
 * What the model says about one frame (FrameFacts) and what it knows about the cluster
 * (Knowledge). Facts are the input of `annotate`; knowledge is what a first pass learns so that a
 * second pass can explain frame 1 with what frame 50 revealed.
 */
import type { FindingCode, ForwardingMethod, HostRole } from '../ipvs/report.js';
import type { TunnelKind } from './packet.js';
import type { DirectorPairReport } from '../ipvs/director-pair.js';
import type { HaFrameFacts } from './ha/facts.js';

/** Role of a frame's sender or receiver; 'broadcast' for ARP requests, 'unknown' without evidence. */
export type FrameRole = HostRole | 'broadcast' | 'unknown';

export type Step =
  | 'arp-request' | 'arp-reply' | 'arp-announce'
  | 'handshake-1' | 'handshake-2' | 'handshake-3'
  | 'request' | 'ack' | 'fin' | 'rst' | 'datagram'
  | 'director-forward' | 'tunnel'
  | 'reply' | 'reply-ack' | 'server-fin' | 'server-rst' | 'director-reply'
  | 'icmp-port-unreachable' | 'icmp-frag-needed' | 'icmp-redirect' | 'icmp'
  /** An ICMP error about a reply from the VIP, addressed to the VIP; and the director passing it on in its tunnel (model/icmp-relay.ts). */
  | 'icmp-for-vip' | 'icmp-relayed'
  | 'ipv6'
  /** TCP or UDP of a connection whose service the report does not list: nothing in the capture shows LVS at work on it. */
  | 'unlisted'
  | 'other';

/** Which TCP segment a flow frame carries (after the handshake steps). */
export type Segment = 'syn' | 'synack' | 'ack' | 'data' | 'fin' | 'rst' | 'udp';

export interface FlowFacts {
  readonly protocol: 'tcp' | 'udp';
  readonly client: string;
  readonly clientIp: string;
  readonly virtual: string;
  readonly vip: string;
  /** "ip:port" of the real server, null until the director's choice is seen. */
  readonly realServer: string | null;
  readonly rsIp: string | null;
  readonly rsMac: string | null;
  readonly segment: Segment;
  readonly payload: number;
  /** IPVS state after this frame (as ipvsadm -Lnc prints it). */
  readonly state: string;
  /** This frame opened a new IPVS connection (the scheduler ran). */
  readonly newConnection: boolean;
  /** 1-based index of the connection in order of first frame. */
  readonly connIndex: number;
  readonly method: ForwardingMethod;
  /** The inferred scheduler; null when the capture cannot tell (then see schedulerCandidates). */
  readonly scheduler: string | null;
  /** The schedulers that fit equally well when none was inferred (empty when nothing is known). */
  readonly schedulerCandidates: readonly string[];
  /** The director's copy changed only MACs and TTL (DR). */
  readonly ttlBefore: number | null;
  readonly ttl: number;
  readonly tunnel: TunnelKind | null;
  /** Connections active/inactive on the chosen real server right after this frame. */
  readonly rsActive: number;
  readonly rsInactive: number;
  /** Another host claiming the VIP took this connection: the director never saw it. */
  readonly bypass: boolean;
  /** The balancer carries this service's address in an IPv4 option to the real server (model/dsr-option.ts). */
  readonly serviceInOption?: boolean;
}

export interface FrameFacts {
  readonly n: number;
  readonly t: number;
  readonly srcRole: FrameRole;
  readonly dstRole: FrameRole;
  /** Addresses: IP for IP frames (outer for tunnels), protocol address for ARP. */
  readonly src: string;
  readonly dst: string;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly step: Step;
  readonly arp: null | { readonly op: number; readonly spa: string; readonly tpa: string; readonly sha: string; readonly gratuitous: boolean; /** IPv6 neighbour discovery (solicitation/advertisement) in ARP's terms. */ readonly ndp?: boolean };
  readonly flow: FlowFacts | null;
  readonly icmp: null | {
    readonly type: number; readonly code: number; readonly quoted: string | null; readonly mtu: number | null; readonly gateway: string | null;
    /** ICMPv6 (types numbered apart from ICMP's). */
    readonly v6?: boolean;
    /** The real server an ICMP error was passed on to, in the director's tunnel. */
    readonly relayedTo?: string | null;
  };
  /** For tunnels: the outer header. */
  readonly outer: null | { readonly src: string; readonly dst: string; readonly kind: TunnelKind };
  /** Protocol words for a plain label ("TCP 10.0.0.1:22 → 10.0.0.2:51000"). */
  readonly summary: string;
  readonly findings: readonly FindingCode[];
  /** A director pair's part in this frame (VRRP, sync, gratuitous ARP, health check, a takeover's effect). */
  readonly ha?: HaFrameFacts;
}

/** What pass 1 learned; pass 2 starts from it. */
export interface Knowledge {
  readonly vips: ReadonlySet<string>;
  readonly directorMacs: ReadonlySet<string>;
  readonly directorIps: ReadonlySet<string>;
  readonly gatewayMacs: ReadonlySet<string>;
  readonly gatewayIps: ReadonlySet<string>;
  /** RS MAC → RIP. */
  readonly rsMacs: ReadonlyMap<string, string>;
  readonly rsIps: ReadonlySet<string>;
  /** MACs of real servers whose RIP never shows (they answered for the VIP themselves). */
  readonly rsOnlyMacs: ReadonlySet<string>;
  /** Router in front of TUN real servers, seen at the gateway (MAC → its address, null if unseen): replies from beyond it. */
  readonly routerMacs: ReadonlyMap<string, string | null>;
  /** MACs of NAT directors seen only from their inside (the client's packets arrive from them already rewritten). */
  readonly insideMacs: ReadonlySet<string>;
  readonly clients: ReadonlySet<string>;
  /** IP → MAC from ARP. */
  readonly ipMac: ReadonlyMap<string, string>;
  /** IP → display name (WEB1…, or --name). */
  readonly names: ReadonlyMap<string, string>;
  /** "proto|vip|port" → method and scheduler as finally inferred. */
  readonly services: ReadonlyMap<string, { readonly method: ForwardingMethod; readonly scheduler: string | null; readonly candidates: readonly string[] }>;
  /** Connection index (order of first frame, all flows) → the real server it went to. */
  readonly connRs: ReadonlyMap<number, { readonly ip: string | null; readonly mac: string | null; readonly port: number }>;
  /** The director pair, when the capture shows VRRP or sync messages. */
  readonly pair?: DirectorPairReport | null;
}

export interface ModelHints {
  /** --vip: VIPs, with a port or null for any. */
  readonly vips?: readonly { readonly ip: string; readonly port: number | null }[];
  /** --name IP=NAME */
  readonly names?: ReadonlyMap<string, string>;
  /** Knowledge from a previous pass over the same frames. */
  readonly knowledge?: Knowledge;
  /** The fault watchers run where the packets are read (model/reading-watch.ts); `end` gets their episodes. */
  readonly faultsElsewhere?: boolean;
}
