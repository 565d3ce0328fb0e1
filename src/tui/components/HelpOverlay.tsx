import { Box, Text } from 'ink';

export interface HelpOverlayProps {
  readonly width: number;
  readonly height: number;
}

export const HELP_LINES: readonly (readonly [string, string])[] = [
  ['↑ ↓  j k', 'previous / next frame (field in Detail, finding in Cluster)'],
  ['PgUp PgDn', 'a page of frames up / down'],
  ['Home End', 'first / last frame'],
  ['Tab  S-Tab', 'next / previous pane: Frames, Ladder, Detail, Cluster'],
  ['/', 'filter: host (WEB1, 192.168.23.80), role (director, rs),'],
  ['', '  connection (#2), finding code; words combine; Esc clears'],
  ['f', 'follow the selected frame\'s connection (again: stop)'],
  ['n p', 'next / previous frame of that connection'],
  ['x', 'hex dump on/off (Detail), selected field highlighted'],
  ['Enter', 'jump to the selected finding\'s frame (Cluster)'],
  ['l', 'English / 中文'],
  ['?', 'this help (any key closes)'],
  ['q', 'quit'],
];

/** Every key, one line each. */
export function HelpOverlay({ width, height }: HelpOverlayProps) {
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" paddingX={1}>
      <Text bold>lvscope tui: keys</Text>
      {HELP_LINES.map(([k, v], i) => <Text key={i} wrap="truncate">{`${k.padEnd(12)} ${v}`}</Text>)}
    </Box>
  );
}
