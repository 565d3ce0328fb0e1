/** Run a Command in-process with captured stdout/stderr (not a terminal: no colour). */
import { PassThrough, Writable } from 'node:stream';
import type { Command } from '../../src/cli/command.js';

export async function runCommand(cmd: Command, args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const out = new Writable({ write(chunk, _enc, cb) { stdout += String(chunk); cb(); } });
  const err = new Writable({ write(chunk, _enc, cb) { stderr += String(chunk); cb(); } });
  const code = await cmd.run(args, { stdout: out, stderr: err, stdin: new PassThrough(), env });
  return { code, stdout, stderr };
}
