/**
 * The director pair: VRRP masters over time, takeovers and their gap, the connections a takeover
 * kept or broke, sync announcements, health checks and the real servers they removed. First on the
 * synth presets (whose scripts say what happened), then on real keepalived + IPVS captures
 * (test/fixtures/kernel-ha, see its README for what each shows and how it was made).
 */
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DirectorPairReport } from '../../src/ipvs/director-pair.js';
import type { ClusterReport } from '../../src/ipvs/report.js';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { listHaPresets } from '../../src/simulate/ha/index.js';
import { haCapture } from '../helpers/ha-synth.js';

const HA_CODES = new Set(['ha-split-brain', 'ha-failover-gap', 'ha-conns-lost-no-sync', 'ha-no-gratuitous-arp', 'rs-failed-health-check-still-used', 'health-check-flapping']);
const FIXTURES = fileURLToPath(new URL('../fixtures/kernel-ha/', import.meta.url));

function analyze(path: string): { report: ClusterReport; pair: DirectorPairReport } {
  const { summary } = analyzeFiles([path], { files: [path], threads: 'never' });
  const pair = summary.report.directorPair;
  if (pair === undefined) throw new Error(`${path}: no directorPair section`);
  return { report: summary.report, pair };
}

const client = (c: { client: { ip: string; port: number } }): string => `${c.client.ip}:${c.client.port}`;

describe('director pair on the synth presets', () => {
  it.each(listHaPresets())('%s: masters, failovers, sync, health checks and findings as the script did them', (name) => {
    const { path, result } = haCapture(name);
    const { report, pair } = analyze(path);
    const ex = result.expect;
    expect(pair.masters.map((m) => ({ name: m.name, priority: m.priority }))).toEqual(ex.masters);
    expect(pair.failovers).toHaveLength(ex.failovers.length);
    ex.failovers.forEach((f, i) => {
      const got = pair.failovers[i]!;
      expect({ reason: got.reason, from: got.oldMaster.name, to: got.newMaster.name }).toEqual({ reason: f.reason, from: f.from, to: f.to });
      expect(got.lastAdvertFrame).toBe(result.marks.get(f.lastAdvert));
      expect(got.firstAdvertFrame).toBe(result.marks.get(f.firstAdvert));
      expect(Math.abs(got.gapMs - f.gapMs)).toBeLessThanOrEqual(1);
      expect(got.takeoverSeen).toBe(true);
      const conns = Object.fromEntries(got.connections.map((c) => [client(c), { synced: c.synced, outcome: c.outcome }]));
      for (const c of f.connections) expect(conns[c.client], `${name} ${c.client}`).toEqual({ synced: c.synced, outcome: c.outcome });
    });
    expect(pair.sync.flatMap((s) => s.connections.map(client)).sort()).toEqual([...ex.synced].sort());
    for (const h of ex.healthChecked) {
      const got = pair.healthChecks.find((c) => c.director === h.director && `${c.realServer.ip}:${c.realServer.port}` === h.realServer);
      expect(got, `${name} ${h.director} → ${h.realServer}`).toBeDefined();
      expect(Math.abs(got!.intervalMs - h.intervalMs)).toBeLessThanOrEqual(20);
    }
    expect(pair.removals.map((r) => ({ realServer: r.realServer, usedAfterFailure: r.usedAfterFailure }))).toEqual(ex.removed);
    expect([...new Set(pair.healthChecks.filter((c) => c.flapping).map((c) => c.realServer.ip))]).toEqual(ex.flapping);
    expect(pair.splitBrain.length > 0).toBe(ex.splitBrain);
    const codes = report.findings.map((f) => f.code).filter((c) => HA_CODES.has(c)).sort();
    expect([...new Set(codes)]).toEqual([...ex.findings].sort());
    // A pair's takeover GARPs are not two MACs fighting over the VIP.
    if (!ex.splitBrain) expect(report.findings.map((f) => f.code)).not.toContain('vip-arp-flapping');
  });

  it('names the backup that only health-checks as a director, and its checks are no service', () => {
    const { report, pair } = analyze(haCapture('ha-health-check').path);
    expect(report.hosts.filter((h) => h.role === 'director' && h.name?.startsWith('DIR')).map((h) => h.name).sort()).toEqual(['DIR1', 'DIR2']);
    expect(report.services.map((s) => `${s.vip}:${s.port}`)).toEqual(['192.168.23.100:80']);
    expect(pair.healthChecks.every((c) => c.kind === 'tcp')).toBe(true);
    const web2 = pair.removals.find((r) => r.realServer === '192.168.23.81')!;
    expect(web2.sentElsewhere).toBeGreaterThan(0);
    expect(web2.lastNewConnectionFrame).toBeLessThan(web2.failedFrame + 40);
  });
});

describe('director pair on real keepalived + IPVS captures', () => {
  it('failover with the sync daemon (firewall port): DIR1 silent after frame 31, DIR2 master at frame 32 after 3626 ms, its GARPs, the held connections continue; DIR1 preempts at frame 78', () => {
    const { report, pair } = analyze(join(FIXTURES, 'failover-sync-on', 'fw-eth1.pcap'));
    expect(pair.routers.map((r) => [r.name, r.ip, r.priority, r.intervalMs])).toEqual([['DIR1', '192.168.23.99', 150, 1000], ['DIR2', '192.168.23.98', 100, 1000]]);
    const [down, back] = pair.failovers;
    expect(pair.failovers).toHaveLength(2);
    expect(down).toMatchObject({ reason: 'silent', lastAdvertFrame: 31, firstAdvertFrame: 32, gapMs: 3626, garpFrames: [33, 34, 35, 36, 37], takeoverSeen: true });
    expect(down!.oldMaster.mac).toBe('02:aa:00:00:00:63');
    expect(down!.newMaster.mac).toBe('02:aa:00:00:00:62');
    expect(down!.connections.map((c) => [c.client.port, c.synced, c.outcome])).toEqual([[50014, true, 'continued'], [50015, true, 'continued']]);
    expect(back).toMatchObject({ reason: 'preempted', firstAdvertFrame: 78, gapMs: 0 });
    expect(back!.connections.every((c) => c.outcome === 'continued')).toBe(true);
    const sync = pair.sync.find((s) => s.senderIp === '192.168.23.99')!;
    expect(sync).toMatchObject({ version: 1, syncId: 51, group: '224.0.0.81', port: 8848 });
    expect(sync.connections.map((c) => c.client.port)).toEqual(expect.arrayContaining([50014, 50015]));
    const codes = report.findings.map((f) => f.code);
    expect(codes).toContain('ha-failover-gap');
    expect(codes).not.toContain('ha-conns-lost-no-sync');
    expect(codes).not.toContain('vip-arp-flapping');
  });

  it('failover without sync: the held connections are reset by the new master\'s own stack (frames 49, 51), and at the failback by DIR1 (90, 92)', () => {
    const { report, pair } = analyze(join(FIXTURES, 'failover-sync-off', 'fw-eth1.pcap'));
    const [down, back] = pair.failovers;
    expect(down).toMatchObject({ reason: 'silent', lastAdvertFrame: 36, firstAdvertFrame: 37, gapMs: 3621 });
    expect(down!.garpFrames[0]).toBe(38);
    expect(down!.connections.map((c) => [c.synced, c.outcome])).toEqual([[false, 'reset'], [false, 'reset']]);
    expect(down!.connections.flatMap((c) => c.frames)).toEqual(expect.arrayContaining([49, 51]));
    expect(back).toMatchObject({ reason: 'preempted', firstAdvertFrame: 78 });
    expect(back!.connections.filter((c) => c.outcome === 'reset').flatMap((c) => c.frames)).toEqual(expect.arrayContaining([90, 92]));
    expect(pair.sync).toEqual([]);
    const lost = report.findings.filter((f) => f.code === 'ha-conns-lost-no-sync');
    expect(lost).toHaveLength(2);
    expect(report.findings.map((f) => f.code)).not.toContain('vip-primary-on-director');
  });

  it('the old master\'s own view: the takeover happened while its cable was out, so no gap or missing GARP is claimed', () => {
    const { report, pair } = analyze(join(FIXTURES, 'failover-sync-on', 'dir-eth0.pcap'));
    expect(pair.failovers[0]?.takeoverSeen).toBe(false);
    expect(report.findings.filter((f) => HA_CODES.has(f.code))).toEqual([]);
  });

  it('a real server removed by health checks: WEB1 refuses DIR1\'s TCP_CHECK, gets no new connection after, the rest go to WEB2', () => {
    const { report, pair } = analyze(join(FIXTURES, 'rs-fail', 'dir-eth0.pcap'));
    const web1 = pair.healthChecks.find((c) => c.realServer.ip === '192.168.23.80')!;
    expect(web1).toMatchObject({ director: '192.168.23.99', directorName: 'DIR1', kind: 'tcp', flapping: false });
    expect(Math.abs(web1.intervalMs - 1000)).toBeLessThan(100);
    expect(web1.failedFrames[0]).toBe(140);
    expect(pair.healthChecks.find((c) => c.realServer.ip === '192.168.23.81')!.failed).toBe(0);
    expect(pair.removals).toEqual([expect.objectContaining({ realServer: '192.168.23.80', name: 'WEB1', usedAfterFailure: false, sentElsewhere: 3 })]);
    expect(report.services.map((s) => `${s.vip}:${s.port}`)).toEqual(['192.168.23.100:80']);
    expect(report.findings.filter((f) => HA_CODES.has(f.code))).toEqual([]);
  });
});
