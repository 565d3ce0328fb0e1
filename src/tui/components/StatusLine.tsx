import { Text } from 'ink';
import { basename } from 'node:path';
import type { Lang, StatusView } from '../data/types.js';
import { displayWidth, WORDS } from '../words.js';

export { displayWidth } from '../words.js';

export interface StatusLineProps {
  readonly status: StatusView;
  readonly selected: number;
  readonly shown: number;
  readonly filter: string;
  readonly lang: Lang;
  readonly width: number;
  readonly colour: boolean;
}

/** File, frame counts, method and scheduler, and what is going on. */
export function StatusLine({ status, selected, shown, filter, lang, width, colour }: StatusLineProps) {
  const files = status.files.map((f) => basename(f)).join('+');
  const w = WORDS[lang];
  const counts = filter === '' ? w.frameOf(selected, status.frames) : w.frameShown(selected, shown, status.frames);
  const busy = status.degraded !== null ? w.failed(status.degraded) : status.progress < 1 ? w.analysing(Math.floor(status.progress * 100)) : '';
  // Items that do not fit whole are left out rather than cut mid-word (the file name always shows).
  let text = '';
  for (const item of [files, counts, w.method(status.method), w.scheduler(status.scheduler), w.language, busy, w.keysHint]) {
    if (item === '') continue;
    const next = text === '' ? item : `${text} │ ${item}`;
    if (text !== '' && displayWidth(next) > width) continue;
    text = next;
  }
  return <Text inverse={colour} wrap="truncate">{text + ' '.repeat(Math.max(0, width - displayWidth(text)))}</Text>;
}
