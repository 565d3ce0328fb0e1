/**
 * The walkthrough table: No., time, from → to by role, summary, explanation. Rendered in chunks
 * so a long capture streams instead of building one giant table in memory.
 */
import Table from 'cli-table3';
import type { ExplainedFrame, Lang } from '../annotate/index.js';
import { ROLE_WORDS } from '../annotate/index.js';
import type { FrameRole } from '../model/index.js';
import type { Style } from './analyze-style.js';
import { wrapText } from './analyze-wrap.js';

export const TABLE_CHUNK = 500;

const HEAD = {
  en: ['No.', 'Time', 'From → To', 'Summary', 'Explanation'],
  zh: ['序号', '时间', '从 → 到', '摘要', '说明'],
} as const;

export interface TableOptions {
  readonly lang: Lang;
  readonly style: Style;
  /** Total width to wrap to. */
  readonly width: number;
  /** Capture start, for relative times. */
  readonly t0: number;
}

function roleColour(style: Style, role: FrameRole, text: string): string {
  switch (role) {
    case 'director': return style.magenta(text);
    case 'real-server': return style.green(text);
    case 'gateway': return style.cyan(text);
    case 'client': return style.yellow(text);
    default: return text;
  }
}

export function renderTableChunk(rows: readonly ExplainedFrame[], opts: TableOptions): string {
  const { style, lang } = opts;
  const fixed = 7 + 11 + 28 + 30 + 16; // widths of the first four columns plus borders
  const explWidth = Math.max(30, opts.width - fixed);
  const table = new Table({
    head: [...HEAD[lang]].map((h) => style.bold(h)),
    colWidths: [7, 11, 28, 30, explWidth],
    wordWrap: false,
    style: { head: [], border: [], compact: false },
  });
  for (const r of rows) {
    const f = r.facts;
    const words = ROLE_WORDS[lang];
    const fromTo = `${roleColour(style, f.srcRole, r.ends?.from ?? words[f.srcRole])} → ${roleColour(style, f.dstRole, r.ends?.to ?? words[f.dstRole])}`;
    const t = (f.t - opts.t0).toFixed(6);
    const text = r.facts.step === 'other' || r.facts.step === 'ipv6' ? style.dim(r.explanation.text) : r.explanation.text;
    const cell = (s: string, w: number): string => wrapText(s, w - 2).join('\n');
    const explanation = cell(r.explanation.text, explWidth);
    table.push([String(f.n), t, fromTo, cell(f.summary, 30), text === r.explanation.text ? explanation : style.dim(explanation)]);
  }
  return `${table.toString()}\n`;
}
