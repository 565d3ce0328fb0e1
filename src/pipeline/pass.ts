/**
 * The two passes over frames on this thread. Pass 1 learns the cluster as the capture shows it
 * (the JSON report); pass 2 runs the model again seeded with what pass 1 learned, so that early
 * frames are told with what later frames revealed, and gives each frame's facts.
 */
import { openFrames, takeFrames, type FrameSourceOptions, type SourcedFrame } from '../decode/index.js';
import type { DecodedFrame } from '../wire/records.js';
import { Engine } from '../model/engine.js';
import { summarize, type Summary, type SummarizeOptions } from '../model/summary/summarize.js';
import type { FrameFacts, Knowledge, ModelHints } from '../model/types.js';

export interface AnalyzeOptions extends SummarizeOptions, Omit<ModelHints, 'knowledge'> {}

export function analyzeFrames(frames: Iterable<DecodedFrame>, opts: AnalyzeOptions): Summary {
  const engine = new Engine({ vips: opts.vips, names: opts.names });
  for (const f of frames) engine.observe(f, false);
  engine.end();
  return summarize(engine.snapshot(), opts);
}

/** Pass 2 frame by frame: the model seeded with pass 1's knowledge, each frame's facts, then its report. */
export class FactsPass {
  private readonly engine: Engine;

  constructor(knowledge: Knowledge, hints: Omit<ModelHints, 'knowledge'> = {}) {
    this.engine = new Engine({ knowledge, vips: hints.vips, names: hints.names });
  }

  observe(frame: DecodedFrame): FrameFacts {
    return this.engine.observe(frame, true)!;
  }

  /** End of input: the cluster as pass 2 saw it. */
  finish(opts: SummarizeOptions): Summary {
    this.engine.end();
    return summarize(this.engine.snapshot(), opts);
  }
}

/** One frame of pass 2 and its facts. The record is reused: read it before taking the next. */
export interface FactsOfFrame<F extends DecodedFrame> {
  frame: F;
  facts: FrameFacts;
}

/** Pass 2: every frame with its facts, in capture order. */
export function* factsPass<F extends DecodedFrame>(
  frames: Iterable<F>, knowledge: Knowledge, hints: Omit<ModelHints, 'knowledge'> = {},
): Generator<FactsOfFrame<F>> {
  const pass = new FactsPass(knowledge, hints);
  let out: FactsOfFrame<F> | null = null;
  for (const frame of frames) {
    const facts = pass.observe(frame);
    if (out === null) out = { frame, facts };
    else { out.frame = frame; out.facts = facts; }
    yield out;
  }
}

export interface ReadOptions extends FrameSourceOptions {
  /** Only the first `limit` frames (default: all). */
  readonly limit?: number;
}

/** The frames of pass 2: the captures merged by time, filtered, limited; the files closed at the end or on return. */
export function* readFrames(paths: readonly string[], opts: ReadOptions = {}): Generator<SourcedFrame> {
  const source = openFrames(paths, opts);
  try {
    yield* takeFrames(source, opts.limit ?? Infinity);
  } finally {
    source.close();
  }
}
