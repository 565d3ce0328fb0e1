/**
 * Every `--help` against the README: each command answers --help with a usage line and an
 * example; every option the README's command table names for a command is in that command's
 * help; and the facts both state (exit statuses, lab methods, replay timing, fault names) agree.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { COMMANDS } from '../../src/cli/registry.js';
import { fakeIO } from '../helpers/io.js';
import { REPO_ROOT } from '../helpers/paths.js';

const README = readFileSync(join(REPO_ROOT, 'README.md'), 'utf8');

/** ipvsadm's own options, which the README names when it says what the views reproduce. */
const IPVSADM_OPTIONS = new Set(['--stats', '--rate']);

async function help(args: string[]): Promise<string> {
  const io = fakeIO();
  const code = await main(args, io);
  expect(code, args.join(' ')).toBe(0);
  return io.out();
}

/** The README command table's row for a command: `| \`lvscope NAME …\` | … |`. */
function readmeRow(name: string): string {
  const row = README.split('\n').find((l) => l.startsWith(`| \`lvscope ${name}`));
  if (row === undefined) throw new Error(`README's command table has no row for ${name}`);
  return row;
}

describe('every --help, held to the README', () => {
  it('each command has a usage line, an example, and a row in the README', async () => {
    const top = await help(['--help']);
    for (const c of COMMANDS) {
      const text = await help([c.name, '--help']);
      expect(text, c.name).toMatch(/^Usage:\s+lvscope /m);
      expect(text, c.name).toMatch(/Examples?:\n\s+(sudo |ip netns exec \S+ )?lvscope /);
      expect(top, c.name).toContain(`  ${c.name} `);
      readmeRow(c.name);
    }
    expect(await help(['help', 'filter'])).toContain('portrange');
  });

  it("every option the README's table names for a command is in that command's help", async () => {
    const missing: string[] = [];
    for (const c of COMMANDS) {
      const text = await help([c.name, '--help']);
      for (const opt of readmeRow(c.name).match(/--[a-z][a-z0-9-]*/g) ?? []) {
        if (IPVSADM_OPTIONS.has(opt)) continue;
        if (!text.includes(opt)) missing.push(`${c.name} ${opt}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('exit statuses: the README table, the top-level help and each command agree', async () => {
    expect(README).toMatch(/\| 3 \| `validate` only: error findings \|/);
    const top = await help(['--help']);
    expect(top).toContain('3 validate found errors');
    const validate = await help(['validate', '--help']);
    expect(validate).toMatch(/; 3 errors;/);
    expect(validate).toMatch(/2 usage error or unusable input/);
    expect(readmeRow('validate')).toContain('3 errors');
    for (const name of ['decode', 'analyze']) expect(await help([name, '--help']), name).toMatch(/1 [^\n]*damaged/);
  });

  it('the facts the README and the helps both state agree', async () => {
    // lab methods
    expect(await help(['lab', '--help'])).toContain('lab capture dr|nat|tun');
    expect(readmeRow('lab')).toContain('lab capture dr\\|nat\\|tun');
    // replay timing: the README's sleep margin is the help's
    const replay = await help(['replay', '--help']);
    const margin = /sleeps until ([^ ]+ [µm]s) before/.exec(replay)?.[1];
    expect(margin).toBe('100–200 µs');
    expect(README.replace(/\s+/g, ' ')).toContain(`futex sleep until ${margin} before`);
    // validate's JSON shape as the README and analyze describe it
    expect(await help(['validate', '--help'])).toContain('{"findings": [...]}');
    // a fault is accepted by its finding code too (the code the README and findings use)
    expect(await help(['synth', '--help'])).toContain('dr-reply-via-director');
  });
});
