/** In-memory CommandIO for running `main()` in-process, like ink-testing-library's fake streams. */
import { PassThrough } from 'node:stream';
import type { CommandIO } from '../../src/cli/command.js';

export interface FakeIO extends CommandIO {
  out(): string;
  err(): string;
}

export function fakeIO(options: { tty?: boolean; env?: NodeJS.ProcessEnv; stdin?: string } = {}): FakeIO {
  const chunks = { out: [] as string[], err: [] as string[] };
  const stdout = new PassThrough() as PassThrough & { isTTY?: boolean; columns?: number };
  const stderr = new PassThrough() as PassThrough & { isTTY?: boolean };
  stdout.on('data', (c: Buffer) => chunks.out.push(c.toString()));
  stderr.on('data', (c: Buffer) => chunks.err.push(c.toString()));
  if (options.tty) { stdout.isTTY = true; stdout.columns = 120; stderr.isTTY = true; }
  const stdin = new PassThrough();
  if (options.stdin !== undefined) stdin.end(options.stdin);
  return {
    stdout, stderr, stdin, env: options.env ?? {},
    out: () => chunks.out.join(''),
    err: () => chunks.err.join(''),
  };
}
