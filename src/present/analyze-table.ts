/**
 * The walkthrough table: No., time, from → to by role, summary, explanation. Rendered in chunks
 * so a long capture streams instead of building one giant table in memory.
 *
 * cli-table3 draws the table, but it measures every cell line several times with string-width
 * (which rebuilds its ANSI and emoji regexes per call): about 3.5 ms a frame. So cli-table3 draws
 * the frame of each table once (borders, header, separators; cached), and a row goes through
 * cli-table3 only when it holds something the cheap path cannot measure exactly the way
 * string-width does (see tableCellWidth) or ANSI state that cli-table3 would carry across lines.
 * Every other row is laid out here exactly as cli-table3 would: ' ' + text + padding + ' ' per
 * cell, '│' between cells, short cells filled with blank lines, over-long plain cells cut to
 * width - 1 characters plus '…'. test/present/analyze-table.test.ts compares both paths.
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
  /** The highest frame number and relative time the table will show, so neither is ever cut. */
  readonly lastFrame?: number;
  readonly lastSeconds?: number;
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

const TABLE_STYLE = { head: [], border: [], compact: false };

export function colWidthsFor(width: number, lastFrame: number, lastSeconds: number): number[] {
  // No. and Time grow with the capture (a cut "1000…" frame number is useless); padding is 2.
  const no = Math.max(7, String(Math.max(0, Math.floor(lastFrame))).length + 2);
  const time = Math.max(11, Math.max(0, lastSeconds).toFixed(6).length + 2);
  const fixed = no + time + 28 + 30 + 16; // widths of the first four columns plus borders
  return [no, time, 28, 30, Math.max(30, width - fixed)];
}

/** What cli-table3 draws around the rows of one table; the same for every chunk. */
interface TableFrame {
  readonly colWidths: readonly number[];
  /** The whole table when there are no rows. */
  readonly empty: string;
  /** Top border, header lines and the separator under the header, each ending in '\n'. */
  readonly headBlock: string;
  /** The separator between two rows, ending in '\n'. */
  readonly separator: string;
  readonly bottom: string;
  /** A blank cell per column ('│' + spaces), for cells shorter than their row. */
  readonly blanks: readonly string[];
  readonly right: string;
}

const frames = new Map<string, TableFrame>();

function tableFrame(opts: TableOptions): TableFrame {
  const colWidths = colWidthsFor(opts.width, opts.lastFrame ?? 0, opts.lastSeconds ?? 0);
  const key = `${opts.lang}|${opts.style.on ? 1 : 0}|${opts.width}|${colWidths[0]}|${colWidths[1]}`;
  const cached = frames.get(key);
  if (cached !== undefined) return cached;
  const head = [...HEAD[opts.lang]].map((h) => opts.style.bold(h));
  const headOnly = new Table({ head, colWidths, wordWrap: false, style: TABLE_STYLE }).toString().split('\n');
  const sample = new Table({ head, colWidths, wordWrap: false, style: TABLE_STYLE });
  sample.push(colWidths.map(() => ''), colWidths.map(() => ''));
  const lines = sample.toString().split('\n');
  // headOnly: top, header lines, bottom. sample: top, header lines, separator, row, separator, row, bottom.
  const headLines = headOnly.slice(0, -1);
  const separator = lines[headLines.length]!;
  const bottom = lines[lines.length - 1]!;
  const frame: TableFrame = {
    colWidths,
    empty: `${headOnly.join('\n')}\n`,
    headBlock: `${headLines.join('\n')}\n${separator}\n`,
    separator: `${separator}\n`,
    bottom,
    blanks: colWidths.map((w) => `│${' '.repeat(w)}`),
    right: '│',
  };
  frames.set(key, frame);
  return frame;
}

/**
 * The width string-width (as cli-table3 uses it) gives `s`, or -1 when `s` holds a character
 * outside the set where that width is known for sure here (checked against string-width 4):
 * printable ASCII and a few narrow symbols count 1; CJK ideographs, kana, Hangul syllables, CJK
 * punctuation and fullwidth forms count 2. Colour codes count 0 when `ansi` is set.
 */
export function tableCellWidth(s: string, ansi: boolean): number {
  let w = 0;
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c < 0x7f) { w += 1; continue; }
    if (c === 0x1b) {
      if (!ansi) return -1;
      // Only SGR sequences, the ones cli-table3 strips itself: ESC [ digits/semicolons m.
      let j = i + 1;
      if (s.charCodeAt(j) !== 0x5b) return -1;
      j++;
      while (j < n) {
        const d = s.charCodeAt(j);
        if ((d >= 0x30 && d <= 0x39) || d === 0x3b) { j++; continue; }
        break;
      }
      if (s.charCodeAt(j) !== 0x6d || j - i - 2 > 24) return -1;
      i = j;
      continue;
    }
    if (
      (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3000 && c <= 0x302f) || (c >= 0xff01 && c <= 0xff60)
      || (c >= 0x3040 && c <= 0x30ff) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xffe0 && c <= 0xffe6)
    ) { w += 2; continue; }
    if (c === 0x2026 || c === 0x2192 || c === 0x2190 || c === 0x2212 || c === 0x2013 || c === 0x2014 || c === 0xd7 || c === 0xb0 || c === 0xb7) { w += 1; continue; }
    return -1;
  }
  return w;
}

/**
 * Whether cli-table3's per-line colour bookkeeping (colorizeLines: re-open at the start of a line
 * what the line before left open, close at its end) leaves `line` as it is: true when every
 * foreground/background colour opened in the line is reset within it and no bold, italics,
 * underline, inverse or strikethrough is left on. (Dim, code 2, is not tracked by cli-table3.)
 */
function colourInert(line: string): boolean {
  if (!line.includes('\u001b')) return true;
  const re = /\u001b\[((?:\d*;){0,5}\d*)m/g;
  let fg = '';
  let bg = '';
  let attrs = 0;
  for (let m = re.exec(line); m !== null; m = re.exec(line)) {
    const code = m[1] ? parseInt(m[1].split(';')[0]!, 10) : 0;
    if ((code >= 30 && code <= 39) || (code >= 90 && code <= 97)) fg = m[0];
    else if ((code >= 40 && code <= 49) || (code >= 100 && code <= 107)) bg = m[0];
    else if (code === 0) { fg = ''; bg = ''; attrs = 0; }
    else {
      const bit = ATTR_ON[m[0]] ?? 0;
      const off = ATTR_OFF[m[0]] ?? 0;
      attrs = (attrs | bit) & ~off;
    }
  }
  return attrs === 0 && (fg === '' || fg === '\u001b[39m') && (bg === '' || bg === '\u001b[49m');
}

const ATTR_ON: Record<string, number> = { '\u001b[1m': 1, '\u001b[3m': 2, '\u001b[4m': 4, '\u001b[7m': 8, '\u001b[9m': 16 };
const ATTR_OFF: Record<string, number> = { '\u001b[22m': 1, '\u001b[23m': 2, '\u001b[24m': 4, '\u001b[27m': 8, '\u001b[29m': 16 };

/**
 * One cell line as cli-table3 draws it between the borders, or null when only cli-table3 can
 * say (a character of unsure width, live colour state, or a cut through wide or coloured text).
 */
function cellLine(line: string, colWidth: number, ansi: boolean): string | null {
  const inner = colWidth - 2;
  const w = tableCellWidth(line, ansi);
  if (w < 0) return null;
  if (ansi && !colourInert(line)) return null;
  if (w <= inner) return ` ${line}${' '.repeat(inner - w)} `;
  // Too wide: cli-table3 keeps inner - 1 columns and adds '…'; simple to match for plain ASCII.
  if (w !== line.length || line.includes('\u001b')) return null;
  return ` ${line.slice(0, inner - 1)}… `;
}

/** The lines of one row through cli-table3 itself, for rows the fast path cannot vouch for. */
function rowViaTable(cells: readonly (readonly string[])[], colWidths: readonly number[]): string {
  const t = new Table({ colWidths: [...colWidths], wordWrap: false, style: TABLE_STYLE });
  t.push(cells.map((lines) => lines.join('\n')));
  const lines = t.toString().split('\n');
  return `${lines.slice(1, -1).join('\n')}\n`;
}

/** The row's lines, each ending in '\n', as cli-table3 would draw cells of these lines. */
function renderRow(cells: readonly (readonly string[])[], frame: TableFrame, ansi: boolean): string {
  const { colWidths } = frame;
  let height = 1;
  const drawn: string[][] = [];
  for (let x = 0; x < cells.length; x++) {
    const lines = cells[x]!;
    if (lines.length > height) height = lines.length;
    const out: string[] = [];
    for (let y = 0; y < lines.length; y++) {
      const d = cellLine(lines[y]!, colWidths[x]!, ansi);
      if (d === null) return rowViaTable(cells, colWidths);
      out.push(d);
    }
    drawn.push(out);
  }
  let s = '';
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < drawn.length; x++) {
      const d = drawn[x]![y];
      s += d === undefined ? frame.blanks[x]! : `│${d}`;
    }
    s += `${frame.right}\n`;
  }
  return s;
}

export function renderTableChunk(rows: readonly ExplainedFrame[], opts: TableOptions): string {
  const { style, lang } = opts;
  const frame = tableFrame(opts);
  if (rows.length === 0) return frame.empty;
  const explWidth = frame.colWidths[4]!;
  const words = ROLE_WORDS[lang];
  let s = frame.headBlock;
  for (let i = 0; i < rows.length; i++) {
    const r = rows[i]!;
    const f = r.facts;
    const fromTo = `${roleColour(style, f.srcRole, r.ends?.from ?? words[f.srcRole])} → ${roleColour(style, f.dstRole, r.ends?.to ?? words[f.dstRole])}`;
    const t = (f.t - opts.t0).toFixed(6);
    let explanation = wrapText(r.explanation.text, explWidth - 2);
    // Dim wraps the cell's text as a whole: opened on its first line, closed on its last.
    if (style.on && (f.step === 'other' || f.step === 'ipv6' || f.step === 'unlisted')) explanation = style.dim(explanation.join('\n')).split('\n');
    if (i > 0) s += frame.separator;
    s += renderRow([[String(f.n)], [t], [fromTo], wrapText(f.summary, 28), explanation], frame, style.on);
  }
  return `${s}${frame.bottom}\n`;
}
