/**
 * The LVS behaviour model. `analyzeFrames` is pass 1 (the JSON report); `Engine` seeded with its
 * Knowledge is pass 2 (per-frame facts for the walkthrough).
 */
export { Engine } from './engine.js';
export { MAX_DECISIONS } from './connections.js';
export type { DoneFlow } from './done-flow.js';
export type { FindingAcc } from './finding-book.js';
export { methodOf } from './method-evidence.js';
export { tcpFlagWords } from './frame-facts.js';
export type { EngineSnapshot } from './snapshot.js';
export { summarize, type Summary, type SummarizeOptions, type ServiceReportX } from './summary/summarize.js';
export { inferScheduler, SCHEDULER_BAR, type InferenceInput, type ObservedDecision } from './infer-scheduler.js';
export { analyzeFrames, type AnalyzeOptions } from './pass.js';
export { analyzeFiles, type FileAnalyzeOptions, type FilePassResult } from './packet-feed.js';
export { PARALLEL_MIN_BYTES, startEarly, threadsFromEnv, type Threads } from './packet-feed-start.js';
export { Packet, ipPort, compareIp, type TunnelKind } from './packet.js';
export type { FrameFacts, FlowFacts, FrameRole, Knowledge, ModelHints, Segment, Step } from './types.js';
