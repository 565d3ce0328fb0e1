/**
 * The failures operators meet, reproduced on the real kernel's IPVS (lvscope lab, Debian 6.1 in the
 * microVM; commands in test/fixtures/kernel-faults/README.md): `validate` names each one's code and
 * exits non-zero, and the same traffic without the fault raises nothing. Port reuse no longer drops
 * a SYN on this kernel, so its finding comes from `synth --fault port-reuse` and the lab's capture
 * shows the modern behaviour.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink } from '../../src/capture/index.js';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import { findingMessage } from '../../src/ipvs/finding-catalog.js';
import type { FindingCode, FindingParamsByCode, FindingReport } from '../../src/ipvs/report.js';
import { preset, synthesize } from '../../src/simulate/index.js';
import { FIXTURES, REPO_ROOT } from '../helpers/paths.js';

const DIR = join(FIXTURES, 'kernel-faults');
const BIN = join(REPO_ROOT, 'bin', 'lvscope');
const fixture = (...p: string[]): string => join(DIR, ...p);

function report(files: string[], more: string[] = []) {
  return runModel(parseAnalyzeArgs([...files, '--format', 'json', ...more])).summary.report;
}
const codesOf = (fs: readonly FindingReport[]): FindingCode[] => [...new Set(fs.map((f) => f.code))].sort();
const codes = (file: string, more: string[] = []): FindingCode[] => codesOf(report([file], more).findings);
const only = (file: string, code: FindingCode, more: string[] = []): FindingReport => {
  const f = report([file], more).findings.filter((x) => x.code === code);
  expect(f.length, `${code} in ${file}`).toBeGreaterThan(0);
  return f[0]!;
};

describe('a real server silent or refusing while the other answers (DR, rs1 misconfigured)', () => {
  it('firewall dropping the SYNs: rs-not-responding at the firewall and on the real server', () => {
    expect(codes(fixture('rs-firewall', 'fw-eth1.pcap'))).toEqual(['rs-not-responding']);
    const rs = only(fixture('rs-firewall', 'rs1-eth0.pcap'), 'rs-not-responding');
    expect(rs.severity).toBe('error');
  });

  it('VIP missing on lo: the same silence (the real server drops packets for an address it does not own)', () => {
    const f = only(fixture('dr-vip-missing', 'fw-eth1.pcap'), 'rs-not-responding');
    expect(f.message).toMatch(/VIP missing on (the real server's|its) lo/);
    expect(codes(fixture('dr-vip-missing', 'rs1-eth0.pcap'))).toEqual(['rs-not-responding']);
  });

  it('TUN rp_filter: the director sent the SYNs to 10.23.0.10, which never answered', () => {
    const f = only(fixture('tun-rp-filter', 'dir-eth0.pcap'), 'rs-not-responding');
    expect(f.params).toMatchObject({ rs: '10.23.0.10', silent: { rsKnown: true, method: 'tun' } });
    expect(f.message).toContain('rp_filter');
  });

  it('firewall rejecting: ICMP port unreachable from the real server, not the director\'s "no real server"', () => {
    const f = only(fixture('rs-reject', 'fw-eth1.pcap'), 'rs-rejects');
    expect(f.params).toEqual({ rs: '192.168.23.80', virtual: '192.168.23.100:80', protocol: 'tcp', code: 3 });
    expect(f.frames.length).toBeGreaterThanOrEqual(2);
    expect(codes(fixture('rs-reject', 'fw-eth1.pcap'))).toEqual(['rs-rejects']);
  });

  it('service down: the real server answers the SYN with RST', () => {
    const f = only(fixture('rs-down', 'fw-eth1.pcap'), 'dr-port-mapping');
    expect(f.params).toMatchObject({ kind: 'refused', rs: '192.168.23.80' });
  });

  it('DNS server down: ICMP port unreachable for UDP 53 from the real server', () => {
    const f = only(fixture('dns-rs-down', 'fw-eth1.pcap'), 'rs-rejects');
    expect(f.params).toEqual({ rs: '192.168.23.80', virtual: '192.168.23.100:53', protocol: 'udp', code: 3 });
    expect(f.message).toContain('nothing listens on UDP port 53');
  });
});

describe('a UDP flow black-holed by its entry (WEB1 removed, expire_nodest_conn=0, UDP timeout 10 s)', () => {
  it('stale-entry: how long, how many datagrams, the server before and after', () => {
    const f = only(fixture('udp-stale-removed', 'fw-eth1.pcap'), 'stale-entry');
    expect(f.severity).toBe('error');
    expect(f.params).toMatchObject({ virtual: '192.168.23.100:53', rs: '192.168.23.80', after: '192.168.23.81' });
    const p = f.params as { seconds: number; lost: number };
    expect(p.seconds).toBeGreaterThanOrEqual(8);
    expect(p.lost).toBeGreaterThanOrEqual(6);
    expect(codes(fixture('udp-stale-removed', 'fw-eth1.pcap'))).toEqual(['stale-entry']);
  });

  it('the same resolver with no server removed: nothing (dns-same-port)', () => {
    expect(codes(fixture('dns-same-port', 'fw-eth1.pcap'))).toEqual([]);
  });
});

describe('an idle connection whose entry expired (ipvsadm --set 3 3 3, 6 s idle)', () => {
  it('the next request meets the director\'s RST, from the firewall and from the director', () => {
    for (const file of ['fw-eth1.pcap', 'dir-eth0.pcap']) {
      const fs = report([fixture('idle-expired', file)]).findings;
      expect(codesOf(fs), file).toEqual(['idle-entry-expired']);
      expect(fs.filter((f) => f.code === 'idle-entry-expired')).toHaveLength(2);
      expect((fs[0]!.params as { idle: number }).idle).toBeGreaterThanOrEqual(6);
    }
  });

  it('with the default 900 s timeout the same 6 s idle is answered: nothing', () => {
    expect(codes(fixture('idle-kept', 'fw-eth1.pcap'))).toEqual([]);
  });
});

describe('UDP through IPVS: DNS on port 53', () => {
  it('rr over two real servers, one UDP entry per client port', () => {
    const r = report([fixture('dns-rr', 'fw-eth1.pcap')]);
    expect(r.findings).toEqual([]);
    const svc = r.services.find((s) => s.protocol === 'udp' && s.port === 53);
    expect(svc?.realServers.map((x) => [x.ip, x.connections])).toEqual([['192.168.23.80', 3], ['192.168.23.81', 3]]);
    expect(r.connections.map((c) => c.state)).toEqual(Array(6).fill('UDP'));
    expect(r.connections.map((c) => c.realServer)).toEqual(['192.168.23.80:53', '192.168.23.81:53', '192.168.23.80:53', '192.168.23.81:53', '192.168.23.80:53', '192.168.23.81:53']);
    expect(svc?.scheduler.candidates.map((c) => c.name)).toContain('rr');
  });

  it('one client port: one entry holds the flow on one real server; with -o each datagram is scheduled (no finding either way)', () => {
    expect(codes(fixture('dns-same-port', 'fw-eth1.pcap'))).toEqual([]);
    expect(report([fixture('dns-same-port', 'fw-eth1.pcap')]).connections).toHaveLength(1);
    expect(codes(fixture('dns-one-packet', 'fw-eth1.pcap'))).toEqual([]);
  });
});

describe('persistence pinned to a quiesced server (ipvsadm -e … -w 0 after the first request)', () => {
  it('with the rules: quiesced-server-used names the templates and expire_quiescent_template', () => {
    const f = only(fixture('persist-quiesced', 'fw-eth1.pcap'), 'quiesced-server-used', ['--rules', fixture('persist-quiesced', 'ipvsadm-S.rules')]);
    expect(f.params).toMatchObject({ rs: '192.168.23.80', persistent: true });
    expect(f.message).toContain('expire_quiescent_template');
  });

  it('without the rules the capture alone cannot tell a quiesced server from persistence doing its job', () => {
    expect(codes(fixture('persist-quiesced', 'fw-eth1.pcap'))).toEqual([]);
  });
});

describe('port reuse: Debian 6.1 schedules the reused port\'s SYN at once; synth shows the older kernels', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'lvscope-faults-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('the lab (NAT, one client port, conntrack=0): each reuse is rescheduled, no finding', () => {
    const r = report([fixture('port-reuse-nat', 'dir-any.pcap')]);
    expect(r.findings).toEqual([]);
    expect(r.connections.map((c) => c.realServer)).toEqual(['192.168.23.80:8080', '192.168.23.81:8080', '192.168.23.80:8080', '192.168.23.81:8080']);
  });

  it('synth --fault port-reuse: each reuse waits 1 s for its retransmitted SYN; conntrack=0, the same traffic, nothing', () => {
    const sc = preset('port-reuse');
    const bad = join(tmp, 'reuse.pcapng');
    synthesize(sc, fileSink(bad, { overwrite: true }), { seed: 1 });
    const fs = report([bad]).findings;
    expect(codesOf(fs)).toEqual(['port-reuse-syn-dropped']);
    expect(fs.filter((f) => f.code === 'port-reuse-syn-dropped').length).toBe(sc.workload.connections - 1);
    const fine = { ...sc, hosts: sc.hosts.map((h) => (h.ipvsSysctls === undefined ? h : { ...h, ipvsSysctls: { conntrack: false } })) };
    const good = join(tmp, 'reuse-ok.pcapng');
    synthesize(fine, fileSink(good, { overwrite: true }), { seed: 1 });
    expect(report([good]).findings).toEqual([]);
  });
});

describe('stale-entry (TCP): WEB1 removed under a held connection (expire_nodest_conn=0)', () => {
  // The GET on 51093 sent 8 times (7 GETs, then with the FIN), 0.24 s to 7.4 s apart; none forwarded.
  const tcp = (file: string) => only(fixture('tcp-stale-removed', file), 'stale-entry');

  it('at the firewall: the retransmissions, the server before, the service answering others', () => {
    const f = tcp('fw-eth1.pcap');
    expect(f.severity).toBe('error');
    expect(f.params).toMatchObject({
      protocol: 'tcp', client: '172.16.0.100:51093', virtual: '192.168.23.100:80', rs: '192.168.23.80', sent: 8, director: 'unseen', othersAnswered: true,
    });
    const p = f.params as { seconds: number; firstGap: number; lastGap: number };
    expect(p.seconds).toBeCloseTo(15, 0);
    expect(p.firstGap).toBeLessThan(0.3);
    expect(p.lastGap).toBeGreaterThan(7);
    expect(codes(fixture('tcp-stale-removed', 'fw-eth1.pcap'))).toEqual(['stale-entry']);
  });

  it('on the director: they arrive and none is forwarded, as the earlier segments were', () => {
    const f = tcp('dir-eth0.pcap');
    expect(f.params).toMatchObject({ protocol: 'tcp', client: '172.16.0.100:51093', rs: '192.168.23.80', sent: 8, director: 'dropped' });
    expect(f.message).toContain('forwarded none of them');
    expect(codes(fixture('tcp-stale-removed', 'dir-eth0.pcap'))).toEqual(['stale-entry']);
  });

  it('on the director\'s any capture (cooked, no destination MACs): delivered to it, none sent on', () => {
    const file = fixture('tcp-stale-removed-any', 'dir-any.pcap');
    const f = only(file, 'stale-entry');
    // The cooked capture names no real server for the entry's forwards: the sentence says "its real server".
    expect(f.params).toMatchObject({ protocol: 'tcp', client: '172.16.0.100:48996', rs: null, sent: 7, director: 'dropped', othersAnswered: true });
    expect(codes(file)).toEqual(['stale-entry']);
  });

  it('on the removed real server: nothing arrives after the removal, so nothing to say', () => {
    expect(codes(fixture('tcp-stale-removed-any', 'rs1-eth0.pcap'))).toEqual([]);
  });

  it('the zh sentence says what the kernel does with the entry', () => {
    const f = tcp('dir-eth0.pcap');
    const zh = findingMessage('stale-entry', f.params as FindingParamsByCode['stale-entry'], 'zh');
    expect(zh).toContain('ESTABLISHED');
    expect(zh).toContain('net.ipv4.vs.expire_nodest_conn=1');
  });
});

describe('validate on the kernel captures: names the code, exits non-zero', () => {
  const built = spawnSync(BIN, ['--help']).status === 0;
  const cases: [string, RegExp, number][] = [
    ['rs-reject/fw-eth1.pcap', /^error rs-rejects: real server 192\.168\.23\.80 answers TCP/m, 3],
    ['dns-rs-down/fw-eth1.pcap', /^error rs-rejects: .*UDP port 53/m, 3],
    ['idle-expired/fw-eth1.pcap', /^warning idle-entry-expired: connection 172\.16\.0\.100:\d+ → 192\.168\.23\.100:80 was idle for 6/m, 1],
    ['rs-firewall/fw-eth1.pcap', /^warning rs-not-responding/m, 1],
    ['tun-rp-filter/rs1-eth0.pcap', /^error rs-not-responding: real server 10\.23\.0\.10/m, 3],
    ['rs-down/fw-eth1.pcap', /^warning dr-port-mapping: real server 192\.168\.23\.80 refuses/m, 1],
    ['udp-stale-removed/fw-eth1.pcap', /^error stale-entry: client 172\.16\.0\.100:\d+'s datagrams to 192\.168\.23\.100:53 went unanswered for 8/m, 3],
    ['tcp-stale-removed/fw-eth1.pcap', /^error stale-entry: connection 172\.16\.0\.100:51093 → 192\.168\.23\.100:80 went unanswered for at least 15 s/m, 3],
  ];
  it.skipIf(!built).each(cases)('%s', (file, line, status) => {
    const r = spawnSync(BIN, ['validate', fixture(file)], { encoding: 'utf8' });
    expect(r.stdout).toMatch(line);
    expect(r.status).toBe(status);
  });

  it.skipIf(!built)('the same traffic without the fault: exit 0', () => {
    for (const file of ['idle-kept/fw-eth1.pcap', 'dns-rr/fw-eth1.pcap', 'dns-same-port/fw-eth1.pcap']) {
      const r = spawnSync(BIN, ['validate', fixture(file)], { encoding: 'utf8' });
      expect(r.stdout, file).toBe('No findings.\n');
      expect(r.status, file).toBe(0);
    }
  });
});
