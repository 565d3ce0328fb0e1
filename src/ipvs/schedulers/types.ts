import type { SchedulerName } from '../report.js';
import type { Destination } from '../destination.js';

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
  /** get_random_u32(): uniform integers in [0, 2^32). twos draws from it through get_random_u32_below. */
  readonly randomU32?: () => number;
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
  /**
   * Whether a cache of the scheduler (lblc/lblcr entries) still refers to `dest` at `now`: such a
   * reference keeps a deleted dest in the kernel's trash. Absent for schedulers without one.
   */
  holds?(dest: Destination, now: number): boolean;
  /** Why the last schedule() returned null, in the kernel's log words; null after a success. */
  readonly lastError: string | null;
}
