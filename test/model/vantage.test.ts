/**
 * One capture point at a time. The seed capture (a real IPVS kernel, DR, on a flooding LAN) holds
 * every frame of the LAN; keeping only the frames one host's NIC receives on a switched LAN (its
 * own unicast frames and the broadcasts) gives what tcpdump on that host would have written. From
 * each such view the analysis must agree with the kernel's truth (captures/seed-dr-kernel.truth.json)
 * as far as the view can show it, and say what it cannot.
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
import type { DecodedFrame } from '../../src/wire/records.js';

const SEED = 'captures/seed-dr-kernel.pcap';
const GATEWAY = '02:aa:00:00:00:fe';
const WEB1 = '02:aa:00:00:01:01';
const DIRECTOR = '00:0c:29:06:13:ea';

/** What a host's NIC receives on a switched LAN: frames from or to its MAC, and broadcasts. */
function switchedView(frames: Iterable<DecodedFrame>, mac: string): DecodedFrame[] {
  return [...frames].filter((f) => {
    const e = f.layers[0];
    return e?.type === 'eth' && (e.src === mac || e.dst === mac || e.dst === 'ff:ff:ff:ff:ff:ff');
  });
}

const view = (mac: string): DecodedFrame[] => switchedView(openFrames([SEED]), mac);

describe('DR at the gateway on a switched LAN (the forward hop never passes)', () => {
  const frames = view(GATEWAY);
  const s = analyzeFrames(frames, { files: [SEED] });
  const svc = s.report.services[0]!;

  it('finds the DR service on the VIP, the director by the MAC that answers ARP for it', () => {
    expect(frames.length).toBeLessThan(86);
    expect(s.report.services).toHaveLength(1);
    expect([svc.vip, svc.port, svc.method]).toEqual(['192.168.23.100', 80, 'dr']);
    expect(svc.director).toEqual({ ip: '192.168.23.99', mac: DIRECTOR });
    expect(svc.methodEvidence!.join(' ')).toContain('does not pass this capture point');
  });

  it('finds the real servers by the MACs the VIP\'s replies come from, each connection\'s as the kernel chose', () => {
    expect(svc.realServers.map((r) => [r.ip, r.mac])).toEqual([['192.168.23.80', WEB1], ['192.168.23.81', '02:aa:00:00:01:02']]);
    expect(s.report.connections.map((c) => c.realServer)).toEqual(['192.168.23.80:80', '192.168.23.81:80', '192.168.23.80:80', '192.168.23.81:80']);
  });

  it('names the gateway, the director and the real servers as the hosts table does', () => {
    const role = (ip: string) => s.report.hosts.find((h) => h.ip === ip)?.role;
    expect([role('192.168.23.1'), role('192.168.23.99'), role('192.168.23.80'), role('172.16.0.100')]).toEqual(['gateway', 'director', 'real-server', 'client']);
  });
});

describe('DR on a real server (WEB1\'s own NIC)', () => {
  const frames = view(WEB1);
  const s = analyzeFrames(frames, { files: [SEED] });
  const svc = s.report.services[0]!;
  const ex = [...explainFrames(frames, s, 'en')];
  const zh = [...explainFrames(frames, s, 'zh')];
  const text = (n: number, e = ex) => e.find((x) => x.explanation.n === n)!.explanation.text;

  it('sees DR: frames to the VIP from the director\'s MAC, replies from the VIP towards the gateway', () => {
    expect([svc.vip, svc.port, svc.method]).toEqual(['192.168.23.100', 80, 'dr']);
    expect(svc.director.mac).toBe(DIRECTOR);
    expect(svc.realServers.map((r) => r.ip)).toEqual(['192.168.23.80']);
    expect(s.report.connections.every((c) => c.realServer === '192.168.23.80:80')).toBe(true);
    expect(svc.methodEvidence!.join(' ')).toContain('a DR real server');
  });

  it('says the scheduler cannot be told from one real server\'s share', () => {
    expect(svc.scheduler.name).toBe('unknown');
  });

  it('explains the client\'s packets as the director\'s forward, not as the client talking to the director', () => {
    const syn = ex.find((e) => e.explanation.step === 'director-forward')!;
    expect(syn.explanation.text).toBe("the director picked WEB1 and rewrote only the destination MAC to WEB1's (…:00:01:01); the IP header is otherwise unchanged");
    expect(ex.some((e) => e.explanation.text.includes('the client sends the handshake'))).toBe(false);
    expect(text(syn.explanation.n, zh)).toBe('Director 用 调度算法 挑选出 WEB1，只把目标 MAC 改成 WEB1 的（…:00:01:01），IP 头其余不变');
  });
});

describe('NAT inside the director (the real servers\' side): the VIP never shows', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-vantage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'nat-inside.pcapng');
  const truth = synthesize(preset('nat', { requests: 9 }), fileSink(path, { overwrite: true }), { seed: 3, fileName: path, captureAt: 'director' }).truth;
  const s = analyzeFrames(openFrames([path]), { files: [path] });
  const svc = s.report.services[0]!;

  it('reports a NAT service with the VIP unknown, never an invented one', () => {
    expect(s.report.services).toHaveLength(1);
    expect(svc.method).toBe('nat');
    expect(svc.vip).toBe('?');
    expect(svc.methodEvidence!.join(' ')).toContain('the VIP never appears in this capture');
  });

  it('finds every real server with its port, and each connection\'s real server as the director chose', () => {
    const want = truth.services[0]!.realServers.map((r) => `${r.ip}:${r.port}`).sort();
    expect(svc.realServers.map((r) => `${r.ip}:${r.port}`).sort()).toEqual(want);
    const byClient = new Map(truth.connections.map((c) => [c.client, c.realServer]));
    expect(s.report.connections.length).toBe(truth.connections.length);
    for (const c of s.report.connections) expect(c.realServer).toBe(byClient.get(c.client));
    expect(s.report.connections.every((c) => c.virtual === '?:?')).toBe(true);
  });

  it('takes the VIP from --vip', () => {
    const named = analyzeFrames(openFrames([path]), { files: [path], vips: [{ ip: '172.16.23.80', port: 80 }] });
    expect([named.report.services[0]!.vip, named.report.services[0]!.port, named.report.services[0]!.method]).toEqual(['172.16.23.80', 80, 'nat']);
  });

  it('explains the client\'s packets as the director\'s NAT forward, in English and Chinese', () => {
    const frames = [...openFrames([path])];
    const en = [...explainFrames(frames, s, 'en')].map((e) => e.explanation);
    const zh = [...explainFrames(frames, s, 'zh')].map((e) => e.explanation);
    const i = en.findIndex((e) => e.step === 'director-forward');
    expect(en[i]!.text).toMatch(/^the director picked WEB\d .*and rewrote the SYN's destination VIP \? \(not in this capture\) to 192\.168\.23\.8[01]:(80|8080) \(NAT\) and forwards it$/);
    expect(zh[i]!.text).toContain('的目标地址 VIP ?（本抓包中看不到）改成');
  });
});

describe('one server behind one front MAC (a real server of a NAT cluster, or its outside)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-vantage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'nat-rs.pcapng');
  synthesize(preset('nat', { requests: 6 }), fileSink(path, { overwrite: true }), { seed: 3, fileName: path, captureAt: 'real-server' });
  const s = analyzeFrames(openFrames([path]), { files: [path] });

  it('says NAT with the VIP unknown (never the RIP as the VIP), how sure, and that a plain router in front looks the same', () => {
    const svc = s.report.services[0]!;
    expect([svc.method, svc.vip]).toEqual(['nat', '?']);
    expect(svc.scheduler.name).toBe('unknown');
    expect(svc.realServers).toHaveLength(1);
    expect(svc.realServers[0]!.ip).not.toBe(svc.vip);
    expect(svc.claims).toEqual({ method: 0.6, vip: 0, director: 0.6, realServers: 0.3 });
    expect(svc.unseen).toEqual(['vip', 'other-real-servers']);
    expect(svc.methodEvidence!.join(' ')).toContain('a plain router in front of one server looks the same');
    expect(s.report.connections.every((c) => c.virtual.startsWith('?:'))).toBe(true);
  });
});

describe('the capture host itself', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-vantage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'client.pcapng');
  const truth = synthesize(preset('dr', { requests: 4 }), fileSink(path, { overwrite: true }), { seed: 3, fileName: path, captureAt: 'client' }).truth;

  it('a client capture names the client a client, never a gateway', () => {
    const s = analyzeFrames(openFrames([path]), { files: [path] });
    const client = truth.hosts.find((h) => h.role === 'client')!;
    expect(s.report.hosts.filter((h) => h.ip === client.ip).map((h) => h.role)).not.toContain('gateway');
  });
});

describe('FULLNAT inside the director (only LIP → RIP shows; the TOA names the client)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-vantage-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, 'fullnat-inside.pcapng');
  const truth = synthesize(preset('fullnat', { requests: 6 }), fileSink(path, { overwrite: true }), { seed: 3, fileName: path, captureAt: 'director' }).truth;
  const frames = [...openFrames([path])];
  const s = analyzeFrames(frames, { files: [path] });

  it('finds FULLNAT, every real server, and each client\'s real server from the TOA', () => {
    const svc = s.report.services[0]!;
    expect([svc.method, svc.vip]).toEqual(['fullnat', '?']);
    const key = (c: unknown): string => (typeof c === 'string' ? c : `${(c as { ip: string }).ip}:${(c as { port: number }).port}`);
    const want = new Map(truth.connections.map((c) => [key(c.client), c.realServer === null ? null : key(c.realServer)]));
    expect(s.report.connections).toHaveLength(truth.connections.length);
    for (const c of s.report.connections) expect(key(c.realServer)).toBe(want.get(key(c.client)));
  });

  it('explains every frame from the local address to a real server as the director\'s forward, whatever its flags', () => {
    const lip = s.report.services[0]!.director.ip;
    const ex = [...explainFrames(frames, s, 'en')].map((e) => e.explanation);
    const fromLip = ex.filter((_, i) => frames[i]!.layers.some((l) => l.type === 'ipv4' && (l as { src: string }).src === lip));
    expect(fromLip.length).toBeGreaterThan(6);
    expect(fromLip.every((e) => e.step === 'director-forward')).toBe(true);
  });
});
