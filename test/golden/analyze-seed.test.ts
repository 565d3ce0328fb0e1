/**
 * Golden files of `lvscope analyze` on the seed's DR capture: the walkthrough in English and
 * Chinese (plain text, as piped) and the JSON report. Regenerate with `npm run test:golden:update`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/commands/analyze.js';
import { runCommand } from '../helpers/run-command.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const SEED = 'captures/seed-dr-kernel.pcap';
const UPDATE = process.env['LVSCOPE_UPDATE_GOLDEN'] === '1';

async function golden(name: string, args: string[]): Promise<void> {
  const { code, stdout, stderr } = await runCommand(analyzeCommand, args);
  expect(stderr).toBe('');
  expect(code).toBe(0);
  const file = join(HERE, 'data', name);
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`golden file ${file} is missing: run npm run test:golden:update`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, stdout);
  }
  expect(stdout).toBe(readFileSync(file, 'utf8'));
}

describe('analyze golden files (seed-dr-kernel.pcap)', () => {
  it('English walkthrough', async () => { await golden('seed-dr-kernel.analyze.en.txt', [SEED]); });
  it('Chinese walkthrough', async () => { await golden('seed-dr-kernel.analyze.zh.txt', [SEED, '--lang', 'zh']); });
  it('JSON report', async () => { await golden('seed-dr-kernel.analyze.json', ['--format', 'json', SEED]); });
  it('ndjson per frame', async () => { await golden('seed-dr-kernel.analyze.ndjson', ['--format', 'ndjson', SEED]); });
});
