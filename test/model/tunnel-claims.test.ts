/**
 * How sure a TUN or DR claim is, by what the capture shows. A tunnelled client→VIP packet alone
 * shows a tunnel, which any IPIP/GRE/GUE link between two hosts carrying a client's packets also
 * is: TUN is claimed at TUNNEL_ONLY and says what would decide. The director's own hop (the
 * packet before and after encapsulation) makes it certain; balancing (several real servers) and
 * replies leaving the real servers outside the tunnel make it likely. At a gateway on the
 * director's link DR and TUN to real servers on that link look the same (the real kernel's IPv6
 * TUN and DR captures at the gateway, and IPv4 DR there): DR is claimed at DR_OR_TUN_AT_GATEWAY,
 * naming TUN.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DR_OR_TUN_AT_GATEWAY, TUNNEL_ONLY } from '../../src/ipvs/methods.js';
import { localizeReport } from '../../src/annotate/index.js';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { conformance, FIXTURES, thirdparty } from '../helpers/paths.js';

function analyze(files: string[]) {
  return analyzeFiles(files, { files, threads: 'never' }).summary;
}

function only(files: string[]) {
  const s = analyze(files);
  expect(s.report.services).toHaveLength(1);
  const svc = s.report.services[0]!;
  const zh = localizeReport(s, 'zh').services[0]!;
  return { svc, en: (svc.methodEvidence ?? []).join('\n'), zh: (zh.methodEvidence ?? []).join('\n') };
}

describe('a tunnel alone is not a director', () => {
  it.each([
    ['Zeek 4in4 (IPIP)', conformance('zeek', 'traces', 'tunnels', '4in4.pcap')],
    ['Zeek 6in4 (sit)', conformance('zeek', 'traces', 'tunnels', '6in4.pcap')],
    ['Zeek 6in6', thirdparty('zeek', '6in6.pcap')],
    ['Zeek 4in6', thirdparty('zeek', '4in6.pcap')],
  ])('%s: one tunnelled packet is TUN at TUNNEL_ONLY, the outer source a director as little, and it says what would decide', (_name, file) => {
    const { svc, en, zh } = only([file]);
    expect(svc.method).toBe('tun');
    expect(svc.claims?.method).toBe(TUNNEL_ONLY);
    expect(svc.claims?.director).toBe(TUNNEL_ONLY);
    expect(TUNNEL_ONLY).toBeLessThan(0.6);
    expect(en).toContain(`only the tunnel shows: an IPIP, GRE or GUE tunnel between any two hosts carrying a client's packets to this address looks the same`);
    expect(en).toContain('several real servers behind the VIP, or the real server answering the client from the VIP directly, outside the tunnel, would decide');
    expect(zh).toContain('这里只看到隧道本身');
    expect(zh).toContain(`置信度 ${TUNNEL_ONLY}`);
  });

  it('another balancer\'s output alone: several real servers behind the VIP make it likely, one alone does not', () => {
    const r = analyze([conformance('yanet', '049_balancer_pure_l3', '001-expect.pcap')]).report;
    const by = (vip: string, port: number) => r.services.find((x) => x.vip === vip && x.port === port)!;
    expect(by('10.0.0.16', 0).realServers.length).toBe(4);
    expect(by('10.0.0.16', 0).claims?.method).toBe(0.8);
    expect(by('10.0.0.16', 0).methodEvidence?.join('\n')).toContain('what shows a director rather than any tunnel: 4 real servers behind the VIP (balancing) (TUN, confidence 0.8)');
    expect(by('10.0.0.16', 21).realServers.length).toBe(1);
    expect(by('10.0.0.16', 21).claims?.method).toBe(TUNNEL_ONLY);
  });

  it('Katran\'s test vectors, input and output together: the director\'s own hop, so certain (packets and ICMP errors alike)', () => {
    for (const file of ['katran-ipip.pcap', 'katran-icmp-ipip.pcap']) {
      for (const svc of analyze([thirdparty('katran', file)]).report.services) {
        expect([svc.method, svc.claims?.method, svc.claims?.director]).toEqual(['tun', 1, 1]);
      }
    }
  });

  it('the real kernel\'s TUN: certain on the director, likely on a real server and at the router in front of them', () => {
    const claim = (dir: string, file: string) => only([join(FIXTURES, dir, file)]);
    expect(claim('kernel/tun-ipip-rr', 'dir-eth0.pcap').svc.claims?.method).toBe(1);
    expect(claim('kernel-ipv6/tun6', 'dir-eth0.pcap').svc.claims?.method).toBe(1);
    // Two real servers behind the VIP and replies leaving them outside the tunnel.
    const rtr = claim('kernel/tun-ipip-rr', 'rtr-eth0.pcap');
    expect([rtr.svc.method, rtr.svc.claims?.method]).toEqual(['tun', 0.9]);
    expect(rtr.en).toContain('2 real servers behind the VIP (balancing), and replies from the VIP leaving the real servers directly, outside the tunnel (TUN, confidence 0.9)');
    expect(rtr.zh).toContain('VIP 后面有 2 台 Real Server');
    // One real server's own capture: its direct replies only.
    const rs = claim('kernel/tun-ipip-rr', 'rs1-eth0.pcap');
    expect([rs.svc.method, rs.svc.claims?.method]).toEqual(['tun', 0.8]);
  });
});

describe('DR and TUN look alike at the gateway on the director\'s link', () => {
  it.each([
    ['IPv6 TUN, real servers on the director\'s LAN', 'kernel-ipv6/tun6'],
    ['IPv6 DR', 'kernel-ipv6/dr6'],
  ])('%s (gateway, LAN side): DR below 0.9, naming TUN and what would decide, en and zh', (_name, dir) => {
    const { svc, en, zh } = only([join(FIXTURES, dir, 'gw-eth1.pcap')]);
    expect(svc.method).toBe('dr');
    expect(svc.claims?.method).toBe(DR_OR_TUN_AT_GATEWAY);
    expect(DR_OR_TUN_AT_GATEWAY).toBeLessThan(0.9);
    expect(en).toContain('but TUN to real servers on this same link looks exactly the same from here');
    expect(en).toContain('a capture on the director\'s LAN interface or on a real server would decide');
    expect(zh).toContain('但 TUN 模式下、Real Server 与 Director 在同一链路上时，从这里看完全一样');
  });

  it('IPv4 DR at the gateway is claimed as IPv6 is; TUN whose replies come through a router stays TUN (DR cannot reach there)', () => {
    const dr4 = only([join(FIXTURES, 'kernel/dr-rr', 'fw-eth1.pcap')]);
    expect([dr4.svc.method, dr4.svc.claims?.method]).toEqual(['dr', DR_OR_TUN_AT_GATEWAY]);
    expect(dr4.en).toContain('but TUN to real servers on this same link looks exactly the same from here');
    for (const [dir, file] of [['kernel/tun-ipip-gateway', 'fw-eth1.pcap'], ['kernel-ipv6/tun6r', 'gw-eth1.pcap']]) {
      const t = only([join(FIXTURES, dir!, file!)]);
      expect([t.svc.method, t.svc.claims?.method]).toEqual(['tun', 0.8]);
      expect(t.en).not.toContain('looks exactly the same');
    }
  });

  it('with the director\'s forward in the capture DR is certain and names no look-alike', () => {
    const d = only([join(FIXTURES, 'kernel/dr-rr', 'dir-eth0.pcap')]);
    expect([d.svc.method, d.svc.claims?.method]).toEqual(['dr', 1]);
    expect(d.en).not.toContain('TUN');
  });
});
