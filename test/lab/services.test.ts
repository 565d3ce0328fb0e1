import { describe, expect, it } from 'vitest';
import { labOptions, parse } from '../../src/lab/args.js';
import { serverJobs } from '../../src/lab/cluster.js';
import { LabConfigError, resolveOptions, type LabOptions } from '../../src/lab/options.js';
import { planLab, type LabPlan } from '../../src/lab/plan.js';
import { ipvsadmLines, setupSteps } from '../../src/lab/rules.js';
import { parseServiceSpec } from '../../src/lab/services.js';
import { buildLabTruth, type RequestResult } from '../../src/lab/truth.js';

const plan = (method: LabOptions['method'], specs: string[], more: Partial<LabOptions> = {}): LabPlan =>
  planLab(resolveOptions({ method, services: specs.map(parseServiceSpec), ...more }), 'lv00cc');
const script = (p: LabPlan, key: string): string => setupSteps(p, 'ipvs').scripts.find((s) => s.ns === `lv00cc-${key}`)?.script ?? '';

describe('--service: several virtual services on one director', () => {
  it('parses PROTO:PORT, vipN, the scheduler, persistence and each real server\'s weight and method', () => {
    expect(parseServiceSpec('udp:53,vip2,wrr,p=60,rs2=3,rs3/tun')).toEqual({
      protocol: 'udp', port: 53, vip: 2, scheduler: 'wrr', persistence: 60,
      dests: [{ rs: 2, weight: 3, method: null }, { rs: 3, weight: 1, method: 'tun' }],
    });
    expect(parseServiceSpec('tcp:80,rs1').scheduler).toBe('rr');
    expect(() => parseServiceSpec('http:80,rs1')).toThrow(/starts with tcp:PORT/);
    expect(() => parseServiceSpec('tcp:80,wlc')).toThrow(/at least one real server/);
    expect(() => parseServiceSpec('tcp:80,rs1,rs1')).toThrow(/rs1 is listed twice/);
    expect(() => parseServiceSpec('tcp:80,rs1=0')).toThrow(/weight above 0/);
    expect(() => parseServiceSpec('tcp:80,rr,wlc,rs1')).toThrow(/one scheduler/);
    expect(() => parseServiceSpec('tcp:80,bogus,rs1')).toThrow(/what is "bogus"/);
  });

  it('DR, two services on one VIP: one ipvsadm -A each, its own scheduler, real servers and weights', () => {
    const p = plan('dr', ['tcp:80,rr,rs1,rs2', 'tcp:443,wlc,rs2=3,rs3']);
    expect(p.realServers.map((r) => r.ip)).toEqual(['192.168.23.80', '192.168.23.81', '192.168.23.82']);
    expect(ipvsadmLines(p)).toEqual([
      'ipvsadm -C',
      'ipvsadm -A -t 192.168.23.100:80 -s rr',
      'ipvsadm -a -t 192.168.23.100:80 -r 192.168.23.81:80 -g -w 1',
      'ipvsadm -a -t 192.168.23.100:80 -r 192.168.23.80:80 -g -w 1',
      'ipvsadm -A -t 192.168.23.100:443 -s wlc',
      'ipvsadm -a -t 192.168.23.100:443 -r 192.168.23.82:443 -g -w 1',
      'ipvsadm -a -t 192.168.23.100:443 -r 192.168.23.81:443 -g -w 3',
    ]);
    expect(script(p, 'fw')).toContain('ip daddr 172.16.23.80 tcp dport 443 dnat ip to 192.168.23.100');
    expect(script(p, 'dir')).toContain('modprobe -q ip_vs_wlc');
    // rs2 serves both ports: one web server each.
    expect(serverJobs(p).filter((j) => j.rs.key === 'rs2').map((j) => j.port)).toEqual([80, 443]);
  });

  it('NAT, two VIPs (TCP and UDP): both VIPs on the director, port mapping for TCP, DNS bound to every address', () => {
    const p = plan('nat', ['tcp:80,rr,rs1,rs2', 'udp:53,vip2,wrr,rs2=2,rs3']);
    expect(p.vips).toEqual(['172.16.23.80', '172.16.23.81']);
    expect(p.services.map((s) => s.publicIp)).toEqual(['172.16.23.80', '172.16.23.81']);
    expect(ipvsadmLines(p)).toContain('ipvsadm -a -t 172.16.23.80:80 -r 192.168.23.80:8080 -m -w 1');
    expect(ipvsadmLines(p)).toContain('ipvsadm -A -u 172.16.23.81:53 -s wrr');
    expect(ipvsadmLines(p)).toContain('ipvsadm -a -u 172.16.23.81:53 -r 192.168.23.81:53 -m -w 2');
    expect(script(p, 'dir')).toContain('addr add 172.16.23.81/16 dev eth0');
    expect(serverJobs(p).map((j) => `${j.rs.key} ${j.protocol} ${j.port} ${j.bind}`)).toEqual([
      'rs1 tcp 8080 0.0.0.0', 'rs2 tcp 8080 0.0.0.0', 'rs2 udp 53 0.0.0.0', 'rs3 udp 53 0.0.0.0',
    ]);
  });

  it('DR with a second VIP: the firewall gets a second public address, real servers only their services\' VIPs', () => {
    const p = plan('dr', ['tcp:80,rs1,rs2', 'udp:53,vip2,rs2']);
    expect(script(p, 'fw')).toContain('addr add 172.16.23.81/16 dev eth0');
    expect(script(p, 'fw')).toContain('ip daddr 172.16.23.81 udp dport 53 dnat ip to 192.168.23.101');
    expect(script(p, 'dir')).toContain('addr add 192.168.23.101/32 dev eth0');
    expect(script(p, 'rs1')).not.toContain('192.168.23.101');
    expect(script(p, 'rs2')).toContain('addr add 192.168.23.101/32 dev lo');
    // A DR real server's DNS server binds the VIP, or it would answer from its RIP.
    expect(serverJobs(p).find((j) => j.protocol === 'udp')?.bind).toBe('192.168.23.101');
  });

  it('one service mixing DR and TUN real servers: -g and -i, the TUN one behind the router', () => {
    const p = plan('dr', ['tcp:80,wrr,rs1=2/dr,rs2/tun']);
    expect(p.realServers.map((r) => [r.ip, r.method])).toEqual([['192.168.23.80', 'dr'], ['10.23.0.11', 'tun']]);
    expect(ipvsadmLines(p).slice(2)).toEqual([
      'ipvsadm -a -t 192.168.23.100:80 -r 10.23.0.11:80 -i -w 1',
      'ipvsadm -a -t 192.168.23.100:80 -r 192.168.23.80:80 -g -w 2',
    ]);
    expect(p.hosts.some((h) => h.key === 'rtr')).toBe(true);
    expect(script(p, 'dir')).toContain('route add 10.23.0.0/24 via 192.168.23.254');
    expect(script(p, 'rs2')).toContain('addr add 192.168.23.100/32 dev tunl0');
    expect(script(p, 'rs1')).toContain('addr add 192.168.23.100/32 dev lo');
  });

  it('refuses what the lab cannot build, with the reason', () => {
    expect(() => plan('nat', ['tcp:80,rs1/dr'])).toThrow(/NAT ones need the director as their gateway/);
    expect(() => plan('dr', ['tcp:80,rs1/nat'])).toThrow(/NAT ones need the director/);
    expect(() => plan('dr', ['tcp:80,rs1/dr', 'tcp:443,rs1/tun'])).toThrow(/one method/);
    expect(() => plan('dr', ['tcp:80,rs1', 'tcp:80,rs2'])).toThrow(/two --service for tcp:80 on vip1/);
    expect(() => plan('dr', ['tcp:80,rs3'], { realServers: 2 })).toThrow(/no real server rs3/);
    expect(() => plan('dr', ['tcp:80,rs1'], { scheduler: 'wlc' })).toThrow(/--scheduler describes the one service/);
    expect(() => plan('dr', ['tcp:80,rs1'], { flap: { rs: 1, after: 1, back: null }, requests: 4 })).toThrow(/--flap does not combine/);
    expect(() => plan('dr', ['tcp:80,rs1'], { misconfig: 'rs-arp' })).toThrow(LabConfigError);
  });

  it('the command line takes --service repeatedly; without it nothing changes', () => {
    const o = labOptions(parse(['capture', 'dr', '--service', 'tcp:80,rs1,rs2', '--service', 'tcp:443,wlc,rs2,rs3']), 'dr');
    expect(o.services?.map((s) => s.port)).toEqual([80, 443]);
    expect(o.realServers).toBe(3);
    const classic = labOptions(parse(['capture', 'dr', '--scheduler', 'wlc']), 'dr');
    expect(classic.services).toBeNull();
    const p = planLab(classic, 'lv00cc');
    expect(p.services).toHaveLength(1);
    expect(ipvsadmLines(p)[1]).toBe('ipvsadm -A -t 192.168.23.100:80 -s wlc');
  });

  it('the truth lists every service with its real servers, and each request its service', () => {
    const p = plan('dr', ['tcp:80,rr,rs1,rs2', 'tcp:443,wlc,rs2=3,rs3']);
    const c0 = p.clients[0]!;
    const results: RequestResult[] = [
      { client: c0, localPort: 40000, answeredBy: p.realServers[0]!, error: null, service: 0 },
      { client: c0, localPort: 40001, answeredBy: p.realServers[1]!, error: null, service: 1 },
    ];
    const t = buildLabTruth(p, 'ipvs', results, [], 'x.pcap', null, []);
    expect(t.services.map((s) => [s.port, s.scheduler.name, s.realServers.map((r) => `${r.ip}:${r.port} w${r.weight}`)])).toEqual([
      [80, 'rr', ['192.168.23.80:80 w1', '192.168.23.81:80 w1']],
      [443, 'wlc', ['192.168.23.81:443 w3', '192.168.23.82:443 w1']],
    ]);
    expect(t.lab.services.map((s) => s.realServers.map((r) => r.method))).toEqual([['dr', 'dr'], ['dr', 'dr']]);
    expect(t.lab.requests.map((r) => [r.virtual, r.realServer])).toEqual([
      ['192.168.23.100:80', '192.168.23.80:80'], ['192.168.23.100:443', '192.168.23.81:443'],
    ]);
    const mixed = buildLabTruth(plan('dr', ['tcp:80,rs1/dr,rs2/tun']), 'ipvs', [], [], 'x.pcap', null, []);
    expect(mixed.services[0]?.method).toBe('unknown');
  });
});
