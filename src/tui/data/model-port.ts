/**
 * The one place the TUI touches the model and the annotator. Everything else in src/tui talks to
 * `ModelPort`, so a change in the model's API is a change here only.
 */
import type { ClusterReport, FindingReport } from '../../ipvs/report.js';
import type { FrameFacts, Knowledge } from '../../model/types.js';
import type { DecodedFrame } from '../../wire/records.js';
import type { ColumnBatch } from './columns.js';
import type { Lang } from './types.js';

export interface PassResult {
  readonly knowledge: Knowledge;
  readonly report: ClusterReport;
}

/** One streaming pass of the model. */
export interface EnginePort {
  observe(frame: DecodedFrame, wantFacts: boolean): FrameFacts | null;
  /** End of input: the knowledge a second pass starts from, and the cluster report. */
  finish(files: readonly string[]): PassResult;
}

/** What the analysis worker reports as it goes (on this thread, between events). */
export interface BackgroundHandlers {
  /** Pass 1 has read this many frames. */
  learning(frames: number): void;
  learned(result: PassResult): void;
  /** Pass 2's next batch of frames. */
  batch(b: ColumnBatch): void;
}

/** Both passes running off this thread: pass 2's outcome (its report), and a way to stop them. */
export interface BackgroundAnalysis {
  readonly done: Promise<PassResult>;
  cancel(): void;
}

export interface ModelPort {
  engine(knowledge: Knowledge | null): EnginePort;
  /**
   * Both passes over whole files on another thread; null when that is not possible here (the
   * caller then runs engine() over the frames itself). keepFacts: send each frame's FrameFacts.
   */
  analyze?(paths: readonly string[], keepFacts: boolean, on: BackgroundHandlers): BackgroundAnalysis | null;
  /** The walkthrough sentence for a frame, in English or Chinese. */
  explain(facts: FrameFacts, lang: Lang, knowledge: Knowledge | null): string;
  /** A finding's message in English or Chinese (the report's own message when it has no params). */
  findingText(finding: FindingReport, lang: Lang): string;
}
