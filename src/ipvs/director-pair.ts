/**
 * A director pair as a capture shows it (keepalived/VRRP, the IPVS sync daemon, health checks):
 * the `directorPair` section of `analyze --format json` and of `synth --truth`.
 *
 * It lives in `ipvs` (vocabulary, no packets) so the simulator can write truth without the model.
 * Times are the published form: decimal seconds with nine fractional digits; endpoints {ip, port}.
 */

export interface PairEndpoint {
  readonly ip: string;
  readonly port: number;
}

/** A director as VRRP shows it: the MAC and source address of its adverts, and its display name. */
export interface PairDirector {
  readonly name: string;
  readonly mac: string;
  readonly ip: string;
}

export interface VrrpRouterReport extends PairDirector {
  readonly vrid: number;
  readonly version: number;
  /** The last priority it advertised other than 0 (0 only when it never advertised another). */
  readonly priority: number;
  readonly intervalMs: number;
  /** The virtual addresses its adverts carry. */
  readonly vips: readonly string[];
  readonly adverts: number;
  readonly firstFrame: number;
  readonly lastFrame: number;
}

/** One stretch of time during which one router was master of a VRID (it was the one advertising). */
export interface MasterSpan extends PairDirector {
  readonly vrid: number;
  readonly priority: number;
  readonly fromFrame: number;
  readonly fromTime: string;
  /** Its last advert; null while it was still advertising at the end of the capture. */
  readonly toFrame: number | null;
  readonly toTime: string | null;
}

/** How the old master stopped: a priority-0 advert, silence, or a higher-priority router taking over. */
export type FailoverReason = 'resigned' | 'silent' | 'preempted';

/** What happened to a client connection that was open when the master changed. */
export type ConnOutcome = 'continued' | 'reset' | 'retransmit-silence' | 'idle';

export interface FailoverConnection {
  readonly protocol: 'tcp' | 'udp';
  readonly client: PairEndpoint;
  readonly virtual: PairEndpoint;
  /** Announced in a sync message before the takeover. */
  readonly synced: boolean;
  readonly outcome: ConnOutcome;
  /** The frames that show the outcome (the RST, the retransmissions, the first forwarded frame). */
  readonly frames: readonly number[];
}

export interface FailoverReport {
  readonly vrid: number;
  readonly reason: FailoverReason;
  readonly oldMaster: PairDirector;
  readonly newMaster: PairDirector;
  readonly lastAdvertFrame: number;
  readonly lastAdvertTime: string;
  readonly firstAdvertFrame: number;
  readonly firstAdvertTime: string;
  /** The new master's gratuitous ARPs (or unsolicited NAs) for the VIPs, within a few seconds. */
  readonly garpFrames: readonly number[];
  /**
   * Milliseconds in which nobody answered for the VIP: from the old master's last frame (advert or
   * forwarded client packet) to the new master's first (advert or gratuitous ARP).
   */
  readonly gapMs: number;
  /**
   * False when the new master's first advert seen came later than any backup waits (3 × interval
   * + skew): this capture point missed the takeover itself (it was cut off), so the gap and the
   * gratuitous ARPs are not known from here.
   */
  readonly takeoverSeen: boolean;
  /** The first client packet for the VIP delivered to the new master's MAC; null when none showed. */
  readonly trafficMovedFrame: number | null;
  readonly connections: readonly FailoverConnection[];
}

export interface VipOwnerSpan {
  readonly vip: string;
  readonly mac: string;
  readonly name: string | null;
  readonly fromFrame: number;
  readonly fromTime: string;
  /** What showed the owner first: its gratuitous ARP, or client packets for the VIP sent to its MAC. */
  readonly via: 'garp' | 'traffic';
}

export interface SyncedConnection {
  readonly protocol: 'tcp' | 'udp' | 'sctp' | 'other';
  readonly client: PairEndpoint;
  readonly virtual: PairEndpoint;
  readonly realServer: PairEndpoint;
  /** IPVS state name as ipvsadm -Lnc prints it (the last one announced). */
  readonly state: string;
  readonly forward: string;
  readonly flags: number;
  readonly template: boolean;
  readonly firstFrame: number;
  readonly lastFrame: number;
}

export interface SyncReport {
  readonly sender: PairDirector | null;
  readonly senderIp: string;
  readonly group: string;
  readonly port: number;
  readonly version: number;
  readonly syncId: number;
  readonly messages: number;
  readonly firstFrame: number;
  readonly connections: readonly SyncedConnection[];
}

export interface HealthCheckReport {
  /** The checking director (its DIP) and the real server's address and port. */
  readonly director: string;
  readonly directorName: string | null;
  readonly realServer: PairEndpoint;
  readonly kind: 'tcp' | 'http';
  readonly intervalMs: number;
  readonly checks: number;
  readonly failed: number;
  /** Frames of the first connection of each failed check. */
  readonly failedFrames: readonly number[];
  /** A failed check followed later by an answered one, then a failure again. */
  readonly flapping: boolean;
}

export interface RealServerRemoval {
  readonly realServer: string;
  readonly name: string | null;
  /** The first failed health check. */
  readonly failedFrame: number;
  /** The last new client connection the director sent to it, and whether that came after it failed. */
  readonly lastNewConnectionFrame: number | null;
  readonly usedAfterFailure: boolean;
  /** New client connections that went to other real servers after it failed. */
  readonly sentElsewhere: number;
}

export interface DirectorPairReport {
  readonly routers: readonly VrrpRouterReport[];
  readonly masters: readonly MasterSpan[];
  readonly failovers: readonly FailoverReport[];
  readonly vipOwners: readonly VipOwnerSpan[];
  readonly sync: readonly SyncReport[];
  readonly healthChecks: readonly HealthCheckReport[];
  readonly removals: readonly RealServerRemoval[];
  /** VRIDs for which two routers advertised at once for longer than a takeover takes. */
  readonly splitBrain: readonly { readonly vrid: number; readonly macs: readonly string[]; readonly frames: readonly number[] }[];
}
