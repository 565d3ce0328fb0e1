/**
 * The finding message catalog and the cluster's words: every code and every kind has a Chinese
 * sentence with no English left in it, the English reads exactly as the model's own message, and
 * the language never changes the code, severity, frames or params.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  FINDING_CATALOG, findingText, localizeFindings, localizeReport, methodEvidenceText, schedulerWord,
} from '../../src/annotate/index.js';
import { parseRules } from '../../src/ipvs/ipvsadm/index.js';
import type { FindingCode, FindingParamsByCode, FindingReport } from '../../src/ipvs/report.js';
import type { Summary } from '../../src/model/index.js';
import { analyzeFiles, analyzeFrames } from '../../src/pipeline/index.js';
import { haCapture } from '../helpers/ha-synth.js';
import { FIXTURES } from '../helpers/paths.js';
import { makeStyle } from '../../src/present/analyze-style.js';
import { renderFindings } from '../../src/present/findings-text.js';
import { DR, FrameScript, NAT, drArp, drConnection, natConnection } from '../helpers/frames.js';
import { idleConnection, portReuse, rsReject, staleUdp } from '../helpers/fault-frames.js';

const [RS1, RS2] = [DR.rs[0], DR.rs[1]];

/** One sample of params for every sentence the catalog can write (typed: a new code must add one). */
const SAMPLES: { readonly [C in FindingCode]: readonly FindingParamsByCode[C][] } = {
  'rs-answers-arp-for-vip': [
    { vip: '192.168.23.100', rip: '192.168.23.81', mac: '02:aa:00:00:01:02', name: 'WEB2' },
    { vip: '192.168.23.100', rip: '192.168.23.81', mac: '02:aa:00:00:01:02', name: null },
  ],
  'rs-announces-vip': [
    { vip: '192.168.23.100', rip: '192.168.23.80', mac: '02:aa:00:00:01:01', name: 'WEB1' },
    { vip: '192.168.23.100', rip: '02:aa:00:00:01:01', mac: '02:aa:00:00:01:01', name: null },
  ],
  'vip-arp-flapping': [{ vip: '192.168.23.100', macs: ['02:aa:00:00:01:02', '00:0c:29:06:13:ea'] }],
  'vip-primary-on-director': [{ vip: '192.168.23.100' }],
  'dr-reply-via-director': [{ rs: '192.168.23.80', vip: '192.168.23.100' }, { rs: '02:aa:00:00:01:01', vip: '192.168.23.100' }],
  'nat-reply-bypasses-director': [{ rs: '192.168.1.11', mac: '02:bb:00:00:00:fe' }],
  'syn-ack-without-syn': [
    { server: '192.168.23.80:8080', client: '172.16.0.100:35597', clients: 2, synAcks: 15, virtual: null },
    { server: '192.168.23.80:8080', client: '172.16.0.100:35597', clients: 2, synAcks: 15, virtual: '172.16.23.80:80' },
  ],
  'dr-port-mapping': [
    { kind: 'refused', rs: '192.168.23.81', virtual: '192.168.23.100:80', port: 80 },
    { kind: 'rules', forward: 'dr', rs: '192.168.23.80:8080', virtual: '192.168.23.100:80', port: 80 },
    { kind: 'rules', forward: 'tun', rs: '10.2.0.1:8080', virtual: '10.1.0.100:443', port: 443 },
    { kind: 'rules-text', forward: 'dr', rs: '192.168.23.80:8080', virtual: '192.168.23.100:80', port: 80 },
    { kind: 'rules-text', forward: 'tun', rs: '10.2.0.1:8080', virtual: '10.1.0.100:443', port: 443 },
  ],
  'no-real-server': [{ virtual: '192.168.23.100:80' }],
  'rs-not-responding': [{ rs: '192.168.23.81' }],
  'tun-mtu': [
    { mtu: 1480, exact: true, client: null, to: '10.23.0.10' },
    { mtu: null, exact: false, client: null, to: null },
    { mtu: 1480, exact: false, client: '172.16.0.100:40000', to: '192.168.23.100:80' },
  ],
  'icmp-redirect-from-director': [{ to: '192.168.23.1', gateway: '192.168.23.1' }, { to: '192.168.23.1', gateway: null }],
  'quiesced-server-used': [
    { rs: '192.168.23.81', virtual: '192.168.23.100:80', persistent: false },
    { rs: '192.168.23.81', virtual: '192.168.23.100:80', persistent: true },
  ],
  'rules-mismatch': [
    { kind: 'missing-service', protocol: 'tcp', virtual: '192.168.23.100:443' },
    { kind: 'method', virtual: '192.168.23.100:80', rules: 'nat', seen: 'dr' },
    { kind: 'unknown-rs', rs: '192.168.23.81', virtual: '192.168.23.100:80' },
    { kind: 'scheduler', virtual: '192.168.23.100:80', rules: 'wlc', seen: 'rr' },
  ],
  'rs-rejects': [
    { rs: '192.168.23.80', virtual: '192.168.23.100:80', protocol: 'tcp', code: 3 },
    { rs: '02:aa:00:00:01:01', virtual: '192.168.23.100:53', protocol: 'udp', code: 3 },
    { rs: '192.168.23.80', virtual: '192.168.23.100:80', protocol: 'tcp', code: 13 },
  ],
  'stale-entry': [
    { protocol: 'udp', client: '172.16.0.100:40000', virtual: '192.168.23.100:53', rs: '192.168.23.80', after: '192.168.23.81', lost: 4, seconds: 4.1, othersAnswered: false },
    { protocol: 'udp', client: '172.16.0.100:40000', virtual: '192.168.23.100:53', rs: '192.168.23.80', after: null, lost: 9, seconds: 8, othersAnswered: true },
    { protocol: 'tcp', client: '172.16.0.100:51093', virtual: '192.168.23.100:80', rs: '192.168.23.80', sent: 8, seconds: 15, firstGap: 0.238, lastGap: 7.418, director: 'dropped', othersAnswered: true },
    { protocol: 'tcp', client: '172.16.0.100:51093', virtual: '192.168.23.100:80', rs: null, sent: 5, seconds: 3.1, firstGap: 0.2, lastGap: 1.6, director: 'forwarded', othersAnswered: false },
    { protocol: 'tcp', client: '172.16.0.100:51093', virtual: '192.168.23.100:80', rs: '02:aa:00:00:01:01', sent: 6, seconds: 6.2, firstGap: 0.2, lastGap: 3.2, director: 'unseen', othersAnswered: true },
  ],
  'idle-entry-expired': [
    { client: '172.16.0.100:40000', virtual: '192.168.23.100:80', idle: 6, by: 'director' },
    { client: '172.16.0.100:40000', virtual: '192.168.23.100:80', idle: 960.5, by: 'other' },
  ],
  'port-reuse-syn-dropped': [{ client: '172.16.0.100:40000', virtual: '172.16.23.80:80', gap: 1.001, reuseAfter: 2.4 }],
  'syn-flood': [
    { virtual: '192.168.23.100:80', halfOpen: 200, peak: 200, sources: 200, firstSource: '172.16.200.1', lastSource: '172.16.200.200', seconds: 5, rate: 40, synAcked: 200, completed: 4 },
    { virtual: '192.168.23.100:80', halfOpen: 5000, peak: 3000, sources: 1, firstSource: '198.51.100.7', lastSource: '198.51.100.7', seconds: 2.5, rate: 2000, synAcked: 0, completed: 0 },
  ],
  'persistence-broken': [
    { kind: 'switched', client: '172.16.1.19', virtual: '192.168.23.100:80' },
    { kind: 'timeout', client: '172.16.0.100', from: '192.168.23.80', to: '192.168.23.81', timeout: 360, virtual: '192.168.23.100:80' },
  ],
  'ha-split-brain': [{ vrid: 51, routers: ['DIR1', 'DIR2'], seconds: 7.4 }],
  'ha-failover-gap': [{ vrid: 51, from: 'DIR1', to: 'DIR2', gapMs: 3609, thresholdMs: 2000 }],
  'ha-conns-lost-no-sync': [
    { vrid: 51, to: 'DIR2', lost: 2, clients: ['172.16.0.100:40000', '172.16.0.101:40001'], synced: 0 },
    { vrid: 51, to: 'DIR2', lost: 1, clients: ['172.16.0.100:40000'], synced: 3 },
  ],
  'ha-no-gratuitous-arp': [{ vrid: 51, to: 'DIR2', vips: ['192.168.23.100'] }],
  'rs-failed-health-check-still-used': [{ rs: 'WEB2', director: 'DIR1', connections: 4 }],
  'health-check-flapping': [{ rs: 'WEB2', director: 'DIR1', failures: 2 }],
};

const CODES = Object.keys(SAMPLES) as FindingCode[];

function samples(): FindingReport[] {
  return CODES.flatMap((code) => (SAMPLES[code] as readonly FindingParamsByCode[FindingCode][]).map((params, i) => ({
    code, severity: 'warning' as const, message: `stored message ${i}`, frames: [3 + i, 17], params,
  })));
}

/**
 * Words a Chinese sentence may keep in Latin letters: LVS and protocol terms the tutorials write
 * that way, sysctl and ipvsadm names, scheduler names. Anything else is English left untranslated.
 */
const TERMS = new Set([
  'Real', 'Server', 'Director', 'VIP', 'DIP', 'RIP', 'CIP', 'ARP', 'MAC', 'ICMP', 'MTU', 'MSS', 'DR', 'NAT', 'TUN', 'FULLNAT',
  'TCP', 'UDP', 'SYN', 'RST', 'TTL', 'TOA', 'IP', 'IPIP', 'GRE', 'GUE', 'lo', 'arp_ignore', 'arp_announce',
  'net.ipv4.conf.*.send_redirects', 'ipvsadm', 'g', 'i', 'rr', 'wrr', 'lc', 'wlc', 'sh', 'dh', 'sed', 'nq',
  // Settings, commands and state names an operator types or reads as they are.
  'net.ipv4.vs.expire_nodest_conn', 'net.ipv4.vs.sloppy_tcp', 'net.ipv4.vs.conn_reuse_mode', 'net.ipv4.vs.conntrack',
  'conn_reuse_mode', 'net.ipv4.tcp_keepalive_time', 'net.ipv4.ip_local_port_range', 'set', 'Lnc', 'TCPFIN',
  'ESTABLISHED', 'TIME_WAIT', 'net.ipv4.vs.expire_quiescent_template', 'keepalive', 'keepalived', 'kube-proxy', 'iptables', 'nftables', 'REJECT', 'IPVS',
  'IPVS', 'VRRP', 'VRID', 'VLAN', 'Master', 'keepalived', 'advert_int', 'lvs_sync_daemon', 'start-daemon', 'master', 'backup',
  'virtual_router_id', 'garp_master_delay', 'vrrp_garp_master_repeat', 'virtual_ipaddress', 'expire_nodest_conn',
  'SYN-ACK', 'ACK', 'SYN_RECV', 'ActiveConn', 'amemthresh', 'am_droprate', 'drop_entry', 'drop_packet', 'secure_tcp', 'MB',
  'SYNPROXY', 'cookies', 'net.ipv4.tcp_syncookies', 'ip_vs_xmit.c', 'ensure_mtu_is_adequate', 'route', 'advmss', 'TCPMSS',
  'net.ipv4.vs.pmtu_disc', 'DF', 'PMTU', 'ip', 'Linux', 'DNAT', 'vip' /* lvscope's --vip */,
  'd', 'net.ipv4.tcp_retries2',
]);

/** Latin-letter words of `text` that are neither addresses, numbers, nor allowed terms. */
function englishLeft(text: string): string[] {
  const stripped = text
    .replace(/\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/g, ' ') // MACs
    .replace(/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?\b/g, ' ') // IPv4 and ip:port
    .replace(/IPv4-in-IPv6|IPv6-in-IPv4|IPv6-in-IPv6/g, ' ')
    .replace(/\bWEB\d+\b/g, ' ')
    .replace(/\bDIR\d+\b/g, ' ')
    .replace(/\/proc\/sys\/[\w./]+/g, ' ');
  return (stripped.match(/[A-Za-z][A-Za-z0-9_.*-]*/g) ?? [])
    .map((w) => w.replace(/[.=]+$/, ''))
    .filter((w) => !TERMS.has(w));
}

describe('the catalog, every code and kind', () => {
  const all = samples();

  it('covers every finding code with en and zh', () => {
    expect(Object.keys(FINDING_CATALOG).sort()).toEqual([...CODES].sort());
    expect(CODES).toHaveLength(26);
  });

  it.each(all.map((f) => [`${f.code} ${JSON.stringify(f.params)}`, f] as const))('%s: Chinese, and nothing English left', (_, f) => {
    const zh = findingText(f, 'zh');
    const en = findingText(f, 'en');
    expect(zh).not.toBe(f.message);
    expect(en).not.toBe(f.message);
    expect(zh.length).toBeGreaterThan(10);
    expect(zh).toMatch(/[\u4e00-\u9fff]{4}/);
    expect(englishLeft(zh)).toEqual([]);
    expect(zh).not.toMatch(/undefined|null|\[object/);
    // The addresses of the English sentence are all in the Chinese one.
    for (const addr of en.match(/\d{1,3}(?:\.\d{1,3}){3}(?::\d+)?|[0-9a-f]{2}(?::[0-9a-f]{2}){5}/g) ?? []) expect(zh).toContain(addr);
  });

  it('the check catches English: a real sentence fails it', () => {
    expect(englishLeft('Real Server 192.168.23.81 did not answer')).toEqual(['did', 'not', 'answer']);
    expect(englishLeft('请设置 arp_ignore=1 和 net.ipv4.conf.*.send_redirects=0，MTU/MSS，-g')).toEqual([]);
  });

  it('Chinese findings text names the same frames, with the severity in Chinese', () => {
    const out = renderFindings(all, makeStyle(false), 'zh').trimEnd().split('\n');
    expect(out).toHaveLength(all.length);
    out.forEach((line, i) => {
      const f = all[i]!;
      expect(line.startsWith(`警告 ${f.code}：`)).toBe(true);
      expect(line.endsWith(`（帧 ${f.frames.join(', ')}）`)).toBe(true);
    });
  });

  it('named sentences, word for word', () => {
    const [named, unnamed] = all.filter((f) => f.code === 'rs-answers-arp-for-vip');
    expect(findingText(named!, 'zh')).toBe('Real Server WEB2（02:aa:00:00:01:02）回应了对 VIP 192.168.23.100 的 ARP 请求：客户端的报文可能绕过 Director 直接发给它；请在这台 Real Server 上设置 arp_ignore=1 和 arp_announce=2，并把 VIP 配置在 lo 上');
    expect(findingText(unnamed!, 'en')).toBe("real server 192.168.23.81 (02:aa:00:00:01:02) answers ARP for the VIP 192.168.23.100: clients' packets may bypass the director; set arp_ignore=1 and arp_announce=2 on the real server and keep the VIP on lo");
    const macOnly = all.filter((f) => f.code === 'rs-announces-vip')[1]!;
    expect(findingText(macOnly, 'en')).toBe('real server 02:aa:00:00:01:01 sends ARP with the VIP 192.168.23.100 as its sender address, teaching the LAN that the VIP lives there; set arp_announce=2');
    expect(findingText(macOnly, 'zh')).toMatch(/^Real Server 02:aa:00:00:01:01 发出的 ARP/);
    const mtu = all.filter((f) => f.code === 'tun-mtu');
    expect(findingText(mtu[0]!, 'zh')).toMatch(/^收到关于发往 10\.23\.0\.10 的隧道报文的 ICMP 需要分片（下一跳 MTU 1480）：.*加 20 字节的 IPIP 头.*advmss 1440/);
    expect(findingText(mtu[1]!, 'zh')).toContain('下一跳 MTU ?）');
    expect(findingText(mtu[1]!, 'zh')).not.toContain('advmss ');
    expect(findingText(mtu[2]!, 'en')).toMatch(/^ICMP fragmentation needed \(next-hop MTU 1480\) from the VIP: the director refused to tunnel packets to 192\.168\.23\.100:80, the first from client 172\.16\.0\.100:40000\..*ensure_mtu_is_adequate.*advmss 1440.*pmtu_disc=0/);
    expect(findingText(mtu[2]!, 'zh')).toMatch(/^VIP 发出了 ICMP 需要分片（下一跳 MTU 1480）：Director 拒绝用隧道转发发往 192\.168\.23\.100:80 的报文（第一个来自客户端 172\.16\.0\.100:40000）。/);
  });

  it('localizeFindings changes only the message', () => {
    const zh = localizeFindings(all, 'zh');
    zh.forEach((f, i) => {
      const { message: _a, ...rest } = f;
      const { message: _b, ...orig } = all[i]!;
      expect(rest).toEqual(orig);
    });
  });

  it('a finding without params, or with params missing a key, keeps its stored message', () => {
    const truth: FindingReport = { code: 'rs-not-responding', severity: 'warning', message: 'from a truth file', frames: [1] };
    expect(findingText(truth, 'zh')).toBe('from a truth file');
    const broken = { ...truth, params: {} as FindingParamsByCode['rs-not-responding'] };
    expect(findingText(broken, 'zh')).toBe('from a truth file');
    const wrongKind = { ...truth, code: 'rules-mismatch' as const, params: { kind: 'nonsense' } as unknown as FindingParamsByCode['rules-mismatch'] };
    expect(findingText(wrongKind, 'en')).toBe('from a truth file');
  });
});

// ---------------------------------------------------------------- the model's own findings

function run(s: FrameScript, rulesText?: string): Summary {
  const rules = rulesText === undefined ? null : parseRules(rulesText).services;
  return analyzeFrames(s.frames, { files: ['built'], rules, rulesText: rulesText ?? null });
}

function cleanDr(): FrameScript {
  const s = new FrameScript();
  drArp(s, 2);
  drConnection(s, { cport: 40001, rs: RS1 });
  drConnection(s, { cport: 40002, rs: RS2 });
  drConnection(s, { cport: 40003, rs: RS1 });
  drConnection(s, { cport: 40004, rs: RS2 });
  return s;
}

const RULES = (rs1: string, rs2: string | null, extra = ''): string =>
  `-A -t ${DR.vip}:80 -s rr${extra}\n-a -t ${DR.vip}:80 -r ${rs1}\n${rs2 === null ? '' : `-a -t ${DR.vip}:80 -r ${rs2}\n`}`;

/** Captures (and rules) made to show each finding, as test/model/findings.test.ts builds them. */
function modelFindings(): { summaries: Summary[]; findings: FindingReport[] } {
  const summaries: Summary[] = [];
  const add = (s: Summary): void => { summaries.push(s); };
  // A real-kernel NAT real server replying past its director, at the router and on the client.
  for (const f of ['rtr-eth0.pcap', 'c0-eth0.pcap']) {
    const path = join(FIXTURES, 'kernel-misconfig', 'nat-gateway', f);
    add(analyzeFiles([path], { files: [path], threads: 'never' }).summary);
  }
  for (const p of ['ha-failover-nosync', 'ha-no-garp', 'ha-split-brain', 'ha-health-flap', 'ha-health-ignored']) {
    const { path } = haCapture(p);
    add(analyzeFiles([path], { files: [path], threads: 'never' }).summary);
  }
  { const s = cleanDr(); s.arpReply(RS1.mac, DR.vip, DR.gwMac, DR.gwIp); s.garp(RS2.mac, DR.vip); add(run(s)); }
  { const s = cleanDr(); s.arpRequest(DR.dirMac, DR.vip, RS1.ip); add(run(s)); }
  { const s = cleanDr(); drConnection(s, { cport: 40005, rs: RS1, replyViaDirector: true }); add(run(s)); }
  {
    const s = new FrameScript();
    natConnection(s, { cport: 50001, rs: NAT.rs[0] });
    natConnection(s, { cport: 50002, rs: NAT.rs[1] });
    natConnection(s, { cport: 50003, rs: NAT.rs[0], bypass: true });
    add(run(s));
  }
  add(run(cleanDr(), RULES(`${RS1.ip}:8080 -g -w 1`, `${RS2.ip}:80 -g -w 1`)));
  {
    const s = cleanDr();
    drConnection(s, { cport: 40009, rs: RS1, answer: false });
    s.tcp({ srcMac: RS1.mac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, sport: 80, dport: 40009, flags: 'RA', seq: 0 });
    drConnection(s, { cport: 40010, rs: RS2, answer: false });
    s.tcp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: DR.client, dst: DR.vip, sport: 41000, dport: 80, flags: 'S', ttl: 63 });
    s.icmp({ srcMac: DR.dirMac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, type: 3, code: 3, quoted: { src: DR.client, dst: DR.vip, proto: 6, srcPort: 41000, dstPort: 80 } });
    s.icmp({ srcMac: DR.dirMac, dstMac: DR.gwMac, src: DR.dip, dst: DR.gwIp, type: 5, code: 1, gateway: DR.gwIp });
    add(run(s));
  }
  {
    const s = new FrameScript();
    const dirMac = '02:dd:00:00:00:01';
    for (let i = 0; i < 2; i++) {
      s.tunnel({ srcMac: dirMac, dstMac: '02:dd:00:00:00:fe', outerSrc: '10.1.0.1', outerDst: `10.2.0.${i + 1}`, src: '198.51.100.7', dst: '10.1.0.100', sport: 30000 + i, dport: 443, flags: 'S' });
    }
    s.icmp({ srcMac: '02:dd:00:00:00:fe', dstMac: dirMac, src: '10.9.9.9', dst: '10.1.0.1', type: 3, code: 4, mtu: 1480, quoted: { src: '10.1.0.1', dst: '10.2.0.1', proto: 4, srcPort: null, dstPort: null } });
    add(run(s));
  }
  add(run(cleanDr(), RULES(`${RS1.ip}:80 -g -w 1`, `${RS2.ip}:80 -g -w 0`)));
  add(run(cleanDr(), RULES(`${RS1.ip}:80 -m -w 1`, `${RS2.ip}:80 -m -w 1`)));
  add(run(cleanDr(), RULES(`${RS1.ip}:80 -g -w 1`, null)));
  add(run(cleanDr(), `${RULES(`${RS1.ip}:80 -g -w 1`, `${RS2.ip}:80 -g -w 1`, ' -p 360')}-A -t ${DR.vip}:443 -s rr\n`));
  {
    const s = new FrameScript();
    drArp(s, 2);
    const clients = Array.from({ length: 10 }, (_, i) => `172.16.1.${i + 10}`);
    const rs = (i: number) => (i % 2 === 0 ? RS1 : RS2);
    clients.forEach((c, i) => drConnection(s, { client: c, cport: 41000 + i, rs: rs(i) }));
    clients.forEach((c, i) => drConnection(s, { client: c, cport: 42000 + i, rs: i === 9 ? rs(i + 1) : rs(i) }));
    add(run(s));
  }
  for (const s of [staleUdp(true), idleConnection(true), portReuse(true), rsReject(true)]) add(run(s));
  {
    // A SYN flood: 120 made-up sources, one SYN each, never completed.
    const s = cleanDr();
    for (let i = 0; i < 120; i++) drConnection(s, { client: `172.16.200.${i + 1}`, cport: 20000 + i, rs: i % 2 === 0 ? RS1 : RS2, answer: false });
    add(run(s));
  }
  return { summaries, findings: summaries.flatMap((s) => s.report.findings) };
}

describe('the model\'s findings', () => {
  const { summaries, findings } = modelFindings();

  it('cover every code, each with params', () => {
    const seen = new Set(findings.map((f) => f.code));
    for (const code of CODES) expect(seen.has(code), code).toBe(true);
    for (const f of findings) expect(f.params, f.code).toBeDefined();
  });

  it('the catalog\'s English is the model\'s message, word for word', () => {
    for (const f of findings) expect(findingText(f, 'en'), f.code).toBe(f.message);
  });

  it('in Chinese: non-empty, no English left, same frames', () => {
    for (const f of findings) {
      const zh = findingText(f, 'zh');
      expect(zh, f.code).toMatch(/[\u4e00-\u9fff]{4}/);
      expect(englishLeft(zh), `${f.code}: ${zh}`).toEqual([]);
    }
    const text = renderFindings(findings, makeStyle(false), 'zh').trimEnd().split('\n');
    text.forEach((line, i) => expect(line.endsWith(`（帧 ${findings[i]!.frames.join(', ')}）`) || findings[i]!.frames.length === 0).toBe(true));
  });

  it('the localized report: messages and method evidence in Chinese, everything else as it was', () => {
    for (const s of summaries) {
      const zh = localizeReport(s, 'zh');
      const en = localizeReport(s, 'en');
      expect(en).toEqual(s.report);
      expect(zh.findings.map((f) => [f.code, f.severity, f.frames, f.params])).toEqual(s.report.findings.map((f) => [f.code, f.severity, f.frames, f.params]));
      zh.services.forEach((svc, i) => {
        const orig = s.report.services[i]!;
        expect({ ...svc, methodEvidence: null }).toEqual({ ...orig, methodEvidence: null });
        expect(svc.methodEvidence).toHaveLength(orig.methodEvidence!.length);
        for (const e of svc.methodEvidence!) expect(englishLeft(e), e).toEqual([]);
      });
    }
  });
});

describe('method evidence and the scheduler verdict', () => {
  const counts = { dr: 27, nat: 3, natReply: 2, tun: 18, fullnat: 4, tunnelKinds: new Set(['ipip', 'gre'] as const) };

  it('one sentence per kind of evidence, in both languages', () => {
    const en = methodEvidenceText(counts, 'dr', 'en');
    const zh = methodEvidenceText(counts, 'dr', 'zh');
    expect(zh).toHaveLength(5);
    expect(en).toHaveLength(5);
    expect(zh[0]).toBe('27 个客户端报文出现了两次：先发往 Director 的 MAC，再由 Director 发往某台 Real Server 的 MAC，IP 头除 TTL 减 1 外没有变化（DR）');
    expect(zh[3]).toContain('（GRE（IP 协议号 47）、IPIP（IP 协议号 4））');
    expect(en[3]).toContain('(GRE (IP protocol 47), IPIP (IP protocol 4))');
    for (const e of zh) expect(englishLeft(e), e).toEqual([]);
  });

  it('unknown method: says where to capture', () => {
    const none = { dr: 0, nat: 0, natReply: 0, tun: 0, fullnat: 0, tunnelKinds: new Set<never>() };
    expect(methodEvidenceText(none, 'unknown', 'zh')).toEqual(['抓包里只有客户端→VIP 的报文：没有转发后的副本、隧道报文或改写过的响应，无法判断转发模式；请在能看到 Director 发出报文的位置抓包']);
  });

  it('scheduler verdicts in words', () => {
    const s = (name: 'rr' | 'ambiguous' | 'unknown') => ({ name, confidence: 0.5, candidates: [] });
    expect(schedulerWord(s('ambiguous'), 'zh')).toBe('无法确定');
    expect(schedulerWord(s('unknown'), 'zh')).toBe('未知');
    expect(schedulerWord(s('rr'), 'zh')).toBe('rr');
    expect(schedulerWord(s('ambiguous'), 'en')).toBe('ambiguous');
  });
});
