/**
 * rs-not-responding for SYNs that are never answered and that the client retransmits (same client
 * ip:port, same ISN, a second or more later), whether or not anything else was answered.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import type { FindingReport } from '../../src/ipvs/report.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { FINDING_CATALOG } from '../../src/annotate/findings.js';
import { DR, FrameScript, drArp, drConnection } from '../helpers/frames.js';

const [RS1, RS2] = [DR.rs[0]!, DR.rs[1]!];
const KERNEL = join(import.meta.dirname, '..', 'fixtures', 'kernel-faults', 'dr-reply-via-director');
const BIN = join(import.meta.dirname, '..', '..', 'bin', 'lvscope');

const run = (s: FrameScript) => analyzeFrames(s.frames, { files: ['built'], rules: null, rulesText: null }).report;
const silent = (fs: readonly FindingReport[]) => fs.filter((f) => f.code === 'rs-not-responding');

/** A DR connection whose SYN the director forwards to `rs`, sent again after 1 s and 3 s, never answered. */
function unanswered(s: FrameScript, cport: number, rs: { mac: string }): number[] {
  const frames: number[] = [];
  for (const gap of [0, 1, 2]) {
    s.wait(gap);
    const syn = s.tcp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: DR.client, dst: DR.vip, sport: cport, dport: 80, flags: 'S', seq: 7000, id: cport + gap, ttl: 63 });
    s.tcp({ srcMac: DR.dirMac, dstMac: rs.mac, src: DR.client, dst: DR.vip, sport: cport, dport: 80, flags: 'S', seq: 7000, id: cport + gap, ttl: 62 });
    frames.push(syn.n);
  }
  s.wait(0.5);
  return frames;
}

describe('rs-not-responding: SYNs never answered, retransmitted', () => {
  it('no real server ever answers: an error naming each real server and the SYN frames', () => {
    const s = new FrameScript();
    drArp(s, 2);
    const a = unanswered(s, 41001, RS1);
    const b = unanswered(s, 41002, RS2);
    const r = run(s);
    const f = silent(r.findings);
    expect(f.map((x) => x.severity)).toEqual(['error', 'error']);
    expect(f.map((x) => x.frames)).toEqual([a, b]);
    expect(f[0]!.message).toContain(`real server ${RS1.ip} never answered 1 connection(s)`);
    expect(f[0]!.message).toContain('retransmitted the SYN 2 time(s)');
    expect(f[0]!.message).toContain('VIP missing on the real server\'s lo');
    // The catalog renders the model's words from the params, in both languages.
    const p = f[0]!.params as { rs: string; silent: NonNullable<unknown> };
    expect(FINDING_CATALOG['rs-not-responding'].en(p as never)).toBe(f[0]!.message);
    expect(FINDING_CATALOG['rs-not-responding'].zh(p as never)).toContain('客户端重传了 2 次 SYN');
  });

  it('one server silent while the other answers: a warning about that server only', () => {
    const s = new FrameScript();
    drArp(s, 2);
    drConnection(s, { cport: 40001, rs: RS2 });
    const a = unanswered(s, 41001, RS1);
    drConnection(s, { cport: 40002, rs: RS2 });
    const f = silent(run(s).findings);
    expect(f).toHaveLength(1);
    // The SYNs the client sent, and the director's forward of the first (seen once the flow expired).
    expect(f[0]).toMatchObject({ severity: 'warning', frames: [a[0], a[0]! + 1, a[1], a[2]] });
    expect(f[0]!.message).toContain(`real server ${RS1.ip}`);
  });

  it('the same traffic answered raises nothing, a late answer after a retransmission included', () => {
    const s = new FrameScript();
    drArp(s, 2);
    drConnection(s, { cport: 40001, rs: RS1 });
    drConnection(s, { cport: 40002, rs: RS2 });
    s.tcp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: DR.client, dst: DR.vip, sport: 40003, dport: 80, flags: 'S', seq: 9000, id: 1, ttl: 63 });
    s.wait(1);
    s.tcp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: DR.client, dst: DR.vip, sport: 40003, dport: 80, flags: 'S', seq: 9000, id: 2, ttl: 63 });
    s.tcp({ srcMac: RS1.mac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, sport: 80, dport: 40003, flags: 'SA', seq: 1, ack: 9001 });
    expect(run(s).findings).toEqual([]);
  });
});

describe('rs-not-responding on the real kernel (DR, WEB1 replying through the director)', () => {
  const findings = (file: string) => runModel(parseAnalyzeArgs([join(KERNEL, file)])).summary.report.findings;

  it('at the client: the two timed-out connections, real server not visible from there', () => {
    const f = silent(findings('c0-eth0.pcap'));
    expect(f).toHaveLength(1);
    expect(f[0]).toMatchObject({ severity: 'warning', frames: [3, 4, 5, 6, 17, 18, 19, 20] });
    expect(f[0]!.message).toContain('SYNs to 172.16.23.80:80 were never answered (2 connection(s)');
  });

  it('at the director, where the misdirected replies are seen, only dr-reply-via-director is reported', () => {
    const f = findings('dir-eth0.pcap');
    expect(f.map((x) => x.code)).toEqual(['dr-reply-via-director']);
  });

  const built = spawnSync(BIN, ['--help']).status === 0;
  it.skipIf(!built)('validate names the code and exits 1 (warnings: the other server answered)', () => {
    const r = spawnSync(BIN, ['validate', join(KERNEL, 'fw-eth1.pcap')], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^warning rs-not-responding: SYNs to 192\.168\.23\.100:80 were never answered/m);
    expect(r.status).toBe(1);
  });

  it.skipIf(!built)('only the failed connections: no connection answered at all, an error, exit 3', () => {
    const r = spawnSync(BIN, ['validate', join(KERNEL, 'c0-eth0-failed-only.pcap')], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^error rs-not-responding: .*no connection in the capture was answered at all/m);
    expect(r.status).toBe(3);
  });
});
