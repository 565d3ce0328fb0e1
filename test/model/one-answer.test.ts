/**
 * Issue 18's "one answer per fact" for the model: the presets it was found on (seed-nat, rs-arp)
 * and the scheduler, which frames may name only when the cluster section does; and connections
 * the cluster section lists no service for, which frames tell as plain traffic.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explainFrames } from '../../src/annotate/index.js';
import { fileSink } from '../../src/capture/index.js';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { preset, synthesize } from '../../src/simulate/index.js';
import { listConformanceCaptures } from '../decode/reference.js';
import { conformance } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-one-answer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(name: string) {
  const path = join(dir, `${name}.pcapng`);
  const truth = synthesize(preset(name), fileSink(path, { overwrite: true }), { seed: 1, fileName: path }).truth;
  const frames = [...openFrames([path])];
  const s = analyzeFrames(frames, { files: [path] });
  return { truth, frames, s, en: [...explainFrames(frames, s, 'en')].map((e) => e.explanation) };
}

describe('seed-nat', () => {
  const { truth, s } = run('seed-nat');
  it('gives every host the truth\'s role: the client is no gateway', () => {
    for (const h of s.report.hosts) {
      const t = truth.hosts.find((x) => x.ip === h.ip);
      if (t !== undefined) expect([h.ip, h.role]).toEqual([t.ip, t.role]);
    }
    expect(s.report.hosts.some((h) => h.role === 'gateway')).toBe(false);
  });
});

describe('rs-arp (a real server answers ARP for the VIP and takes the connections)', () => {
  const { s, en } = run('rs-arp');
  const svc = s.services[0]!;
  it('keeps no IPVS entry and counts nothing for the director: it never saw these connections', () => {
    expect(s.liveAtEnd).toEqual([]);
    expect([svc.state.conns, svc.state.inPkts]).toEqual([0, 0]);
    expect(s.report.connections.every((c) => c.state === 'NONE' && c.realServer === null)).toBe(true);
  });
  it('names the MAC that answered the real server, not the director, in frames and findings alike', () => {
    expect(en.some((e) => e.text.includes('the director answers: VIP 192.168.23.100 is at its MAC (…:00:01:02)'))).toBe(false);
    const syn = en.find((e) => e.step === 'handshake-1' || e.text.includes("client's SYN"))!;
    expect(syn.dstRole).toBe('real-server');
    expect(syn.text).toContain('the director never sees this connection');
    const f = s.report.findings.find((x) => x.code === 'rs-answers-arp-for-vip')!;
    expect(f.params).toMatchObject({ rip: '', mac: '02:aa:00:00:01:02' });
  });
});

describe('the scheduler has one answer', () => {
  const { s, en } = run('seed-dr');
  it('frames name a scheduler only when the cluster section decided it', () => {
    const sched = s.report.services[0]!.scheduler;
    const named = en.filter((e) => / picks | by (rr|wrr|lc|wlc)\b/.test(e.text) && !e.text.includes('undecided'));
    if (sched.name === 'ambiguous' || sched.name === 'unknown') expect(named).toEqual([]);
    else expect(named.every((e) => e.text.includes(sched.name))).toBe(true);
  });
});

describe('a connection the report lists no service for', () => {
  // Third-party captures of everyday traffic (ssh, DNS, HTTP to one server, BGP): the cluster
  // section finds no LVS service for them, so no frame may speak of a VIP, a director, a gateway
  // delivering to one, or an IPVS state.
  const lvsWords = /\bVIP\b|director|IPVS state|\bDNAT\b/i;
  const lvsWordsZh = /VIP|Director|IPVS 状态/;
  // The plain sentence says what is not in sight; the rest of the text must not name it.
  const said = (t: string): string => t.replace(/: nothing in this capture shows LVS at work on this connection.*$/, '').replace(/：抓包中看不出这个连接经过 LVS.*$/, '');
  it('is told as plain traffic in every capture whose report lists no service, in both languages', () => {
    let checked = 0;
    for (const c of listConformanceCaptures()) {
      const frames = [...openFrames([c.path])];
      const s = analyzeFrames(frames, { files: [c.path] });
      if (s.report.services.length > 0 || s.report.hosts.length > 0 && s.report.hosts.some((h) => h.role === 'director')) continue;
      checked++;
      for (const e of explainFrames(frames, s, 'en')) {
        expect(said(e.explanation.text), `${c.path} frame ${e.explanation.n}`).not.toMatch(lvsWords);
        expect(['gateway', 'director', 'real-server'], `${c.path} frame ${e.explanation.n}`).not.toContain(e.explanation.srcRole);
      }
      for (const e of explainFrames(frames, s, 'zh')) expect(said(e.explanation.text), `${c.path} frame ${e.explanation.n}`).not.toMatch(lvsWordsZh);
    }
    expect(checked).toBeGreaterThan(50);
  });

  it('beside a service it does list: the DNS exchanges of a capture whose HTTPS service is reported stay plain', () => {
    const path = conformance('wireshark', 'many_interfaces-1.pcapng');
    const frames = [...openFrames([path])];
    const s = analyzeFrames(frames, { files: [path] });
    expect(s.report.services.map((x) => `${x.protocol} ${x.vip}:${x.port}`)).toEqual(['tcp 74.125.228.227:443']);
    const dns = [...explainFrames(frames, s, 'en')].filter((e) => e.frame.layers.some((l) => l.type === 'udp' && (l.dstPort === 53 || l.srcPort === 53)));
    expect(dns.length).toBeGreaterThan(2);
    for (const e of dns) expect(said(e.explanation.text)).not.toMatch(lvsWords);
  });
});
