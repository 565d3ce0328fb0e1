/**
 * A capture of an overlay's traffic taken on the underlay (a Kubernetes or cloud node's physical
 * interface: kube-proxy's IPVS mode runs its services on such nodes). The overlay's frames are
 * the cluster's; the VXLAN around them is not LVS's business. The real-kernel DR and NAT captures,
 * each frame wrapped in VXLAN as the underlay carries it, must give the report the bare capture
 * gives. Real VXLAN encapsulation by the kernel (veth underlay, 4789 and 8472) is in
 * test/decode/vxlan.test.ts.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { vxlanWrapped } from '../helpers/vxlan-wrap.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-vxlan-'));
const report = (path: string) => {
  const r = analyzeFiles([path], { files: [path], threads: 'never' }).summary.report;
  // The capture's own bytes differ (the underlay's headers); everything learnt of the cluster must not.
  return JSON.stringify({ ...r, capture: { ...r.capture, files: [] } });
};

describe('an LVS cluster seen through a VXLAN underlay', () => {
  for (const [fixture, port] of [['test/fixtures/kernel/dr-rr/fw-eth1.pcap', 4789], ['test/fixtures/kernel/nat-rr-8080/dir-eth1.pcap', 8472]] as const) {
    it(`${fixture} in VXLAN to port ${port}: the bare capture's report`, () => {
      const wrapped = join(dir, `${fixture.replace(/\W+/g, '-')}-${port}.pcap`);
      writeFileSync(wrapped, vxlanWrapped(fixture, 42, port));
      const frames = [...openFrames([wrapped])];
      expect(frames.every((f) => f.layers[3]?.type === 'vxlan' && f.layers[4]?.type === 'eth')).toBe(true);
      const bare = report(fixture);
      expect(bare).toMatch(/"method":"(dr|nat)"/);
      expect(report(wrapped)).toBe(bare);
    });
  }
});
