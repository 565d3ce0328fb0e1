import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink, memorySink, readAllPackets } from '../../src/capture/index.js';
import { FrameDecoder } from '../../src/decode/index.js';
import type { ClusterReport } from '../../src/ipvs/report.js';
import { adjustRules, preset, synthesize, synthesizePackets, type Scenario, type SynthOptions } from '../../src/simulate/index.js';
import type { DecodedFrame, EthRecord, Ipv4Record, TcpRecord } from '../../src/wire/records.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-fast-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;

function run(sc: Scenario, name: string, opts: SynthOptions = {}): { path: string; truth: ClusterReport; frames: DecodedFrame[]; stamped: number } {
  const path = join(dir, `${name}.${opts.format ?? 'pcapng'}`);
  const r = synthesize(sc, fileSink(path, { overwrite: true }), { seed: 1, fileName: path, fast: true, ...opts });
  const { packets } = readAllPackets(path);
  const dec = new FrameDecoder();
  const frames = packets.map((p) => dec.decode(p.data, 0, p.caplen, p.linkType, p.n, p.tsSec, p.tsNsec, p.len, p.iface, p.comment));
  expect(frames.length).toBe(r.frames);
  return { path, truth: r.truth, frames, stamped: r.stamped };
}

/** The bench workload: many clients, Poisson arrivals every 2 ms on average, keep-alive requests. */
function bulk(base: Scenario, o: { intervalMs?: number; arrivals?: 'fixed' | 'poisson' } = {}): Scenario {
  return {
    ...base, name: `${base.name}-bulk`,
    workload: { ...base.workload, connections: Infinity, intervalMs: o.intervalMs ?? 2, arrivals: o.arrivals ?? 'poisson', requestsPerConnection: 3, thinkMs: 50, close: 'client' },
  };
}

/** Client "ip:port" -> real server "ip:port" from the wire (DR: the destination MAC; NAT: the rewritten address; TUN: the outer header). */
function realServersOnWire(frames: readonly DecodedFrame[], truth: ClusterReport): Map<string, string> {
  const rsByMac = new Map<string, string>();
  const rips = new Set<string>();
  for (const s of truth.services) for (const r of s.realServers) { rips.add(r.ip); if (r.mac !== null) rsByMac.set(r.mac, r.ip); }
  const out = new Map<string, string>();
  for (const f of frames) {
    const eth = f.layers.find((l) => l.type === 'eth') as EthRecord | undefined;
    const ips = f.layers.filter((l) => l.type === 'ipv4') as Ipv4Record[];
    const tcp = f.layers.find((l) => l.type === 'tcp') as TcpRecord | undefined;
    if (tcp === undefined || tcp.flags !== 'S' || ips.length === 0) continue;
    const inner = ips[ips.length - 1]!;
    if (ips.length === 2 && rips.has(ips[0]!.dst)) out.set(`${inner.src}:${tcp.srcPort}`, `${ips[0]!.dst}:${tcp.dstPort}`);
    else if (rips.has(inner.dst)) out.set(`${inner.src}:${tcp.srcPort}`, `${inner.dst}:${tcp.dstPort}`);
    else if (eth !== undefined && rsByMac.has(eth.dst)) out.set(`${inner.src}:${tcp.srcPort}`, `${rsByMac.get(eth.dst)}:${tcp.dstPort}`);
  }
  return out;
}

function tsharkClean(path: string): string {
  return execFileSync('tshark', ['-r', path, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
    '-Y', '_ws.malformed || _ws.expert.severity >= warning || ip.checksum.status == 0 || tcp.checksum.status == 0'],
  { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
}

describe('fast synthesis (stamped connections)', () => {
  for (const name of ['seed-dr', 'seed-nat', 'tun', 'fwmark', 'persistent', 'weight-0']) {
    it(`${name}: stamps most connections; frames decode cleanly, in time order, tshark-clean; truth matches the wire; comments name the right client`, () => {
      const { path, truth, frames, stamped } = run(preset(name, { requests: 60 }), `fast-${name}`);
      expect(truth.connections.length).toBe(60);
      expect(stamped).toBeGreaterThanOrEqual(40);
      expect(frames.flatMap((f) => f.issues.map((i) => `${f.n}: ${i.code}`))).toEqual([]);
      for (let i = 1; i < frames.length; i++) {
        const a = frames[i - 1]!, b = frames[i]!;
        expect(b.tsSec * 1e9 + b.tsNsec).toBeGreaterThanOrEqual(a.tsSec * 1e9 + a.tsNsec);
      }
      const wire = realServersOnWire(frames, truth);
      const scheduled = truth.connections.filter((c) => c.realServer !== null);
      expect(scheduled.length).toBe(60);
      expect(scheduled.filter((c) => wire.has(c.client)).length).toBe(60);
      for (const c of scheduled) expect(wire.get(c.client), c.client).toBe(c.realServer);
      // A comment that names a client endpoint names this frame's.
      for (const f of frames) {
        const ips = f.layers.filter((l) => l.type === 'ipv4') as Ipv4Record[];
        const tcp = f.layers.find((l) => l.type === 'tcp') as TcpRecord | undefined;
        if (tcp === undefined || f.comment === undefined) continue;
        const ip = ips[ips.length - 1]!;
        const ends = [`${ip.src}:${tcp.srcPort}`, `${ip.dst}:${tcp.dstPort}`];
        for (const m of f.comment.match(/172\.16\.0\.\d+:\d+/g) ?? []) expect(ends, `frame ${f.n}: ${f.comment}`).toContain(m);
      }
      if (hasTshark) expect(tsharkClean(path)).toBe('');
    });
  }

  it('rr stays kernel-exact: stamped connections take the real servers in turn, as the full model does', () => {
    const sc = bulk(preset('dr', { realServers: 8, clients: 50 }), { intervalMs: 5, arrivals: 'fixed' });
    const fast = run(sc, 'fast-rr', { format: 'pcap', maxFrames: 20_000 });
    const full = run(sc, 'full-rr', { format: 'pcap', maxFrames: 20_000, fast: false });
    expect(fast.stamped).toBeGreaterThan(600);
    const order = (t: ClusterReport): string[] => t.connections.map((c) => c.realServer!);
    const a = order(fast.truth), b = order(full.truth);
    const n = Math.min(a.length, b.length) - 10;
    expect(a.slice(0, n)).toEqual(b.slice(0, n));
    expect(a.slice(0, 9)).toEqual(['192.168.23.80:80', '192.168.23.81:80', '192.168.23.82:80', '192.168.23.83:80', '192.168.23.84:80', '192.168.23.85:80', '192.168.23.86:80', '192.168.23.87:80', '192.168.23.80:80']);
    // Every connection of either run started with a SYN the IPVS model scheduled.
    expect(fast.truth.connections.every((c) => c.realServer !== null)).toBe(true);
  });

  it('wlc with unequal weights: the IPVS counters follow the stamped connections (the heavier server gets more)', () => {
    const sc = bulk(preset('dr', { realServers: 3, clients: 20 }));
    const { truth, stamped, frames } = run(sc, 'fast-wlc', { format: 'pcap', maxFrames: 30_000, adjustRules: adjustRules({ scheduler: 'wlc', weights: [1, 2, 5] }) });
    expect(stamped).toBeGreaterThan(900);
    expect(frames.flatMap((f) => f.issues)).toEqual([]);
    const byWeight = new Map(truth.services[0]!.realServers.map((r) => [r.weight, r.connections]));
    expect([...byWeight.keys()].sort()).toEqual([1, 2, 5]);
    expect(byWeight.get(5)!).toBeGreaterThan(byWeight.get(2)!);
    expect(byWeight.get(2)!).toBeGreaterThan(byWeight.get(1)!);
    // Connections still open at the end are ESTABLISHED in IPVS; the others were closed by the client (FIN_WAIT).
    expect(new Set(truth.connections.map((c) => c.state))).toEqual(new Set(['ESTABLISHED', 'FIN_WAIT']));
    const active = truth.services[0]!.realServers.reduce((n, r) => n + r.activeAtEnd, 0);
    expect(active).toBe(truth.connections.filter((c) => c.state === 'ESTABLISHED').length);
  });

  it('is deterministic for a seed, differs across seeds, and stops at the frame count', () => {
    const once = (seed: number): Uint8Array => {
      const s = memorySink();
      const r = synthesizePackets(30_000, { seed, sink: s });
      expect(r.packets).toBe(30_000);
      expect(r.stamped).toBeGreaterThan(900);
      return s.bytes();
    };
    const a = once(5), b = once(5), c = once(6);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('bulk DR capture: checksums, TCP streams and timestamps hold up under tshark', () => {
    const { path, frames, stamped } = run(bulk(preset('dr', { realServers: 8, clients: 50 })), 'fast-bulk', { format: 'pcap', maxFrames: 40_000, seed: 9 });
    expect(stamped).toBeGreaterThan(1300);
    expect(frames.flatMap((f) => f.issues)).toEqual([]);
    // Client ports are distinct per client address (the hosts' ephemeral port counters).
    const syns = frames.filter((f) => (f.layers[2] as TcpRecord | undefined)?.flags === 'S' && (f.layers[0] as EthRecord).dst === '00:0c:29:06:13:ea');
    const ends = syns.map((f) => `${(f.layers[1] as Ipv4Record).src}:${(f.layers[2] as TcpRecord).srcPort}`);
    expect(new Set(ends).size).toBe(ends.length);
    if (hasTshark) expect(tsharkClean(path)).toBe('');
  });

  it('the full model stays the default: presets are unchanged without fast', () => {
    const s1 = memorySink(), s2 = memorySink();
    const r = synthesize(preset('seed-dr'), s1, { seed: 1 });
    synthesize(preset('seed-dr'), s2, { seed: 1, fast: false });
    expect(r.stamped).toBe(0);
    expect(Buffer.from(s1.bytes()).equals(Buffer.from(s2.bytes()))).toBe(true);
  });
});
