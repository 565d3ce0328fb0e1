/** Messages between the TUI and its analysis worker (analysis-worker.ts). */
import type { ClusterReport, FindingCode } from '../../ipvs/report.js';
import type { Knowledge } from '../../model/types.js';
import type { ColumnBatch } from './columns.js';

/** Frames per batch of pass 2 (the last one may be shorter). */
export const BATCH_FRAMES = 2048;

export interface AnalysisWorkerData {
  readonly paths: readonly string[];
  /** --name IP=NAME pairs, or null. */
  readonly names: readonly (readonly [string, string])[] | null;
  /** Whether to send each frame's FrameFacts (the UI keeps them for ordinary captures). */
  readonly keepFacts: boolean;
}

/** A pass's outcome as the TUI takes it (all structured-cloneable). */
export interface PassOutcome {
  readonly knowledge: Knowledge;
  readonly report: ClusterReport;
  readonly findingFrames: ReadonlyMap<number, readonly FindingCode[]>;
}

/** In order: progress of pass 1, its outcome, pass 2's batches, then pass 2's outcome; or an error. */
export type AnalysisMessage =
  | { readonly kind: 'progress'; readonly frames: number }
  | ({ readonly kind: 'learned'; readonly frames: number } & PassOutcome)
  | { readonly kind: 'batch'; readonly batch: ColumnBatch }
  | ({ readonly kind: 'done' } & PassOutcome)
  | { readonly kind: 'error'; readonly message: string };
