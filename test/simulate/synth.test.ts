import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAllPackets } from '../../src/capture/index.js';
import { memorySink } from '../../src/capture/index.js';
import { FrameDecoder } from '../../src/decode/index.js';
import { fileSink } from '../../src/capture/index.js';
import type { ClusterReport } from '../../src/ipvs/report.js';
import type { ArpRecord, DecodedFrame, EthRecord, Ipv4Record, TcpRecord, IcmpRecord } from '../../src/wire/records.js';
import { adjustRules, applyFault, listPresets, preset, synthesize, synthesizePackets, type Scenario } from '../../src/simulate/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;

function run(sc: Scenario, name: string, opts: Parameters<typeof synthesize>[2] = {}): { path: string; truth: ClusterReport; frames: DecodedFrame[] } {
  const path = join(dir, `${name}.pcapng`);
  const r = synthesize(sc, fileSink(path, { overwrite: true }), { seed: 1, fileName: path, ...opts });
  const { packets } = readAllPackets(path);
  const dec = new FrameDecoder();
  const frames = packets.map((p) => dec.decode(p.data, 0, p.caplen, p.linkType, p.n, p.tsSec, p.tsNsec, p.len, p.iface, p.comment));
  expect(frames.length).toBe(r.frames);
  return { path, truth: r.truth, frames };
}

/** Client "ip:port" -> real server "ip:port", read from the wire alone (no truth). */
function realServersOnWire(frames: readonly DecodedFrame[], truth: ClusterReport): Map<string, string> {
  const rsByMac = new Map<string, string>();
  const rips = new Set<string>();
  for (const s of truth.services) for (const r of s.realServers) { rips.add(r.ip); if (r.mac !== null) rsByMac.set(r.mac, r.ip); }
  const out = new Map<string, string>();
  for (const f of frames) {
    const ls = f.layers;
    const eth = ls.find((l) => l.type === 'eth') as EthRecord | undefined;
    const ips = ls.filter((l) => l.type === 'ipv4') as Ipv4Record[];
    const tcp = ls.find((l) => l.type === 'tcp') as TcpRecord | undefined;
    if (tcp === undefined || tcp.flags !== 'S' || ips.length === 0) continue;
    const inner = ips[ips.length - 1]!;
    const toa = tcp.options.find((o) => o.kind === 'toa');
    if (ips.length === 2 && rips.has(ips[0]!.dst)) {
      out.set(`${inner.src}:${tcp.srcPort}`, `${ips[0]!.dst}:${tcp.dstPort}`); // TUN: outer destination
    } else if (toa !== undefined && toa.kind === 'toa') {
      out.set(`${toa.addr}:${toa.port}`, `${inner.dst}:${tcp.dstPort}`); // FULLNAT: TOA names the client
    } else if (rips.has(inner.dst)) {
      out.set(`${inner.src}:${tcp.srcPort}`, `${inner.dst}:${tcp.dstPort}`); // NAT: destination rewritten
    } else if (eth !== undefined && rsByMac.has(eth.dst)) {
      out.set(`${inner.src}:${tcp.srcPort}`, `${rsByMac.get(eth.dst)}:${tcp.dstPort}`); // DR: only the MAC says
    }
  }
  return out;
}

describe('synth presets', () => {
  for (const name of listPresets()) {
    it(`${name}: decodes cleanly, truth matches the wire, tshark finds no malformed frame, checksum error or expert error`, () => {
      const { path, truth, frames } = run(preset(name), name);
      expect(frames.length).toBeGreaterThan(10);
      const issues = frames.flatMap((f) => f.issues.map((i) => `${f.n}: ${i.code} ${i.message}`));
      expect(issues).toEqual([]);
      expect(frames.every((f) => f.comment !== undefined && f.comment.length > 0)).toBe(true);
      // Each connection the director scheduled: the wire agrees with the truth file.
      const wire = realServersOnWire(frames, truth);
      const scheduled = truth.connections.filter((c) => c.realServer !== null);
      // A client port used again (the port-reuse preset): the wire's last SYN is the truth's last connection.
      const last = new Map(scheduled.map((c) => [c.client, c.realServer]));
      for (const [client, rs] of last) if (wire.has(client)) expect(wire.get(client), client).toBe(rs);
      if (!['no-real-server', 'vip-primary', 'rs-arp', 'rs-announce'].includes(name)) {
        expect(scheduled.length).toBeGreaterThan(0);
        expect(scheduled.filter((c) => wire.has(c.client)).length).toBe(scheduled.length);
      }
      if (!hasTshark) return;
      const expert = execFileSync('tshark', ['-r', path, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
        '-o', 'udp.check_checksum:TRUE', '-z', 'expert', '-q'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(expert).not.toMatch(/^Errors \(/m);
      expect(expert).not.toMatch(/Malformed|Bad checksum|checksum.*incorrect/i);
      const malformed = execFileSync('tshark', ['-r', path, '-o', 'tcp.check_checksum:TRUE', '-o', 'ip.check_checksum:TRUE',
        '-Y', '_ws.malformed || _ws.expert.severity == error || ip.checksum.status == 0 || tcp.checksum.status == 0 || icmp.checksum.status == 0'],
      { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      expect(malformed).toBe('');
    });
  }
});

describe('seed-dr reproduces the walkthrough (seed 000, 四.(六), frames 3-20)', () => {
  const { frames, truth } = run(preset('seed-dr'), 'seed-dr-seq');
  const FW = '02:aa:00:00:00:fe', DIR = '00:0c:29:06:13:ea', WEB1 = '02:aa:00:00:01:01', WEB2 = '02:aa:00:00:01:02', BC = 'ff:ff:ff:ff:ff:ff';
  const row = (f: DecodedFrame): string => {
    const eth = f.layers[0] as EthRecord;
    const arp = f.layers[1]?.type === 'arp' ? (f.layers[1] as ArpRecord) : null;
    const ip = f.layers[1]?.type === 'ipv4' ? (f.layers[1] as Ipv4Record) : null;
    const tcp = f.layers[2]?.type === 'tcp' ? (f.layers[2] as TcpRecord) : null;
    const what = arp !== null ? (arp.op === 1 ? `who-has ${arp.tpa} tell ${arp.spa}` : `${arp.spa} is-at ${arp.sha}`)
      : `${ip!.src}>${ip!.dst} ttl${ip!.ttl} ${tcp!.flags}${tcp!.payloadLength > 0 ? ` len${tcp!.payloadLength}` : ''}`;
    return `${eth.src}>${eth.dst} ${what}`;
  };
  it('frames 1-18 are the walkthrough\'s frames 3-20', () => {
    expect(frames.slice(0, 18).map(row)).toEqual([
      `${FW}>${BC} who-has 192.168.23.100 tell 192.168.23.1`, //                  3 firewall asks for the VIP
      `${DIR}>${FW} 192.168.23.100 is-at ${DIR}`, //                               4 only the director answers
      `${FW}>${DIR} 172.16.0.100>192.168.23.100 ttl63 S`, //                        5 SYN after DNAT, to the director
      `${DIR}>${WEB1} 172.16.0.100>192.168.23.100 ttl62 S`, //                      6 same packet, WEB1's MAC, TTL-1
      `${WEB1}>${BC} who-has 192.168.23.1 tell 192.168.23.80`, //                 7 WEB1 asks for its gateway
      `${FW}>${WEB1} 192.168.23.1 is-at ${FW}`, //                                 8 gateway answers
      `${WEB1}>${FW} 192.168.23.100>172.16.0.100 ttl64 AS`, //                      9 SYN-ACK from the VIP straight to the gateway
      `${FW}>${DIR} 172.16.0.100>192.168.23.100 ttl63 A`, //                       10 third handshake packet to the director
      `${DIR}>${WEB1} 172.16.0.100>192.168.23.100 ttl62 A`, //                     11 forwarded to WEB1
      `${FW}>${DIR} 172.16.0.100>192.168.23.100 ttl63 AP len${(frames[9]!.layers[2] as TcpRecord).payloadLength}`, // 12 HTTP request
      `${DIR}>${WEB1} 172.16.0.100>192.168.23.100 ttl62 AP len${(frames[9]!.layers[2] as TcpRecord).payloadLength}`, // 13 forwarded
      `${WEB1}>${FW} 192.168.23.100>172.16.0.100 ttl64 A`, //                      14 ACK of the request
      `${WEB1}>${FW} 192.168.23.100>172.16.0.100 ttl64 AP len${(frames[12]!.layers[2] as TcpRecord).payloadLength}`, // 15 the page
      `${FW}>${DIR} 172.16.0.100>192.168.23.100 ttl63 A`, //                       16 client ACK to the director
      `${DIR}>${WEB1} 172.16.0.100>192.168.23.100 ttl62 A`, //                     17 forwarded to WEB1
      `${FW}>${DIR} 172.16.0.100>192.168.23.100 ttl63 S`, //                       18 the next connection
      `${DIR}>${WEB2} 172.16.0.100>192.168.23.100 ttl62 S`, //                     19 rr: WEB2
      `${WEB2}>${BC} who-has 192.168.23.1 tell 192.168.23.81`, //                 20 WEB2 asks for the gateway
    ]);
  });
  it('the forwarded SYN is the same IP packet: id, ports, seq unchanged', () => {
    const a = frames[2]!, b = frames[3]!;
    expect((b.layers[1] as Ipv4Record).id).toBe((a.layers[1] as Ipv4Record).id);
    expect((b.layers[2] as TcpRecord).seq).toBe((a.layers[2] as TcpRecord).seq);
    expect(b.comment).toBe('director → WEB1 by rr; DR rewrites only the destination MAC (TTL 63→62)');
  });
  it('carries the tutorial page and the truth names rr, WEB1 then WEB2 in turn', () => {
    expect(truth.services[0]).toMatchObject({ vip: '192.168.23.100', port: 80, method: 'dr', director: { ip: '192.168.23.99', mac: DIR } });
    expect(truth.services[0]!.scheduler.name).toBe('rr');
    expect(truth.connections.map((c) => c.realServer)).toEqual(['192.168.23.80:80', '192.168.23.81:80', '192.168.23.80:80', '192.168.23.81:80']);
    expect(truth.connections.map((c) => c.state)).toEqual(['FIN_WAIT', 'FIN_WAIT', 'FIN_WAIT', 'FIN_WAIT']);
    expect(truth.findings).toEqual([]);
  });
});

describe('schedulers come from src/ipvs', () => {
  it('NAT lab wrr 1:5: the kernel order for dests added .80 (w1) then .81 (w5)', () => {
    const { truth } = run(preset('seed-nat', { requests: 14 }), 'nat-wrr', { adjustRules: adjustRules({ scheduler: 'wrr', weights: [1, 5] }) });
    // cw starts at 1 (it was 1 when .81 was added), so the first lap takes both, then 5:1 rounds.
    const A = '192.168.23.80:8080', B = '192.168.23.81:80';
    expect(truth.connections.map((c) => c.realServer)).toEqual([B, A, B, B, B, B, B, A, B, B, B, B, B, A]);
    expect(truth.services[0]!.realServers.map((r) => [r.ip, r.weight, r.connections])).toEqual([['192.168.23.80', 1, 3], ['192.168.23.81', 5, 11]]);
  });
  it('NAT lab sh: one client always lands on one server', () => {
    const { truth } = run(preset('seed-nat', { requests: 6 }), 'nat-sh', { adjustRules: adjustRules({ scheduler: 'sh' }) });
    expect(new Set(truth.connections.map((c) => c.realServer)).size).toBe(1);
  });
  it('persistent -p 360 port 0: http and ssh of one client go to one server', () => {
    const { truth, frames } = run(preset('persistent'), 'persist');
    const byClient = new Map<string, Set<string>>();
    for (const c of truth.connections) {
      const ip = c.client.split(':')[0]!;
      if (!byClient.has(ip)) byClient.set(ip, new Set());
      byClient.get(ip)!.add(c.realServer!.split(':')[0]!);
    }
    expect(byClient.size).toBe(3);
    for (const s of byClient.values()) expect(s.size).toBe(1);
    expect(truth.connections.map((c) => c.virtual.split(':')[1])).toContain('22');
    expect(truth.services[0]!.persistence).toEqual({ timeoutAtLeast: 360 });
    expect(frames.some((f) => f.comment?.includes('persistence template'))).toBe(true);
  });
  it('weight 0: the quiesced server gets nothing; no real server: ICMP port unreachable', () => {
    const w0 = run(preset('weight-0'), 'w0').truth;
    expect(w0.connections.every((c) => c.realServer !== '192.168.23.82:80')).toBe(true);
    const none = run(preset('no-real-server'), 'none');
    const icmp = none.frames.filter((f) => f.layers.some((l) => l.type === 'icmp' && (l as IcmpRecord).icmpType === 3 && (l as IcmpRecord).code === 3));
    expect(icmp.length).toBeGreaterThan(0);
    expect(none.truth.findings.map((f) => f.code)).toEqual(['no-real-server']);
  });
});

describe('methods and faults', () => {
  it('TUN: outer header DIP → RIP, TTL copied from the decremented inner header', () => {
    const { frames } = run(preset('tun'), 'tun-fields');
    const f = frames.find((x) => x.layers.filter((l) => l.type === 'ipv4').length === 2)!;
    const [outer, inner] = f.layers.filter((l) => l.type === 'ipv4') as Ipv4Record[];
    expect(outer!.src).toBe('203.0.113.2');
    expect(outer!.proto).toBe(4);
    expect(outer!.ttl).toBe(inner!.ttl);
    expect(inner!.ttl).toBe(62);
    expect(outer!.df).toBe(inner!.df);
  });
  it('FULLNAT: TOA on the SYN, timestamp turned into NOPs, MSS lowered by 8', () => {
    const { frames } = run(preset('fullnat'), 'fnat-fields');
    const syn = frames.find((f) => { const t = f.layers.find((l) => l.type === 'tcp') as TcpRecord | undefined; return t?.flags === 'S' && t.options[0]?.kind === 'toa'; })!;
    const t = syn.layers.find((l) => l.type === 'tcp') as TcpRecord;
    expect(t.options.some((o) => o.kind === 'ts')).toBe(false);
    expect((syn.layers.find((l) => l.type === 'ipv4') as Ipv4Record).src).toMatch(/^10\.10\.0\.20[01]$/);
    const synack = frames.filter((f) => (f.layers.find((l) => l.type === 'tcp') as TcpRecord | undefined)?.flags === 'AS');
    const mss = synack.map((f) => ((f.layers.find((l) => l.type === 'tcp') as TcpRecord).options.find((o) => o.kind === 'mss') as { value: number }).value);
    expect(mss).toContain(1452);
    expect(mss).toContain(1460);
  });
  it('faults show up as findings with frames', () => {
    const codes = (name: string): string[] => run(preset(name), `f-${name}`).truth.findings.map((f) => f.code);
    expect(codes('rs-arp')).toContain('rs-answers-arp-for-vip');
    expect(codes('rs-announce')).toContain('rs-announces-vip');
    expect(codes('vip-primary')).toContain('vip-primary-on-director');
    expect(codes('nat-gateway')).toContain('nat-reply-bypasses-director');
    expect(codes('dr-via-director')).toContain('dr-reply-via-director');
    expect(codes('tun-mtu')).toContain('tun-mtu');
    expect(codes('down-server')).toContain('rs-not-responding');
  });
  it('tun-mtu on a scenario without a TCP service on a port says so (fwmark, port 0) and works beside any other', () => {
    for (const name of ['fwmark', 'persistent']) {
      expect(() => applyFault(preset(name), 'tun-mtu')).toThrow(/tun-mtu fault .*\(-A -t VIP:PORT\)/);
    }
    const nat = applyFault(preset('seed-nat'), 'tun-mtu');
    const rules = nat.hosts.find((h) => h.ipvs !== undefined)!.ipvs!.split('\n');
    // The upload service copies the first service with its own port, real-server ports included.
    expect(rules.filter((l) => l.includes(':9000'))).toEqual([
      '-A -t 172.16.23.80:9000 -s rr',
      ...rules.filter((l) => l.startsWith('-a -t 172.16.23.80:80 ')).map((l) => l.replace(':80 ', ':9000 ').replace(/(-r [^\s:]+):\d+/, '$1:9000')),
    ]);
    expect(rules.filter((l) => l.includes(':9000')).length).toBe(3);
  });
});

describe('determinism and the benchmark hook', () => {
  it('same seed, same bytes; another seed, other bytes', () => {
    const once = (seed: number): Uint8Array => { const s = memorySink(); synthesize(preset('tun'), s, { seed }); return s.bytes(); };
    const a = once(7), b = once(7), c = once(8);
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });
  it('synthesizePackets stops at the requested count', () => {
    const r = synthesizePackets(20_000);
    expect(r.packets).toBe(20_000);
    expect(r.bytes).toBeGreaterThan(20_000 * 60);
  });
  it('writes classic pcap too', () => {
    const path = join(dir, 'plain.pcap');
    synthesize(preset('seed-dr'), fileSink(path, { overwrite: true }), { format: 'pcap' });
    expect(readFileSync(path).readUInt32LE(0)).toBe(0xa1b23c4d);
  });
});
