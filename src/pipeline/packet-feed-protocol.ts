/** What the two threads of a parallel model pass (packet-feed.ts, packet-feed-worker.ts) say to each other. */
import type { MessagePort } from 'node:worker_threads';
import type { FaultEpisodes } from '../model/fault-watch.js';
import type { PacketChunk } from './packet-slots.js';

/** What packet-feed.ts starts the worker with. */
export interface FeedWorkerData {
  readonly paths: readonly string[];
  readonly limit: number;
  readonly chunkFrames: number;
  readonly maxInFlight: number;
  readonly port: MessagePort;
  /** Int32Array over a SharedArrayBuffer: [POSTED, CONSUMED, STARTED]. */
  readonly control: Int32Array;
}

/** Messages on the port, in order: chunks, then one end or error. */
export type FeedMessage =
  | { readonly kind: 'chunk'; readonly chunk: PacketChunk }
  | { readonly kind: 'end'; readonly problems: readonly string[]; readonly damagedFrames: number; readonly firstDamaged: number; readonly faults: FaultEpisodes }
  | { readonly kind: 'error'; readonly format: boolean; readonly file: string; readonly offset: number; readonly message: string; readonly code: string | null };

export const POSTED = 0;
export const CONSUMED = 1;
/** 1 once the worker's code runs: from then on it reports its own failures on the port. */
export const STARTED = 2;
export const CONTROL_INTS = 3;

/** From the model back to the reader: a chunk's arrays, free for reuse. */
export interface RecycleMessage {
  readonly ints: Int32Array;
  readonly times: Float64Array;
}
