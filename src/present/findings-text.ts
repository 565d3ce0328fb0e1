/** Findings as text: severity, code, message (from the catalog, in `lang`), the frames that show it. */
import { findingText } from '../annotate/index.js';
import type { FindingReport } from '../ipvs/report.js';
import type { Style } from './analyze-style.js';
import { frameList } from './words.js';

const SEV = {
  en: { error: 'error', warning: 'warning', info: 'info' },
  zh: { error: '错误', warning: '警告', info: '提示' },
} as const;

export function renderFindings(findings: readonly FindingReport[], style: Style, lang: 'en' | 'zh'): string {
  if (findings.length === 0) return lang === 'zh' ? '未发现问题。\n' : 'No findings.\n';
  let out = '';
  for (const f of findings) {
    const sev = SEV[lang][f.severity];
    const tag = f.severity === 'error' ? style.red(sev) : f.severity === 'warning' ? style.yellow(sev) : style.cyan(sev);
    const frames = f.frames.length > 0 ? (lang === 'zh' ? `（帧 ${f.frames.join(', ')}）` : ` (${frameList(f.frames)})`) : '';
    out += `${tag} ${style.bold(f.code)}${lang === 'zh' ? '：' : ': '}${findingText(f, lang)}${frames}\n`;
  }
  return out;
}
