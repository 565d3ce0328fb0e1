/**
 * Renders the TUI into fake streams of a fixed size (ink-testing-library's stdout is always 100
 * columns): Gemini CLI's test-utils/render idea. Returns the last frame and a stdin to type into.
 */
import { EventEmitter } from 'node:events';
import { render as inkRender } from 'ink';
import { App } from '../../src/tui/App.js';
import type { CaptureSession } from '../../src/tui/data/session.js';
import type { UiState } from '../../src/tui/hooks/use-ui-state.js';

class FakeStdout extends EventEmitter {
  readonly frames: string[] = [];
  isTTY = true;
  columns: number;
  rows: number;
  constructor(columns: number, rows: number) { super(); this.columns = columns; this.rows = rows; }
  write = (frame: string): boolean => { this.frames.push(frame); return true; };
}

class FakeStdin extends EventEmitter {
  isTTY = true;
  private buffered: string[] = [];
  write = (data: string): void => { this.buffered.push(data); this.emit('readable'); this.emit('data', data); };
  read = (): string | null => this.buffered.shift() ?? null;
  setEncoding(): void {}
  setRawMode(): void {}
  resume(): void {}
  pause(): void {}
  ref(): void {}
  unref(): void {}
}

export interface RenderedTui {
  lastFrame(): string;
  /** Types keys, then lets React and ink settle. */
  press(...keys: string[]): Promise<void>;
  resize(columns: number, rows: number): Promise<void>;
  unmount(): void;
  readonly exited: Promise<void>;
}

export const KEYS = {
  up: '\u001b[A', down: '\u001b[B', pageUp: '\u001b[5~', pageDown: '\u001b[6~',
  home: '\u001b[H', end: '\u001b[F', tab: '\t', shiftTab: '\u001b[Z', enter: '\r', escape: '\u001b', backspace: '\u007f',
} as const;

const settle = (): Promise<void> => new Promise((r) => setTimeout(r, 25));

export async function renderTui(
  session: CaptureSession,
  options: { columns: number; rows: number; colour?: boolean; initial?: Partial<UiState> },
): Promise<RenderedTui> {
  const stdout = new FakeStdout(options.columns, options.rows);
  const stdin = new FakeStdin();
  const instance = inkRender(<App session={session} colour={options.colour ?? false} {...(options.initial ? { initial: options.initial } : {})} />, {
    stdout: stdout as unknown as NodeJS.WriteStream,
    stderr: new FakeStdout(options.columns, options.rows) as unknown as NodeJS.WriteStream,
    stdin: stdin as unknown as NodeJS.ReadStream,
    debug: true,
    exitOnCtrlC: false,
    patchConsole: false,
  });
  await settle();
  return {
    lastFrame: () => stdout.frames[stdout.frames.length - 1] ?? '',
    press: async (...keys) => {
      for (const k of keys) { stdin.write(k); await settle(); }
    },
    resize: async (columns, rows) => {
      stdout.columns = columns;
      stdout.rows = rows;
      stdout.emit('resize');
      await settle();
    },
    unmount: () => instance.unmount(),
    exited: instance.waitUntilExit().then(() => undefined),
  };
}
