/**
 * Issue 18's "one answer per fact" for the model: the presets it was found on (seed-nat, rs-arp)
 * and the scheduler, which frames may name only when the cluster section does.
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
