/**
 * ModelPort bound to the real model (src/model) and annotator (src/annotate).
 */
import { Explainer, findingText } from '../../annotate/index.js';
import type { FindingCode } from '../../ipvs/report.js';
import { Engine, summarize, type FrameFacts, type Knowledge } from '../../model/index.js';
import type { DecodedFrame } from '../../wire/records.js';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { LearnMessage, LearnWorkerData } from './learn-protocol.js';
import type { EnginePort, LearningPass, ModelPort, PassResult } from './model-port.js';
import type { Lang } from './types.js';

interface Shared {
  /** Finding frames of the latest summary, so explanations can mention the findings they cite. */
  findingFrames: ReadonlyMap<number, readonly FindingCode[]> | undefined;
  readonly explainers: Map<string, { knowledge: Knowledge | null; explainer: Explainer }>;
}

class BoundEngine implements EnginePort {
  private readonly engine: Engine;
  private readonly names: ReadonlyMap<string, string> | undefined;
  private readonly shared: Shared;

  constructor(knowledge: Knowledge | null, names: ReadonlyMap<string, string> | undefined, shared: Shared) {
    this.names = names;
    this.shared = shared;
    this.engine = new Engine(knowledge === null ? { names } : { names, knowledge });
  }

  observe(frame: DecodedFrame, wantFacts: boolean): FrameFacts | null {
    return this.engine.observe(frame, wantFacts);
  }

  finish(files: readonly string[]): PassResult {
    this.engine.end();
    const s = summarize(this.engine.snapshot(), this.names === undefined ? { files } : { files, names: this.names });
    this.shared.findingFrames = s.findingFrames;
    this.shared.explainers.clear();
    return { knowledge: s.knowledge, report: s.report };
  }
}

const LEARN_WORKER = new URL('./learn-worker.js', import.meta.url);

/**
 * Pass 1 on a worker thread (learn-worker.ts). Null where the built worker script is missing (a
 * test run straight from the TypeScript sources): the caller then runs the pass itself.
 */
function learnOnWorker(paths: readonly string[], names: ReadonlyMap<string, string> | undefined, shared: Shared, onProgress: (frames: number) => void): LearningPass | null {
  if (!existsSync(fileURLToPath(LEARN_WORKER))) return null;
  const data: LearnWorkerData = { paths: [...paths], names: names === undefined ? null : [...names] };
  const worker = new Worker(LEARN_WORKER, { workerData: data });
  worker.unref();
  let settled = false;
  const result = new Promise<PassResult>((resolve, reject) => {
    worker.on('message', (m: LearnMessage) => {
      if (m.kind === 'progress') { onProgress(m.frames); return; }
      settled = true;
      void worker.terminate();
      if (m.kind === 'error') { reject(new Error(m.message)); return; }
      onProgress(m.frames);
      shared.findingFrames = m.findingFrames;
      shared.explainers.clear();
      resolve({ knowledge: m.knowledge, report: m.report });
    });
    worker.on('error', (e) => { if (!settled) { settled = true; reject(e); } });
    worker.on('exit', (code) => { if (!settled) { settled = true; reject(new Error(`the learning thread stopped (exit ${code})`)); } });
  });
  return { result, cancel: () => { settled = true; void worker.terminate(); } };
}

export interface BindingOptions {
  /** --name IP=NAME */
  readonly names?: ReadonlyMap<string, string>;
}

export function modelPort(options: BindingOptions = {}): ModelPort {
  const shared: Shared = { findingFrames: undefined, explainers: new Map() };
  const explainerFor = (lang: Lang, knowledge: Knowledge | null): Explainer => {
    const hit = shared.explainers.get(lang);
    if (hit !== undefined && hit.knowledge === knowledge) return hit.explainer;
    const explainer = new Explainer({ knowledge, lang, ...(shared.findingFrames === undefined ? {} : { findingFrames: shared.findingFrames }) });
    shared.explainers.set(lang, { knowledge, explainer });
    return explainer;
  };
  return {
    engine: (knowledge) => new BoundEngine(knowledge, options.names, shared),
    learn: (paths, onProgress) => learnOnWorker(paths, options.names, shared, onProgress),
    explain: (facts: FrameFacts, lang: Lang, knowledge: Knowledge | null) => {
      try {
        return explainerFor(lang, knowledge).explain(facts).text;
      } catch {
        // The annotator must never take the browser down: the frame's protocol label will do
        // (a second explainer here would only say the same things less well).
        return facts.summary;
      }
    },
    findingText,
  };
}
