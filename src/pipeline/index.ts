/**
 * Captures through the model: reading (a worker thread reads and pre-decodes big files), then the
 * two passes, pass 1 learning the cluster and pass 2 giving each frame's facts with what pass 1
 * learned. The CLI and the TUI run the model only through here.
 */
export { analyzeFrames, FactsPass, factsPass, readFrames, type AnalyzeOptions, type FactsOfFrame, type ReadOptions } from './pass.js';
export { analyzeFiles, type FileAnalyzeOptions, type FilePassResult } from './packet-feed.js';
export { PARALLEL_MIN_BYTES, startEarly, threadsFromEnv, type Threads } from './packet-feed-start.js';
