import { useApp, useInput, type Key } from 'ink';
import { useRef } from 'react';
import type { CaptureSession } from '../data/session.js';
import type { FrameSet } from '../data/types.js';
import { uiReducer, type UiAction, type UiState } from './use-ui-state.js';

export interface BrowserKeysInput {
  readonly session: CaptureSession;
  readonly ui: UiState;
  readonly dispatch: (a: UiAction) => void;
  readonly frames: FrameSet;
  readonly page: number;
  readonly fieldCount: number;
}

/**
 * Every key of the browser: keys become UiActions; nothing here renders.
 *
 * @example
 *   useBrowserKeys({ session, ui, dispatch, frames, pos, current, page: 20, fieldCount: 12 });
 */
export default function useBrowserKeys(input: BrowserKeysInput): void {
  const { exit } = useApp();
  // The handler reads the latest render's values, and several keys handled before the next render
  // (ink parses a chunk of escape sequences into one event each) see each other's effect: every
  // action is applied to this copy of the state as it is dispatched.
  const latest = useRef(input);
  latest.current = input;
  useInput((ch: string, key: Key) => {
    const { session, ui, dispatch: send, frames, page, fieldCount } = latest.current;
    const dispatch = (a: UiAction): void => {
      latest.current = { ...latest.current, ui: uiReducer(latest.current.ui, a) };
      send(a);
    };
    const pos = frames.count === 0 ? 0 : Math.min(frames.count - 1, frames.indexOf(ui.selected));
    const current = frames.count === 0 ? 0 : frames.at(pos);
    const goto = (k: number): void => {
      if (frames.count === 0) return;
      dispatch({ type: 'select', n: frames.at(Math.max(0, Math.min(frames.count - 1, k))) });
    };
    const jump = (n: number): void => {
      // A frame hidden by the filter: drop the filter rather than refuse to go there.
      if (!frames.all && frames.at(frames.indexOf(n)) !== n) dispatch({ type: 'filter', text: '' });
      dispatch({ type: 'select', n });
    };

    if (ui.help) { dispatch({ type: 'help', open: false }); return; }
    // Arrow keys that arrived together (a held key over a slow link, or typed before raw mode
    // was on) come as one chunk of escape sequences: move by all of them.
    if (ui.prompt === null && ch.length > 3 && ch.includes('\u001b[')) {
      const moves = (ch.match(/\u001b\[B/g)?.length ?? 0) - (ch.match(/\u001b\[A/g)?.length ?? 0);
      if (moves !== 0) goto(pos + moves);
      return;
    }
    // Several characters at once (typed fast, pasted, or tmux send-keys): the filter prompt takes
    // them as text; an Enter among them applies it.
    const typed = ui.prompt !== null ? ch : ch.startsWith('/') ? ch.slice(1) : null;
    if (typed !== null && ch.length > 1 && !key.ctrl && !key.meta) {
      const end = typed.search(/[\r\n]/);
      const text = (ui.prompt ?? '') + (end < 0 ? typed : typed.slice(0, end));
      dispatch(end < 0 ? { type: 'prompt', text } : { type: 'filter', text: text.trim() });
      return;
    }
    if (ui.prompt !== null) {
      if (key.return) dispatch({ type: 'filter', text: ui.prompt.trim() });
      else if (key.escape) dispatch({ type: 'prompt', text: null });
      else if (key.backspace || key.delete) dispatch({ type: 'prompt', text: ui.prompt.slice(0, -1) });
      else if (ch !== '' && !key.ctrl && !key.meta && !key.tab) dispatch({ type: 'prompt', text: ui.prompt + ch });
      return;
    }
    if (key.tab) { dispatch({ type: 'pane', step: key.shift ? -1 : 1 }); return; }
    if (key.escape) { if (ui.filter !== '') dispatch({ type: 'filter', text: '' }); return; }
    if (key.pageUp) { goto(pos - page); return; }
    if (key.pageDown) { goto(pos + page); return; }
    if (key.home) { goto(0); return; }
    if (key.end) { goto(frames.count - 1); return; }
    const up = key.upArrow || ch === 'k';
    const down = key.downArrow || ch === 'j';
    if (up || down) {
      const d = down ? 1 : -1;
      if (ui.pane === 'detail') dispatch({ type: 'field', index: Math.min(fieldCount - 1, ui.field + d) });
      else if (ui.pane === 'cluster') dispatch({ type: 'finding', index: Math.min(session.findings().length - 1, ui.finding + d) });
      else goto(pos + d);
      return;
    }
    if (key.return && ui.pane === 'cluster') {
      const f = session.findings()[ui.finding];
      if (f === undefined || f.frames.length === 0) return;
      const i = f.frames.indexOf(current);
      jump(f.frames[(i + 1) % f.frames.length]!);
      return;
    }
    switch (ch) {
      case 'q': exit(); return;
      case '?': dispatch({ type: 'help', open: true }); return;
      case '/': dispatch({ type: 'prompt', text: '' }); return;
      case 'l': dispatch({ type: 'lang' }); return;
      case 'x': dispatch({ type: 'hex' }); return;
      case 'f': {
        const conn = session.connOf(current);
        dispatch({ type: 'follow', conn: ui.following !== 0 && ui.following === conn ? 0 : conn });
        return;
      }
      case 'n':
      case 'p': {
        const next = session.stepInConn(current, session.connOf(current), ch === 'n' ? 1 : -1);
        if (next !== null) jump(next);
        return;
      }
    }
  });
}
