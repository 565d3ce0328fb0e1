/**
 * A capture of an overlay's traffic taken on the underlay (a Kubernetes or cloud node's physical
 * interface: kube-proxy's IPVS mode runs its services on such nodes). The overlay's frames are
 * the cluster's; the VXLAN, Geneve or GRE around them is not LVS's business. The real-kernel DR
 * and NAT captures, each frame wrapped as the underlay carries it, must give the report the bare
 * capture gives. Real VXLAN encapsulation by the kernel (veth underlay, 4789 and 8472) is in
 * test/decode/overlays.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { overlayWrapped, type Overlay } from '../helpers/overlay-wrap.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-vxlan-'));
const report = (path: string) => {
  const r = analyzeFiles([path], { files: [path], threads: 'never' }).summary.report;
  // The capture's own bytes differ (the underlay's headers); everything learnt of the cluster must not.
  return JSON.stringify({ ...r, capture: { ...r.capture, files: [] } });
};

describe('an LVS cluster seen through an overlay\'s underlay', () => {
  const cases: [string, Overlay][] = [
    ['test/fixtures/kernel/dr-rr/fw-eth1.pcap', { kind: 'vxlan', port: 4789 }],
    ['test/fixtures/kernel/nat-rr-8080/dir-eth1.pcap', { kind: 'vxlan', port: 8472 }],
    ['test/fixtures/kernel/dr-rr/fw-eth1.pcap', { kind: 'geneve' }],
    ['test/fixtures/kernel/nat-rr-8080/rs1-eth0.pcap', { kind: 'gretap' }],
    // A switch mirroring the firewall's port to a remote analyzer: the mirrored frames are the capture.
    ['test/fixtures/kernel/dr-rr/fw-eth1.pcap', { kind: 'erspan' }],
  ];
  for (const [fixture, overlay] of cases) {
    const name = overlay.kind === 'vxlan' ? `VXLAN to port ${overlay.port}` : overlay.kind;
    it(`${fixture} in ${name}: the bare capture's report`, () => {
      const wrapped = join(dir, `${fixture.replace(/\W+/g, '-')}-${overlay.kind}.pcap`);
      writeFileSync(wrapped, overlayWrapped(fixture, 42, overlay));
      const frames = [...openFrames([wrapped])];
      const header = overlay.kind === 'gretap' ? 'gre' : overlay.kind;
      const at = overlay.kind === 'gretap' ? 2 : 3;
      expect(frames.every((f) => f.layers[at]?.type === header && f.layers[at + 1]?.type === 'eth' && !f.issues.some((i) => i.layer === 'udp' || i.layer === header || i.code === 'truncated'))).toBe(true);
      const bare = report(fixture);
      expect(bare).toMatch(/"method":"(dr|nat)"/);
      expect(report(wrapped)).toBe(bare);
    });
  }
});
