/**
 * IPv6 on the real kernel (test/fixtures/kernel-ipv6, see its README): an IPv6 NAT service
 * (ipvsadm -6 … -m) captured at the client, both director interfaces and a real server, and a
 * keepalived pair for an IPv6 VIP whose takeover is announced by unsolicited neighbour
 * advertisements (IPv6's gratuitous ARP).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { openFrames } from '../../src/decode/index.js';
import { explainFrames } from '../../src/annotate/index.js';
import { renderSummary } from '../../src/present/analyze-summary.js';
import { makeStyle } from '../../src/present/analyze-style.js';

const DIR = fileURLToPath(new URL('../fixtures/kernel-ipv6/', import.meta.url));
const nat6 = (f: string): string => join(DIR, 'nat6', f);

function analyze(files: string[]) {
  return analyzeFiles(files, { files, threads: 'never' }).summary;
}

/** The kernel's own ipvsadm -Lnc at the end of the run: client port → real server. */
function kernelConns(): Map<number, string> {
  const out = new Map<number, string>();
  for (const l of readFileSync(nat6('ipvsadm-Lnc.txt'), 'utf8').split('\n')) {
    const m = /^TCP \S+\s+\S+\s+\[[^\]]+\]:(\d+) \S+ (\S+)$/.exec(l.trim());
    if (m) out.set(Number(m[1]), m[2]!);
  }
  return out;
}

describe('IPv6 NAT on the real kernel', () => {
  it('both director interfaces together: NAT, the VIP, both real servers and each connection\'s, as ipvsadm -Lnc had them', () => {
    const s = analyze([nat6('dir-eth0.pcap'), nat6('dir-eth1.pcap')]);
    const r = s.report;
    expect(r.services).toHaveLength(1);
    const svc = r.services[0]!;
    expect([svc.vip, svc.port, svc.protocol, svc.method]).toEqual(['2001:db8:1::80', 80, 'tcp', 'nat']);
    expect(svc.realServers.map((x) => `${x.ip}:${x.port}`).sort()).toEqual(['2001:db8:2::10:80', '2001:db8:2::11:8080']);
    const truth = kernelConns();
    expect(truth.size).toBe(4);
    expect(r.connections).toHaveLength(4);
    for (const c of r.connections) expect(c.realServer, c.client).toBe(truth.get(Number(c.client.split(':').pop())));
    expect(r.findings).toEqual([]);
    // No real server is called director, and the text prints IPv6 endpoints as ipvsadm does.
    expect(r.hosts.filter((h) => h.role === 'director').map((h) => h.ip)).not.toContain('2001:db8:2::10');
    const text = renderSummary(s, makeStyle(false), 'en');
    expect(text).toContain('Virtual service TCP [2001:db8:1::80]:80');
    expect(text).toMatch(/\[2001:db8:2::11\]:8080 +\S+ +WEB\d/);
  });

  it('the director\'s inside alone: NAT (its inside), both real servers, the VIP unknown', () => {
    const svc = analyze([nat6('dir-eth1.pcap')]).report.services[0]!;
    expect([svc.vip, svc.method]).toEqual(['?', 'nat']);
    expect(svc.realServers.map((x) => x.ip).sort()).toEqual(['2001:db8:2::10', '2001:db8:2::11']);
  });

  it('a real server: NAT with its own share only, the director in front named by its DIP', () => {
    const r = analyze([nat6('rs1-eth0.pcap')]).report;
    const svc = r.services[0]!;
    expect(svc.method).toBe('nat');
    expect(svc.director.ip).toBe('2001:db8:2::1');
    expect(svc.realServers.map((x) => x.ip)).toEqual(['2001:db8:2::10']);
    expect(r.hosts.find((h) => h.ip === '2001:db8:2::10')?.role).toBe('real-server');
  });

  it('the client: the method is unknown, never a confident DR', () => {
    const svc = analyze([nat6('c0-eth0.pcap')]).report.services[0]!;
    expect([svc.vip, svc.port, svc.method]).toEqual(['2001:db8:1::80', 80, 'unknown']);
  });
});

describe('a keepalived pair for an IPv6 VIP (VRRPv3 over IPv6)', () => {
  const path = join(DIR, 'ha6', 'gw-eth0.pcap');

  it('the takeover counts the new master\'s unsolicited neighbour advertisements as its gratuitous ARPs', () => {
    const r = analyze([path]).report;
    const pair = r.directorPair!;
    expect(pair).toBeDefined();
    expect(pair.failovers).toHaveLength(1);
    const f = pair.failovers[0]!;
    expect(f).toMatchObject({ reason: 'silent', vrid: 61, takeoverSeen: true });
    expect(f.newMaster.mac).toBe('9e:4e:9c:95:e5:84');
    // keepalived's five NAs at once (frames 27-31); its second round (37-41, garp_master_delay
    // later) is past the takeover's window, as the IPv4 pair's second round of GARPs is.
    expect(f.garpFrames).toEqual([27, 28, 29, 30, 31]);
    expect(r.findings.map((x) => x.code)).not.toContain('ha-no-gratuitous-arp');
  });

  it('explains them as unsolicited neighbour advertisements, in English and Chinese', () => {
    const s = analyze([path]);
    const frames = [...openFrames([path])];
    const en = [...explainFrames(frames, s, 'en')].map((e) => e.explanation.text);
    const zh = [...explainFrames(frames, s, 'zh')].map((e) => e.explanation.text);
    expect(en[26]).toMatch(/the new master, announces by unsolicited neighbour advertisement \(IPv6's gratuitous ARP\) that VIP 2001:db8:1::80 is at its MAC/);
    expect(zh[26]).toContain('主动邻居通告');
    expect(en.join('\n')).not.toMatch(/gratuitous NDP|NDP 2001:db8:1::80 is at/);
  });
});

describe('link-local addresses (NDP\'s source) in the hosts table', () => {
  const linkLocal = (ip: string): boolean => /^fe[89ab]/i.test(ip);
  it.each(['dr6/rs1-eth0.pcap', 'dr6/dir-eth0.pcap', 'tun6/rs1-eth0.pcap', 'tun6/gw-eth1.pcap'])(
    '%s: a host the table lists with a routable address has no second row for its link-local one, and no role by it',
    (file) => {
      const r = analyze([join(DIR, file)]).report;
      const routable = new Set(r.hosts.filter((h) => h.mac !== null && !linkLocal(h.ip)).map((h) => h.mac));
      expect(r.hosts.filter((h) => linkLocal(h.ip) && h.mac !== null && routable.has(h.mac))).toEqual([]);
      // The director's address is its own (routable, else link-local), never a client's it forwarded.
      const clients = new Set(r.hosts.filter((h) => h.role === 'client').map((h) => h.ip));
      for (const s of r.services) expect(clients.has(s.director.ip ?? '')).toBe(false);
    },
  );
});
