/**
 * The LVS behaviour model: an `Engine` takes frames or Packets and never reads a file. Unseeded it
 * learns the cluster (pass 1, summarized into the JSON report); seeded with that Knowledge it gives
 * each frame's facts (pass 2). src/pipeline runs the passes over captures.
 */
export { Engine } from './engine.js';
export { MAX_DECISIONS } from './connections.js';
export type { DoneFlow } from './done-flow.js';
export type { FindingAcc } from './finding-book.js';
export { methodOf } from './method-evidence.js';
export { tcpFlagWords } from './frame-facts.js';
export type { EngineSnapshot } from './snapshot.js';
export { summarize, type Summary, type SummarizeOptions, type ServiceReportX } from './summary/summarize.js';
export { reportWith } from './summary/entries.js';
export { inferScheduler, SCHEDULER_BAR, type InferenceInput, type ObservedDecision } from './infer-scheduler.js';
export { Packet, ipPort, compareIp, type TunnelKind } from './packet.js';
export type { FrameFacts, FlowFacts, FrameRole, Knowledge, ModelHints, Segment, Step } from './types.js';
