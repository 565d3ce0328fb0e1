/**
 * The explain TUI. `App` provides the session; `Browser` is the connected component that owns
 * the UI state, picks slices of the session and hands them to presentational panes.
 *
 * Layout: a tab line, the body, a status line. Narrow terminals show one pane at a time (the
 * frame list and the ladder keep the explanation beneath them); from WIDE columns on, the frame
 * list and its explanation stay on the left and the right shows the ladder, detail or cluster pane.
 */
import { Box } from 'ink';
import { useEffect, useMemo, useRef } from 'react';
import type { CaptureSession } from './data/session.js';
import type { FrameRow } from './data/types.js';
import { ClusterPane } from './components/ClusterPane.js';
import { allFields, DetailPane } from './components/DetailPane.js';
import { Explanation } from './components/Explanation.js';
import { FrameList } from './components/FrameList.js';
import { HelpOverlay } from './components/HelpOverlay.js';
import { Ladder } from './components/Ladder.js';
import { SessionContext } from './components/SessionContext.js';
import { StatusLine } from './components/StatusLine.js';
import { TabBar } from './components/TabBar.js';
import useBrowserKeys from './hooks/use-browser-keys.js';
import useSession from './hooks/use-session.js';
import useTerminalSize, { type TerminalSize } from './hooks/use-terminal-size.js';
import useUiState, { PANES, type UiState } from './hooks/use-ui-state.js';
import { WORDS } from './words.js';

export const WIDE = 140;

export interface AppProps {
  readonly session: CaptureSession;
  readonly colour: boolean;
  readonly initial?: Partial<UiState>;
  /** Fixed size (tests); otherwise the terminal's, following resizes. */
  readonly size?: TerminalSize;
}

export function App({ session, ...rest }: AppProps) {
  return (
    <SessionContext.Provider value={session}>
      <Browser {...rest} />
    </SessionContext.Provider>
  );
}

function Browser({ colour, initial, size }: Omit<AppProps, 'session'>) {
  const { session, version } = useSession();
  const terminal = useTerminalSize();
  const { columns, rows } = size ?? terminal;
  const [ui, dispatch] = useUiState(initial);
  const frames = useMemo(() => session.filter(ui.filter), [session, ui.filter, version]);

  const pos = frames.count === 0 ? 0 : Math.min(frames.count - 1, frames.indexOf(ui.selected));
  const current = frames.count === 0 ? 0 : frames.at(pos);
  // A filter that hides the selected frame moves the selection to the next one shown; remember
  // that, so clearing the filter stays there.
  useEffect(() => {
    if (current > 0 && current !== ui.selected) dispatch({ type: 'select', n: current });
  }, [current, ui.selected]);

  const wide = columns >= WIDE;
  const body = Math.max(4, rows - 2);
  // Small terminals still get two lines of explanation: it is what the frame list is for.
  const explHeight = Math.min(7, Math.max(body >= 8 ? 4 : 3, body - 6));
  const listHeight = body - explHeight;
  const leftWidth = wide ? Math.floor(columns * 0.5) : columns;
  const rightWidth = columns - leftWidth - 1;
  const visible = listHeight - 1;

  // Keep the selection in view, moving the window as little as possible.
  const top = useRef(0);
  if (pos < top.current) top.current = pos;
  if (pos >= top.current + visible) top.current = pos - visible + 1;
  top.current = Math.max(0, Math.min(top.current, Math.max(0, frames.count - visible)));
  const shown: FrameRow[] = [];
  for (let k = top.current; k < Math.min(frames.count, top.current + visible); k++) shown.push(session.row(frames.at(k)));

  const detail = current > 0 ? session.detail(current, ui.lang) : null;
  const fieldCount = detail === null ? 0 : allFields(detail.layers).length;
  useBrowserKeys({ session, ui, dispatch, frames, page: Math.max(1, visible - 1), fieldCount });

  const w = WORDS[ui.lang];
  const explanation = (width: number) => (
    <Explanation n={current} hop={detail?.hop ?? null} text={frames.error !== undefined ? w.badFilter(frames.error) : detail?.explanation ?? (frames.count === 0 ? (ui.filter === '' ? w.noFrames : w.noMatch(ui.filter)) : '')} lang={ui.lang} width={width} height={explHeight} colour={colour} />
  );
  const list = (width: number) => (
    <FrameList rows={shown} selected={current} lang={ui.lang} width={width} height={listHeight} colour={colour} wide={wide} />
  );
  const ladder = (width: number) => (
    <Ladder actors={session.actors()} rows={shown} selected={current} lang={ui.lang} width={width} height={listHeight} colour={colour} />
  );
  const detailPane = (width: number) => (
    <DetailPane n={current} layers={detail?.layers ?? []} bytes={detail?.bytes ?? new Uint8Array(0)} field={ui.field} hex={ui.hex} lang={ui.lang} width={width} height={body} colour={colour} />
  );
  const clusterPane = (width: number) => (
    <ClusterPane n={current} cluster={session.cluster(current)} findings={session.findings(ui.lang)} finding={ui.finding} lang={ui.lang} width={width} height={body} colour={colour} />
  );

  let main;
  if (ui.help) {
    main = <HelpOverlay lang={ui.lang} width={columns} height={body} />;
  } else if (wide) {
    const right = ui.pane === 'detail' ? detailPane(rightWidth) : ui.pane === 'cluster' ? clusterPane(rightWidth) : ladder(rightWidth);
    main = (
      <Box flexDirection="row" height={body}>
        <Box flexDirection="column" width={leftWidth}>{list(leftWidth)}{explanation(leftWidth)}</Box>
        <Box width={1} />
        <Box flexDirection="column" width={rightWidth}>{right}</Box>
      </Box>
    );
  } else if (ui.pane === 'detail') {
    main = detailPane(columns);
  } else if (ui.pane === 'cluster') {
    main = clusterPane(columns);
  } else {
    main = (
      <Box flexDirection="column" height={body}>
        {ui.pane === 'ladder' ? ladder(columns) : list(columns)}
        {explanation(columns)}
      </Box>
    );
  }

  return (
    <Box flexDirection="column" width={columns} height={rows}>
      <TabBar panes={PANES} active={ui.pane} filter={ui.filter} prompt={ui.prompt} lang={ui.lang} colour={colour} width={columns} />
      {main}
      <StatusLine status={session.status()} selected={current} shown={frames.count} filter={ui.filter} lang={ui.lang} width={columns} colour={colour} />
    </Box>
  );
}
