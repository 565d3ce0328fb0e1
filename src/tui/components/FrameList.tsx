import { Box, Text } from 'ink';
import type { FrameRow } from '../data/types.js';
import { connColour, tint } from '../palette.js';

export interface FrameListProps {
  readonly rows: readonly FrameRow[];
  readonly selected: number;
  readonly width: number;
  readonly height: number;
  readonly colour: boolean;
  /** Time of day when there is room, seconds since the first frame when narrow. */
  readonly wide: boolean;
}

export function frameLine(r: FrameRow, wide: boolean, digits: number): string {
  const time = wide ? r.time : r.rel.toFixed(6).padStart(9);
  return `${String(r.n).padStart(digits)} ${time} ${r.from.padStart(9)} → ${r.to.padEnd(9)} ${r.summary}`;
}

/** One line per frame: No., time, from → to by role name, short summary. */
export function FrameList({ rows, selected, width, height, colour, wide }: FrameListProps) {
  const digits = Math.max(4, String(rows.reduce((m, r) => Math.max(m, r.n), 0)).length);
  return (
    <Box flexDirection="column" width={width} height={height}>
      <Text bold wrap="truncate">{`  ${'No.'.padStart(digits)} ${(wide ? 'Time' : 'Seconds').padEnd(wide ? 15 : 9)} ${'From'.padStart(9)} → ${'To'.padEnd(9)} Summary`}</Text>
      {rows.map((r) => {
        const on = r.n === selected;
        return (
          <Text key={r.n} wrap="truncate" inverse={on && colour} {...tint(colour && !on, connColour(r.conn))}>
            {`${on ? '>' : ' '}${r.findings.length > 0 ? '!' : ' '}${frameLine(r, wide, digits)}`}
          </Text>
        );
      })}
    </Box>
  );
}
