/**
 * ModelPort bound to the real model (src/model) and annotator (src/annotate).
 */
import { Explainer, findingText } from '../../annotate/index.js';
import type { FindingCode } from '../../ipvs/report.js';
import { Engine, summarize, type FrameFacts, type Knowledge } from '../../model/index.js';
import type { DecodedFrame } from '../../wire/records.js';
import { fallbackExplain } from './fallback-explain.js';
import type { EnginePort, ModelPort, PassResult } from './model-port.js';
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
    explain: (facts: FrameFacts, lang: Lang, knowledge: Knowledge | null) => {
      try {
        return explainerFor(lang, knowledge).explain(facts).text;
      } catch {
        // The annotator must never take the browser down; a plainer sentence will do.
        return fallbackExplain(facts, lang, knowledge);
      }
    },
    findingText,
  };
}
