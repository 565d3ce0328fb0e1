import { describe, expect, it } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';

const SEED = 'captures/seed-dr-kernel.pcap';

describe('seed-dr-kernel.pcap (real kernel DR capture on the firewall inside interface)', () => {
  const s = analyzeFrames(openFrames([SEED]), { files: [SEED] });
  const r = s.report;
  const svc = r.services[0]!;

  it('finds one DR service on VIP 192.168.23.100:80', () => {
    expect(r.services).toHaveLength(1);
    expect(svc.vip).toBe('192.168.23.100');
    expect(svc.port).toBe(80);
    expect(svc.protocol).toBe('tcp');
    expect(svc.method).toBe('dr');
    expect(r.capture.frames).toBe(86);
  });

  it('names the director, its DIP and MAC', () => {
    expect(svc.director).toEqual({ ip: '192.168.23.99', mac: '00:0c:29:06:13:ea' });
  });

  it('finds the gateway, both real servers with their MACs, and the client', () => {
    const host = (ip: string) => r.hosts.find((h) => h.ip === ip);
    expect(host('192.168.23.1')).toEqual({ ip: '192.168.23.1', mac: '02:aa:00:00:00:fe', role: 'gateway', name: null });
    expect(host('192.168.23.80')).toEqual({ ip: '192.168.23.80', mac: '02:aa:00:00:01:01', role: 'real-server', name: 'WEB1' });
    expect(host('192.168.23.81')).toEqual({ ip: '192.168.23.81', mac: '02:aa:00:00:01:02', role: 'real-server', name: 'WEB2' });
    expect(host('172.16.0.100')?.role).toBe('client');
    expect(svc.realServers.map((x) => [x.ip, x.port, x.mac, x.connections])).toEqual([
      ['192.168.23.80', 80, '02:aa:00:00:01:01', 2],
      ['192.168.23.81', 80, '02:aa:00:00:01:02', 2],
    ]);
  });

  it('tracks the four connections in order, rr alternating, each in FIN_WAIT (INPUT_ONLY table)', () => {
    expect(r.connections.map((c) => c.realServer)).toEqual(['192.168.23.80:80', '192.168.23.81:80', '192.168.23.80:80', '192.168.23.81:80']);
    expect(r.connections.map((c) => c.client)).toEqual(['172.16.0.100:44942', '172.16.0.100:44954', '172.16.0.100:44966', '172.16.0.100:44978']);
    expect(r.connections.map((c) => c.firstFrame)).toEqual([3, 25, 49, 68]);
    expect(r.connections.every((c) => c.state === 'FIN_WAIT')).toBe(true);
    expect(svc.realServers.map((x) => [x.activeAtEnd, x.inactiveAtEnd])).toEqual([[0, 2], [0, 2]]);
  });

  it('ranks rr first; ties with equally-fitting schedulers are reported as ambiguous', () => {
    expect(svc.scheduler.candidates[0]?.name).toBe('rr');
    expect(svc.scheduler.candidates[0]?.score).toBe(1);
    expect(svc.scheduler.name).toBe('ambiguous');
    const tied = svc.scheduler.candidates.filter((c) => c.score === 1).map((c) => c.name);
    expect(tied).toEqual(['rr', 'wrr', 'lc', 'wlc']);
    // One client: plain sh sends it to one server (half the picks); its best is with sh-port.
    const sh = svc.scheduler.candidates.find((c) => c.name === 'sh')!;
    expect([sh.score, sh.flags]).toEqual([0.75, ['sh-port']]);
  });

  it('has no findings and no persistence', () => {
    expect(r.findings).toEqual([]);
    expect(svc.persistence).toBeNull();
  });
});
