/**
 * How every view prints what the model could only guess: one scheduler label and one weight form,
 * so the cluster text, the reconstructed ipvsadm -Ln, the TUI's status line and cluster pane say
 * the same thing. A guess is marked as one: `rr?` for the best of several schedulers that fit,
 * `?` when none reproduces the decisions well enough to be a candidate worth printing (unknown), `~5` for a weight inferred from the decisions (a capture never shows
 * weights; only the rules do).
 */
import type { SchedulerReport } from '../ipvs/report.js';

export function schedulerLabel(s: SchedulerReport): string {
  if (s.name === 'unknown') return '?';
  if (s.name !== 'ambiguous') return s.name;
  const best = s.candidates[0];
  return best === undefined ? '?' : `${best.name}?`;
}

export function weightLabel(weight: number): string {
  return `~${weight}`;
}

/**
 * The Weight column as a guess (`~1`): a capture shows the decisions, never the weights, so every
 * weight in the reconstructed -Ln is inferred. The column keeps its width.
 */
export function markWeights(text: string): string {
  return text.replace(/^(  -> \S+\s+\S+\s+)(\d+)( +)(?=\d)/gm, (_m, head: string, w: string, pad: string) => {
    const marked = weightLabel(Number(w));
    return `${head}${marked}${' '.repeat(Math.max(1, w.length + pad.length - marked.length))}`;
  });
}
