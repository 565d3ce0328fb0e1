import { useReducer } from 'react';
import type { Lang } from '../data/types.js';

export const PANES = ['frames', 'ladder', 'detail', 'cluster'] as const;
export type Pane = (typeof PANES)[number];

export interface UiState {
  readonly pane: Pane;
  /** Selected frame number (1-based); kept across filters. */
  readonly selected: number;
  readonly filter: string;
  /** Text being typed after `/`, null when the prompt is closed. */
  readonly prompt: string | null;
  /** Connection followed with `f`, 0 for none. */
  readonly following: number;
  readonly lang: Lang;
  readonly hex: boolean;
  /** Selected field of the detail pane (index over all fields of all layers). */
  readonly field: number;
  /** Selected finding of the cluster pane. */
  readonly finding: number;
  readonly help: boolean;
}

export type UiAction =
  | { readonly type: 'select'; readonly n: number }
  | { readonly type: 'pane'; readonly step: 1 | -1 }
  | { readonly type: 'set-pane'; readonly pane: Pane }
  | { readonly type: 'prompt'; readonly text: string | null }
  | { readonly type: 'filter'; readonly text: string }
  | { readonly type: 'follow'; readonly conn: number }
  | { readonly type: 'lang' }
  | { readonly type: 'hex' }
  | { readonly type: 'field'; readonly index: number }
  | { readonly type: 'finding'; readonly index: number }
  | { readonly type: 'help'; readonly open: boolean };

export function initialUiState(overrides: Partial<UiState> = {}): UiState {
  return {
    pane: 'frames', selected: 1, filter: '', prompt: null, following: 0, lang: 'en', hex: false,
    field: 0, finding: 0, help: false, ...overrides,
  };
}

export function uiReducer(s: UiState, a: UiAction): UiState {
  switch (a.type) {
    case 'select': return a.n === s.selected ? s : { ...s, selected: a.n, field: 0 };
    case 'pane': {
      const i = PANES.indexOf(s.pane);
      return { ...s, pane: PANES[(i + a.step + PANES.length) % PANES.length]! };
    }
    case 'set-pane': return { ...s, pane: a.pane };
    case 'prompt': return { ...s, prompt: a.text };
    case 'filter': return { ...s, filter: a.text, prompt: null, following: 0 };
    case 'follow': return { ...s, following: a.conn, filter: a.conn === 0 ? '' : `#${a.conn}`, prompt: null };
    case 'lang': return { ...s, lang: s.lang === 'en' ? 'zh' : 'en' };
    case 'hex': return { ...s, hex: !s.hex };
    case 'field': return { ...s, field: Math.max(0, a.index) };
    case 'finding': return { ...s, finding: Math.max(0, a.index) };
    case 'help': return { ...s, help: a.open };
  }
}

/**
 * The TUI's own state (what is selected and shown), separate from the capture's.
 *
 * @example
 *   const [ui, dispatch] = useUiState();
 *   dispatch({ type: 'lang' });
 */
export default function useUiState(initial?: Partial<UiState>): [UiState, (a: UiAction) => void] {
  return useReducer(uiReducer, initial, (o) => initialUiState(o ?? {}));
}
