import { Text } from 'ink';
import { basename } from 'node:path';
import type { Lang, StatusView } from '../data/types.js';

export interface StatusLineProps {
  readonly status: StatusView;
  readonly selected: number;
  readonly shown: number;
  readonly filter: string;
  readonly lang: Lang;
  readonly width: number;
  readonly colour: boolean;
}

/** Terminal columns of a string: CJK and fullwidth characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0)!;
    w += (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ? 2 : 1;
  }
  return w;
}

/** File, frame counts, method and scheduler, and what is going on. */
export function StatusLine({ status, selected, shown, filter, lang, width, colour }: StatusLineProps) {
  const files = status.files.map((f) => basename(f)).join('+');
  const counts = filter === '' ? `frame ${selected}/${status.frames}` : `frame ${selected}, ${shown} of ${status.frames} shown`;
  const busy = status.degraded !== null ? `model failed: ${status.degraded}` : status.progress < 1 ? `analysing ${Math.floor(status.progress * 100)}%` : '';
  const text = [files, counts, `method ${status.method}`, `scheduler ${status.scheduler}`, lang === 'zh' ? '中文' : 'English', busy, '? help  q quit']
    .filter((s) => s !== '').join(' │ ');
  return <Text inverse={colour} wrap="truncate">{text + ' '.repeat(Math.max(0, width - displayWidth(text)))}</Text>;
}
