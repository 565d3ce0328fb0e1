/**
 * Starting the reading worker of a two-thread model pass (packet-feed.ts), kept apart from the
 * model so that the CLI can start it before it loads the model and the presentation modules:
 * the worker then boots (about 40 ms) while this thread loads code instead of after.
 * Imports nothing of lvscope's but the message protocol (constants and types).
 */
import { existsSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, type MessagePort } from 'node:worker_threads';
import { CONTROL_INTS, type FeedWorkerData } from './packet-feed-protocol.js';

/** Below this much capture, one thread is quicker than starting a second. */
export const PARALLEL_MIN_BYTES = 8 << 20;
const CHUNK_FRAMES = 4096;
const MAX_IN_FLIGHT = 8;

export type Threads = 'auto' | 'never' | 'always';

/**
 * The reading worker's script. The bundle (scripts/bundle.mjs) holds it as one CommonJS file: a
 * worker that loads no ES module never starts Node's ES module loader and boots ~25 ms sooner, and
 * the pass waits for its first chunk. Compiled alone (dist/pipeline), it is the ES module.
 */
const WORKER_SCRIPT = [new URL('./packet-feed-worker.cjs', import.meta.url), new URL('./packet-feed-worker.js', import.meta.url)]
  .find((u) => existsSync(fileURLToPath(u))) ?? new URL('./packet-feed-worker.js', import.meta.url);

export interface StartedFeed {
  readonly paths: readonly string[];
  readonly limit: number;
  readonly worker: Worker;
  /** This thread's end of the channel; the worker has the other. */
  readonly port: MessagePort;
  readonly control: Int32Array;
}

/** LVSCOPE_THREADS=1 keeps the model pass on one thread, =2 always uses the worker. */
export function threadsFromEnv(env: NodeJS.ProcessEnv): Threads {
  return env['LVSCOPE_THREADS'] === '1' ? 'never' : env['LVSCOPE_THREADS'] === '2' ? 'always' : 'auto';
}

export function wantWorker(paths: readonly string[], threads: Threads): boolean {
  if (threads === 'never' || !existsSync(fileURLToPath(WORKER_SCRIPT))) return false;
  if (threads === 'always') return true;
  let bytes = 0;
  for (const p of paths) {
    try {
      bytes += statSync(p).size;
    } catch {
      return false; // let the one-thread pass report it
    }
  }
  return bytes >= PARALLEL_MIN_BYTES;
}

export function startFeed(paths: readonly string[], limit: number): StartedFeed {
  const channel = new MessageChannel();
  const control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_INTS));
  const data: FeedWorkerData = { paths: [...paths], limit, chunkFrames: CHUNK_FRAMES, maxInFlight: MAX_IN_FLIGHT, port: channel.port2, control };
  const worker = new Worker(WORKER_SCRIPT, { workerData: data, transferList: [channel.port2] });
  worker.unref();
  return { paths: [...paths], limit, worker, port: channel.port1, control };
}

let early: StartedFeed | null = null;

/**
 * Starts the worker for a pass over `paths` that has not begun yet (the CLI calls this as soon as
 * it has the file names); the pass adopts it through takeEarlyFeed when it asks for the same files
 * and limit.
 */
export function startEarly(paths: readonly string[], limit: number, threads: Threads): void {
  if (early !== null || paths.length === 0 || !wantWorker(paths, threads)) return;
  early = startFeed(paths, limit);
}

/** The early feed if it reads exactly these files with this limit; otherwise stops it and gives null. */
export function takeEarlyFeed(paths: readonly string[], limit: number): StartedFeed | null {
  const f = early;
  early = null;
  if (f === null) return null;
  if (f.limit === limit && f.paths.length === paths.length && f.paths.every((p, i) => p === paths[i])) return f;
  stopFeed(f);
  return null;
}

export function stopFeed(f: StartedFeed | null): void {
  if (f === null) return;
  f.port.close();
  void f.worker.terminate();
}
