/**
 * The shape every `lvscope <command>` module exports. The dispatcher (main.ts) owns argv[0],
 * --help and --version; a command gets the rest and returns its exit status.
 *
 * Exit status, for every command: 0 success, 1 the work was done but something was wrong with the
 * input (bad frames, warnings), 2 usage error or unreadable input. `validate` refines these
 * (0 clean, 1 warnings, 2 errors, 3 unusable input).
 */
export interface CommandIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

export interface Command {
  readonly name: string;
  /** One line for `lvscope --help`. */
  readonly summary: string;
  /** Full help text: usage, options, at least one example. Printed by `lvscope <command> --help`. */
  readonly help: string;
  run(args: readonly string[], io: CommandIO): Promise<number>;
}

/** Raised for bad flags or arguments; main.ts prints the message and the command's usage, exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** Colour only on a terminal, and never with NO_COLOR set (https://no-color.org). */
export function useColour(stream: { isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  return stream.isTTY === true && (env['NO_COLOR'] === undefined || env['NO_COLOR'] === '') && env['TERM'] !== 'dumb';
}

/** Progress goes to stderr, only on a terminal and never with --quiet. */
export function showProgress(io: CommandIO, quiet: boolean): boolean {
  return !quiet && io.stderr.isTTY === true;
}
