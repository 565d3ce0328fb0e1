import type { SchedulerName } from '../report.js';
import type { Destination, OverheadFormula } from '../destination.js';

/** What a scheduler may read from the packet that opened the connection (`struct ip_vs_iphdr`). */
export interface ScheduleContext {
  /** Client address: hash key of sh and mh. */
  readonly saddr: string;
  /** Packet destination (VIP, or origin server in cache setups): hash key of dh, lblc, lblcr. */
  readonly daddr: string;
  readonly sport?: number;
  readonly dport?: number;
  /** sh-port / mh-port read the port only for these; default 'tcp'. */
  readonly protocol?: 'tcp' | 'udp' | 'sctp' | 'icmp' | 'other';
  /** IP_VS_HDR_INVERSE: scheduling from the real-server side swaps the hashed address and port. */
  readonly inverse?: boolean;
  /** Seconds; drives lblc/lblcr cache ageing. Default 0. */
  readonly now?: number;
}

export interface SchedulerFlags {
  /** IP_VS_SVC_F_SCHED1 for sh. */
  readonly 'sh-fallback'?: boolean;
  /** IP_VS_SVC_F_SCHED2 for sh. */
  readonly 'sh-port'?: boolean;
  /** IP_VS_SVC_F_SCHED1 for mh. */
  readonly 'mh-fallback'?: boolean;
  /** IP_VS_SVC_F_SCHED2 for mh. */
  readonly 'mh-port'?: boolean;
}

export interface SchedulerOptions {
  readonly flags?: SchedulerFlags;
  /** Uniform in [0, 1); twos draws `floor(random() * n)`, which equals the kernel's prandom_u32_max(n) for random() = u32 / 2^32. */
  readonly random?: () => number;
  /** ip_vs_dest_conn_overhead variant; default 'classic' (6.x). */
  readonly overhead?: OverheadFormula;
  /** lblc_expiration / lblcr_expiration sysctl, seconds; default 86400. */
  readonly expiration?: number;
  /** When the service got this scheduler (seconds): the lblc/lblcr GC timer is armed from here. */
  readonly createdAt?: number;
}

export interface Scheduler {
  readonly name: SchedulerName;
  /**
   * The kernel's schedule(): the chosen dest, or null ("no destination available"; the director
   * then answers ICMP port unreachable). May advance internal state (rr/wrr cursor, lblc cache).
   */
  schedule(ctx: ScheduleContext): Destination | null;
  /**
   * The dest list changed (add_dest / del_dest / upd_dest): `dests` is the new list in kernel
   * order, newest-added first. Also call it after editing a weight in place.
   */
  update(dests: readonly Destination[]): void;
  /** Why the last schedule() returned null, in the kernel's log words; null after a success. */
  readonly lastError: string | null;
}
