import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import type { ServiceReportX } from '../../src/model/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { CONFORMANCE } from '../helpers/paths.js';

const YANET = `${CONFORMANCE}/yanet`;
const GLB = `${CONFORMANCE}/glb-director/1k_pkts.pcap`;

function analyze(files: string[]) {
  return analyzeFrames(openFrames(files), { files });
}

function mapping(unit: string): { encap: string; rip: string; vip: string; vport: number; l4: string }[] {
  const lines = readFileSync(join(YANET, unit, 'expected-mapping.derived.tsv'), 'utf8').trim().split('\n').slice(1);
  return lines.map((l) => {
    const c = l.split('\t');
    return { encap: c[2]!, rip: c[4]!, vip: c[7]!, vport: Number(c[8]), l4: c[9]! };
  }).filter((m) => m.encap !== 'none');
}

const units = readdirSync(YANET).filter((d) => d !== 'LICENSE' && d !== '056_balancer_vs_ping_reply').sort();

describe('yanet balancer units (TUN: IPIP and GRE)', () => {
  it('covers the units that forward', () => {
    expect(units).toContain('065_balancer_gre');
    expect(units).toContain('049_balancer_real_ipv4');
  });

  for (const unit of units) {
    it(`${unit}: method tun and every VIP→RIP pair of expected-mapping.derived.tsv`, () => {
      const files = readdirSync(join(YANET, unit)).filter((f) => f.endsWith('.pcap')).sort().map((f) => join(YANET, unit, f));
      const r = analyze(files).report;
      expect(r.services.length).toBeGreaterThan(0);
      for (const s of r.services) expect(s.method).toBe('tun');
      for (const m of mapping(unit)) {
        const found = r.services.some((s) => s.vip === m.vip && s.realServers.some((rs) => rs.ip === m.rip));
        expect(found, `${m.vip} → ${m.rip}`).toBe(true);
      }
    });
  }

  it('names GRE for the GRE unit and IPIP for the IPv4-in-IPv4 unit', () => {
    const gre = analyze(readdirSync(join(YANET, '065_balancer_gre')).filter((f) => f.endsWith('-expect.pcap')).map((f) => join(YANET, '065_balancer_gre', f))).report;
    for (const s of gre.services as ServiceReportX[]) {
      expect(s.tunnel).toEqual(['gre']);
      expect(s.methodEvidence?.join(' ')).toContain('GRE');
    }
    const ipip = analyze([join(YANET, '049_balancer_real_ipv4', '001-expect.pcap')]).report;
    const svc = ipip.services.find((s) => s.vip === '10.0.0.16' && s.protocol === 'tcp') as ServiceReportX;
    expect(svc.tunnel).toEqual(['ipip']);
    expect(svc.director.ip).toBe('100.0.0.22');
    expect(svc.realServers.map((x) => x.ip)).toEqual(['100.0.0.1', '100.0.0.2']);
  });

  it('send+expect together: the plain copy and the tunnelled copy are one connection', () => {
    const dir = join(YANET, '049_balancer_real_ipv4');
    const r = analyze([join(dir, '001-send.pcap'), join(dir, '001-expect.pcap')]).report;
    expect(r.connections).toHaveLength(24);
    expect(r.connections.filter((c) => c.virtual === '10.0.0.16:80' && c.protocol === 'tcp').map((c) => c.realServer))
      .toEqual(['100.0.0.2:80', '100.0.0.1:80', '100.0.0.2:80', '100.0.0.1:80']);
  });
});

describe('glb-director 1k_pkts.pcap (client→VIP SYNs only)', () => {
  const r = analyze([GLB]).report;
  it('sees VIP 1.1.1.1:80 and says the method is unknown, with the reason', () => {
    expect(r.services).toHaveLength(1);
    const s = r.services[0]!;
    expect([s.vip, s.port, s.protocol]).toEqual(['1.1.1.1', 80, 'tcp']);
    expect(s.method).toBe('unknown');
    expect(s.methodEvidence?.[0]).toMatch(/^only client→VIP packets are visible/);
    expect(s.scheduler.name).toBe('unknown');
    expect(r.capture.frames).toBe(1000);
    expect(r.findings).toEqual([]);
  });
});
