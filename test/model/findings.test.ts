import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/ipvs/ipvsadm/index.js';
import type { FindingCode } from '../../src/ipvs/report.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { DR, FrameScript, NAT, drArp, drConnection, natConnection } from '../helpers/frames.js';

function run(s: FrameScript, rulesText?: string) {
  const rules = rulesText === undefined ? null : parseRules(rulesText).services;
  return analyzeFrames(s.frames, { files: ['built'], rules, rulesText: rulesText ?? null }).report;
}
const codes = (r: { findings: readonly { code: FindingCode }[] }): FindingCode[] => r.findings.map((f) => f.code).sort();
const finding = (r: { findings: readonly { code: FindingCode; frames: readonly number[]; severity: string }[] }, code: FindingCode) => r.findings.find((f) => f.code === code);

const [RS1, RS2] = [DR.rs[0], DR.rs[1]];

/** A clean DR cluster: two servers, rr, four connections. */
function cleanDr(): FrameScript {
  const s = new FrameScript();
  drArp(s, 2);
  drConnection(s, { cport: 40001, rs: RS1 });
  drConnection(s, { cport: 40002, rs: RS2 });
  drConnection(s, { cport: 40003, rs: RS1 });
  drConnection(s, { cport: 40004, rs: RS2 });
  return s;
}

function cleanNat(): FrameScript {
  const s = new FrameScript();
  natConnection(s, { cport: 50001, rs: NAT.rs[0] });
  natConnection(s, { cport: 50002, rs: NAT.rs[1] });
  return s;
}

describe('clean captures have no findings', () => {
  it('built DR cluster', () => {
    const r = run(cleanDr());
    expect(r.services[0]!.method).toBe('dr');
    expect(r.findings).toEqual([]);
  });
  it('built NAT cluster', () => {
    const r = run(cleanNat());
    expect(r.services.map((x) => [x.vip, x.port, x.method])).toEqual([[NAT.vip, 80, 'nat']]);
    expect(r.services[0]!.realServers.map((x) => `${x.ip}:${x.port}`)).toEqual(['192.168.1.11:8080', '192.168.1.12:8080']);
    expect(r.connections.map((c) => c.state)).toEqual(['TIME_WAIT', 'TIME_WAIT']);
    expect(r.findings).toEqual([]);
  });
});

describe('each finding code, from a capture made to show it', () => {
  it('rs-answers-arp-for-vip and vip-arp-flapping: WEB1 answers ARP for the VIP', () => {
    const s = cleanDr();
    const bad = s.arpReply(RS1.mac, DR.vip, DR.gwMac, DR.gwIp);
    const r = run(s);
    expect(finding(r, 'rs-answers-arp-for-vip')).toMatchObject({ severity: 'error', frames: [bad.n] });
    expect(finding(r, 'vip-arp-flapping')?.severity).toBe('warning');
    expect(finding(r, 'vip-arp-flapping')?.frames).toContain(bad.n);
  });

  it('vip-arp-flapping alone: a second (non-RS) MAC announces the VIP', () => {
    const s = cleanDr();
    const g = s.garp('02:cc:00:00:00:99', DR.vip);
    const r = run(s);
    expect(codes(r)).toEqual(['vip-arp-flapping']);
    expect(finding(r, 'vip-arp-flapping')!.frames).toContain(g.n);
  });

  it('rs-announces-vip: WEB2 sends a gratuitous ARP for the VIP', () => {
    const s = cleanDr();
    const g = s.garp(RS2.mac, DR.vip);
    const r = run(s);
    expect(finding(r, 'rs-announces-vip')).toMatchObject({ severity: 'warning', frames: [g.n] });
  });

  it('vip-primary-on-director: the director asks ARP with the VIP as sender', () => {
    const s = cleanDr();
    const q = s.arpRequest(DR.dirMac, DR.vip, RS1.ip);
    const r = run(s);
    expect(codes(r)).toEqual(['vip-primary-on-director']);
    expect(finding(r, 'vip-primary-on-director')!.frames).toEqual([q.n]);
  });

  it('dr-reply-via-director: a real server sends its replies to the director MAC', () => {
    const s = cleanDr();
    drConnection(s, { cport: 40005, rs: RS1, replyViaDirector: true });
    const r = run(s);
    expect(codes(r)).toEqual(['dr-reply-via-director']);
    const f = finding(r, 'dr-reply-via-director')!;
    expect(s.frames[f.frames[0]! - 1]!.layers[0]).toMatchObject({ src: RS1.mac, dst: DR.dirMac });
  });

  it('nat-reply-bypasses-director: the real server answers the client directly', () => {
    const s = cleanNat();
    natConnection(s, { cport: 50003, rs: NAT.rs[0], bypass: true });
    const r = run(s);
    expect(finding(r, 'nat-reply-bypasses-director')?.severity).toBe('error');
    expect(codes(r)).toContain('nat-reply-bypasses-director');
  });

  it('nat-reply-bypasses-director on the director\'s `any` capture: overheard replies, a router\'s copy, SYN retries', () => {
    // As a real lab shows it (tcpdump -i any on a director on a shared LAN): cooked headers with
    // only a source MAC and a packet type. The bypassing SYN-ACK is overheard (P), the router's copy
    // on the client side too, one TTL lower like a DR forward; the client retransmits its SYN.
    const s = new FrameScript();
    const [GOOD, BAD] = [NAT.rs[1], NAT.rs[0]];
    const c2d = (cport: number, rs: { ip: string; mac: string }, flags: string, seq: number, id: number): void => {
      s.tcp({ srcMac: NAT.gwMac, dstMac: NAT.dirMac, src: NAT.client, dst: NAT.vip, sport: cport, dport: 80, flags, seq, id, ttl: 60 });
      s.tcp({ srcMac: NAT.dirMac, dstMac: rs.mac, src: NAT.client, dst: rs.ip, sport: cport, dport: 8080, flags, seq, id, ttl: 59 });
    };
    c2d(50001, GOOD, 'S', 100, 1);
    s.tcp({ srcMac: GOOD.mac, dstMac: NAT.dirMac, src: GOOD.ip, dst: NAT.client, sport: 8080, dport: 50001, flags: 'SA', seq: 500, id: 2, ttl: 64 });
    s.tcp({ srcMac: NAT.dirMac, dstMac: NAT.gwMac, src: NAT.vip, dst: NAT.client, sport: 80, dport: 50001, flags: 'SA', seq: 500, id: 2, ttl: 64 });
    c2d(50001, GOOD, 'A', 101, 3);
    const bypass = (id: number): void => {
      s.tcp({ srcMac: BAD.mac, dstMac: NAT.gwMac, src: BAD.ip, dst: NAT.client, sport: 8080, dport: 50003, flags: 'SA', seq: 900, id, ttl: 64 });
      s.tcp({ srcMac: NAT.gwMac, dstMac: '02:bb:00:00:00:ef', src: BAD.ip, dst: NAT.client, sport: 8080, dport: 50003, flags: 'SA', seq: 900, id, ttl: 63 });
    };
    c2d(50003, BAD, 'S', 200, 10);
    bypass(11);
    s.wait(1);
    c2d(50003, BAD, 'S', 200, 12);
    bypass(13);
    // Rewrite to SLL2: what the director sent is Out (4), what it received In (0), the rest P (3).
    const frames = s.frames.map((f) => {
      const eth = f.layers[0] as { src: string; dst: string };
      const pktType = eth.src === NAT.dirMac ? 4 : eth.dst === NAT.dirMac ? 0 : 3;
      return { ...f, linkType: 276, layers: [{ type: 'sll2' as const, protocol: 0x800, ifindex: 2, hatype: 1, pktType, src: eth.src, offset: 0 }, ...f.layers.slice(1)] };
    });
    const r = analyzeFrames(frames, { files: ['built'], rules: null, rulesText: null }).report;
    expect(r.services.map((x) => `${x.vip}:${x.port} ${x.method}`)).toEqual([`${NAT.vip}:80 nat`]);
    expect(r.services[0]!.realServers.map((x) => `${x.ip}:${x.port} ${x.mac}`).sort()).toEqual([`${BAD.ip}:8080 ${BAD.mac}`, `${GOOD.ip}:8080 ${GOOD.mac}`]);
    expect(r.connections.map((c) => `${c.client} ${c.realServer}`)).toEqual([`${NAT.client}:50001 ${GOOD.ip}:8080`, `${NAT.client}:50003 ${BAD.ip}:8080`]);
    const f = finding(r, 'nat-reply-bypasses-director')!;
    expect(f.severity).toBe('error');
    expect(f.frames).toEqual([9, 10, 13, 14]);
    expect(r.findings.find((x) => x.code === 'nat-reply-bypasses-director')!.params).toEqual({ rs: BAD.ip, mac: '' });
  });

  it('dr-port-mapping from the rules: -r RIP:8080 -g', () => {
    const r = run(cleanDr(), `-A -t ${DR.vip}:80 -s rr\n-a -t ${DR.vip}:80 -r ${RS1.ip}:8080 -g -w 1\n-a -t ${DR.vip}:80 -r ${RS2.ip}:80 -g -w 1\n`);
    expect(finding(r, 'dr-port-mapping')?.severity).toBe('error');
    expect(finding(r, 'dr-port-mapping')?.frames.length).toBe(1);
  });

  it('dr-port-mapping from the capture: the real server refuses the forwarded SYN', () => {
    const s = cleanDr();
    drConnection(s, { cport: 40009, rs: RS1, answer: false });
    const rst = s.tcp({ srcMac: RS1.mac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, sport: 80, dport: 40009, flags: 'RA', seq: 0 });
    const r = run(s);
    expect(finding(r, 'dr-port-mapping')).toMatchObject({ severity: 'warning', frames: [rst.n] });
  });

  it('no-real-server: the director answers the SYN with ICMP port unreachable', () => {
    const s = cleanDr();
    s.tcp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: DR.client, dst: DR.vip, sport: 41000, dport: 80, flags: 'S', ttl: 63 });
    const icmp = s.icmp({ srcMac: DR.dirMac, dstMac: DR.gwMac, src: DR.vip, dst: DR.client, type: 3, code: 3, quoted: { src: DR.client, dst: DR.vip, proto: 6, srcPort: 41000, dstPort: 80 } });
    const r = run(s);
    expect(finding(r, 'no-real-server')).toMatchObject({ severity: 'error', frames: [icmp.n] });
  });

  it('rs-not-responding: a forwarded SYN never answered', () => {
    const s = cleanDr();
    drConnection(s, { cport: 40010, rs: RS2, answer: false });
    const fwd = s.frames[s.frames.length - 1]!;
    const r = run(s);
    expect(codes(r)).toEqual(['rs-not-responding']);
    expect(finding(r, 'rs-not-responding')!.frames).toEqual([fwd.n]);
  });

  it('tun-mtu: fragmentation needed about an IPIP packet', () => {
    const s = new FrameScript();
    const dirMac = '02:dd:00:00:00:01';
    for (let i = 0; i < 2; i++) {
      s.tunnel({ srcMac: dirMac, dstMac: '02:dd:00:00:00:fe', outerSrc: '10.1.0.1', outerDst: `10.2.0.${i + 1}`, src: '198.51.100.7', dst: '10.1.0.100', sport: 30000 + i, dport: 443, flags: 'S' });
    }
    const icmp = s.icmp({ srcMac: '02:dd:00:00:00:fe', dstMac: dirMac, src: '10.9.9.9', dst: '10.1.0.1', type: 3, code: 4, mtu: 1480, quoted: { src: '10.1.0.1', dst: '10.2.0.1', proto: 4, srcPort: null, dstPort: null } });
    const r = run(s);
    expect(r.services[0]!.method).toBe('tun');
    expect(finding(r, 'tun-mtu')).toMatchObject({ severity: 'warning', frames: [icmp.n] });
  });

  it('icmp-redirect-from-director', () => {
    const s = cleanDr();
    const red = s.icmp({ srcMac: DR.dirMac, dstMac: DR.gwMac, src: DR.dip, dst: DR.gwIp, type: 5, code: 1, gateway: DR.gwIp });
    const r = run(s);
    expect(codes(r)).toEqual(['icmp-redirect-from-director']);
    expect(finding(r, 'icmp-redirect-from-director')!.frames).toEqual([red.n]);
  });

  it('quiesced-server-used: weight 0 in the rules, yet new connections', () => {
    const r = run(cleanDr(), `-A -t ${DR.vip}:80 -s rr\n-a -t ${DR.vip}:80 -r ${RS1.ip}:80 -g -w 1\n-a -t ${DR.vip}:80 -r ${RS2.ip}:80 -g -w 0\n`);
    const f = finding(r, 'quiesced-server-used')!;
    expect(f.severity).toBe('warning');
    expect(f.frames).toHaveLength(2);
  });

  it('rules-mismatch: the rules say NAT, the capture shows DR', () => {
    const r = run(cleanDr(), `-A -t ${DR.vip}:80 -s rr\n-a -t ${DR.vip}:80 -r ${RS1.ip}:80 -m -w 1\n-a -t ${DR.vip}:80 -r ${RS2.ip}:80 -m -w 1\n`);
    expect(codes(r)).toEqual(['rules-mismatch']);
    expect(r.findings[0]!.message).toContain('NAT');
  });

  it('rules-mismatch: a real server missing from the rules', () => {
    const r = run(cleanDr(), `-A -t ${DR.vip}:80 -s rr\n-a -t ${DR.vip}:80 -r ${RS1.ip}:80 -g -w 1\n`);
    expect(codes(r)).toEqual(['rules-mismatch']);
    expect(r.findings[0]!.message).toContain(RS2.ip);
  });

  it('matching rules add nothing', () => {
    const r = run(cleanDr(), `-A -t ${DR.vip}:80 -s rr\n-a -t ${DR.vip}:80 -r ${RS1.ip}:80 -g -w 1\n-a -t ${DR.vip}:80 -r ${RS2.ip}:80 -g -w 1\n`);
    expect(r.findings).toEqual([]);
  });

  it('persistence-broken: -p 360 in the rules, yet the client moved to another server', () => {
    const r = run(cleanDr(), `-A -t ${DR.vip}:80 -s rr -p 360\n-a -t ${DR.vip}:80 -r ${RS1.ip}:80 -g -w 1\n-a -t ${DR.vip}:80 -r ${RS2.ip}:80 -g -w 1\n`);
    const f = finding(r, 'persistence-broken')!;
    expect(f.severity).toBe('warning');
    // Every connection after the first moved: 1→2, 2→1, 1→2.
    expect(f.frames).toEqual(r.connections.slice(1).map((c) => c.firstFrame));
  });

  it('persistence-broken without rules: most clients stay pinned, one moves', () => {
    const s = new FrameScript();
    drArp(s, 2);
    const clients = Array.from({ length: 10 }, (_, i) => `172.16.1.${i + 10}`);
    const rs = (i: number) => (i % 2 === 0 ? RS1 : RS2);
    clients.forEach((c, i) => drConnection(s, { client: c, cport: 41000 + i, rs: rs(i) }));
    clients.forEach((c, i) => drConnection(s, { client: c, cport: 42000 + i, rs: i === 9 ? rs(i + 1) : rs(i) }));
    const r = run(s);
    expect(r.services[0]!.persistence).not.toBeNull();
    const f = finding(r, 'persistence-broken')!;
    const moved = r.connections.find((c) => c.client === '172.16.1.19:42009')!;
    expect(f.frames).toEqual([moved.firstFrame]);
  });
});

describe('persistence detection', () => {
  it('clients pinned across connections while the first connections rotate: persistent rr', () => {
    const s = new FrameScript();
    drArp(s, 2);
    const clients = Array.from({ length: 10 }, (_, i) => `172.16.2.${i + 10}`);
    const rs = (i: number) => (i % 2 === 0 ? RS1 : RS2);
    clients.forEach((c, i) => drConnection(s, { client: c, cport: 41000 + i, rs: rs(i) }));
    s.wait(30);
    // Second round in reverse order: plain rr would now give RS1 first, persistence keeps RS2.
    [...clients.keys()].reverse().forEach((i) => drConnection(s, { client: clients[i]!, cport: 43000 + i, rs: rs(i) }));
    const r = run(s);
    const svc = r.services[0]!;
    expect(svc.persistence).not.toBeNull();
    expect(svc.persistence!.timeoutAtLeast).toBe(30);
    expect(svc.scheduler.candidates[0]!.name).toBe('rr');
    expect(r.findings).toEqual([]);
  });

  it('no persistence claimed when connections rotate plainly', () => {
    expect(run(cleanDr()).services[0]!.persistence).toBeNull();
  });
});
