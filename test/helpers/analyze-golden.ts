/**
 * One golden comparison of `lvscope analyze`: runs the command in-process, expects a clean exit
 * and no stderr, and compares stdout with test/golden/data/NAME. The file is written only under
 * `npm run test:golden:update` (LVSCOPE_UPDATE_GOLDEN=1); a missing file otherwise fails.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { expect } from 'vitest';
import { analyzeCommand } from '../../src/cli/commands/analyze.js';
import { REPO_ROOT } from './paths.js';
import { runCommand } from './run-command.js';

const GOLDEN_DATA = join(REPO_ROOT, 'test', 'golden', 'data');
const UPDATE = process.env['LVSCOPE_UPDATE_GOLDEN'] === '1';

export async function analyzeGolden(name: string, args: string[]): Promise<void> {
  const { code, stdout, stderr } = await runCommand(analyzeCommand, args);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const file = join(GOLDEN_DATA, name);
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`golden file ${file} is missing: run npm run test:golden:update`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, stdout);
  }
  expect(stdout).toBe(readFileSync(file, 'utf8'));
}
