import { Box, Text } from 'ink';
import type { FrameRow, Lang } from '../data/types.js';
import { connColour, tint } from '../palette.js';
import { padEndCols, padStartCols, WORDS } from '../words.js';

/** What every pane over the frame rows is given: the rows, the selected one, the reader's language and its box. */
export interface FramePaneProps {
  readonly rows: readonly FrameRow[];
  readonly selected: number;
  readonly lang: Lang;
  readonly width: number;
  readonly height: number;
  readonly colour: boolean;
}

export interface FrameListProps extends FramePaneProps {
  /** Time of day when there is room, seconds since the first frame when narrow. */
  readonly wide: boolean;
}

/** The sender's or receiver's name in `lang`: a role's word, or the name or address as it is. */
export function endLabel(name: string, kind: FrameRow['fromKind'], lang: Lang): string {
  return kind === null ? name : WORDS[lang].roles[kind];
}

export function frameLine(r: FrameRow, wide: boolean, digits: number, lang: Lang = 'en'): string {
  const time = wide ? r.time : r.rel.toFixed(6).padStart(9);
  return `${String(r.n).padStart(digits)} ${time} ${padStartCols(endLabel(r.from, r.fromKind, lang), 9)} → ${padEndCols(endLabel(r.to, r.toKind, lang), 9)} ${r.summary}`;
}

/** One line per frame: No., time, from → to by role name, short summary. */
export function FrameList({ rows, selected, lang, width, height, colour, wide }: FrameListProps) {
  const digits = Math.max(4, String(rows.reduce((m, r) => Math.max(m, r.n), 0)).length);
  const h = WORDS[lang].listHead;
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">{`  ${padStartCols(h.no, digits)} ${padEndCols(wide ? h.time : h.seconds, wide ? 15 : 9)} ${padStartCols(h.from, 9)} → ${padEndCols(h.to, 9)} ${h.summary}`}</Text>
      {rows.map((r) => {
        const on = r.n === selected;
        return (
          <Text key={r.n} wrap="truncate" inverse={on && colour} {...tint(colour && !on, connColour(r.conn))}>
            {`${on ? '>' : ' '}${r.findings.length > 0 ? '!' : ' '}${frameLine(r, wide, digits, lang)}`}
          </Text>
        );
      })}
    </Box>
  );
}
