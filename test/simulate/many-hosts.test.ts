/**
 * Presets with more clients and real servers than one octet holds: addresses carry into the
 * next octet, skip what the subnet reserves and what other hosts hold, and a count the subnet
 * cannot hold is refused with the subnet and how many fit.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink, readAllPackets } from '../../src/capture/index.js';
import { synthCommand } from '../../src/cli/commands/synth.js';
import { FrameDecoder } from '../../src/decode/index.js';
import { ScenarioError, allocateHosts, hostMac, preset, synthesize, type Scenario } from '../../src/simulate/index.js';
import { isIpv4 } from '../../src/wire/address.js';
import type { ArpRecord, DecodedFrame } from '../../src/wire/records.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-many-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function cliIo(): { io: never; text: () => string } {
  const chunks: string[] = [];
  const w = { write: (s: string) => { chunks.push(s); return true; } };
  return { io: { stdout: w, stderr: w, stdin: process.stdin, env: {} } as never, text: () => chunks.join('') };
}

function decodeFile(path: string): DecodedFrame[] {
  const { packets } = readAllPackets(path);
  const dec = new FrameDecoder();
  return packets.map((p) => dec.decode(p.data, 0, p.caplen, p.linkType, p.n, p.tsSec, p.tsNsec, p.len, p.iface, p.comment));
}

const clientAddrs = (sc: Scenario): string[] => sc.hosts.filter((h) => h.role === 'client').map((h) => h.ifaces[0]!.addrs[0]!);
const rsAddrs = (sc: Scenario): string[] => sc.hosts.filter((h) => h.role === 'real-server').map((h) => h.ifaces[0]!.addrs[0]!.split('/')[0]!);
const macs = (sc: Scenario): string[] => sc.hosts.flatMap((h) => h.ifaces.map((f) => f.mac));

function expectValidUnique(addrs: readonly string[], n: number): void {
  expect(addrs).toHaveLength(n);
  expect(new Set(addrs).size).toBe(n);
  for (const a of addrs) expect(isIpv4(a.split('/')[0]!), a).toBe(true);
}

describe('client addresses past one octet', () => {
  it('carries into the next octet and skips .0 and .255 of the /16', () => {
    const a = clientAddrs(preset('dr', { clients: 1000 }));
    expectValidUnique(a, 1000);
    // 172.16.0.100-.254 is 155 clients; then 254 per third octet.
    expect(a.slice(0, 2)).toEqual(['172.16.0.100/16', '172.16.0.101/16']);
    expect(a.slice(154, 157)).toEqual(['172.16.0.254/16', '172.16.1.1/16', '172.16.1.2/16']);
    expect(a[999]).toBe('172.16.4.83/16');
    expect(a.some((x) => /\.(0|255)\/16$/.test(x))).toBe(false);
  });

  it('gives each client its own valid MAC past 255 clients', () => {
    const sc = preset('dr', { clients: 1000 });
    const m = macs(sc);
    expect(new Set(m).size).toBe(m.length);
    for (const x of m) expect(x).toMatch(/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/);
    expect(sc.hosts.find((h) => h.name === 'client255')!.ifaces[0]!.mac).toBe('02:aa:00:00:10:ff');
    expect(sc.hosts.find((h) => h.name === 'client256')!.ifaces[0]!.mac).toBe('02:aa:00:01:10:00');
    expect(hostMac(1, 70000)).toBe('02:aa:01:11:01:70');
  });

  it('fills the whole /16 around the gateway, then refuses one more naming the subnet and how many fit', () => {
    // 65536 less 256 .0 and 256 .255 addresses, less the firewall's 172.16.23.80.
    const full = clientAddrs(preset('dr', { clients: 65023 }));
    expect(new Set(full).size).toBe(65023);
    expect(full).not.toContain('172.16.23.80/16');
    // After .100 up to the top, the allocation wraps to the bottom of the subnet.
    expect(full[full.length - 1]).toBe('172.16.0.99/16');
    expect(() => preset('dr', { clients: 65024 })).toThrow(ScenarioError);
    expect(() => preset('dr', { clients: 65024 })).toThrow(
      'dr: subnet 172.16.0.0/16 on network outside cannot hold 65024 clients; at most 65023 fit (besides the 1 address other hosts hold there)');
  });

  it('the nat-gateway router moves off 172.16.0.254 when a client holds it', () => {
    const small = preset('nat-gateway', { clients: 3 });
    expect(small.hosts.find((h) => h.name === 'router')!.ifaces[1]!.addrs).toEqual(['172.16.0.254/16']);
    // Clients hold 172.16.0.100-.254 and 172.16.1.1-.5: the next free one up.
    const big = preset('nat-gateway', { clients: 160 });
    expect(big.hosts.find((h) => h.name === 'router')!.ifaces[1]!.addrs).toEqual(['172.16.1.6/16']);
    const all = big.hosts.flatMap((h) => h.ifaces.filter((f) => f.net === 'outside').flatMap((f) => f.addrs));
    expect(new Set(all).size).toBe(all.length);
  });

  for (const n of [300, 1000]) {
    it(`lvscope synth --clients ${n}: every client on the wire, zero decode issues`, async () => {
      const out = join(dir, `dr-${n}.pcapng`);
      const { io, text } = cliIo();
      const code = await synthCommand.run(['--scenario', 'dr', '--clients', String(n), '--requests', String(n), '--seed', '5', '-w', out, '--quiet'], io);
      expect(text()).toBe('');
      expect(code).toBe(0);
      const frames = decodeFile(out);
      expect(frames.flatMap((f) => f.issues.map((i) => `${f.n}: ${i.code} ${i.message}`))).toEqual([]);
      // Every client appears as a source on the captured LAN (after DNAT, sources are the clients).
      const want = new Set(clientAddrs(preset('dr', { clients: n })).map((a) => a.split('/')[0]!));
      const seen = new Set<string>();
      for (const f of frames) {
        for (const r of f.layers) if (r.type === 'ipv4' && r.src.startsWith('172.16.')) seen.add(r.src);
      }
      expect(seen).toEqual(want);
      expect(seen.has('172.16.1.1')).toBe(true);
      // The firewall's outside ARP is not on the LAN capture; what is there names only LAN hosts.
      const arp = frames.flatMap((f) => f.layers.filter((r): r is ArpRecord => r.type === 'arp'));
      for (const a of arp) expect(a.spa).toMatch(/^192\.168\.23\.\d+$/);
    });
  }

  it('lvscope synth refuses more clients than the subnet holds with a clear message', async () => {
    const out = join(dir, 'too-many.pcapng');
    const { io, text } = cliIo();
    expect(await synthCommand.run(['--scenario', 'fwmark', '--clients', '70000', '-w', out], io)).toBe(2);
    // seed 002's router holds 172.16.0.1.
    expect(text()).toBe('lvscope synth: fwmark: subnet 172.16.0.0/16 on network outside cannot hold 70000 clients; at most 65023 fit (besides the 1 address other hosts hold there)\n');
  });
});

describe('real-server addresses', () => {
  it('dr: skips the DIP (.99) and the VIP (.100) instead of reusing them', () => {
    const r = rsAddrs(preset('dr', { realServers: 22 }));
    expectValidUnique(r, 22);
    expect(r.slice(18)).toEqual(['192.168.23.98', '192.168.23.101', '192.168.23.102', '192.168.23.103']);
  });

  it('dr: fills the /24 and refuses one more', () => {
    const r = rsAddrs(preset('dr', { realServers: 251 }));
    expectValidUnique(r, 251);
    expect(r[r.length - 1]).toBe('192.168.23.79');
    expect(() => preset('dr', { realServers: 252 })).toThrow(
      'dr: subnet 192.168.23.0/24 on network lan cannot hold 252 real servers; at most 251 fit (besides the 3 addresses other hosts hold there)');
  });

  it('seed 002 presets keep their ten-apart numbering, then fill the gaps', () => {
    const r = rsAddrs(preset('fwmark', { realServers: 30 }));
    expectValidUnique(r, 30);
    expect(r.slice(0, 3)).toEqual(['192.168.79.27', '192.168.79.37', '192.168.79.47']);
    expect(r[22]).toBe('192.168.79.247');
    expect(r.slice(23)).toEqual(['192.168.79.2', '192.168.79.3', '192.168.79.4', '192.168.79.5', '192.168.79.6', '192.168.79.8', '192.168.79.9']);
  });

  it('fullnat: never hands out the local address pool or the gateway', () => {
    const r = rsAddrs(preset('fullnat', { realServers: 250 }));
    expectValidUnique(r, 250);
    for (const x of ['10.10.0.1', '10.10.0.200', '10.10.0.201', '10.10.0.254']) expect(r).not.toContain(x);
    expect(() => preset('fullnat', { realServers: 251 })).toThrow(/fullnat: subnet 10\.10\.0\.0\/24 on network inside cannot hold 251 real servers; at most 250 fit/);
  });

  it('tun: sites past the fifth get their own /24 (no "198.51.1005")', () => {
    const sc = preset('tun', { realServers: 8 });
    expect(rsAddrs(sc)).toEqual(['198.51.100.10', '192.0.2.10', '100.64.10.10', '100.64.20.10', '100.64.30.10', '100.64.40.10', '100.64.41.10', '100.64.42.10']);
    const m = macs(preset('tun', { realServers: 300 }));
    expect(new Set(m).size).toBe(m.length);
    expect(rsAddrs(preset('tun', { realServers: 300 }))[299]).toBe('100.65.78.10');
  });

  for (const [name, n] of [['dr', 30], ['nat', 30], ['fullnat', 30], ['fwmark', 30], ['tun', 8]] as const) {
    it(`${name} with ${n} real servers: every one gets connections, zero decode issues`, () => {
      const path = join(dir, `${name}-rs${n}.pcapng`);
      const sc = preset(name, { realServers: n, requests: 2 * n });
      const r = synthesize(sc, fileSink(path, { overwrite: true }), { seed: 2, fileName: path });
      const ips = r.truth.services.flatMap((s) => s.realServers.map((x) => x.ip));
      expect(new Set(ips).size).toBe(n);
      // fwmark's sh hashes the three clients' addresses: only rr/wrr reach every server.
      expect(new Set(r.truth.connections.map((c) => c.realServer?.split(':')[0])).size).toBe(name === 'fwmark' ? 3 : n);
      const frames = decodeFile(path);
      expect(frames).toHaveLength(r.frames);
      expect(frames.flatMap((f) => f.issues.map((i) => `${f.n}: ${i.code} ${i.message}`))).toEqual([]);
    });
  }
});

describe('allocateHosts', () => {
  it('honours the subnet edges, step and taken addresses', () => {
    expect(allocateHosts(2, { subnet: '10.0.0.0/30', first: '10.0.0.1', what: 't', noun: 'hosts' })).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(() => allocateHosts(3, { subnet: '10.0.0.0/30', first: '10.0.0.1', what: 't', noun: 'hosts' })).toThrow('t: subnet 10.0.0.0/30 cannot hold 3 hosts; at most 2 fit');
    expect(allocateHosts(4, { subnet: '10.0.1.0/24', first: '10.0.1.250', step: 2, taken: ['10.0.1.252', '10.0.2.1'], what: 't', noun: 'hosts' }))
      .toEqual(['10.0.1.250', '10.0.1.254', '10.0.1.1', '10.0.1.2']);
    // A /23 keeps .255 and .0 of its halves out too.
    expect(allocateHosts(3, { subnet: '10.0.2.0/23', first: '10.0.2.254', what: 't', noun: 'hosts' })).toEqual(['10.0.2.254', '10.0.3.1', '10.0.3.2']);
  });
});
