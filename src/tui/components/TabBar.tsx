import { Text } from 'ink';
import type { Pane } from '../hooks/use-ui-state.js';

export interface TabBarProps {
  readonly panes: readonly Pane[];
  readonly active: Pane;
  readonly filter: string;
  readonly prompt: string | null;
  readonly colour: boolean;
}

const TITLES: Readonly<Record<Pane, string>> = { frames: 'Frames', ladder: 'Ladder', detail: 'Detail', cluster: 'Cluster' };

/** The panes (Tab switches), and the filter prompt or the filter in force. */
export function TabBar({ panes, active, filter, prompt, colour }: TabBarProps) {
  return (
    <Text wrap="truncate">
      {panes.map((p) => {
        const on = p === active;
        return (
          <Text key={p} bold={on} inverse={on && colour}>{on ? `[${TITLES[p]}]` : ` ${TITLES[p]} `}</Text>
        );
      })}
      <Text>{prompt !== null ? `  /${prompt}█` : filter !== '' ? `  filter: ${filter}  (Esc clears)` : '  / filter'}</Text>
    </Text>
  );
}
