/**
 * Golden files of `lvscope analyze` on real keepalived + IPVS captures (test/fixtures/kernel-ha):
 * a failover without the sync daemon seen at the firewall's LAN port (the takeover, its gap and
 * GARPs, the held connections reset by the new master), with the sync daemon (they continue),
 * and a real server taken out by its health checks seen on the master director. English and
 * Chinese. Regenerate with `npm run test:golden:update`.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/commands/analyze.js';
import { runCommand } from '../helpers/run-command.js';

const HERE = dirname(fileURLToPath(import.meta.url));
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

describe('analyze golden files (keepalived director pair, test/fixtures/kernel-ha)', () => {
  const OFF = 'test/fixtures/kernel-ha/failover-sync-off/fw-eth1.pcap';
  const ON = 'test/fixtures/kernel-ha/failover-sync-on/fw-eth1.pcap';
  const RS = 'test/fixtures/kernel-ha/rs-fail/dir-eth0.pcap';
  it('failover without sync, English', async () => { await golden('kernel-ha-sync-off.analyze.en.txt', [OFF]); });
  it('failover without sync, Chinese', async () => { await golden('kernel-ha-sync-off.analyze.zh.txt', [OFF, '--lang', 'zh']); });
  it('failover with sync, English', async () => { await golden('kernel-ha-sync-on.analyze.en.txt', [ON]); });
  it('failover with sync, Chinese', async () => { await golden('kernel-ha-sync-on.analyze.zh.txt', [ON, '--lang', 'zh']); });
  it('failover with sync, JSON report', async () => { await golden('kernel-ha-sync-on.analyze.json', ['--format', 'json', ON]); });
  it('real server removed by health checks, English', async () => { await golden('kernel-ha-rs-fail.analyze.en.txt', [RS]); });
  it('real server removed by health checks, Chinese', async () => { await golden('kernel-ha-rs-fail.analyze.zh.txt', [RS, '--lang', 'zh']); });
});
