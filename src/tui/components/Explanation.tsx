import { Box, Text } from 'ink';
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

/** The selected frame's explanation, large (bold, boxed) beneath the list. */
export function Explanation({ n, text, hop, lang, width, height, colour }: ExplanationProps) {
  return (
    <Box borderStyle="round" {...(colour ? { borderColor: 'cyan' } : {})} width={width} height={height} paddingX={1} flexDirection="column">
      <Text bold wrap="wrap">{n > 0 ? `${n}: ${text}` : text === '' ? WORDS[lang].noSelection : text}</Text>
      {hop !== null && <Text wrap="wrap" {...(colour ? { color: 'yellow' } : {})}>{hop}</Text>}
    </Box>
  );
}
