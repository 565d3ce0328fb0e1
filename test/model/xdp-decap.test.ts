/**
 * XDP-style decapsulation on a real server (Katran's real servers, or any tc/XDP decapsulator):
 * tcpdump on the server sees the inner client→VIP packet with no tunnel header, delivered by the
 * router, and the server's replies going back to that router. That is also how DR looks when the
 * director is the real server's gateway; only the VIP's presence on the link (someone resolving or
 * announcing it) says DR. No public capture of this exists: the capture is made from the kernel
 * TUN lab's real-server capture (test/fixtures/kernel/tun-ipip-rr/rs1-eth0.pcap) by removing each
 * IPIP frame's outer header, which is what an XDP decapsulator does before tcpdump sees the frame.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { explainFrames } from '../../src/annotate/index.js';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { withoutFrames, xdpDecapsulated } from '../helpers/xdp-decap.js';

const TUN_RS = 'test/fixtures/kernel/tun-ipip-rr/rs1-eth0.pcap';
const DR_VIA_DIRECTOR_RS = 'test/fixtures/kernel-faults/dr-reply-via-director/rs1-eth0.pcap';
const dir = mkdtempSync(join(tmpdir(), 'lvscope-xdp-'));

function file(name: string, bytes: Buffer): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

const analyze = (path: string) => analyzeFiles([path], { files: [path], threads: 'never' }).summary;

describe('a real server that decapsulates before the capture point (XDP)', () => {
  const path = file('xdp-rs1.pcap', xdpDecapsulated(TUN_RS));

  it('the frames really are the inner packets: no tunnel left, client→VIP from the router\'s MAC', () => {
    const frames = [...openFrames([path])];
    const syn = frames[2]!;
    expect(syn.layers.some((l) => l.type === 'ipv4' && l.proto === 4)).toBe(false);
    expect(syn.layers.filter((l) => l.type === 'ipv4')).toHaveLength(1);
  });

  it('is DR or a decapsulated tunnel, not a confident DR, and raises no dr-reply-via-director', () => {
    const s = analyze(path);
    const svc = s.report.services[0]!;
    expect([svc.vip, svc.method]).toEqual(['192.168.23.100', 'unknown']);
    expect(svc.methodEvidence!.join(' ')).toMatch(/DR with the director as this server's gateway, or a tunnel \(IPIP\/GUE\) decapsulated on this server before the capture point/);
    expect(svc.realServers.map((r) => r.ip)).toEqual(['10.23.0.10']);
    expect(s.report.findings.map((f) => f.code)).not.toContain('dr-reply-via-director');
    // The router is not called the director.
    expect(s.report.hosts.filter((h) => h.mac === '02:aa:00:00:03:fd').map((h) => h.role)).not.toContain('director');
  });

  it('the walkthrough says the same of each client frame, in English and Chinese', () => {
    const s = analyze(path);
    const frames = [...openFrames([path])];
    const en = [...explainFrames(frames, s, 'en')].map((e) => e.explanation.text);
    const zh = [...explainFrames(frames, s, 'zh')].map((e) => e.explanation.text);
    expect(en[2]).toMatch(/^the gateway 10\.23\.0\.1 delivers the client's SYN \(handshake 1\/3\) \(CIP 172\.16\.0\.100:35731 → VIP 192\.168\.23\.100:80\) to WEB1 with no tunnel header: the director's DR forward, or the inner packet of a tunnel WEB1 decapsulated before the capture point \(XDP\)/);
    expect(en[3]).toBe('WEB1 sends the SYN-ACK (handshake 2/3) with source VIP 192.168.23.100');
    expect(zh[2]).toContain('没有隧道头');
    expect(en.join('\n')).not.toMatch(/to the director|from its own address/);
  });

  it('the tunnelled original stays TUN', () => {
    expect(analyze(TUN_RS).report.services[0]!.method).toBe('tun');
  });
});

describe('DR with the director as the real server\'s gateway, seen on the real server', () => {
  it('with the gateway\'s ARP for the VIP on the link: DR, and its replies go via the director', () => {
    const s = analyze(DR_VIA_DIRECTOR_RS);
    expect(s.report.services[0]!.method).toBe('dr');
    expect(s.report.findings.map((f) => f.code)).toContain('dr-reply-via-director');
  });

  it('without it (frame 1, the only ARP for the VIP): the same frames as a decapsulated tunnel, so unknown', () => {
    const s = analyze(file('dr-via-director-no-vip-arp.pcap', withoutFrames(DR_VIA_DIRECTOR_RS, [1])));
    expect(s.report.services[0]!.method).toBe('unknown');
    expect(s.report.findings.map((f) => f.code)).not.toContain('dr-reply-via-director');
  });
});
