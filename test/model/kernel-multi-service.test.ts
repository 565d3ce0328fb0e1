/**
 * Several virtual services on one director, on the kernel's own IPVS (lab --service, see
 * test/fixtures/kernel-scenarios/README.md): two DR services on one VIP (80 rr, 443 wlc, partly
 * the same real servers), a NAT director with a TCP VIP and a UDP VIP, and one DR service with a
 * TUN real server among its DR ones. Each service graded on its own against lab.json (the
 * kernel's -S -n, -Ln and -Lnc): its real servers, method, each connection's service and real
 * server, the scheduler (decided or honestly tied), and the reconstructed ipvsadm -Ln.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import { parseRules } from '../../src/ipvs/ipvsadm/parse-rules.js';
import type { Summary } from '../../src/model/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { renderIpvsadmList } from '../../src/present/ipvsadm-view.js';
import { renderSummary } from '../../src/present/analyze-summary.js';
import { makeStyle } from '../../src/present/analyze-style.js';
import { localizeReport } from '../../src/annotate/index.js';

const DIR = 'test/fixtures/kernel-scenarios';

interface TruthService {
  readonly protocol: 'tcp' | 'udp'; readonly vip: string; readonly vport: number; readonly scheduler: string;
  readonly realServers: readonly { readonly ip: string; readonly port: number; readonly method: string }[];
}
interface Lab {
  readonly services: readonly TruthService[];
  readonly requests: readonly { readonly client: string; readonly virtual: string; readonly realServer: string | null }[];
  readonly kernelTables: { readonly ipvsadmLn: string; readonly ipvsadmS: string };
}

const lab = (scenario: string): Lab => (JSON.parse(readFileSync(`${DIR}/${scenario}/lab.json`, 'utf8')) as { lab: Lab }).lab;

function analyze(scenario: string, file: string, rules = false): Summary {
  const paths = [`${DIR}/${scenario}/${file}`];
  const text = lab(scenario).kernelTables.ipvsadmS;
  return analyzeFrames(openFrames(paths), rules ? { files: paths, rules: parseRules(text).services, rulesText: text } : { files: paths });
}

const service = (s: Summary, t: Pick<TruthService, 'protocol' | 'vip' | 'vport'>) =>
  s.report.services.find((x) => x.protocol === t.protocol && x.vip === t.vip && x.port === t.vport);
const endpoint = (e: { ip: string; port: number } | string | null): string | null =>
  e === null ? null : typeof e === 'string' ? e : `${e.ip}:${e.port}`;
const dests = (t: TruthService): string[] => t.realServers.map((r) => `${r.ip}:${r.port}`).sort();

/** The kernel's -Ln, one line per real server: "VIP:PORT RIP:PORT Forward". */
function kernelDests(listing: string): string[] {
  const out: string[] = [];
  let svc = '';
  for (const line of listing.split('\n')) {
    const s = /^(TCP|UDP)\s+(\S+)/.exec(line);
    if (s) svc = `${s[1]} ${s[2]}`;
    const d = /^\s+->\s+(\d\S*)\s+(Route|Masq|Tunnel)/.exec(line);
    if (d) out.push(`${svc} ${d[1]} ${d[2]}`);
  }
  return out.sort();
}

/** Every connection of the truth the capture shows: its service and its real server, as the kernel had them. */
function expectConnections(s: Summary, l: Lab, attributed: boolean): void {
  let seen = 0;
  for (const q of l.requests) {
    const c = s.report.connections.find((x) => endpoint(x.client as never) === q.client);
    if (c === undefined) continue;
    seen++;
    expect(endpoint(c.virtual as never), q.client).toBe(q.virtual);
    if (attributed) expect(endpoint(c.realServer as never), q.client).toBe(q.realServer);
    // Where the real server cannot show, none is named: never another service's.
    else expect(c.realServer, q.client).toBeNull();
  }
  expect(seen).toBe(l.requests.length);
}

function expectSchedulerFits(s: Summary, t: TruthService): void {
  const sc = service(s, t)!.scheduler;
  const tied = sc.candidates.filter((c) => c.score >= (sc.candidates[0]?.score ?? 0) - 1e-9).map((c) => c.name);
  if (sc.name === 'ambiguous') expect(tied).toContain(t.scheduler);
  else expect(sc.name).toBe(t.scheduler);
}

describe('two DR services on one VIP (tcp/80 rr, tcp/443 wlc, rs2 in both)', () => {
  const sc = 'dr-2svc-80rr-443wlc';
  const l = lab(sc);

  for (const file of ['fw-eth1.pcap', 'dir-eth0.pcap']) {
    it(`${file}: each service on its own, with its real servers, scheduler and connections; -Ln as the kernel's`, () => {
      const s = analyze(sc, file);
      expect(s.report.services).toHaveLength(2);
      for (const t of l.services) {
        const r = service(s, t);
        expect(r, `${t.vip}:${t.vport}`).toBeDefined();
        expect(r!.method).toBe('dr');
        expect(r!.realServers.map((x) => `${x.ip}:${x.port}`).sort()).toEqual(dests(t));
        expectSchedulerFits(s, t);
      }
      // The rr service is not claimed persistent (every client kept one server, which rr explains);
      // the wlc one moved a client between servers: not persistent.
      expect(service(s, l.services[1]!)!.persistence).toBeNull();
      expectConnections(s, l, true);
      const view = kernelDests(renderIpvsadmList(s));
      expect(view).toEqual(kernelDests(l.kernelTables.ipvsadmLn));
    });
  }

  it('rs2-eth0.pcap: the real server of both services sees each of them, its own share only', () => {
    const s = analyze(sc, 'rs2-eth0.pcap');
    for (const t of l.services) {
      const r = service(s, t)!;
      expect(r.realServers.map((x) => `${x.ip}:${x.port}`)).toEqual([`192.168.23.81:${t.vport}`]);
      expect(r.scheduler.name).toBe('unknown');
    }
  });

  it('dir-any.pcap (cooked, no MACs): the director\'s ARP does not say which service each real server serves', () => {
    const s = analyze(sc, 'dir-any.pcap');
    expect(s.report.services).toHaveLength(2);
    for (const t of l.services) {
      const r = service(s, t)!;
      expect(r.method).toBe('dr');
      // Before: every resolved real server under every service (192.168.23.82:80, 192.168.23.80:443).
      expect(r.realServers).toEqual([]);
      expect(r.unseen).toContain('service-real-servers');
      expect(r.unseen).not.toContain('real-servers');
    }
    // The hosts list still names them.
    expect(s.report.hosts.filter((h) => h.role === 'real-server').map((h) => h.ip).sort()).toEqual(['192.168.23.80', '192.168.23.81', '192.168.23.82']);
    expectConnections(s, l, false);
    const text = renderSummary(s, makeStyle(false), 'en');
    expect(text).toContain('which of them serve this one does not show');
  });

  it('the kernel\'s own rules (ipvsadm -S -n) match what the capture shows: no rules-mismatch', () => {
    for (const file of ['fw-eth1.pcap', 'dir-eth0.pcap']) {
      const s = analyze(sc, file, true);
      expect(s.report.findings.filter((f) => f.code === 'rules-mismatch'), file).toEqual([]);
    }
  });
});

describe('a NAT director with two VIPs: tcp/80 rr and udp/53 wrr', () => {
  const sc = 'nat-2vip-tcp-udp';
  const l = lab(sc);

  it('dir-any.pcap: both services, port mapping on TCP, each connection to its own service', () => {
    const s = analyze(sc, 'dir-any.pcap');
    for (const t of l.services) {
      const r = service(s, t);
      expect(r, `${t.protocol} ${t.vip}:${t.vport}`).toBeDefined();
      expect(r!.method).toBe('nat');
      expect(r!.realServers.map((x) => `${x.ip}:${x.port}`).sort()).toEqual(dests(t));
      expectSchedulerFits(s, t);
    }
    expectConnections(s, l, true);
    expect(kernelDests(renderIpvsadmList(s))).toEqual(kernelDests(l.kernelTables.ipvsadmLn));
  });

  it('dir-eth1.pcap (the inside): one service per protocol, the VIPs unseen, the real servers right; the kernel\'s rules fit', () => {
    const s = analyze(sc, 'dir-eth1.pcap');
    // Before: "a virtual service TCP ?:? that the rules do not define": each is the one rule with its real servers.
    expect(analyze(sc, 'dir-eth1.pcap', true).report.findings.filter((f) => f.code === 'rules-mismatch')).toEqual([]);
    for (const t of l.services) {
      const r = s.report.services.find((x) => x.protocol === t.protocol);
      expect(r!.vip).toBe('?');
      expect(r!.method).toBe('nat');
      expect(r!.realServers.map((x) => `${x.ip}:${x.port}`).sort()).toEqual(dests(t));
    }
  });
});

describe('one DR service with a TUN real server among its DR ones (ipvsadm -a … -g and -i)', () => {
  const sc = 'dr-tun-mixed-wrr';
  const l = lab(sc);
  const t = l.services[0]!;

  it('dir-eth0.pcap: no one method claimed; each real server its own; -Ln shows Route and Tunnel as the kernel does', () => {
    const s = analyze(sc, 'dir-eth0.pcap');
    const r = service(s, t)!;
    // Before: "dr" for the whole service, and 10.23.0.11 listed as Route.
    expect(r.method).toBe('unknown');
    expect(Object.fromEntries(r.realServers.map((x) => [x.ip, x.method]))).toEqual(
      Object.fromEntries(t.realServers.map((x) => [x.ip, x.method])));
    expect(r.unseen ?? []).not.toContain('method');
    expect(r.claims?.method).toBe(1);
    expectSchedulerFits(s, t);
    expectConnections(s, l, true);
    expect(kernelDests(renderIpvsadmList(s))).toEqual(kernelDests(l.kernelTables.ipvsadmLn));
    const text = renderSummary(s, makeStyle(false), 'en');
    expect(text).toContain('method: DR + TUN (per real server)');
    expect(text).toContain('DR to 192.168.23.80, 192.168.23.82; TUN to 10.23.0.11');
    expect(text).not.toContain('nothing left the director');
    const zh = localizeReport(s, 'zh').services[0]!.methodEvidence!.join('\n');
    expect(zh).toContain('TUN 到 10.23.0.11');
  });

  it('the kernel\'s rules, which mix -g and -i, match: no rules-mismatch, in any order; a wrong method per real server is one', () => {
    const s = analyze(sc, 'dir-eth0.pcap', true);
    expect(s.report.findings.filter((f) => f.code === 'rules-mismatch')).toEqual([]);
    const lines = l.kernelTables.ipvsadmS.trim().split('\n');
    const tunFirst = [lines[0]!, ...lines.filter((x) => x.includes(' -i ')), ...lines.slice(1).filter((x) => !x.includes(' -i '))].join('\n');
    const withRules = (text: string) => analyzeFrames(openFrames([`${DIR}/${sc}/dir-eth0.pcap`]), { files: [sc], rules: parseRules(text).services, rulesText: text });
    // Before: the first -a's method stood for the whole service.
    expect(withRules(tunFirst).report.findings.filter((f) => f.code === 'rules-mismatch')).toEqual([]);
    const wrong = withRules(lines.map((x) => x.replace(/ -i -w 1 --tun-type ipip$/, ' -g -w 1')).join('\n')).report.findings.filter((f) => f.code === 'rules-mismatch');
    expect(wrong.map((f) => f.params)).toEqual([expect.objectContaining({ kind: 'method', rules: 'dr', seen: 'tun' })]);
  });

  it('fw-eth1.pcap (the gateway): the router in front of the TUN real server is no real server; DR beside TUN, no one method', () => {
    const s = analyze(sc, 'fw-eth1.pcap');
    const r = service(s, t)!;
    // Before: "dr", with the router 192.168.23.254 listed as a third real server.
    expect(r.method).toBe('unknown');
    expect(r.realServers.map((x) => [x.ip, x.method])).toEqual([['192.168.23.80', 'dr'], ['192.168.23.82', 'dr']]);
    expect(s.report.hosts.find((h) => h.ip === '192.168.23.254')?.role).toBe('gateway');
    // The two listed are not all: the TUN one behind the router does not show.
    expect(r.claims?.realServers).toBeLessThan(1);
    for (const q of l.requests) {
      const c = s.report.connections.find((x) => endpoint(x.client as never) === q.client)!;
      // The TUN real server's connections: beyond the router, not named; the DR ones as the kernel had them.
      expect(endpoint(c.realServer as never), q.client).toBe(q.realServer?.startsWith('10.23.') === true ? null : q.realServer);
    }
    expect(renderSummary(s, makeStyle(false), 'en')).toContain('TUN to real servers beyond a router');
    expect(renderIpvsadmList(s)).not.toContain('192.168.23.254');
  });

  it('dir-any.pcap: the DR forwards show (not where), the tunnel does: TUN for 10.23.0.11, no one method', () => {
    const s = analyze(sc, 'dir-any.pcap');
    const r = service(s, t)!;
    expect(r.method).toBe('unknown');
    expect(r.realServers.map((x) => [x.ip, x.method])).toEqual([['10.23.0.11', 'tun']]);
    const view = renderIpvsadmList(s);
    expect(view).toMatch(/10\.23\.0\.11:80\s+Tunnel/);
    expect(view).not.toMatch(/10\.23\.0\.11:80\s+Route/);
    expect(renderSummary(s, makeStyle(false), 'en')).toContain('DR to real servers this capture does not name');
  });
});

describe('a NAT director with two TCP services on one VIP (80 rr → 8080, 443 wlc → 8443), seen from its inside', () => {
  const sc = 'nat-2svc-80-443';
  const l = lab(sc);

  it('dir-eth1.pcap: the VIP unseen, real servers on two ports: one service or two cannot show, so no scheduler is named', () => {
    const s = analyze(sc, 'dir-eth1.pcap');
    const r = s.report.services.find((x) => x.protocol === 'tcp')!;
    expect(r.vip).toBe('?');
    expect(r.method).toBe('nat');
    expect(r.realServers.map((x) => `${x.ip}:${x.port}`).sort()).toEqual([...new Set(l.services.flatMap(dests))].sort());
    // Before: "rr, wrr, lc, wlc" over the two services' decisions together.
    expect(r.scheduler.name).toBe('unknown');
    expect(r.unseen).toContain('services-apart');
    expect(r.claims?.realServers).toBeLessThan(1);
    expect(renderSummary(s, makeStyle(false), 'en')).toContain('one service with a port per real server, or several services');
  });
});
