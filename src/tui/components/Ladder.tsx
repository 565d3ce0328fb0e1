import { Box, Text } from 'ink';
import type { Actor, FrameRow, Lang } from '../data/types.js';
import { connColour, tint } from '../palette.js';
import { charWidth, WORDS } from '../words.js';
import { endLabel, type FramePaneProps } from './FrameList.js';

export interface LadderProps extends FramePaneProps {
  readonly actors: readonly Actor[];
}

const GUTTER = 8;
const MAX_COLUMN = 22;

export interface LadderGeometry {
  readonly column: number;
  readonly centres: readonly number[];
  readonly lineWidth: number;
}

export function ladderGeometry(actors: number, width: number): LadderGeometry {
  const column = Math.max(6, Math.min(MAX_COLUMN, Math.floor((width - GUTTER) / Math.max(1, actors))));
  const centres = Array.from({ length: actors }, (_, i) => GUTTER + i * column + Math.floor(column / 2));
  return { column, centres, lineWidth: GUTTER + actors * column };
}

/**
 * An actor's heading in `lang`: the role's word for client, gateway and director (its short form
 * where `room` cells cannot hold it), else its name.
 */
export function actorLabel(a: Actor, lang: Lang, room = Infinity): string {
  // A director pair's routers are named: two columns both called "director" would say nothing.
  if (a.key.startsWith('dir:')) return a.label;
  if (a.kind !== 'client' && a.kind !== 'gateway' && a.kind !== 'director') return a.label;
  const word = WORDS[lang].roles[a.kind];
  return cellsOf(word) <= room ? word : WORDS[lang].rolesShort[a.kind];
}

function cellsOf(text: string): number {
  let n = 0;
  for (const ch of text) n += charWidth(ch.codePointAt(0)!);
  return n;
}

/** Heading: each actor's name centred over its column (a wide character fills two cells). */
export function ladderHeading(actors: readonly Actor[], g: LadderGeometry, lang: Lang = 'en'): string {
  const line = Array<string>(g.lineWidth).fill(' ');
  actors.forEach((a, i) => {
    const room = g.column - 1;
    const label = actorLabel(a, lang, room);
    // A name still too long is cut with '…', so that a cut name never reads as another.
    const fits = cellsOf(label) <= room;
    const cells: string[] = [];
    for (const ch of label) {
      const w = charWidth(ch.codePointAt(0)!);
      if (cells.length + w > (fits ? room : room - 1)) break;
      cells.push(ch);
      if (w === 2) cells.push('');
    }
    if (!fits) cells.push('…');
    const start = Math.max(GUTTER, g.centres[i]! - Math.floor(cells.length / 2));
    for (let k = 0; k < cells.length && start + k < line.length; k++) line[start + k] = cells[k]!;
  });
  return line.join('').trimEnd();
}

/**
 * One frame as [before, arrow, after]: the lifelines, with the arrow from sender to receiver
 * (the director's rewrite written on it); a broadcast spans every other lifeline.
 */
export function ladderRow(r: FrameRow, g: LadderGeometry, lang: Lang = 'en'): readonly [string, string, string] {
  const line = Array<string>(g.lineWidth).fill(' ');
  for (const c of g.centres) line[c] = '│';
  const num = String(r.n).padStart(GUTTER - 2);
  for (let k = 0; k < num.length; k++) line[k] = num[k]!;
  const a = g.centres[r.fromActor];
  if (a === undefined) {
    return [line.join('').trimEnd(), '', ` ${endLabel(r.from, r.fromKind, lang)} → ${endLabel(r.to, r.toKind, lang)}`];
  }
  let lo: number, hi: number;
  const arrow: string[] = [];
  if (r.toActor < 0 || g.centres[r.toActor] === undefined) {
    // Broadcast: to every lifeline, both ways.
    lo = Math.min(...g.centres);
    hi = Math.max(...g.centres);
    if (lo === hi) hi = lo + 1;
    for (let k = lo; k <= hi; k++) arrow.push(k === a ? '●' : k === lo || k === hi ? '*' : '┄');
  } else {
    const b = g.centres[r.toActor]!;
    if (a === b) {
      lo = a; hi = a;
      arrow.push('↺');
    } else {
      lo = Math.min(a, b); hi = Math.max(a, b);
      for (let k = lo; k <= hi; k++) arrow.push(k === a ? '●' : '─');
      if (b > a) arrow[arrow.length - 1] = '▶'; else arrow[0] = '◀';
      const label = r.rewrite;
      if (label !== null) {
        const room = hi - lo - 3;
        const text = label.length > room ? label.slice(0, Math.max(0, room)) : label;
        const at = Math.floor((hi - lo - text.length) / 2) + 1;
        for (let k = 0; k < text.length; k++) arrow[at + k] = text[k]!;
      }
    }
  }
  return [line.slice(0, lo).join(''), arrow.join(''), line.slice(hi + 1).join('').trimEnd()];
}

/** The ladder (sequence) diagram: one column per actor, one arrow per frame, coloured by connection. */
export function Ladder({ actors, rows, selected, lang, width, height, colour }: LadderProps) {
  const g = ladderGeometry(actors.length, width);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">{ladderHeading(actors, g, lang)}</Text>
      {rows.map((r) => {
        const [before, arrow, after] = ladderRow(r, g, lang);
        const on = r.n === selected;
        return (
          <Text key={r.n} wrap="truncate">
            <Text inverse={on && colour}>{on ? `>${before.slice(1)}` : before}</Text>
            <Text bold={r.rewrite !== null} {...tint(colour, connColour(r.conn))}>{arrow}</Text>
            <Text>{after}</Text>
          </Text>
        );
      })}
    </Box>
  );
}
