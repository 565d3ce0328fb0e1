/**
 * Golden output of `lvscope validate --lang zh` on synthesized fault captures (`lvscope synth
 * --scenario NAME -w FILE`, default seed): the Chinese findings as a reader of the tutorials sees
 * them, and the JSON a script reads (message in Chinese, code/severity/frames/params unchanged).
 * Regenerate with LVSCOPE_UPDATE_GOLDEN=1 when the synthesizer or the model legitimately changes.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { synthCommand } from '../../src/cli/commands/synth.js';
import { validateCommand } from '../../src/cli/commands/validate.js';
import { runCommand } from '../helpers/run-command.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const UPDATE = process.env['LVSCOPE_UPDATE_GOLDEN'] === '1';
const DIR = mkdtempSync(join(tmpdir(), 'lvscope-validate-zh-'));
afterAll(() => rmSync(DIR, { recursive: true, force: true }));

function golden(name: string, actual: string): void {
  const file = join(HERE, 'data', name);
  if (UPDATE || !existsSync(file)) {
    if (!UPDATE) throw new Error(`golden file ${file} is missing: run npm run test:golden:update`);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, actual);
  }
  expect(actual).toBe(readFileSync(file, 'utf8'));
}

async function synth(scenario: string): Promise<string> {
  const path = join(DIR, `${scenario}.pcapng`);
  const r = await runCommand(synthCommand, ['--scenario', scenario, '-w', path, '--force']);
  expect(r.code).toBe(0);
  return path;
}

describe('validate --lang zh on synthesized faults', () => {
  it('text: no-real-server, tun-mtu, vip-primary', async () => {
    let out = '';
    for (const [scenario, exit] of [['no-real-server', 3], ['tun-mtu', 1], ['vip-primary', 1]] as const) {
      const { code, stdout, stderr } = await runCommand(validateCommand, [await synth(scenario), '--lang', 'zh']);
      expect(stderr).toBe('');
      expect(code).toBe(exit);
      expect(stdout).not.toMatch(/\b(the|is|are|real server|director's)\b/);
      out += `== ${scenario} (exit ${code})\n${stdout}`;
    }
    golden('validate-faults.zh.txt', out);
  });

  it('json: the message in Chinese; code, severity, frames and params as in English', async () => {
    const file = await synth('no-real-server');
    const zh = await runCommand(validateCommand, [file, '--lang', 'zh', '--format', 'json']);
    const en = await runCommand(validateCommand, [file, '--format', 'json']);
    const z = JSON.parse(zh.stdout) as { findings: { message: string; params?: unknown }[] };
    const e = JSON.parse(en.stdout) as { findings: { message: string; params?: unknown }[] };
    expect(z.findings.map(({ message: _, ...rest }) => rest)).toEqual(e.findings.map(({ message: _, ...rest }) => rest));
    expect(z.findings[0]!.params).toEqual({ virtual: '192.168.23.100:80' });
    expect(z.findings[0]!.message).toMatch(/^Director 对发往 192\.168\.23\.100:80 的连接回应了 ICMP 端口不可达/);
    expect(e.findings[0]!.message).toMatch(/^the director answered connections to 192\.168\.23\.100:80 with ICMP port unreachable/);
    golden('validate-no-real-server.zh.json', zh.stdout);
  });
});
