/**
 * What the engine knows at the end of a pass, as `summarize` reads it: read-only all the way down,
 * so the report cannot change the engine (the compiler refuses a write).
 */
import type { DoneFlow } from './done-flow.js';
import type { FindingAcc } from './finding-book.js';
import type { ArpPair } from './neighbours.js';
import type { RsState, ServiceState } from './state.js';
import type { HaTracker } from './ha/tracker.js';
import type { StraySynAck } from './stray-syn-acks.js';

/** `T` with every property, array, Set and Map inside it read-only (Map first: a Map also looks like a ReadonlySet). */
export type DeepReadonly<T> =
  T extends (...args: never[]) => unknown ? T
    : T extends ReadonlyMap<infer K, infer V> ? ReadonlyMap<K, DeepReadonly<V>>
      : T extends ReadonlySet<infer U> ? ReadonlySet<DeepReadonly<U>>
        : T extends readonly (infer U)[] ? readonly DeepReadonly<U>[]
          : T extends object ? { readonly [P in keyof T]: DeepReadonly<T[P]> }
            : T;

export type ServiceView = DeepReadonly<ServiceState>;
export type RsView = DeepReadonly<RsState>;
export type DoneFlowView = DeepReadonly<DoneFlow>;

export interface EngineSnapshot {
  readonly frames: number;
  readonly lastT: number;
  readonly services: ReadonlyMap<string, ServiceView>;
  /** Every connection entry that left the table (expired, or alive at the end), in the order it left. */
  readonly done: readonly DoneFlowView[];
  readonly findings: ReadonlyMap<string, DeepReadonly<FindingAcc>>;
  readonly ipMac: ReadonlyMap<string, string>;
  readonly macIps: ReadonlyMap<string, ReadonlySet<string>>;
  readonly arpPairs: ReadonlyMap<string, DeepReadonly<ArpPair>>;
  readonly arpAsked: ReadonlyMap<string, readonly string[]>;
  readonly macSrcIp: ReadonlyMap<string, string>;
  readonly upstreamMacs: ReadonlyMap<string, number>;
  readonly directServed: ReadonlyMap<string, { readonly vip: string; readonly mac: string; readonly frames: readonly number[] }>;
  /** MACs that could be the host the capture was taken on (in every unicast frame). */
  readonly captureHostCandidates: readonly string[];
  /** SYN-ACKs that answered no SYN in the capture (model/stray-syn-acks.ts). */
  readonly straySynAcks: ReadonlyMap<string, DeepReadonly<StraySynAck>>;
  /** The director pair; summarize only reads it. */
  readonly ha: HaTracker;
}
