/** Messages between the TUI and its learning worker (learn-worker.ts); types only. */
import type { ClusterReport, FindingCode } from '../../ipvs/report.js';
import type { Knowledge } from '../../model/types.js';

export interface LearnWorkerData {
  readonly paths: readonly string[];
  /** --name IP=NAME pairs, or null. */
  readonly names: readonly (readonly [string, string])[] | null;
}

export type LearnMessage =
  | { readonly kind: 'progress'; readonly frames: number }
  | {
    readonly kind: 'done';
    readonly frames: number;
    readonly knowledge: Knowledge;
    readonly report: ClusterReport;
    readonly findingFrames: ReadonlyMap<number, readonly FindingCode[]>;
  }
  | { readonly kind: 'error'; readonly message: string };
