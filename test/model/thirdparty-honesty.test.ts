/**
 * Issue 13's honesty points on public captures: a scheduler is named only above the evidence bar
 * (SCHEDULER_BAR), persistence only from time-separated evidence, the reconstructed ipvsadm -Ln
 * names no scheduler that was not inferred, and a balancer whose tunnel sources vary per flow is
 * one balancer, not a director per source, and a tunnel carrying replies both ways is no TUN.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink } from '../../src/capture/index.js';
import { explainFrames } from '../../src/annotate/index.js';
import { openFrames } from '../../src/decode/index.js';
import { SCHEDULER_BAR } from '../../src/model/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { renderIpvsadmList } from '../../src/present/ipvsadm-view.js';
import { renderSummary } from '../../src/present/analyze-summary.js';
import { makeStyle } from '../../src/present/analyze-style.js';
import { preset, synthesize } from '../../src/simulate/index.js';
import { conformance, thirdparty } from '../helpers/paths.js';

const analyze = (files: string[]) => analyzeFrames(openFrames(files), { files });
const YANET_WRR = ['001-send.pcap', '001-expect.pcap'].map((f) => conformance('yanet', '049_balancer_wrr', f));

describe('the scheduler evidence bar', () => {
  it('is stated: named only when it alone reproduces 90% of at least 4 decisions', () => {
    expect(SCHEDULER_BAR).toEqual({ share: 0.9, decisions: 4 });
  });

  it('a wrr balancer (another project\'s, weights 4/3/2/1) that no kernel scheduler reproduces is unknown, not twos or lblc', () => {
    for (const files of [YANET_WRR, YANET_WRR.slice(1)]) {
      const s = analyze(files);
      const svc = s.report.services[0]!;
      expect(svc.scheduler.name).toBe('unknown');
      expect(svc.scheduler.candidates[0]!.score).toBeLessThan(SCHEDULER_BAR.share);
      expect(svc.scheduler.candidates.length).toBeGreaterThan(1);
      // ipvsadm -Ln names no scheduler the model did not infer.
      expect(renderIpvsadmList(s)).toMatch(/^TCP {2}10\.1\.0\.2:443 \?$/m);
    }
  });

  it('a sh claim that reproduces 15 of 16 decisions of a pure-L3 balancer stands (above the bar)', () => {
    const s = analyze(['001-send.pcap', '002-send.pcap', '002-expect.pcap'].slice(1).map((f) => conformance('yanet', '049_balancer_pure_l3', f)));
    const svc = s.report.services.find((x) => x.vip === '10.0.0.16' && x.port === 21)!;
    expect(svc.scheduler.candidates[0]!.score).toBeGreaterThanOrEqual(SCHEDULER_BAR.share);
    expect(svc.scheduler.name).toBe('sh');
  });

  it('unknown prints "?" in ipvsadm -Ln and the cluster text, never the first candidate', () => {
    const s = analyze([thirdparty('katran', 'katran-gue.pcap')]);
    expect(s.report.services.filter((x) => x.scheduler.name === 'unknown').length).toBeGreaterThan(0);
    for (const line of renderIpvsadmList(s).split('\n').filter((l) => /^(TCP|UDP) /.test(l))) expect(line).toMatch(/ (\?|\w+\?)$/);
    const unknownLines = renderIpvsadmList(s).split('\n').filter((l) => /^UDP {2}10\.200\.1\.1:80 /.test(l));
    expect(unknownLines).toEqual(['UDP  10.200.1.1:80 ?']);
    expect(renderSummary(s, makeStyle(false), 'en')).toContain('scheduler: ? (unknown');
  });
});

describe('persistence needs time-separated evidence', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-honesty-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('the same clients twice in one instant (a test balancer\'s send and expect files) claim no persistence', () => {
    const s = analyze(YANET_WRR);
    expect(s.report.services[0]!.persistence).toBeNull();
    expect(s.report.findings.filter((f) => f.code === 'persistence-broken')).toEqual([]);
  });

  it('a persistent cluster is recognised with its timestamps, and claims nothing once they are all equal', () => {
    const path = join(dir, 'persistent.pcapng');
    synthesize(preset('persistent', {}), fileSink(path, { overwrite: true }), { seed: 7 });
    const timed = analyze([path]).report;
    expect(timed.services.some((x) => x.persistence !== null)).toBe(true);
    const flat = join(dir, 'persistent-flat.pcapng');
    writeFileSync(flat, flattenTimes(readFileSync(path)));
    const r = analyze([flat]).report;
    expect(r.connections.length).toBe(timed.connections.length);
    expect(r.services.every((x) => x.persistence === null)).toBe(true);
    expect(r.findings.filter((f) => f.code === 'persistence-broken')).toEqual([]);
  });
});

describe('a balancer whose outer sources vary per flow', () => {
  it('Katran\'s IPIP: one balancer with three outer sources, none of them a director in the hosts table', () => {
    const s = analyze([thirdparty('katran', 'katran-ipip.pcap')]);
    const sources = ['172.16.57.5', '172.16.104.123', '172.16.105.122'];
    for (const svc of s.report.services) expect(svc.director).toEqual({ ip: null, mac: '02:00:00:00:00:00', outerSources: sources });
    const directors = s.report.hosts.filter((h) => h.role === 'director');
    expect(directors.map((h) => h.ip)).toEqual(['10.200.1.1', '10.200.1.4']);
    expect(new Set(directors.map((h) => h.mac))).toEqual(new Set(['02:00:00:00:00:00']));
    expect(renderSummary(s, makeStyle(false), 'en')).toContain('one balancer whose outer sources vary per flow (3: 172.16.57.5, 172.16.104.123, 172.16.105.122), not 3 directors');
    expect(renderSummary(s, makeStyle(false), 'zh')).toContain('隧道外层源地址按连接变化（3 个');
  });

  it('another balancer\'s outer source networks (eleven test units together): one director MAC, no source listed as a director', () => {
    const unit = '068_balancer_outer_source_network';
    const files = Array.from({ length: 11 }, (_, i) => conformance('yanet', unit, `${String(i + 1).padStart(3, '0')}-expect.pcap`));
    const s = analyze(files);
    const directors = s.report.hosts.filter((h) => h.role === 'director');
    expect(directors.every((h) => s.report.services.some((x) => x.vip === h.ip))).toBe(true);
    expect(s.report.services.every((x) => x.director.ip === null && (x.director.outerSources?.length ?? 0) >= 2)).toBe(true);
  });

  it('one outer source per address family (Katran\'s GUE) is not per-flow: the director keeps its address', () => {
    const s = analyze([thirdparty('katran', 'katran-gue.pcap')]);
    for (const svc of s.report.services) expect(svc.director.outerSources).toBeUndefined();
    expect(s.report.hosts.filter((h) => h.role === 'director').map((h) => h.ip)).toContain('10.0.13.37');
  });
});

/** Every enhanced packet block stamped with the first one's time: the capture's clock stood still. */
function flattenTimes(buf: Buffer): Buffer {
  const out = Buffer.from(buf);
  let at = 0;
  let hi = -1;
  let lo = -1;
  while (at + 12 <= out.length) {
    const type = out.readUInt32LE(at);
    const len = out.readUInt32LE(at + 4);
    if (type === 6) {
      if (hi < 0) { hi = out.readUInt32LE(at + 12); lo = out.readUInt32LE(at + 16); }
      out.writeUInt32LE(hi, at + 12);
      out.writeUInt32LE(lo, at + 16);
    }
    at += len;
  }
  return out;
}

describe('a tunnel between two sites is not IPVS\'s TUN', () => {
  // Zeek's gre-sample: NTP, SSH and DNS between two networks through one GRE tunnel, the answers
  // (and an ICMP port unreachable) coming back inside the tunnel too. IPVS's real servers answer
  // the client directly, never through the tunnel.
  const path = thirdparty('zeek', 'gre-sample.pcap');

  it('finds no virtual service, no director and no real server in it', () => {
    const { report } = analyze([path]);
    expect(report.services).toEqual([]);
    expect(report.hosts.filter((h) => h.role === 'director' || h.role === 'real-server')).toEqual([]);
    expect(report.findings).toEqual([]);
  });

  it('the walkthrough wraps nothing in the director\'s name', () => {
    const s = analyze([path]);
    const text = [...explainFrames([...openFrames([path])], s, 'en')].map((e) => e.explanation.text);
    expect(text.filter((t) => /director/.test(t))).toEqual([]);
    expect(text[10]).toBe('not LVS traffic: TCP 66.59.111.190:40264 → 172.28.2.3:22');
  });

  it('one datagram each way in IPIP (Zeek\'s 4in4) is still read as a tunnel forward: nothing contradicts it', () => {
    const { report } = analyze([conformance('zeek', 'traces', 'tunnels', '4in4.pcap')]);
    expect(report.services.map((s) => s.method)).toEqual(['tun']);
  });
});
