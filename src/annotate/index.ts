/**
 * Per-frame explanations. `explainFrames` puts words to the model's second pass (the pipeline's
 * `factsPass`, seeded with what the first pass learned): one explanation per frame, streaming.
 */
import type { DecodedFrame } from '../wire/records.js';
import type { FrameFacts, Summary } from '../model/index.js';
import { factsPass } from '../pipeline/index.js';
import { Explainer, type Explanation } from './explain.js';
import type { Lang } from './labels.js';

export { Explainer, type Explanation, type ExplainContext } from './explain.js';
export { Labels, ROLE_WORDS, shortMac, type Lang } from './labels.js';
export { byLang, type Both, type Words } from './words.js';
export { FINDING_CATALOG, findingText, localizeFindings } from './findings.js';
export {
  confidenceWord, localizeReport, methodEvidenceText, outerSourcesText, schedulerWord, TUNNEL_WORDS, unseenText, type MethodCounts,
} from './cluster-text.js';

export interface ExplainedFrame {
  readonly frame: DecodedFrame;
  readonly facts: FrameFacts;
  readonly explanation: Explanation;
  /** Sender and receiver in a few letters (WEB1, director, client), for the From → To column. */
  readonly ends?: { readonly from: string; readonly to: string };
}

/** Second pass: every frame with its facts and explanation, in capture order. */
export function* explainFrames(
  frames: Iterable<DecodedFrame>, summary: Summary, lang: Lang,
  hints: { vips?: readonly { ip: string; port: number | null }[] } = {},
): Generator<ExplainedFrame> {
  const explainer = new Explainer({ knowledge: summary.knowledge, lang, findingFrames: summary.findingFrames });
  for (const { frame, facts } of factsPass(frames, summary.knowledge, hints)) {
    yield { frame, facts, explanation: explainer.explain(facts), ends: explainer.ends(facts) };
  }
}
