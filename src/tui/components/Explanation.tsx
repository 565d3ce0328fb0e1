import { Box, Text } from 'ink';
import { displayWidth, wrapText } from '../../present/analyze-wrap.js';
import type { Lang } from '../data/types.js';
import { WORDS } from '../words.js';

export interface ExplanationProps {
  readonly n: number;
  readonly text: string;
  /** What the director's copy changed, shown under the sentence. */
  readonly hop: string | null;
  readonly lang: Lang;
  readonly width: number;
  readonly height: number;
  readonly colour: boolean;
}

/**
 * Lines that fit `rows` × `width`: wrapped at word (or CJK character) boundaries, the last one
 * ending in `…` when text is left over. ink's own wrapping lets overflowing lines run over the
 * box's border, so the box gets exactly the lines it can hold.
 */
export function fitLines(paragraphs: readonly string[], width: number, rows: number): string[] {
  const lines: string[] = [];
  for (const p of paragraphs) lines.push(...keepPunctuation(wrapText(p, Math.max(1, width)), width));
  if (lines.length <= rows) return lines;
  const kept = lines.slice(0, Math.max(0, rows));
  if (kept.length > 0) kept[kept.length - 1] = ellipsize(kept[kept.length - 1]!, width, true);
  return kept;
}

/**
 * `line` in at most `width` columns, spaces kept: when it is cut (or `more` says text follows),
 * it ends in `…` after the last whole word (Chinese: the last whole character).
 */
export function ellipsize(line: string, width: number, more = false): string {
  if (!more && displayWidth(line) <= width) return line;
  let last = line;
  while (last !== '' && displayWidth(last) + 1 > width) {
    const chars = [...last];
    // Back to the last break: a space, or either side of a wide character.
    let k = chars.length - 1;
    if (displayWidth(chars[k]!) === 1) while (k > 0 && chars[k - 1] !== ' ' && displayWidth(chars[k - 1]!) === 1) k--;
    last = chars.slice(0, k > 0 ? k : chars.length - 1).join('');
  }
  return `${last.trimEnd()}…`;
}

const CLOSING = new Set([...'，。、；：！？）」』】》']);
const OPENING = new Set([...'（「『【《']);

function joinLines(a: string, b: string): string {
  if (a === '' || b === '') return a + b;
  const wideEdge = displayWidth([...a].pop()!) === 2 || displayWidth([...b][0]!) === 2;
  return wideEdge ? a + b : `${a} ${b}`;
}

/**
 * Chinese closing punctuation never starts a line and opening punctuation never ends one: the
 * character or word next to it moves with it and the rest of the paragraph is wrapped again.
 */
function keepPunctuation(lines: string[], width: number): string[] {
  for (let i = 1; i < lines.length; i++) {
    const prev = [...lines[i - 1]!];
    const first = [...lines[i]!][0];
    const last = prev[prev.length - 1];
    const badStart = first !== undefined && CLOSING.has(first);
    const badEnd = last !== undefined && OPENING.has(last);
    if (!badStart && !badEnd || prev.length < 2) continue;
    let keep: string;
    if (badEnd || displayWidth(last!) === 2) keep = prev.slice(0, -1).join('');
    else {
      const cut = lines[i - 1]!.lastIndexOf(' ');
      if (cut <= 0) continue;
      keep = lines[i - 1]!.slice(0, cut);
    }
    const moved = lines[i - 1]!.slice(keep.length).trimStart();
    const rest = lines.slice(i).reduce(joinLines, '');
    lines.splice(i - 1, lines.length, keep, ...wrapText(moved + rest, Math.max(1, width)));
  }
  return lines;
}

/** The selected frame's explanation, large (bold, boxed) beneath the list. */
export function Explanation({ n, text, hop, lang, width, height, colour }: ExplanationProps) {
  const sentence = n > 0 ? `${n}: ${text}` : text === '' ? WORDS[lang].noSelection : text;
  // Border and padding take two columns on each side and a row above and below.
  const inner = Math.max(1, width - 4);
  const sentenceLines = fitLines([sentence], inner, height - 2);
  const hopLines = hop === null ? [] : fitLines([hop], inner, height - 2 - sentenceLines.length);
  return (
    <Box borderStyle="round" {...(colour ? { borderColor: 'cyan' } : {})} width={width} height={height} paddingX={1} flexDirection="column" overflow="hidden">
      {sentenceLines.map((l, i) => <Text key={`s${i}`} bold wrap="truncate">{l}</Text>)}
      {hopLines.map((l, i) => <Text key={`h${i}`} wrap="truncate" {...(colour ? { color: 'yellow' } : {})}>{l}</Text>)}
    </Box>
  );
}
