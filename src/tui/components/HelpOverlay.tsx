import { Box, Text } from 'ink';
import type { Lang } from '../data/types.js';
import { padEndCols, WORDS } from '../words.js';
import { ellipsize } from './Explanation.js';

export interface HelpOverlayProps {
  readonly lang: Lang;
  readonly width: number;
  readonly height: number;
}

export const HELP_LINES: readonly (readonly [string, string])[] = WORDS.en.help;

/** Every key, one line each. */
export function HelpOverlay({ lang, width, height }: HelpOverlayProps) {
  const w = WORDS[lang];
  // Only as many lines as the box holds (more would run over its border): the title goes first
  // when keys do not fit, and each line is cut at a word with `…`.
  const rows = Math.max(0, height - 2);
  const keys = w.help.map(([k, v]) => `${padEndCols(k, 12)} ${v}`);
  const showTitle = keys.length + 1 <= rows;
  const shown = keys.slice(0, showTitle ? keys.length : rows).map((l) => ellipsize(l, width - 4));
  return (
    <Box flexDirection="column" width={width} height={height} borderStyle="single" paddingX={1} overflow="hidden">
      {showTitle && <Text bold wrap="truncate">{w.helpTitle}</Text>}
      {shown.map((l, i) => <Text key={i} wrap="truncate">{l}</Text>)}
    </Box>
  );
}
