import { Text } from 'ink';
import type { Lang } from '../data/types.js';
import type { Pane } from '../hooks/use-ui-state.js';
import { displayWidth, WORDS } from '../words.js';

export interface TabBarProps {
  readonly panes: readonly Pane[];
  readonly active: Pane;
  readonly filter: string;
  readonly prompt: string | null;
  readonly lang: Lang;
  readonly colour: boolean;
  readonly width: number;
}

/** The panes (Tab switches), and the filter prompt or the filter in force. */
export function TabBar({ panes, active, filter, prompt, lang, colour, width }: TabBarProps) {
  const w = WORDS[lang];
  const tabs = panes.map((p) => (p === active ? `[${w.panes[p]}]` : ` ${w.panes[p]} `)).join('');
  const tail = prompt !== null ? `  /${prompt}█` : filter !== '' ? w.filterOn(filter) : w.filterHint;
  // The idle hint goes when it does not fit whole; a prompt or a filter in force always shows.
  const shownTail = prompt === null && filter === '' && displayWidth(tabs + tail) > width ? '' : tail;
  return (
    <Text wrap="truncate">
      {panes.map((p) => {
        const on = p === active;
        return (
          <Text key={p} bold={on} inverse={on && colour}>{on ? `[${w.panes[p]}]` : ` ${w.panes[p]} `}</Text>
        );
      })}
      <Text>{shownTail}</Text>
    </Text>
  );
}
