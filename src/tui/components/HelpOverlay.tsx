import { Box, Text } from 'ink';
import type { Lang } from '../data/types.js';
import { padEndCols, WORDS } from '../words.js';

export interface HelpOverlayProps {
  readonly lang: Lang;
  readonly width: number;
  readonly height: number;
}

export const HELP_LINES: readonly (readonly [string, string])[] = WORDS.en.help;

/** Every key, one line each. */
export function HelpOverlay({ lang, width, height }: HelpOverlayProps) {
  const w = WORDS[lang];
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" paddingX={1}>
      <Text bold>{w.helpTitle}</Text>
      {w.help.map(([k, v], i) => <Text key={i} wrap="truncate">{`${padEndCols(k, 12)} ${v}`}</Text>)}
    </Box>
  );
}
