/**
 * The TUI's background analysis on a worker thread, so the browser's thread only draws: pass 1
 * (learning the cluster) and pass 2 (each frame's facts) through the pipeline, as analyze runs
 * them. Pass 2's per-frame columns (columns.ts) go back in batches of BATCH_FRAMES frames as
 * transferred typed arrays, with what the tables gained meanwhile and, for captures the UI keeps
 * whole, the batch's FrameFacts v8-serialized (decoded only when a frame of it is looked at).
 */
import { serialize } from 'node:v8';
import { isMainThread, parentPort, workerData } from 'node:worker_threads';
import type { FrameFacts } from '../../model/types.js';
import type { Summary } from '../../model/index.js';
import { analyzeFiles, FactsPass, readFrames, threadsFromEnv } from '../../pipeline/index.js';
import { BATCH_FRAMES, type AnalysisMessage, type AnalysisWorkerData, type PassOutcome } from './analysis-protocol.js';
import { COLUMN_NAMES, FrameTables, newColumns, type Columns } from './columns.js';

const PROGRESS_MS = 100;

function outcome(s: Summary): PassOutcome {
  return { knowledge: s.knowledge, report: s.report, findingFrames: s.findingFrames };
}

function run(d: AnalysisWorkerData): void {
  const post = (m: AnalysisMessage, transfer: ArrayBuffer[] = []): void => parentPort!.postMessage(m, transfer);
  try {
    const names = d.names === null ? undefined : new Map(d.names);
    const summarizeOptions = names === undefined ? { files: d.paths } : { files: d.paths, names };
    let lastPost = Date.now();
    const learned = analyzeFiles(d.paths, {
      ...summarizeOptions,
      threads: threadsFromEnv(process.env),
      onProgress: (frames) => {
        if (Date.now() - lastPost < PROGRESS_MS) return;
        lastPost = Date.now();
        post({ kind: 'progress', frames });
      },
    }).summary;
    post({ kind: 'learned', frames: learned.report.capture.frames, ...outcome(learned) });

    const tables = new FrameTables();
    tables.trackChanges();
    tables.learned(learned.knowledge, learned.report);
    const pass = new FactsPass(learned.knowledge, names === undefined ? {} : { names });
    let start = 0;
    let j = 0;
    let columns = newColumns(BATCH_FRAMES);
    let facts: (FrameFacts | undefined)[] = [];
    const send = (): void => {
      const bytes = d.keepFacts ? transferable(serialize(facts)) : null;
      const transfer = COLUMN_NAMES.map((c) => columns[c].buffer as ArrayBuffer);
      if (bytes !== null) transfer.push(bytes.buffer as ArrayBuffer);
      post({ kind: 'batch', batch: tables.takeBatch(start, j, j === BATCH_FRAMES ? columns : trimmed(columns, j), bytes) }, transfer);
      start += j;
      j = 0;
      columns = newColumns(BATCH_FRAMES);
      facts = [];
    };
    for (const frame of readFrames(d.paths)) {
      tables.recordFields(columns, j, frame);
      const f = pass.observe(frame);
      tables.record(columns, j, f);
      if (d.keepFacts) facts.push(f);
      if (++j === BATCH_FRAMES) send();
    }
    if (j > 0) send();
    post({ kind: 'done', ...outcome(pass.finish(summarizeOptions)) });
  } catch (e) {
    post({ kind: 'error', message: e instanceof Error ? e.message : String(e) });
  }
}

/** The last batch's columns cut to its length (views over the same buffers, which are transferred whole). */
function trimmed(c: Columns, n: number): Columns {
  const out = {} as Record<keyof Columns, Columns[keyof Columns]>;
  for (const name of COLUMN_NAMES) out[name] = c[name].subarray(0, n);
  return out as unknown as Columns;
}

/** v8.serialize's buffer may be a slice of a larger one: copy it then, so only its bytes move. */
function transferable(b: Uint8Array): Uint8Array {
  return b.byteOffset === 0 && b.byteLength === b.buffer.byteLength ? b : new Uint8Array(b);
}

if (!isMainThread) run(workerData as AnalysisWorkerData);
