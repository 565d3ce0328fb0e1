/**
 * The LVS behaviour model. `analyzeFrames` is pass 1 (the JSON report); `Engine` seeded with its
 * Knowledge is pass 2 (per-frame facts for the walkthrough).
 */
export { Engine, MAX_DECISIONS, methodOf, tcpFlagWords, type DoneFlow, type FindingAcc } from './engine.js';
export { summarize, TUNNEL_NAMES, type Summary, type SummarizeOptions, type ServiceReportX } from './summarize.js';
export { inferScheduler, SCHEDULER_BAR, type InferenceInput, type ObservedDecision } from './infer-scheduler.js';
export { analyzeFrames, type AnalyzeOptions } from './pass.js';
export { analyzeFiles, type FileAnalyzeOptions, type FilePassResult } from './packet-feed.js';
export { PARALLEL_MIN_BYTES, startEarly, threadsFromEnv, type Threads } from './packet-feed-start.js';
export { Packet, ipPort, compareIp, type TunnelKind } from './packet.js';
export type { FrameFacts, FlowFacts, FrameRole, Knowledge, ModelHints, Segment, Step } from './types.js';
