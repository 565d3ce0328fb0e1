/** Pass 1 over decoded frames on this thread: the cluster as the capture shows it (the JSON report). */
import type { DecodedFrame } from '../wire/records.js';
import { Engine } from '../model/engine.js';
import { summarize, type Summary, type SummarizeOptions } from '../model/summary/summarize.js';
import type { ModelHints } from '../model/types.js';

export interface AnalyzeOptions extends SummarizeOptions, Omit<ModelHints, 'knowledge'> {}

export function analyzeFrames(frames: Iterable<DecodedFrame>, opts: AnalyzeOptions): Summary {
  const engine = new Engine({ vips: opts.vips, names: opts.names });
  for (const f of frames) engine.observe(f, false);
  engine.end();
  return summarize(engine.snapshot(), opts);
}
