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
import type { AnalysisMessage, AnalysisWorkerData, PassOutcome } from './analysis-protocol.js';
import type { BackgroundAnalysis, BackgroundHandlers, EnginePort, ModelPort, PassResult } from './model-port.js';
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

const ANALYSIS_WORKER = new URL('./analysis-worker.js', import.meta.url);

/**
 * Both passes on a worker thread (analysis-worker.ts). Null where the built worker script is
 * missing (a test run straight from the TypeScript sources): the caller then runs them itself.
 */
function analyzeOnWorker(paths: readonly string[], keepFacts: boolean, names: ReadonlyMap<string, string> | undefined, shared: Shared, on: BackgroundHandlers): BackgroundAnalysis | null {
  if (!existsSync(fileURLToPath(ANALYSIS_WORKER))) return null;
  const data: AnalysisWorkerData = { paths: [...paths], names: names === undefined ? null : [...names], keepFacts };
  const worker = new Worker(ANALYSIS_WORKER, { workerData: data });
  worker.unref();
  let settled = false;
  const took = (m: PassOutcome): PassResult => {
    shared.findingFrames = m.findingFrames;
    shared.explainers.clear();
    return { knowledge: m.knowledge, report: m.report };
  };
  const done = new Promise<PassResult>((resolve, reject) => {
    worker.on('message', (m: AnalysisMessage) => {
      if (settled) return;
      switch (m.kind) {
        case 'progress': on.learning(m.frames); return;
        case 'learned': on.learning(m.frames); on.learned(took(m)); return;
        case 'batch': on.batch(m.batch); return;
        case 'done': settled = true; void worker.terminate(); resolve(took(m)); return;
        case 'error': settled = true; void worker.terminate(); reject(new Error(m.message)); return;
      }
    });
    worker.on('error', (e) => { if (!settled) { settled = true; reject(e); } });
    worker.on('exit', (code) => { if (!settled) { settled = true; reject(new Error(`the analysis thread stopped (exit ${code})`)); } });
  });
  return { done, cancel: () => { settled = true; void worker.terminate(); } };
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
    analyze: (paths, keepFacts, on) => analyzeOnWorker(paths, keepFacts, options.names, shared, on),
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
