/**
 * The shape every `lvscope <command>` module exports. The dispatcher (main.ts) owns argv[0],
 * --help and --version; a command gets the rest and returns its exit status.
 *
 * Exit status, for every command (README "Exit status"): 0 success; 1 the work was done but the
 * input had problems (damaged frames or file; validate: warnings; replay: frames not sent);
 * 2 usage error, or input/output that cannot be used at all; 3 validate found errors.
 * A closed standard output (`| head`) is not an error: 0.
 */
export const EXIT = { OK: 0, PROBLEMS: 1, USAGE: 2, ERRORS: 3 } as const;

export interface CommandIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stdin: NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
}

/** What a command module exports; its name and one-line summary are the registry's (registry.ts), known before it loads. */
export interface Command {
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
