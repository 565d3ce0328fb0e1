/**
 * Small captures made on the kernel's own IPVS (test/fixtures/kernel, each with how it was made):
 * `analyze` of the director's capture must list what the kernel listed — `ipvsadm -Ln` and
 * `-Ln --stats` character for character, `-Lnc` entry for entry (all but the expire column,
 * which depends on when each side read its clock). Runs anywhere: no root, no QEMU.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import type { LabTruthFile } from '../../src/lab/truth.js';
import { expectKernelViews } from '../acceptance/kernel-views.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'kernel');
const scenarios = readdirSync(ROOT, { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name).sort();


describe('real-kernel fixtures', () => {
  it('there are DR, NAT and TUN captures', () => {
    expect(scenarios.map((s) => s.split('-')[0])).toEqual(expect.arrayContaining(['dr', 'nat', 'tun']));
  });

  for (const name of scenarios) {
    const truth = JSON.parse(readFileSync(join(ROOT, name, 'truth.json'), 'utf8')) as LabTruthFile;
    // The director's vantage: its LAN interface (DR/TUN), or `any` (NAT: both sides).
    const director = truth.lab.captures.find((c) => c.label === (truth.lab.method === 'nat' ? 'dir-any' : 'dir-eth0'));

    it(`${name}: made on the kernel's IPVS, each request answered by the real server the kernel chose`, () => {
      expect(truth.lab.backend).not.toBe('emulation');
      const k = truth.lab.kernelTables!;
      expect(k.connections.filter((c) => !c.template)).toHaveLength(truth.lab.requests.length);
      for (const r of truth.lab.requests) expect(r.answeredBy).toBe(r.realServer);
    });

    // A folder kept for one other vantage point (dr-any: the director's cooked capture, which cannot
    // show each connection's real server) is graded in test/model/kernel-vantage.test.ts instead.
    if (director === undefined || !existsSync(join(ROOT, name, director.file))) continue;
    it(`${name}: analyze of ${director.file} lists -Ln, --stats and -Lnc as the kernel did`, () => {
      const k = truth.lab.kernelTables!;
      const { summary } = runModel(parseAnalyzeArgs([join(ROOT, name, director.file)]));
      expectKernelViews(summary, k);
    });
  }
});
