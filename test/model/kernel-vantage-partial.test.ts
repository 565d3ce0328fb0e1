/**
 * Partial views of real-kernel clusters (test/fixtures/kernel*, the kernel's own IPVS in the lab's
 * microVM): what one real server's NIC shows of a NAT cluster and of misconfigured ones, each claim
 * with how sure it is, and captures from hosts whose clocks differ, merged.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explainFrames } from '../../src/annotate/index.js';
import { analyzeCommand } from '../../src/cli/commands/analyze.js';
import { measureClockOffsets, openFrames } from '../../src/decode/index.js';
import type { Summary } from '../../src/model/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { renderIpvsadmConns, renderIpvsadmList } from '../../src/present/ipvsadm-view.js';
import { runCommand } from '../helpers/run-command.js';

function analyze(paths: readonly string[], vip?: { ip: string; port: number }): Summary {
  return analyzeFrames(openFrames(paths), { files: paths, ...(vip ? { vips: [vip] } : {}) });
}

const codes = (s: Summary): string[] => [...new Set(s.report.findings.map((f) => f.code))].sort();

describe('one NAT real server\'s own NIC (nat-rr-8080/rs1-eth0)', () => {
  const path = 'test/fixtures/kernel/nat-rr-8080/rs1-eth0.pcap';
  const s = analyze([path]);
  const svc = s.report.services[0]!;

  it('names the director by the MAC and DIP the clients\' packets come from, the server as a real server', () => {
    expect(svc.director).toEqual({ ip: '192.168.23.1', mac: '02:aa:00:00:00:63' });
    const role = (ip: string) => s.report.hosts.find((h) => h.ip === ip)?.role;
    expect([role('192.168.23.1'), role('192.168.23.80')]).toEqual(['director', 'real-server']);
  });

  it('claims NAT at 0.6 and the VIP at 0, and says what is not in this capture', () => {
    expect(svc.claims).toEqual({ method: 0.6, vip: 0, director: 0.6, realServers: 0.3 });
    expect(svc.unseen).toEqual(['vip', 'other-real-servers']);
  });

  it('prints only what was inferred: ?:? for the VIP, ? for the scheduler', () => {
    expect(renderIpvsadmList(s)).toContain('TCP  ?:? ?\n');
    expect(renderIpvsadmConns(s)).not.toContain('?:0');
  });

  it('takes the VIP from --vip', () => {
    const named = analyze([path], { ip: '172.16.23.80', port: 80 }).report.services[0]!;
    expect([named.vip, named.port, named.method]).toEqual(['172.16.23.80', 80, 'nat']);
  });

  it('explains the director\'s frames as its NAT forward, in English and Chinese', () => {
    const frames = [...openFrames([path])];
    const en = [...explainFrames(frames, s, 'en')].map((e) => e.explanation);
    const zh = [...explainFrames(frames, s, 'zh')].map((e) => e.explanation);
    const i = en.findIndex((e) => e.step === 'director-forward');
    expect(en[i]!.text).toBe('the director picked WEB1 and rewrote the SYN\'s destination VIP ? (not in this capture) to 192.168.23.80:8080 (NAT) and forwards it');
    expect(zh[i]!.text).toContain('VIP ?（本抓包中看不到）改成 192.168.23.80:8080');
  });
});

describe('misconfigurations, seen on the real server\'s own NIC', () => {
  it('DR, the real server\'s default route the DIP: DR, and its replies going to the director', () => {
    const s = analyze(['test/fixtures/kernel-faults/dr-reply-via-director/rs1-eth0.pcap']);
    const svc = s.report.services[0]!;
    expect([svc.vip, svc.method, svc.realServers.map((r) => r.ip)]).toEqual(['192.168.23.100', 'dr', ['192.168.23.80']]);
    expect(codes(s)).toContain('dr-reply-via-director');
  });

  it('NAT, the real server\'s default route another router: NAT, and its replies bypassing the director', () => {
    const s = analyze(['test/fixtures/kernel-misconfig/nat-gateway/rs1-eth0.pcap']);
    expect(s.report.services[0]!.method).toBe('nat');
    expect(s.report.services[0]!.vip).toBe('?');
    const f = s.report.findings.find((x) => x.code === 'nat-reply-bypasses-director');
    expect(f?.params).toEqual({ rs: '192.168.23.80', mac: '02:aa:00:00:00:fd' });
  });

  it('the VIP as the director\'s primary address, at the gateway: each connection\'s real server from the director\'s ARP right after its SYN, the method unknown', () => {
    const dir = 'test/fixtures/kernel-misconfig/vip-primary';
    const t = (JSON.parse(readFileSync(`${dir}/truth.json`, 'utf8')) as { lab: { requests: { client: string; realServer: string }[] } }).lab;
    const s = analyze([`${dir}/fw-eth1.pcap`]);
    const svc = s.report.services[0]!;
    expect([svc.vip, svc.method, svc.realServers.map((r) => r.ip)]).toEqual(['192.168.23.100', 'unknown', ['192.168.23.80', '192.168.23.81']]);
    // The kernel's -Lnc destinations, though no forward ever left the director.
    expect(s.report.connections.map((c) => [c.client, c.realServer]))
      .toEqual(t.requests.map((r) => [r.client, r.realServer]));
    expect(svc.methodEvidence!.join(' ')).toContain('right after each connection\'s SYN it asked ARP for the real server it picked');
    expect(codes(s)).toContain('vip-primary-on-director');
    // The Forward column claims no flag the capture cannot back: `?`, not DR's `Route`.
    expect(renderIpvsadmList(s)).toContain('  -> 192.168.23.80:80             ?       ');
    expect(renderIpvsadmList(s)).not.toContain('Route');
  });

  it('the VIP as the director\'s primary address: its unanswered ARP from the VIP, though no client packet shows', () => {
    const s = analyze(['test/fixtures/kernel-misconfig/vip-primary/rs1-eth0.pcap']);
    const f = s.report.findings.find((x) => x.code === 'vip-primary-on-director');
    expect(f?.params).toEqual({ vip: '192.168.23.100' });
    expect(f!.frames.length).toBeGreaterThanOrEqual(3);
  });
});

describe('a DR real server that answers ARP for the VIP (kernel-misconfig/rs-arp: the gateway took its answer, the director saw no client)', () => {
  const dir = 'test/fixtures/kernel-misconfig/rs-arp';

  it('on that server\'s own NIC: no method, no director and no VIP claimed; the three readings named, in English and Chinese', () => {
    const s = analyze([`${dir}/rs1-eth0.pcap`]);
    const svc = s.report.services[0]!;
    expect([svc.vip, svc.method, svc.director, svc.claims?.method]).toEqual(['?', 'unknown', { ip: null, mac: null }, 0]);
    // The host in front is the gateway that resolved the address, not a NAT director.
    const role = (ip: string) => s.report.hosts.find((h) => h.ip === ip)?.role;
    expect([role('192.168.23.1'), s.report.hosts.filter((h) => h.role === 'director')]).toEqual(['gateway', []]);
    expect(svc.methodEvidence!.join(' ')).toMatch(/a DR real server that answers ARP for the VIP .*bypassing the director/);
    const frames = [...openFrames([`${dir}/rs1-eth0.pcap`])];
    for (const lang of ['en', 'zh'] as const) {
      const text = [...explainFrames(frames, s, lang)].map((e) => e.explanation.text).join('\n');
      expect(text).not.toMatch(/director (will )?picks?|Director 将?选中|to the director|back through the director|经 Director 返回/);
    }
    expect([...explainFrames(frames, s, 'en')][2]!.explanation.text)
      .toMatch(/^the gateway 192\.168\.23\.1 delivers the client's SYN .* to WEB1 on its own address: whether a NAT director, a plain router or a gateway bypassing the director/);
  });

  it('with --vip naming the address: the host answering the clients on it is not made the director', () => {
    const s = analyze([`${dir}/rs1-eth0.pcap`], { ip: '192.168.23.100', port: 80 });
    const svc = s.report.services[0]!;
    expect([svc.vip, svc.method, svc.director.mac]).toEqual(['192.168.23.100', 'unknown', null]);
    expect(s.report.hosts.filter((h) => h.role === 'director')).toEqual([]);
    expect(svc.methodEvidence!.join(' ')).toContain('a DR real server that answers ARP for the VIP');
  });

  it('at the gateway\'s LAN side: the real server answering ARP for the VIP, the director by the other MAC, no method', () => {
    const s = analyze([`${dir}/fw-eth1.pcap`]);
    const svc = s.report.services[0]!;
    expect([svc.vip, svc.method, svc.director.mac]).toEqual(['192.168.23.100', 'unknown', '02:aa:00:00:00:63']);
    expect(codes(s)).toEqual(['rs-answers-arp-for-vip', 'vip-arp-flapping']);
  });

  it('on the director: the gateway\'s ARP and the director\'s answer, then no client frame: no service is invented from two ARP frames', () => {
    const s = analyze([`${dir}/dir-eth0.pcap`]);
    expect([s.report.services, s.report.findings]).toEqual([[], []]);
  });
});

describe('merged captures whose clocks differ', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-clock-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const K = 'test/fixtures/kernel/nat-rr-3rs-8080';
  const files = ['dir-eth0.pcap', 'rs1-eth0.pcap', 'rs2-eth0.pcap', 'rs3-eth0.pcap'].map((f) => `${K}/${f}`);
  /** rs2's capture with its clock 30 s behind (nanosecond pcap: every record's seconds field). */
  const late = join(dir, 'rs2-late.pcap');
  const b = Buffer.from(readFileSync(files[2]!));
  for (let o = 24; o + 16 <= b.length; o += 16 + b.readUInt32LE(o + 8)) b.writeUInt32LE(b.readUInt32LE(o) - 30, o);
  writeFileSync(late, b);
  const shifted = [files[0]!, files[1]!, late, files[3]!];

  it('measures the offset from the packets seen in both files (forwarding takes microseconds, not seconds)', () => {
    const same = measureClockOffsets(files);
    expect(same.every((o) => Math.abs(o.seconds) < 0.01)).toBe(true);
    const off = measureClockOffsets(shifted).find((o) => o.file === 2)!;
    expect(off.seconds).toBeCloseTo(-30, 2);
    expect(off.pairs).toBeGreaterThan(10);
  });

  it('warns with the measured offset, corrects it, and pairs every connection as with agreeing clocks', async () => {
    const good = JSON.parse((await runCommand(analyzeCommand, ['--format', 'json', ...files])).stdout);
    const run = await runCommand(analyzeCommand, ['--format', 'json', ...shifted]);
    expect(run.code).toBe(0);
    expect(run.stderr).toMatch(/the clock of .*rs2-late\.pcap is (29\.9|30\.0)\d+ s behind .*dir-eth0\.pcap's \(the median of \d+ packets seen in both\); its times are moved by \+(29\.9|30\.0)\d+ s to merge them/);
    const doc = JSON.parse(run.stdout);
    expect(doc.capture.clockOffsets).toHaveLength(1);
    expect(doc.services).toEqual(good.services);
    expect(doc.connections.map((c: { realServer: unknown }) => c.realServer)).toEqual(good.connections.map((c: { realServer: unknown }) => c.realServer));
  });
});
