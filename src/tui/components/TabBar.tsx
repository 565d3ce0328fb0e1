import { Text } from 'ink';
import type { Lang } from '../data/types.js';
import type { Pane } from '../hooks/use-ui-state.js';
import { WORDS } from '../words.js';

export interface TabBarProps {
  readonly panes: readonly Pane[];
  readonly active: Pane;
  readonly filter: string;
  readonly prompt: string | null;
  readonly lang: Lang;
  readonly colour: boolean;
}

/** The panes (Tab switches), and the filter prompt or the filter in force. */
export function TabBar({ panes, active, filter, prompt, lang, colour }: TabBarProps) {
  const w = WORDS[lang];
  return (
    <Text wrap="truncate">
      {panes.map((p) => {
        const on = p === active;
        return (
          <Text key={p} bold={on} inverse={on && colour}>{on ? `[${w.panes[p]}]` : ` ${w.panes[p]} `}</Text>
        );
      })}
      <Text>{prompt !== null ? `  /${prompt}█` : filter !== '' ? w.filterOn(filter) : w.filterHint}</Text>
    </Text>
  );
}
