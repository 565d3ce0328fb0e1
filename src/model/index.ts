/**
 * The LVS behaviour model. `analyzeFrames` is pass 1 (the JSON report); `Engine` seeded with its
 * Knowledge is pass 2 (per-frame facts for the walkthrough).
 */
import type { DecodedFrame } from '../wire/records.js';
import { Engine } from './engine.js';
import { summarize, type Summary, type SummarizeOptions } from './summarize.js';
import type { ModelHints } from './types.js';

export { Engine, MAX_DECISIONS, methodOf, tcpFlagWords, type DoneFlow, type FindingAcc } from './engine.js';
export { summarize, TUNNEL_NAMES, type Summary, type SummarizeOptions, type ServiceReportX } from './summarize.js';
export { inferScheduler, type InferenceInput, type ObservedDecision } from './infer-scheduler.js';
export { analyzeFiles, type FileAnalyzeOptions, type FilePassResult } from './packet-feed.js';
export { PARALLEL_MIN_BYTES, startEarly, threadsFromEnv, type Threads } from './packet-feed-start.js';
export { Packet, ipPort, compareIp, type TunnelKind } from './packet.js';
export type { FrameFacts, FlowFacts, FrameRole, Knowledge, ModelHints, Segment, Step } from './types.js';

export interface AnalyzeOptions extends SummarizeOptions, Omit<ModelHints, 'knowledge'> {}

/** One pass over the frames: the cluster as the capture shows it. */
export function analyzeFrames(frames: Iterable<DecodedFrame>, opts: AnalyzeOptions): Summary {
  const engine = new Engine({ vips: opts.vips, names: opts.names });
  for (const f of frames) engine.observe(f, false);
  engine.end();
  return summarize(engine, opts);
}
