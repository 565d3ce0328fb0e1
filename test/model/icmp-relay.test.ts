/**
 * ICMP errors for a VIP forwarded through a tunnel (issue 13), on Katran's public test vectors:
 * an ICMP fragmentation-needed in IPIP and an ICMPv6 Packet Too Big in IPv6-in-IPv6 and in GUE,
 * each first as it reaches the balancer (sent to the VIP, quoting the VIP's reply to a client),
 * then as the balancer passes it on to the real server. Both are the balancer's forwarding, as
 * IPVS's own for a tunnelled connection (ip_vs_in_icmp), explained in English and Chinese.
 */
import { describe, expect, it } from 'vitest';
import { explainFrames } from '../../src/annotate/index.js';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { thirdparty } from '../helpers/paths.js';

function run(file: string) {
  const path = thirdparty('katran', file);
  const frames = [...openFrames([path])];
  const s = analyzeFrames(frames, { files: [path] });
  const en = [...explainFrames(frames, s, 'en')].map((e) => e.explanation);
  const zh = [...explainFrames(frames, s, 'zh')].map((e) => e.explanation);
  return { s, en, zh };
}

describe('Katran IPIP: ICMP errors for the VIP, then passed on in the tunnel', () => {
  const { s, en, zh } = run('katran-icmp-ipip.pcap');

  it('the errors sent to the VIP are recognised as about the VIP\'s replies, not as unrelated traffic', () => {
    for (const i of [0, 2]) {
      expect(en[i]!.step).toBe('icmp-for-vip');
      expect(en[i]!.dstRole).toBe('director');
    }
    expect(en[0]!.text).toContain('ICMP fragmentation needed (MTU 0) (about 10.200.1.1:80 → 192.168.1.1:31337) to the VIP');
    expect(en[2]!.text).toContain('ICMPv6 Packet Too Big (MTU 1280) (about [fc00:1::1]:80 → [fc00:2::1]:31337) to the VIP');
    expect(zh[2]!.text).toContain('ICMPv6 报文过大（MTU 1280）');
    expect(en[0]!.text).not.toContain('encapsulation made the packet too big');
  });

  it('the wrapped copies are the director passing the error on to the connection\'s real server', () => {
    expect([en[1]!.step, en[1]!.srcRole, en[1]!.dstRole]).toEqual(['icmp-relayed', 'director', 'real-server']);
    expect(en[1]!.text).toContain('the director passes the ICMP fragmentation needed (MTU 0) (about 10.200.1.1:80 → 192.168.1.1:31337) that was sent to the VIP on to WEB1 in IPIP (IP protocol 4), outer 172.16.104.123 → 10.0.0.3');
    expect(en[3]!.text).toContain('on to WEB2 in IPv6-in-IPv6, outer 100::7a69:1 → fc00::3');
    expect(zh[1]!.text).toContain('Director 把发给 VIP 的ICMP 需要分片（MTU 0）');
    expect(zh[1]!.text).toContain('转交给 WEB1');
  });

  it('the cluster: TUN services for both VIPs, the real servers the errors went to, no tunnel-MTU warning', () => {
    const byVip = new Map(s.report.services.map((x) => [x.vip, x]));
    expect(byVip.get('10.200.1.1')?.method).toBe('tun');
    expect(byVip.get('10.200.1.1')?.realServers.map((r) => r.ip)).toEqual(['10.0.0.3']);
    expect(byVip.get('fc00:1::1')?.method).toBe('tun');
    expect(byVip.get('fc00:1::1')?.realServers.map((r) => r.ip)).toEqual(['fc00::3']);
    expect(byVip.get('10.200.1.1')?.methodEvidence).toEqual(['1 ICMP errors about the service\'s replies, sent to the VIP, passed on by the director to a real server in its tunnel (IPIP (IP protocol 4)) (TUN)']);
    expect(s.report.findings.map((f) => f.code)).not.toContain('tun-mtu');
  });
});

describe('Katran GUE: a Packet Too Big for an IPv6 VIP, passed on in GUE', () => {
  const { en } = run('katran-gue.pcap');
  it('frames 9 and 10 are the error and the balancer\'s forward, not "not LVS traffic"', () => {
    expect(en[8]!.step).toBe('icmp-for-vip');
    expect(en[9]!.step).toBe('icmp-relayed');
    expect(en[9]!.text).toContain('in GUE (UDP), outer fc00:2307::1337 → fc00::3');
    for (const e of en) expect(e.text).not.toMatch(/^not LVS traffic: IP proto 58/);
  });
});
