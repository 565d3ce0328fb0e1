/**
 * analyze's text report: the walkthrough table, then the cluster, the ipvsadm views and the
 * findings (also the explained pcapng's section comment). Loaded only when text is asked for:
 * `--format json` never pays for the table drawing (cli-table3) and the text renderers.
 */
import type { ExplainedFrame, Lang } from '../../annotate/index.js';
import type { Summary } from '../../model/index.js';
import { makeStyle } from '../../present/analyze-style.js';
import { renderSummary } from '../../present/analyze-summary.js';
import { renderTableChunk, TABLE_CHUNK } from '../../present/analyze-table.js';
import { renderFindings } from '../../present/findings-text.js';
import { renderIpvsadmConns, renderIpvsadmList, renderIpvsadmStats } from '../../present/ipvsadm-view.js';
import { explained, type AnalyzeArgs } from './analyze.js';

const HEADINGS = {
  en: { walk: 'Walkthrough', summary: 'Cluster', list: 'ipvsadm -Ln (reconstructed)', conns: 'ipvsadm -Lnc (at the last frame)', stats: 'ipvsadm -Ln --stats (reconstructed)', findings: 'Findings' },
  zh: { walk: '逐帧分析', summary: '集群', list: 'ipvsadm -Ln（重建）', conns: 'ipvsadm -Lnc（最后一帧时）', stats: 'ipvsadm -Ln --stats（重建）', findings: '问题' },
} as const;

/** The whole text report, as one string per section (the table streams in chunks). */
export function* textReport(a: AnalyzeArgs, summary: Summary, colour: boolean, width: number, paths: readonly string[] = a.files): Generator<string> {
  const style = makeStyle(colour);
  const h = HEADINGS[a.lang];
  yield `${style.bold(h.walk)}\n`;
  let chunk: ExplainedFrame[] = [];
  let t0 = Number.NaN;
  const lastFrame = summary.report.capture.frames;
  for (const e of explained(a, summary, paths)) {
    if (Number.isNaN(t0)) t0 = e.facts.t;
    chunk.push(e);
    if (chunk.length >= TABLE_CHUNK) { yield renderTableChunk(chunk, { lang: a.lang, style, width, t0, lastFrame, lastSeconds: summary.endTime - t0 }); chunk = []; }
  }
  if (chunk.length > 0 || Number.isNaN(t0)) {
    const start = Number.isNaN(t0) ? 0 : t0;
    yield renderTableChunk(chunk, { lang: a.lang, style, width, t0: start, lastFrame, lastSeconds: summary.endTime - start });
  }
  for (const section of clusterSections(summary, style, a.lang)) yield `\n${section}`;
}

/** The report after the walkthrough: cluster summary, ipvsadm views, findings (also the pcapng export's section comment). */
export function clusterSections(summary: Summary, style: ReturnType<typeof makeStyle>, lang: Lang): string[] {
  const h = HEADINGS[lang];
  return [
    renderSummary(summary, style, lang),
    `${style.bold(h.list)}\n${renderIpvsadmList(summary)}`,
    `${style.bold(h.conns)}\n${renderIpvsadmConns(summary)}`,
    `${style.bold(h.stats)}\n${renderIpvsadmStats(summary)}`,
    `${style.bold(h.findings)}\n${renderFindings(summary.report.findings, style, lang)}`,
  ];
}
