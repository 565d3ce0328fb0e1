/**
 * More real-kernel scenarios, each capture point graded against what the kernel said (lab.json: the
 * `lab` block of the lab's truth file, see test/fixtures/kernel-scenarios/README.md and test/fixtures/kernel-ipv6/README.md): UDP
 * services through DR and NAT (and -p on UDP), the hash and overflow schedulers (mh with mh-port,
 * ovf, fo), persistence per client network (-M), many short connections, and IPv6 DR and TUN.
 * Method, VIP where the view shows it, real servers, each connection's real server as the kernel
 * chose, and the scheduler or an honest "ambiguous" whose tied candidates include the kernel's.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import type { Summary } from '../../src/model/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { explainFrames } from '../../src/annotate/index.js';
import { renderIpvsadmList } from '../../src/present/ipvsadm-view.js';
import { renderSummary } from '../../src/present/analyze-summary.js';
import { makeStyle } from '../../src/present/analyze-style.js';
import { gradeKernelPoint, type PointGrade } from '../helpers/kernel-grade.js';

const DIR = 'test/fixtures';

interface Lab {
  readonly method: string; readonly scheduler: string; readonly vip: string; readonly vport: number;
  readonly realServers: readonly { readonly ip: string; readonly port: number }[];
  readonly requests: readonly { readonly client: string; readonly realServer: string | null }[];
}

const lab = (scenario: string): Lab => (JSON.parse(readFileSync(`${DIR}/${scenario}/lab.json`, 'utf8')) as { lab: Lab }).lab;

function analyze(scenario: string, files: readonly string[]): Summary {
  const paths = files.map((f) => `${DIR}/${scenario}/${f}`);
  return analyzeFrames(openFrames(paths), { files: paths });
}

/** IPv6 endpoints print as [ip]:port; the truth of the IPv6 captures keeps the client unbracketed. */


const ALL = { vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' } as const;

const CASES: readonly [string, readonly string[], PointGrade][] = [
  // DNS through DR: one UDP entry per query (each from a new client port), rr.
  ['kernel-scenarios/dr-udp-rr', ['fw-eth1.pcap'], { method: 'dr', protocol: 'udp', ...ALL }],
  ['kernel-scenarios/dr-udp-rr', ['dir-eth0.pcap'], { method: 'dr', protocol: 'udp', ...ALL }],
  ['kernel-scenarios/dr-udp-rr', ['rs1-eth0.pcap'], { method: 'dr', protocol: 'udp', vip: 'truth', rs: ['192.168.23.80:53'], conns: 3, scheduler: 'unknown' }],
  // DNS through NAT: both arms, the inside alone (VIP unseen), one real server.
  ['kernel-scenarios/nat-udp-rr', ['dir-any.pcap'], { method: 'nat', protocol: 'udp', ...ALL }],
  ['kernel-scenarios/nat-udp-rr', ['dir-eth1.pcap'], { method: 'nat', protocol: 'udp', ...ALL, vip: '?' }],
  ['kernel-scenarios/nat-udp-rr', ['rs1-eth0.pcap'], { method: 'nat', protocol: 'udp', vip: '?', rs: ['192.168.23.80:53'], conns: 2, scheduler: 'unknown' }],
  // DNS through TUN (IPIP): the director; the gateway sees the router in front, not the servers.
  ['kernel-scenarios/tun-udp-rr', ['dir-eth0.pcap'], { method: 'tun', protocol: 'udp', ...ALL }],
  ['kernel-scenarios/tun-udp-rr', ['fw-eth1.pcap'], { method: 'tun', protocol: 'udp', vip: 'truth', rs: [], conns: 0, scheduler: 'unknown' }],
  // sh with sh-port, two of three servers taking connections: the hash table holds the third too,
  // which never shows, so no replay over the two seen reproduces it: unknown, never a wrong name.
  ['kernel-scenarios/dr-sh-port', ['fw-eth1.pcap'], { method: 'dr', ...ALL, rs: ['192.168.23.81:80', '192.168.23.82:80'], scheduler: 'unknown' }],
  // -p 60 on UDP, three clients in turn: plain rr sends them the same way, so neither is claimed.
  ['kernel-scenarios/dr-udp-persistent', ['fw-eth1.pcap'], { method: 'dr', protocol: 'udp', ...ALL }],
  // mh with mh-port (and mh-fallback): one client's connections spread over the servers.
  ['kernel-scenarios/dr-mh-port', ['fw-eth1.pcap'], { method: 'dr', ...ALL }],
  ['kernel-scenarios/dr-mh-port', ['dir-eth0.pcap'], { method: 'dr', ...ALL }],
  // mh without flags, four clients hashed onto two of the three servers (the third never shows).
  ['kernel-scenarios/dr-mh-4clients', ['fw-eth1.pcap'], { method: 'dr', ...ALL, rs: ['192.168.23.80:80', '192.168.23.81:80'] }],
  // ovf with connections held: the heaviest server until its active count reaches its weight.
  ['kernel-scenarios/dr-ovf-hold', ['fw-eth1.pcap'], { method: 'dr', ...ALL, rs: ['192.168.23.80:80', '192.168.23.81:80'] }],
  // fo: every connection to the heaviest server; every scheduler that picks one server ties.
  ['kernel-scenarios/dr-fo', ['fw-eth1.pcap'], { method: 'dr', ...ALL, rs: ['192.168.23.81:80'] }],
  ['kernel-scenarios/dr-fo', ['rs2-eth0.pcap'], { method: 'dr', vip: 'truth', rs: ['192.168.23.81:80'], conns: 6, scheduler: 'unknown' }],
  // rr -p 300 -M 255.255.255.254: clients .100/.101 share one template, .102/.103 another.
  ['kernel-scenarios/dr-persistent-netmask', ['fw-eth1.pcap'], { method: 'dr', ...ALL, rs: ['192.168.23.80:80', '192.168.23.81:80'] }],
  ['kernel-scenarios/dr-persistent-netmask', ['dir-eth0.pcap'], { method: 'dr', ...ALL, rs: ['192.168.23.80:80', '192.168.23.81:80'] }],
  // 4 clients × 20 short connections, wlc 1:2:3; and NAT's inside with 60.
  ['kernel-scenarios/dr-wlc-4x20', ['fw-eth1.pcap'], { method: 'dr', ...ALL }],
  ['kernel-scenarios/nat-rr-4x15', ['dir-eth1.pcap'], { method: 'nat', ...ALL, vip: '?' }],
  // NAT with a masquerade after IPVS (kube-proxy's IPVS mode): on the director's any capture both
  // addresses of each forward change, and the two halves are paired all the same.
  ['kernel-scenarios/nat-masquerade', ['dir-any.pcap'], { method: 'nat', ...ALL }],
  // The same for DNS on UDP: paired by the client's port (the masquerade kept it), IP ID and length.
  ['kernel-scenarios/nat-udp-masquerade', ['dir-any.pcap'], { method: 'nat', protocol: 'udp', ...ALL }],
  // IPv6 DR: the director, the gateway's LAN side (the real servers' NDP shows only link-local
  // addresses; the director's solicitation after each new connection names the RIP), a server.
  ['kernel-ipv6/dr6', ['dir-eth0.pcap'], { method: 'dr', ...ALL }],
  ['kernel-ipv6/dr6', ['gw-eth1.pcap'], { method: 'dr', ...ALL }],
  ['kernel-ipv6/dr6', ['rs1-eth0.pcap'], { method: 'dr', vip: 'truth', rs: ['2001:db8:2::10:80'], conns: 2, scheduler: 'unknown' }],
  // IPv6 TUN (ip6ip6): the director and one real server.
  ['kernel-ipv6/tun6', ['dir-eth0.pcap'], { method: 'tun', ...ALL }],
  // IPv6 TUN with the real servers behind a router: the router's both sides and the gateway,
  // which sees the replies come through the router (no real server, no connection's server).
  ['kernel-ipv6/tun6r', ['rtr-eth0.pcap'], { method: 'tun', ...ALL }],
  ['kernel-ipv6/tun6r', ['rtr-eth1.pcap'], { method: 'tun', ...ALL }],
  ['kernel-ipv6/tun6r', ['gw-eth1.pcap'], { method: 'tun', vip: 'truth', rs: [], conns: 0, scheduler: 'unknown' }],
  ['kernel-ipv6/tun6', ['rs1-eth0.pcap'], { method: 'tun', vip: 'truth', rs: ['2001:db8:2::10:80'], conns: 2, scheduler: 'unknown' }],
];

describe.each(CASES)('%s %j', (scenario, files, want) => {
  gradeKernelPoint(analyze(scenario, files), lab(scenario), want);
});

describe('what the new scenarios show beyond the per-point grades', () => {
  it('NAT with a masquerade after IPVS: the director named, the real servers\' view of it said, the kernel\'s -Ln', () => {
    const s = analyze('kernel-scenarios/nat-masquerade', ['dir-any.pcap']);
    const svc = s.report.services[0]!;
    expect(s.report.services).toHaveLength(1);
    expect(svc.methodEvidence!.join(' ')).toMatch(/\d+ of them with the source rewritten too, to the director's own address: source NAT after IPVS/);
    // The director's inside address sends the forwards: it is the director's, no client of its own.
    expect(s.report.hosts.filter((h) => h.ip === '192.168.23.1').map((h) => h.role)).toEqual(['director']);
    expect(s.report.hosts.filter((h) => h.role === 'client').map((h) => h.ip)).toEqual(['172.16.0.100', '172.16.0.101']);
    expect(renderIpvsadmList(s)).toMatch(/^ {2}-> 192\.168\.23\.80:8080 {11}Masq/m);
    const forward = [...explainFrames(openFrames(['test/fixtures/kernel-scenarios/nat-masquerade/dir-any.pcap']), s, 'en')]
      .find((e) => e.explanation.step === 'director-forward')!;
    expect(forward.explanation.text).toMatch(/and its source from the client 172\.16\.0\.10[01] to its own 192\.168\.23\.1 \(source NAT after IPVS, a masquerade\)/);
  });

  it('NAT with a masquerade seen only inside (the director\'s LAN side, a real server): no other method claimed', () => {
    for (const file of ['dir-eth1.pcap', 'rs1-eth0.pcap']) {
      for (const svc of analyze('kernel-scenarios/nat-masquerade', [file]).report.services) expect(['nat', 'unknown'], file).toContain(svc.method);
    }
  });

  it('mh with mh-port is named with its flag, and -Ln prints it as ipvsadm does', () => {
    const s = analyze('kernel-scenarios/dr-mh-port', ['fw-eth1.pcap']);
    const sc = s.report.services[0]!.scheduler;
    expect([sc.name, sc.candidates[0]?.flags]).toEqual(['mh', ['mh-port']]);
    expect(renderIpvsadmList(s)).toMatch(/^TCP {2}192\.168\.23\.100:80 mh \(mh-port\)$/m);
  });

  it('clients sharing a template per network: no source-hash claim, persistence not claimed either way', () => {
    // sh with fitted weights and rr with -M both explain the four clients; before, sh was claimed.
    const s = analyze('kernel-scenarios/dr-persistent-netmask', ['fw-eth1.pcap']);
    const sc = s.report.services[0]!.scheduler;
    expect(sc.name).toBe('ambiguous');
    const tied = sc.candidates.filter((c) => c.score >= (sc.candidates[0]?.score ?? 0) - 1e-9).map((c) => c.name);
    expect(tied).toEqual(expect.arrayContaining(['sh', 'rr']));
    expect(s.report.services[0]!.persistence).toBeNull();
    expect(renderSummary(s, makeStyle(false), 'en')).toMatch(/persistence: \? \(cannot show here\)/);
  });

  it('-p on UDP that plain rr explains as well: persistence is not claimed either way, and says why', () => {
    const s = analyze('kernel-scenarios/dr-udp-persistent', ['fw-eth1.pcap']);
    const svc = s.report.services[0]!;
    expect([svc.persistence, svc.unseen]).toEqual([null, expect.arrayContaining(['persistence'])]);
    expect(renderSummary(s, makeStyle(false), 'zh')).toContain('看不出服务是否持久');
  });

  it('a client behind a router to an IPv6 VIP: its router is its gateway, not a real server', () => {
    for (const scenario of ['kernel-ipv6/dr6', 'kernel-ipv6/tun6']) {
      const s = analyze(scenario, ['c0-eth0.pcap']);
      const svc = s.report.services[0]!;
      expect([svc.method, svc.realServers.length]).toEqual(['unknown', 0]);
      expect(s.report.hosts.some((h) => h.role === 'real-server')).toBe(false);
    }
  });

  it('a UDP service seen only from outside (a client, the NAT director\'s outside) claims no method', () => {
    for (const [scenario, file] of [['kernel-scenarios/dr-udp-rr', 'c0-eth0.pcap'], ['kernel-scenarios/nat-udp-rr', 'dir-eth0.pcap']] as const) {
      for (const svc of analyze(scenario, [file]).report.services) expect(svc.method).toBe('unknown');
    }
  });
});
