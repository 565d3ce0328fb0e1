/**
 * The walkthrough table draws most rows without cli-table3 (see src/present/analyze-table.ts);
 * these tests hold that path to what cli-table3 itself draws for the same cells, and the
 * character-scanning wrapText to the regex tokenizer it replaced.
 */
import Table from 'cli-table3';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { ExplainedFrame, Lang } from '../../src/annotate/index.js';
import { ROLE_WORDS } from '../../src/annotate/index.js';
import type { FrameRole } from '../../src/model/index.js';
import { makeStyle, type Style } from '../../src/present/analyze-style.js';
import { renderTableChunk, tableCellWidth } from '../../src/present/analyze-table.js';
import { displayWidth, wrapText } from '../../src/present/analyze-wrap.js';

const WIDE = '\u1100-\u115f\u2e80-\ua4cf\uac00-\ud7a3\uf900-\ufaff\ufe30-\ufe4f\uff00-\uff60\uffe0-\uffe6';
const TOKENS = new RegExp(`[^\\s${WIDE}]+|[${WIDE}]|\\s+`, 'g');

/** The regex wrapText this module had before; the reference for the scanning one. */
function wrapTextRef(text: string, width: number): string[] {
  const out: string[] = [];
  const tokens = text.match(TOKENS) ?? [];
  let line = '';
  let lw = 0;
  const flush = (): void => { out.push(line.replace(/\s+$/, '')); line = ''; lw = 0; };
  for (let tok of tokens) {
    if (/^\s+$/.test(tok)) {
      if (lw === 0) continue;
      if (lw + 1 > width) { flush(); continue; }
      line += ' ';
      lw += 1;
      continue;
    }
    let tw = displayWidth(tok);
    if (lw + tw > width && lw > 0) flush();
    while (tw > width) {
      let cut = '';
      let cw = 0;
      for (const ch of tok) {
        const w = displayWidth(ch);
        if (cw + w > width) break;
        cut += ch;
        cw += w;
      }
      out.push(cut);
      tok = tok.slice(cut.length);
      tw = displayWidth(tok);
    }
    line += tok;
    lw += tw;
  }
  if (lw > 0 || out.length === 0) flush();
  return out;
}

const HEAD = { en: ['No.', 'Time', 'From → To', 'Summary', 'Explanation'], zh: ['序号', '时间', '从 → 到', '摘要', '说明'] } as const;

function roleColour(style: Style, role: FrameRole, text: string): string {
  switch (role) {
    case 'director': return style.magenta(text);
    case 'real-server': return style.green(text);
    case 'gateway': return style.cyan(text);
    case 'client': return style.yellow(text);
    default: return text;
  }
}

/** The table as it was drawn before: every row through cli-table3. */
function renderRef(rows: readonly ExplainedFrame[], lang: Lang, style: Style, width: number, t0: number): string {
  const explWidth = Math.max(30, width - (7 + 11 + 28 + 30 + 16));
  const table = new Table({
    head: [...HEAD[lang]].map((h) => style.bold(h)), colWidths: [7, 11, 28, 30, explWidth], wordWrap: false,
    style: { head: [], border: [], compact: false },
  });
  for (const r of rows) {
    const f = r.facts;
    const words = ROLE_WORDS[lang];
    const fromTo = `${roleColour(style, f.srcRole, r.ends?.from ?? words[f.srcRole])} → ${roleColour(style, f.dstRole, r.ends?.to ?? words[f.dstRole])}`;
    const dim = f.step === 'other' || f.step === 'ipv6';
    const explanation = wrapTextRef(r.explanation.text, explWidth - 2).join('\n');
    table.push([String(f.n), (f.t - t0).toFixed(6), fromTo, wrapTextRef(f.summary, 28).join('\n'), dim ? style.dim(explanation) : explanation]);
  }
  return `${table.toString()}\n`;
}

interface RowSpec { n: number; t: number; src: FrameRole; dst: FrameRole; step: string; summary: string; text: string; ends?: { from: string; to: string } }

function row(s: RowSpec): ExplainedFrame {
  return {
    facts: { n: s.n, t: s.t, srcRole: s.src, dstRole: s.dst, step: s.step, summary: s.summary },
    explanation: { text: s.text },
    ...(s.ends !== undefined ? { ends: s.ends } : {}),
  } as unknown as ExplainedFrame;
}

const ROLES: FrameRole[] = ['director', 'real-server', 'gateway', 'client', 'unknown' as FrameRole];
// Pieces of text the walkthrough holds, and some it might: CJK, arrows, emoji, tabs, colour codes.
const PIECES = ['the', 'director', ' ', '  ', '192.168.23.100:80', '网关', '回应', '：', '（DNAT 后的）', '…:06:13:ea', '→', ' → ',
  '\u3000', ' \u3000', '\t', '−', 'ÿ', '😀', '\ud83d', '㊗', 'é', 'x'.repeat(40), '长'.repeat(30), '\u001b[31mred\u001b[39m', '\u001b[1mbold', '.'];
const text = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((a) => a.join(''));
const spec: fc.Arbitrary<RowSpec> = fc.record({
  n: fc.oneof(fc.integer({ min: 1, max: 99999 }), fc.integer({ min: 100000, max: 99999999 })),
  t: fc.oneof(fc.double({ min: 0, max: 999, noNaN: true }), fc.double({ min: 1000, max: 1e7, noNaN: true })),
  src: fc.constantFrom(...ROLES), dst: fc.constantFrom(...ROLES),
  step: fc.constantFrom('arp-request', 'other', 'ipv6', 'client-to-director'),
  summary: text, text,
  ends: fc.option(fc.record({ from: fc.constantFrom('WEB1', 'director', '客户端', 'a-very-long-host-name-for-this-column'), to: fc.constantFrom('WEB2', '网关', 'x😀') }), { nil: undefined }),
});

describe('walkthrough table', () => {
  it('draws exactly what cli-table3 draws, colour on and off, any width', () => {
    fc.assert(fc.property(fc.array(spec, { maxLength: 4 }), fc.boolean(), fc.constantFrom<Lang>('en', 'zh'), fc.integer({ min: 80, max: 220 }), (specs, colour, lang, width) => {
      const rows = specs.map(row);
      const style = makeStyle(colour);
      expect(renderTableChunk(rows, { lang, style, width, t0: 0 })).toBe(renderRef(rows, lang, style, width, 0));
    }), { numRuns: 150 });
  });

  it('cuts over-long numbers and times the way cli-table3 does', () => {
    const out = renderTableChunk([row({ n: 123456, t: 3004.004, src: 'director', dst: 'client' as FrameRole, step: 'other', summary: 'TCP', text: 'x' })],
      { lang: 'en', style: makeStyle(false), width: 140, t0: 0 });
    const line = out.split('\n')[3]!;
    expect(line.startsWith('│ 1234… │ 3004.004… │ director → client          │ TCP                          │ x ')).toBe(true);
  });

  it('pads Chinese cells by display width, two columns a character', () => {
    const out = renderTableChunk([row({ n: 7, t: 1.5, src: 'gateway', dst: 'director', step: 'arp-request', summary: 'ARP', text: '网关回应：VIP 在它的 MAC 上' })],
      { lang: 'zh', style: makeStyle(false), width: 140, t0: 1 });
    const lines = out.split('\n');
    expect(lines[1]).toBe(`│ 序号  │ 时间      │ 从 → 到                    │ 摘要                         │ 说明${' '.repeat(42)} │`);
    expect(lines[3]).toBe(`│ 7     │ 0.500000  │ 网关 → Director            │ ARP                          │ 网关回应：VIP 在它的 MAC 上${' '.repeat(19)} │`);
  });

  it('an empty chunk is the header alone', () => {
    const out = renderTableChunk([], { lang: 'en', style: makeStyle(false), width: 140, t0: 0 });
    expect(out).toBe(renderRef([], 'en', makeStyle(false), 140, 0));
    expect(out.split('\n')).toHaveLength(4);
  });

  it('tableCellWidth: CJK 2, arrows 1, colour codes 0, unsure characters -1', () => {
    expect(tableCellWidth('TCP 1.2.3.4 → 5', false)).toBe(15);
    expect(tableCellWidth('网关：', false)).toBe(6);
    expect(tableCellWidth('\u001b[35mdirector\u001b[39m', true)).toBe(8);
    expect(tableCellWidth('\u001b[35mdirector\u001b[39m', false)).toBe(-1);
    expect(tableCellWidth('a😀', true)).toBe(-1);
    expect(tableCellWidth('a\tb', true)).toBe(-1);
  });
});

describe('wrapText', () => {
  it('matches the regex tokenizer it replaced', () => {
    fc.assert(fc.property(text, fc.integer({ min: 2, max: 60 }), (s, w) => {
      expect(wrapText(s, w)).toEqual(wrapTextRef(s, w));
    }), { numRuns: 2000 });
  });

  it('breaks Chinese between characters and English at spaces', () => {
    expect(wrapText('网关回应：192.168.23.1 在', 12)).toEqual(['网关回应：', '192.168.23.1', '在']);
    expect(wrapText('a  \u3000 b', 10)).toEqual(['a b']);
    expect(wrapText('a\u3000\u3000b', 10)).toEqual(['a  b']);
    expect(wrapText('', 10)).toEqual(['']);
  });
});

describe('No. and Time columns grow with the capture', () => {
  it('keep the walkthrough widths for a small capture and never cut a long one', async () => {
    const { colWidthsFor } = await import('../../src/present/analyze-table.js');
    expect(colWidthsFor(160, 86, 0.2)).toEqual([7, 11, 28, 30, 160 - 92]);
    // 1,234,567 frames over 3,004 s: "1234567" and "3004.004000" fit with their padding.
    const [no, time, , , expl] = colWidthsFor(160, 1_234_567, 3004.004);
    expect(no).toBe(9);
    expect(time).toBe(13);
    expect(expl).toBe(160 - (9 + 13 + 28 + 30 + 16));
  });
});
