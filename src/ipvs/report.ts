/**
 * The cluster as lvscope describes it: the schema of `lvscope analyze --format json`, and of the
 * truth files that `lvscope synth --truth` and `lvscope lab capture --truth` write.
 *
 * It lives in `ipvs` (kernel vocabulary, no packets) so that the simulator and the lab can write
 * truth without importing the inference engine, and the model can be graded against it.
 */

import type { DirectorPairReport } from './director-pair.js';

export type ForwardingMethod = 'dr' | 'nat' | 'tun' | 'fullnat' | 'unknown';

/** The encapsulation of a tunnelled (TUN) packet: IPIP, GRE, GUE, IPv6 in IPv4 (sit), and their IPv6 outer forms. */
export type TunnelKind = 'ipip' | 'ip4ip6' | 'gre' | 'sit' | 'ip6ip6' | 'gue';

export type SchedulerName =
  | 'rr' | 'wrr' | 'lc' | 'wlc' | 'sed' | 'nq' | 'fo' | 'ovf' | 'twos'
  | 'sh' | 'dh' | 'lblc' | 'lblcr' | 'mh';

export type HostRole = 'client' | 'gateway' | 'director' | 'real-server' | 'other';

export type FindingSeverity = 'error' | 'warning' | 'info';

/** Stable finding codes (issue 5). New codes may be added; existing ones never change meaning. */
export type FindingCode =
  | 'rs-answers-arp-for-vip'
  | 'vip-arp-flapping'
  | 'rs-announces-vip'
  | 'vip-primary-on-director'
  | 'dr-reply-via-director'
  | 'nat-reply-bypasses-director'
  | 'syn-ack-without-syn'
  | 'dr-port-mapping'
  | 'no-real-server'
  | 'rs-not-responding'
  | 'tun-mtu'
  | 'icmp-redirect-from-director'
  | 'quiesced-server-used'
  | 'rules-mismatch'
  | 'persistence-broken'
  | 'rs-rejects'
  | 'stale-entry'
  | 'idle-entry-expired'
  | 'port-reuse-syn-dropped'
  | 'syn-flood'
  | 'ha-split-brain'
  | 'ha-failover-gap'
  | 'ha-conns-lost-no-sync'
  | 'ha-no-gratuitous-arp'
  | 'rs-failed-health-check-still-used'
  | 'health-check-flapping';

export interface HostReport {
  readonly ip: string;
  readonly mac: string | null;
  readonly role: HostRole;
  readonly name: string | null;
}

export interface SchedulerCandidate {
  readonly name: SchedulerName;
  readonly score: number;
  /** Weights by RIP, where the scheduler uses them and they were inferred or given. */
  readonly weights?: Readonly<Record<string, number>>;
  /** Scheduler flags (ipvsadm -b) the decisions need, e.g. mh-port: the hash takes the client's port too. */
  readonly flags?: readonly ('sh-port' | 'mh-port')[];
}

export interface SchedulerReport {
  readonly name: SchedulerName | 'ambiguous' | 'unknown';
  /** 0.0 to 1.0 */
  readonly confidence: number;
  readonly candidates: readonly SchedulerCandidate[];
}

export interface RealServerReport {
  readonly ip: string;
  readonly port: number;
  readonly mac: string | null;
  readonly weight?: number;
  /**
   * How the director reaches this real server: only where the service's real servers differ
   * (ipvsadm sets the method per real server, -g/-i/-m); the service's `method` is then unknown.
   */
  readonly method?: 'dr' | 'nat' | 'tun';
  /** Connections this real server received in the capture. */
  readonly connections: number;
  readonly activeAtEnd: number;
  readonly inactiveAtEnd: number;
}

export interface ServiceReport {
  readonly vip: string;
  /** 0 for a port-0 (all ports) service. */
  readonly port: number;
  readonly protocol: 'tcp' | 'udp';
  readonly fwmark: number | null;
  readonly method: ForwardingMethod;
  /** Why the method is what it is, or why it is unknown. */
  readonly methodEvidence?: readonly string[];
  /**
   * outerSources: a balancer that picks the tunnel's outer source per flow (one balancer, not a
   * director per source); ip is null then.
   */
  readonly director: { readonly ip: string | null; readonly mac: string | null; readonly outerSources?: readonly string[] };
  readonly scheduler: SchedulerReport;
  /** netmask: clients of one such network shared a server (ipvsadm -M); absent: one client each. */
  readonly persistence: null | { readonly timeoutAtLeast: number; readonly netmask?: string };
  readonly realServers: readonly RealServerReport[];
  /** How sure each claim is, 0..1 (1: the director's own hop shows it; 0: not claimed). */
  readonly claims?: ServiceClaims;
  /** What this capture point cannot show about the service. */
  readonly unseen?: readonly UnseenFact[];
}

export interface ServiceClaims {
  readonly method: number;
  readonly vip: number;
  readonly director: number;
  /** That the real servers listed are all the service has. */
  readonly realServers: number;
}

/**
 * - vip: the VIP never appears in the capture;
 * - director-hop: the director's forward (or rewrite, or tunnel) does not pass this capture point;
 * - other-real-servers: only this host's share of the connections shows;
 * - connection-real-server: which real server took each connection does not show (no destination MAC);
 * - real-servers: no real server's address shows;
 * - service-real-servers: the director resolved real servers for several services, and which serve this one does not show;
 * - services-apart: inside a NAT director, real servers on different ports: one service or several;
 * - method: nothing shows the forwarding method;
 * - persistence: every client kept one server, which the scheduler alone explains too.
 */
export type UnseenFact = 'vip' | 'director-hop' | 'other-real-servers' | 'connection-real-server' | 'real-servers' | 'service-real-servers' | 'services-apart' | 'method' | 'persistence';

export interface ConnectionReport {
  readonly protocol: 'tcp' | 'udp';
  /** "ip:port" */
  readonly client: string;
  readonly virtual: string;
  readonly realServer: string | null;
  readonly firstFrame: number;
  readonly lastFrame: number;
  /** IPVS state name as ipvsadm -Lnc prints it: ESTABLISHED, SYN_RECV, TIME_WAIT, CLOSE, ... */
  readonly state: string;
}

/** Unanswered, retransmitted SYNs (rs-not-responding): how many, and whether anything answered at all. */
export interface SilentSyn {
  readonly rsKnown: boolean;
  readonly method: ForwardingMethod;
  readonly connections: number;
  readonly retransmits: number;
  /** No SYN in the whole capture was answered: every connection failed. */
  readonly all: boolean;
}

/** A flow black-holed by its connection entry (stale-entry): a UDP flow's datagrams, or a TCP connection's segments. */
export type StaleEntry = StaleDatagrams | StaleSegments;

/** A UDP flow (one client port) answered, then unanswered for a while. */
export interface StaleDatagrams {
  readonly protocol: 'udp';
  readonly client: string;
  readonly virtual: string;
  /** The real server that answered before the silence (RIP, else MAC). */
  readonly rs: string;
  /** The real server that answered after it (the entry expired, the flow was scheduled again); null if none did. */
  readonly after: string | null;
  /** Datagrams sent in the silence. */
  readonly lost: number;
  /** How long the silence lasted, seconds. */
  readonly seconds: number;
  /** Other flows of the service were answered meanwhile (the service itself was up). */
  readonly othersAnswered: boolean;
}

/**
 * An established TCP connection whose oldest unanswered segment the client kept sending again,
 * each time after a longer wait (its retransmission timeout doubling), and nothing answered.
 */
export interface StaleSegments {
  readonly protocol: 'tcp';
  readonly client: string;
  readonly virtual: string;
  /** The real server that had answered the connection (RIP, else MAC); null where the capture does not show it. */
  readonly rs: string | null;
  /** Times the client sent that segment: the first and each retransmission. */
  readonly sent: number;
  /** From the segment's first sending to the client's last packet of the connection, seconds: at least this long black-holed. */
  readonly seconds: number;
  /** The first and the last gap between two sendings, seconds. */
  readonly firstGap: number;
  readonly lastGap: number;
  /**
   * What this capture point shows the director did with the retransmissions: `dropped` (they
   * reached it and it forwarded none, as it had forwarded the connection's earlier segments: the
   * entry's real server was removed), `forwarded` (sent on to the real server, which stayed silent),
   * `unseen` (the capture shows neither).
   */
  readonly director: 'dropped' | 'forwarded' | 'unseen';
  /** Other connections of the service were answered meanwhile (the service itself was up). */
  readonly othersAnswered: boolean;
}

/** Half-open connections piling up in the director's table (syn-flood). */
export interface SynFlood {
  readonly virtual: string;
  /** Connections whose client never completed the handshake nor sent its SYN again. */
  readonly halfOpen: number;
  /** The most of them held at once: each SYN_RECV entry lives 60 s from its last packet. */
  readonly peak: number;
  /** Distinct client addresses among them, and the first and last in the capture's order. */
  readonly sources: number;
  readonly firstSource: string;
  readonly lastSource: string;
  /** From the first of their SYNs to the last, seconds, and SYNs per second over that span. */
  readonly seconds: number;
  readonly rate: number;
  /** Of them, answered by a real server's SYN-ACK in the capture (that nobody acknowledged). */
  readonly synAcked: number;
  /** Connections of the service that did complete. */
  readonly completed: number;
}

/** An idle connection whose entry expired (idle-entry-expired). */
export interface IdleExpiry {
  readonly client: string;
  readonly virtual: string;
  /** Seconds of silence before the segment that met the reset. */
  readonly idle: number;
  /** The reset came from the director's MAC, or from another host than the one that answered before. */
  readonly by: 'director' | 'other';
}

/** A reused client port whose first SYN went unanswered (port-reuse-syn-dropped). */
export interface PortReuse {
  readonly client: string;
  readonly virtual: string;
  /** Seconds between the first SYN and its retransmission. */
  readonly gap: number;
  /** Seconds since the previous connection on the port was last seen. */
  readonly reuseAfter: number;
}

/**
 * What each finding's message is made from, by code. The model fills these in; the message
 * catalog (src/annotate/findings.ts) writes the sentence in English or Chinese from the code and
 * them, so the model never chooses a language. Where one code has several sentences, `kind` says
 * which. New keys may be added; existing ones keep their meaning.
 */
export interface FindingParamsByCode {
  /** `name` is the RIP's display name (WEB1), when it has one. */
  'rs-answers-arp-for-vip': { vip: string; rip: string; mac: string; name: string | null };
  'rs-announces-vip': { vip: string; rip: string; mac: string; name: string | null };
  'vip-arp-flapping': { vip: string; macs: readonly string[] };
  'vip-primary-on-director': { vip: string };
  /** `rs`: the real server's RIP, or its MAC when the RIP is not known. */
  'dr-reply-via-director': { rs: string; vip: string };
  'nat-reply-bypasses-director': { rs: string; mac: string };
  /**
   * `server`/`client`: ip:port of the first stray SYN-ACK; `clients`: how many client ports got
   * them; `virtual`: the VIP:port the client's own SYN went to, where the capture holds it.
   */
  'syn-ack-without-syn': { server: string; client: string; clients: number; synAcks: number; virtual: string | null };
  'dr-port-mapping':
    | { kind: 'refused'; rs: string; virtual: string; port: number }
    | { kind: 'rules'; forward: 'dr' | 'tun'; rs: string; virtual: string; port: number }
    | { kind: 'rules-text'; forward: 'dr' | 'tun'; rs: string; virtual: string; port: number };
  'no-real-server': { virtual: string };
  /**
   * `silent`: the SYNs were never answered and the client retransmitted them; `rs` is then the
   * address the client connected to when `rsKnown` is false (no forward seen from here).
   */
  'rs-not-responding': { rs: string; silent?: SilentSyn };
  /**
   * `exact`: the ICMP quotes the tunnel packet itself (a router beyond the director refused it), so
   * the overhead is exactly 20 bytes; otherwise it quotes the client's packet to the VIP, refused by
   * the director. `client`: the quoted client ip:port (null for a tunnel packet); `to`: the quoted
   * VIP:port, or the real server the tunnel packet went to.
   */
  'tun-mtu': { mtu: number | null; exact: boolean; client: string | null; to: string | null };
  'icmp-redirect-from-director': { to: string; gateway: string | null };
  'quiesced-server-used': { rs: string; virtual: string; persistent: boolean };
  'rules-mismatch':
    | { kind: 'missing-service'; protocol: 'tcp' | 'udp'; virtual: string }
    | { kind: 'method'; virtual: string; rules: ForwardingMethod; seen: ForwardingMethod }
    | { kind: 'unknown-rs'; rs: string; virtual: string }
    | { kind: 'scheduler'; virtual: string; rules: string; seen: string };
  /** `rs`: RIP or MAC of the real server that sent the ICMP; `code`: the ICMP unreachable code. */
  'rs-rejects': { rs: string; virtual: string; protocol: 'tcp' | 'udp'; code: number };
  'stale-entry': StaleEntry;
  'idle-entry-expired': IdleExpiry;
  'port-reuse-syn-dropped': PortReuse;
  'syn-flood': SynFlood;
  'persistence-broken':
    | { kind: 'switched'; client: string; virtual: string }
    | { kind: 'timeout'; client: string; from: string; to: string; timeout: number; virtual: string };
  /** Director pair (src/model/ha): `routers` are display names or MACs. */
  'ha-split-brain': { vrid: number; routers: readonly string[]; seconds: number };
  'ha-failover-gap': { vrid: number; from: string; to: string; gapMs: number; thresholdMs: number };
  'ha-conns-lost-no-sync': { vrid: number; to: string; lost: number; clients: readonly string[]; synced: number };
  'ha-no-gratuitous-arp': { vrid: number; to: string; vips: readonly string[] };
  'rs-failed-health-check-still-used': { rs: string; director: string; connections: number };
  'health-check-flapping': { rs: string; director: string; failures: number };
}

export type FindingParams = FindingParamsByCode[FindingCode];

export interface FindingReport {
  readonly code: FindingCode;
  readonly severity: FindingSeverity;
  /** The finding in words: in English, or in the language `--lang` asked for. */
  readonly message: string;
  readonly frames: readonly number[];
  /** What the message is made from (FindingParamsByCode[code]); absent in truth files. */
  readonly params?: FindingParams;
}

export interface ClusterReport {
  readonly capture: {
    readonly files: readonly string[];
    readonly frames: number;
    /** Merged files whose clocks differed: seconds taken off each one's times (measured from packets seen in both). */
    readonly clockOffsets?: readonly { readonly file: string; readonly seconds: number; readonly pairs: number }[];
  };
  readonly hosts: readonly HostReport[];
  readonly services: readonly ServiceReport[];
  /** In order of first frame. */
  readonly connections: readonly ConnectionReport[];
  readonly findings: readonly FindingReport[];
  /** keepalived/VRRP director pair, sync daemon and health checks, when the capture shows any. */
  readonly directorPair?: DirectorPairReport;
}
