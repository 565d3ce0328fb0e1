/**
 * The one place the TUI touches the model and the annotator. Everything else in src/tui talks to
 * `ModelPort`, so a change in the model's API is a change here only.
 */
import type { ClusterReport, FindingReport } from '../../ipvs/report.js';
import type { FrameFacts, Knowledge } from '../../model/types.js';
import type { DecodedFrame } from '../../wire/records.js';
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

/** The first pass running off this thread: its result, and a way to stop it. */
export interface LearningPass {
  readonly result: Promise<PassResult>;
  cancel(): void;
}

export interface ModelPort {
  engine(knowledge: Knowledge | null): EnginePort;
  /**
   * The first pass over whole files on another thread; null when that is not possible here (the
   * caller then runs engine(null) over the frames itself). onProgress gets frames read so far.
   */
  learn?(paths: readonly string[], onProgress: (frames: number) => void): LearningPass | null;
  /** The walkthrough sentence for a frame, in English or Chinese. */
  explain(facts: FrameFacts, lang: Lang, knowledge: Knowledge | null): string;
  /** A finding's message in English or Chinese (the report's own message when it has no params). */
  findingText(finding: FindingReport, lang: Lang): string;
}
