/**
 * Every capture point of the real-kernel fixtures (test/fixtures/kernel: the kernel's own IPVS in
 * the lab's microVM, switched LAN) graded against what the kernel said (truth.json's `lab`): method,
 * VIP where the view shows it, real servers, each connection's real server (the kernel's -Lnc
 * destination), and the scheduler or an honest "ambiguous" whose tied candidates include the
 * kernel's. What a view cannot show is checked as said, not guessed.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import type { Summary } from '../../src/model/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { renderIpvsadmConns, renderIpvsadmStats } from '../../src/present/ipvsadm-view.js';
import { explainFrames } from '../../src/annotate/index.js';
import { gradeKernelPoint, type PointGrade } from '../helpers/kernel-grade.js';

const DIR = 'test/fixtures/kernel';

interface Lab {
  readonly method: string; readonly scheduler: string; readonly vip: string; readonly vport: number; readonly publicIp: string;
  readonly realServers: readonly { readonly ip: string; readonly port: number }[];
  readonly requests: readonly { readonly client: string; readonly realServer: string }[];
}

const lab = (scenario: string): Lab => (JSON.parse(readFileSync(`${DIR}/${scenario}/truth.json`, 'utf8')) as { lab: Lab }).lab;

function analyze(scenario: string, files: readonly string[], vip?: { ip: string; port: number }): Summary {
  const paths = files.map((f) => `${DIR}/${scenario}/${f}`);
  return analyzeFrames(openFrames(paths), { files: paths, ...(vip ? { vips: [vip] } : {}) });
}


const CASES: readonly [string, readonly string[], PointGrade][] = [
  ['dr-rr', ['dir-eth0.pcap'], { method: 'dr', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  // The gateway on a switched LAN: the director's forward never passes; replies name the servers.
  ['dr-rr', ['fw-eth1.pcap'], { method: 'dr', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  // A real server sees only its own connections: no scheduler can be told.
  ['dr-rr', ['rs1-eth0.pcap'], { method: 'dr', vip: 'truth', rs: ['192.168.23.80:80'], conns: 2, scheduler: 'unknown' }],
  ['dr-rr', ['fw-eth1.pcap', 'rs1-eth0.pcap'], { method: 'dr', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  ['nat-rr-8080', ['dir-any.pcap'], { method: 'nat', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  // The director's inside: the VIP never shows.
  ['nat-rr-8080', ['dir-eth1.pcap'], { method: 'nat', vip: '?', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  // Both arms merged: every connection paired across the two files.
  ['nat-rr-8080', ['dir-eth0.pcap', 'dir-eth1.pcap'], { method: 'nat', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  ['tun-ipip-rr', ['dir-eth0.pcap'], { method: 'tun', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  ['tun-ipip-rr', ['rtr-eth0.pcap'], { method: 'tun', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  ['tun-ipip-rr', ['rtr-eth1.pcap'], { method: 'tun', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  // The gateway of a TUN cluster: the replies come from the router's MAC with TTL 63, so the real
  // servers sit beyond a router (no DR); which server took a connection does not show here.
  ['tun-ipip-gateway', ['fw-eth1.pcap'], { method: 'tun', vip: 'truth', rs: [], conns: 0, scheduler: 'unknown' }],
  ['tun-ipip-rr', ['rs1-eth0.pcap'], { method: 'tun', vip: 'truth', rs: ['10.23.0.10:80'], conns: 2, scheduler: 'unknown' }],
  // One NAT real server's own NIC: NAT with the VIP unknown, never its own RIP as the VIP.
  ['nat-rr-8080', ['rs1-eth0.pcap'], { method: 'nat', vip: '?', rs: ['192.168.23.80:8080'], conns: 2, scheduler: 'unknown' }],
  // The director and one real server merged: every connection on the director, that server's own.
  ['dr-rr', ['dir-eth0.pcap', 'rs1-eth0.pcap'], { method: 'dr', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  // The NAT director's outside and every real server's own NIC, merged: each client connection
  // paired across files by client address, port and timing: VIP:80 → RIP:8080, the rr sequence.
  ['nat-rr-3rs-8080', ['dir-eth0.pcap', 'rs1-eth0.pcap', 'rs2-eth0.pcap', 'rs3-eth0.pcap'], { method: 'nat', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  // Every real server, no director: the whole sequence, the VIP still unseen.
  ['nat-rr-3rs-8080', ['rs1-eth0.pcap', 'rs2-eth0.pcap', 'rs3-eth0.pcap'], { method: 'nat', vip: '?', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  // wrr with unequal weights (1,3): the director, the gateway, and the heavier server's own NIC.
  ['dr-wrr-1-3', ['dir-eth0.pcap'], { method: 'dr', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  ['dr-wrr-1-3', ['fw-eth1.pcap'], { method: 'dr', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  ['dr-wrr-1-3', ['rs2-eth0.pcap'], { method: 'dr', vip: 'truth', rs: ['192.168.23.81:80'], conns: 6, scheduler: 'unknown' }],
  // wlc with every connection held open until the last request: the active counts decide.
  ['dr-wlc-hold', ['dir-eth0.pcap'], { method: 'dr', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  ['dr-wlc-hold', ['fw-eth1.pcap'], { method: 'dr', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  ['dr-wlc-hold', ['rs3-eth0.pcap'], { method: 'dr', vip: 'truth', rs: ['192.168.23.82:80'], conns: 4, scheduler: 'unknown' }],
  // sh with four clients: the kernel hashed them onto two of the three servers; the third never
  // shows in any capture point, so a view lists the two that took connections.
  ['dr-sh-4clients', ['fw-eth1.pcap'], { method: 'dr', vip: 'truth', rs: ['192.168.23.81:80', '192.168.23.82:80'], conns: 'all', scheduler: 'decided-or-tied' }],
  // rr with persistence (300 s): every client stays on its first server.
  ['dr-rr-persistent', ['fw-eth1.pcap'], { method: 'dr', vip: 'truth', rs: 'all', conns: 'all', scheduler: 'decided-or-tied' }],
  ['dr-rr-persistent', ['rs1-eth0.pcap'], { method: 'dr', vip: 'truth', rs: ['192.168.23.80:80'], conns: 3, scheduler: 'unknown' }],
];

describe.each(CASES)('%s %j', (scenario, files, want) => {
  gradeKernelPoint(analyze(scenario, files), lab(scenario), want);
});

describe('the NAT director\'s inside, with the VIP named by --vip', () => {
  it('reports the service on the VIP given', () => {
    const t = lab('nat-rr-8080');
    const svc = analyze('nat-rr-8080', ['dir-eth1.pcap'], { ip: t.vip, port: t.vport }).report.services[0]!;
    expect([svc.vip, svc.port, svc.method]).toEqual([t.vip, t.vport, 'nat']);
  });
});

describe('views that cannot tell, and say so', () => {
  it('the NAT director\'s outside alone looks like one server', () => {
    const svc = analyze('nat-rr-8080', ['dir-eth0.pcap']).report.services[0]!;
    expect(svc.method).toBe('unknown');
    expect(svc.realServers).toEqual([]);
    expect(svc.methodEvidence!.join(' ')).toContain('looks like one server');
  });
  it('the TUN gateway names the router, not a real server, and lists no destination it cannot see', () => {
    const s = analyze('tun-ipip-gateway', ['fw-eth1.pcap']);
    expect(s.report.services[0]!.methodEvidence!.join(' ')).toContain('that MAC is a router');
    const lnc = renderIpvsadmConns(s);
    expect(lnc).not.toContain('0.0.0.0');
    expect(lnc.trim().split('\n').slice(2).every((row) => row.endsWith(' ?:80'))).toBe(true);
  });
  it('the TUN gateway\'s frames name the router as the hosts table does, in English and Chinese', () => {
    const path = `${DIR}/tun-ipip-gateway/fw-eth1.pcap`;
    const s = analyze('tun-ipip-gateway', ['fw-eth1.pcap']);
    const router = s.report.hosts.find((h) => h.ip === '192.168.23.254');
    expect([router?.role, router?.name]).toEqual(['gateway', 'router']);
    expect(s.report.hosts.some((h) => h.role === 'real-server')).toBe(false);
    const text = (lang: 'en' | 'zh'): Map<number, string> => {
      const out = new Map<number, string>();
      for (const e of explainFrames(openFrames([path]), s, lang)) out.set(e.facts.n, e.explanation.text);
      return out;
    };
    const en = text('en');
    const all = [...en.values()].join('\n');
    expect(all).not.toMatch(/real server at|straight to the gateway|asks ARP for its gateway/);
    expect(en.get(4)).toMatch(/^the director resolves its next hop, the router 192\.168\.23\.254, towards the tunnel's far end/);
    expect(en.get(5)).toMatch(/^the router 192\.168\.23\.254 must pass a reply/);
    expect(en.get(7)).toMatch(/^the router 192\.168\.23\.254 forwards a real server's SYN-ACK .*from beyond it; .*\(TUN\): the director's tunnel does not pass this capture point/);
    const zh = text('zh');
    expect(zh.get(4)).toContain('下一跳（路由器 192.168.23.254）');
    expect(zh.get(7)).toMatch(/^路由器 192\.168\.23\.254 转发.*SYN-ACK.*（TUN）/);
    expect([...zh.values()].join('\n')).not.toContain('Real Server（…');
  });
  it('the director\'s tcpdump -i any of DR: real servers from its ARP, no connection assigned, and says why', () => {
    const t = lab('dr-any');
    const s = analyze('dr-any', ['dir-any.pcap']);
    const svc = s.report.services[0]!;
    expect([svc.method, svc.vip, svc.port]).toEqual(['dr', t.vip, t.vport]);
    expect(svc.realServers.map((r) => `${r.ip}:${r.port}`).sort()).toEqual(t.realServers.map((r) => `${r.ip}:${r.port}`).sort());
    expect(s.report.connections).toHaveLength(t.requests.length);
    expect(s.report.connections.every((c) => c.realServer === null)).toBe(true);
    expect(svc.scheduler.name).toBe('unknown');
    expect(svc.methodEvidence!.join(' ')).toMatch(/without a destination MAC .*cannot show.*director's LAN interface would decide/);
    for (const lang of ['en', 'zh'] as const) {
      const forwards = [...explainFrames(openFrames([`${DIR}/dr-any/dir-any.pcap`]), s, lang)].filter((e) => e.facts.step === 'director-forward');
      expect(forwards.length).toBeGreaterThan(0);
      for (const e of forwards) {
        expect(e.explanation.text).toContain(lang === 'en' ? 'keeps no destination MAC, so which real server cannot show' : '不记录目标 MAC，所以看不出是哪台 Real Server');
        expect(e.ends!.to).toBe(lang === 'en' ? 'real server' : 'Real Server');
      }
    }
  });
  it('a NAT real server whose replies leave by another router is not taken for a DR real server', () => {
    // It answers ARP for the address it is reached on, which a DR real server never does for the VIP.
    const paths = ['test/fixtures/kernel-misconfig/nat-gateway/rs1-eth0.pcap'];
    const s = analyzeFrames(openFrames(paths), { files: paths });
    for (const svc of s.report.services) expect(svc.method).not.toBe('dr');
  });
  it('a client of a sh cluster with two connections names the service it talks to, its link\'s other clients as clients', () => {
    const t = lab('dr-sh-4clients');
    const s = analyze('dr-sh-4clients', ['c1-eth0.pcap']);
    const svc = s.report.services[0]!;
    expect([svc.vip, svc.port, svc.method, svc.realServers.length]).toEqual([t.publicIp, 80, 'unknown', 0]);
    const roles = new Map(s.report.hosts.map((h) => [h.ip, h.role]));
    for (const ip of ['172.16.0.100', '172.16.0.101', '172.16.0.102', '172.16.0.103']) expect(roles.get(ip)).toBe('client');
    expect(s.report.hosts.some((h) => h.role === 'gateway')).toBe(false);
  });
  it('a client\'s frames name the address it connects to, never a director, a VIP or an IPVS state, in English and Chinese', () => {
    const path = `${DIR}/dr-rr/c0-eth0.pcap`;
    const s = analyze('dr-rr', ['c0-eth0.pcap']);
    for (const lang of ['en', 'zh'] as const) {
      const texts = [...explainFrames(openFrames([path]), s, lang)].map((e) => e.explanation.text);
      const all = texts.join('\n');
      expect(all).not.toMatch(lang === 'en' ? /^the director|VIP 172|IPVS state/m : /^Director|VIP 172|IPVS 状态/m);
      const synAck = texts.find((x) => x.includes('SYN-ACK'))!;
      expect(synAck).toContain(lang === 'en' ? 'from this side the service looks like one server' : '从这一侧看，这个服务就像一台服务器');
      expect(synAck).toContain(lang === 'en' ? 'a capture on the director\'s other side or on a real server would decide' : '在 Director 的另一侧或 Real Server 上抓包即可确定');
    }
  });
  it('the NAT director\'s outside alone says the director looks like one server, and what would decide, in both languages', () => {
    const svc = analyze('nat-rr-8080', ['dir-eth0.pcap']).report.services[0]!;
    expect(svc.methodEvidence!.join(' ')).toMatch(/from this side the director looks like one server.*a capture on the director's other side \(its real servers' side\)/);
  });
  it('one TUN real server behind a router: the router is its gateway, not the director; --stats counts no reply (it never passes the director)', () => {
    const s = analyze('tun-ipip-rr', ['rs1-eth0.pcap']);
    const role = (ip: string) => s.report.hosts.find((h) => h.ip === ip);
    expect([role('10.23.0.1')?.role, role('192.168.23.100')?.mac]).toEqual(['gateway', null]);
    expect(s.report.services[0]!.director).toEqual({ ip: '192.168.23.99', mac: null });
    const stats = renderIpvsadmStats(s).trim().split('\n').slice(3).map((l) => l.trim().split(/\s+/));
    // Its own share: two connections, every client packet in, nothing out.
    expect(stats.map((r) => [r[2], r[4], r[6]])).toEqual([['2', '0', '0'], ['2', '0', '0']]);
    const en = [...explainFrames(openFrames([`${DIR}/tun-ipip-rr/rs1-eth0.pcap`]), s, 'en')].map((e) => e.explanation.text);
    expect(en.find((x) => x.includes('IPIP'))).toMatch(/^the gateway 10\.23\.0\.1 delivers the director's IPIP/);
    expect(en.join('\n')).not.toMatch(/the director sends|the director wraps/);
  });
  it('the TUN director names the router its tunnels go through, as the hosts table does, in English and Chinese', () => {
    const s = analyze('tun-ipip-rr', ['dir-eth0.pcap']);
    const router = s.report.hosts.find((h) => h.ip === '192.168.23.254');
    expect([router?.role, router?.name]).toEqual(['gateway', 'router']);
    for (const lang of ['en', 'zh'] as const) {
      const ex = [...explainFrames(openFrames([`${DIR}/tun-ipip-rr/dir-eth0.pcap`]), s, lang)];
      const asks = ex.find((e) => e.facts.arp?.tpa === '192.168.23.254')!;
      expect(asks.explanation.text).toContain(lang === 'en' ? 'the router 192.168.23.254, towards the tunnel\'s far end' : '下一跳（路由器 192.168.23.254）');
      const tunnel = ex.find((e) => e.facts.step === 'tunnel')!;
      expect(tunnel.ends!.to).toBe(lang === 'en' ? 'router' : '路由器');
    }
  });
  it('a client names no real server and no method', () => {
    const s = analyze('dr-rr', ['c0-eth0.pcap']);
    for (const svc of s.report.services) expect([svc.method, svc.realServers.length]).toEqual(['unknown', 0]);
    expect(s.report.hosts.find((h) => h.ip === '172.16.0.100')?.role).not.toBe('gateway');
  });
});
