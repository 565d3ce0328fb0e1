/**
 * Golden files of `lvscope analyze` on real keepalived + IPVS captures (test/fixtures/kernel-ha):
 * a failover without the sync daemon seen at the firewall's LAN port (the takeover, its gap and
 * GARPs, the held connections reset by the new master), with the sync daemon (they continue),
 * and a real server taken out by its health checks seen on the master director. English and
 * Chinese. Regenerate with `npm run test:golden:update`.
 */
import { describe, it } from 'vitest';
import { analyzeGolden } from '../helpers/analyze-golden.js';



describe('analyze golden files (keepalived director pair, test/fixtures/kernel-ha)', () => {
  const OFF = 'test/fixtures/kernel-ha/failover-sync-off/fw-eth1.pcap';
  const ON = 'test/fixtures/kernel-ha/failover-sync-on/fw-eth1.pcap';
  const RS = 'test/fixtures/kernel-ha/rs-fail/dir-eth0.pcap';
  it('failover without sync, English', async () => { await analyzeGolden('kernel-ha-sync-off.analyze.en.txt', [OFF]); });
  it('failover without sync, Chinese', async () => { await analyzeGolden('kernel-ha-sync-off.analyze.zh.txt', [OFF, '--lang', 'zh']); });
  it('failover with sync, English', async () => { await analyzeGolden('kernel-ha-sync-on.analyze.en.txt', [ON]); });
  it('failover with sync, Chinese', async () => { await analyzeGolden('kernel-ha-sync-on.analyze.zh.txt', [ON, '--lang', 'zh']); });
  it('failover with sync, JSON report', async () => { await analyzeGolden('kernel-ha-sync-on.analyze.json', ['--format', 'json', ON]); });
  it('real server removed by health checks, English', async () => { await analyzeGolden('kernel-ha-rs-fail.analyze.en.txt', [RS]); });
  it('real server removed by health checks, Chinese', async () => { await analyzeGolden('kernel-ha-rs-fail.analyze.zh.txt', [RS, '--lang', 'zh']); });
});
