/**
 * Tunnel MTU on the real kernel (lvscope lab tun --post 20000, Debian 6.1 in the microVM; commands
 * in test/fixtures/kernel-faults/README.md). The client uploads in full-size segments (1500-byte
 * IP packets, DF set); with the IPIP header they no longer fit the director's 1500-byte LAN, and
 * IPVS answers each with ICMP fragmentation needed, next-hop MTU 1480, from the VIP, quoting the
 * client's own packet. The client then sends 1480-byte packets. The same upload through a DR
 * director raises nothing.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import { FIXTURES, REPO_ROOT } from '../helpers/paths.js';

const DIR = join(FIXTURES, 'kernel-faults');
const BIN = join(REPO_ROOT, 'bin', 'lvscope');
const report = (file: string) => runModel(parseAnalyzeArgs([file, '--format', 'json'])).summary.report;

describe('TUN: full-size DF packets meet the IPIP header (director LAN MTU 1500)', () => {
  for (const file of ['dir-eth0.pcap', 'fw-eth1.pcap']) {
    it(`${file}: tun-mtu from the VIP, MTU 1480, naming the client's packet; the method is TUN`, () => {
      const r = report(join(DIR, 'tun-mtu', file));
      expect(r.findings.map((f) => f.code)).toEqual(['tun-mtu']);
      const f = r.findings[0]!;
      expect(f.params).toEqual({ mtu: 1480, exact: false, client: '172.16.0.100:35142', to: '192.168.23.100:80' });
      // One ICMP for each of the ten full-size segments of the first window, none after.
      expect(f.frames).toHaveLength(10);
      expect(f.message).toContain('from the VIP: the director refused to tunnel packets to 192.168.23.100:80');
      expect(f.message).toContain('advmss 1440');
      expect(r.services.map((s) => s.method)).toEqual(['tun']);
    });
  }

  it('the same upload through a DR director: nothing', () => {
    expect(report(join(DIR, 'post-dr', 'fw-eth1.pcap')).findings).toEqual([]);
  });

  const built = spawnSync(BIN, ['--help']).status === 0;
  it.skipIf(!built)('validate names tun-mtu and exits non-zero; the DR upload exits 0', () => {
    const bad = spawnSync(BIN, ['validate', join(DIR, 'tun-mtu', 'dir-eth0.pcap')], { encoding: 'utf8' });
    expect(bad.stdout).toMatch(/^warning tun-mtu: ICMP fragmentation needed \(next-hop MTU 1480\) from the VIP/m);
    expect(bad.status).toBe(1);
    const good = spawnSync(BIN, ['validate', join(DIR, 'post-dr', 'fw-eth1.pcap')], { encoding: 'utf8' });
    expect(good.stdout).toBe('No findings.\n');
    expect(good.status).toBe(0);
  });
});
