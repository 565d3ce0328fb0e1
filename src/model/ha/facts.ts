/** What the director-pair model says about one frame (the `ha` of FrameFacts). Addresses, not names: `annotate` names them. */
import type { FailoverReason } from '../../ipvs/director-pair.js';
import type { AdvertEvent } from './vrrp-track.js';

export interface HaRouterRef { readonly ip: string; readonly mac: string }

export type HaFrameFacts =
  | {
    readonly kind: 'advert'; readonly event: AdvertEvent; readonly vrid: number; readonly priority: number; readonly intervalMs: number;
    readonly vips: readonly string[]; readonly router: HaRouterRef;
    /** For a takeover or a contention: the router that was master before. */
    readonly old: HaRouterRef | null; readonly reason: FailoverReason | null; readonly gapMs: number | null;
  }
  | {
    readonly kind: 'sync'; readonly sender: string; readonly version: number; readonly syncId: number; readonly count: number;
    readonly conns: readonly { readonly protocol: number; readonly client: string; readonly virtual: string; readonly realServer: string; readonly state: string; readonly forward: string }[];
  }
  | { readonly kind: 'garp'; readonly vip: string; readonly router: HaRouterRef | null; readonly takeover: boolean }
  | {
    readonly kind: 'check'; readonly dip: string; readonly rip: string; readonly port: number;
    readonly step: 'syn' | 'syn-retry' | 'passed' | 'refused' | 'data' | 'other';
    readonly intervalMs: number | null; readonly http: boolean;
  }
  | {
    readonly kind: 'failover-conn'; readonly what: 'retransmit' | 'dead-master' | 'reset' | 'continued';
    readonly client: string; readonly virtual: string; readonly synced: boolean; readonly router: HaRouterRef | null;
  };
