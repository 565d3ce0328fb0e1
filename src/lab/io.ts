/**
 * The lab's side of the command contract: the streams it writes to and the error it raises for
 * bad flags. The CLI wraps the lab (src/cli/commands/lab.ts) and turns LabUsageError into its own
 * usage error, so the lab never imports the CLI.
 */
export interface LabIO {
  readonly stdout: NodeJS.WritableStream & { isTTY?: boolean };
  readonly stderr: NodeJS.WritableStream & { isTTY?: boolean };
  readonly env: NodeJS.ProcessEnv;
}

export class LabUsageError extends Error {
  override readonly name = 'LabUsageError';
}

/** Progress lines on stderr: only on a terminal and never with --quiet. */
export function labProgress(io: LabIO, quiet: boolean): (message: string) => void {
  return !quiet && io.stderr.isTTY === true
    ? (m: string): void => { io.stderr.write(`lab: ${m}\n`); }
    : (): void => {};
}
