/**
 * A DSR balancer that carries the service address in an IPv4 option (issue 13), on Cilium's own
 * test packets (test/fixtures/thirdparty/cilium): recognised as the balancer's forward, the VIP
 * taken from the option (never the backend's address), and the backend's direct replies from the
 * VIP explained, not "not LVS traffic".
 */
import { describe, expect, it } from 'vitest';
import { explainFrames } from '../../src/annotate/index.js';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { Packet } from '../../src/model/packet.js';
import { dsrServiceOption } from '../../src/wire/dsr-option.js';
import { thirdparty } from '../helpers/paths.js';

const PATH = thirdparty('cilium', 'cilium-dsr-option.pcap');

describe('the option itself', () => {
  it('is read from the header\'s options, past no-operations, and nothing else passes for it', () => {
    expect(dsrServiceOption('9a080050ac100a01')).toEqual({ addr: '172.16.10.1', port: 80 });
    expect(dsrServiceOption('01019a0801bbac100a01')).toEqual({ addr: '172.16.10.1', port: 443 });
    expect(dsrServiceOption('9a070050ac100a')).toBeNull();
    expect(dsrServiceOption('07070400000000')).toBeNull();
    expect(dsrServiceOption('')).toBeNull();
  });

  it('the balancer\'s copies carry it, the client\'s packets and the replies do not', () => {
    const p = new Packet();
    const got = [...openFrames([PATH])].map((f) => { p.load(f); return p.dsrVip === '' ? null : `${p.dsrVip}:${p.dsrPort}`; });
    expect(got).toEqual([null, '172.16.10.1:80', null, null, '172.16.10.1:443', null]);
  });
});

describe('Cilium\'s DSR with the service address in an IPv4 option', () => {
  const frames = [...openFrames([PATH])];
  const s = analyzeFrames(frames, { files: [PATH] });
  const en = [...explainFrames(frames, s, 'en')].map((e) => e.explanation);
  const zh = [...explainFrames(frames, s, 'zh')].map((e) => e.explanation);

  it('the VIP is the option\'s address, the backend is a real server, never a VIP', () => {
    const services = s.report.services.map((x) => `${x.protocol} ${x.vip}:${x.port} ${x.method} → ${x.realServers.map((r) => `${r.ip}:${r.port}`).join(',')}`);
    expect(services).toEqual(['tcp 172.16.10.1:80 dr → 192.168.0.1:22331', 'tcp 172.16.10.1:443 dr → 192.168.0.1:33441']);
    expect(s.report.hosts.find((h) => h.ip === '192.168.0.1')?.role).toBe('real-server');
    expect(s.report.hosts.find((h) => h.ip === '110.0.11.1')?.role).toBe('client');
    expect(s.report.services[0]!.methodEvidence?.[0]).toContain('with the service address 172.16.10.1:80 in an IPv4 option (type 0x9a): direct server return');
    expect(s.report.connections.map((c) => `${c.client} ${c.virtual} ${c.realServer}`)).toEqual([
      '110.0.11.1:22330 172.16.10.1:80 192.168.0.1:22331', '110.0.11.1:22330 172.16.10.1:443 192.168.0.1:33441']);
  });

  it('the forwards and the direct replies are explained, in English and Chinese', () => {
    expect(en[1]!.step).toBe('director-forward');
    expect(en[1]!.text).toContain('the balancer forwards the client\'s SYN (110.0.11.1:22330 → VIP 172.16.10.1:80) to WEB1 at its own address and port (192.168.0.1:22331)');
    expect(en[1]!.text).toContain('in an IPv4 option (type 0x9a)');
    expect(en[2]!.text).toBe('WEB1 sends its RST to the client 110.0.11.1:22330 directly, from VIP 172.16.10.1:80 (the address the balancer\'s IPv4 option gave it), not through the balancer (DSR)');
    expect(en[5]!.text).toContain('from VIP 172.16.10.1:443');
    expect(zh[2]!.text).toContain('以 VIP 172.16.10.1:80 为源地址');
    for (const i of [1, 2, 4, 5]) expect(en[i]!.text).not.toMatch(/not LVS traffic/);
  });
});
