/**
 * Findings in the reader's language: the sentences are the finding catalog's
 * (src/ipvs/finding-catalog.ts), written from the code and the params the model recorded.
 *
 * A finding without params (a truth file, an older report) keeps the message it came with.
 */
import { FINDING_CATALOG, type FindingEntry } from '../ipvs/finding-catalog.js';
import type { FindingCode, FindingReport } from '../ipvs/report.js';
import type { Lang } from './labels.js';

export { FINDING_CATALOG };

/** The finding's sentence in `lang`; its own message when it carries no params or unknown ones. */
export function findingText(f: FindingReport, lang: Lang): string {
  if (f.params === undefined) return f.message;
  const entry = FINDING_CATALOG[f.code] as FindingEntry<FindingCode> | undefined;
  if (entry === undefined) return f.message;
  try {
    const text = entry[lang](f.params as never);
    // Params from a file may lack a key a sentence needs: better the stored words than "undefined".
    return typeof text === 'string' && !text.includes('undefined') ? text : f.message;
  } catch {
    return f.message;
  }
}

/** Findings with `message` in `lang`; code, severity, frames and params as they were. */
export function localizeFindings(findings: readonly FindingReport[], lang: Lang): FindingReport[] {
  return findings.map((f) => ({ ...f, message: findingText(f, lang) }));
}
