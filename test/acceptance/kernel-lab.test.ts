/**
 * The real kernel as the judge: `lvscope lab capture` on the kernel's own IPVS (this host's, or
 * Debian's kernel in the lab's microVM, booted once for the whole file), then
 * - the truth's connections are the kernel's `ipvsadm -Lnc` entries, and each request was answered
 *   by the real server the kernel chose;
 * - `analyze` of the director's capture reconstructs `ipvsadm -Ln` and `-Ln --stats` character for
 *   character, and `-Lnc` entry for entry (all but the expire column, which depends on when each
 *   side read its clock).
 * Skipped, with the reason, only where neither host IPVS nor the microVM can run.
 */
import { readLabTruth } from '../helpers/lab-truth.js';
import { cpSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import { runLabCommand } from '../../src/lab/command.js';
import type { LabIO } from '../../src/lab/io.js';
import type { LabTruthFile } from '../../src/lab/truth.js';
import { expectKernelViews } from './kernel-views.js';
import { kernelLab } from '../../src/lab/vm/availability.js';
import { GUEST_OUT } from '../../src/lab/vm/initramfs.js';
import { guestLvscope, runInGuest } from '../../src/lab/vm/backend.js';

interface Scenario {
  readonly name: string;
  readonly args: readonly string[];
  /** Reconstruct the kernel's views from this capture (the director's vantage). */
  readonly analyze: boolean;
}

const SCENARIOS: readonly Scenario[] = [
  { name: 'dr-rr', args: ['dr', '--real-servers', '2', '--clients', '2', '--requests', '4', '--capture-at', 'dir:eth0'], analyze: true },
  { name: 'nat-rr-8080', args: ['nat', '--real-servers', '2', '--requests', '4', '--capture-at', 'dir:any'], analyze: true },
  { name: 'tun-ipip-rr', args: ['tun', '--real-servers', '2', '--requests', '4', '--capture-at', 'dir:eth0'], analyze: true },
  { name: 'tun-gue-wrr', args: ['tun', '--tun-type', 'gue', '--weights', '1,2', '--requests', '3', '--capture-at', 'rtr:eth1'], analyze: false },
];

const lab = kernelLab();
const dir = mkdtempSync(join(tmpdir(), 'lvscope-kernel-lab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const quietIO = (): LabIO & { out: () => string } => {
  let out = '';
  return {
    stdout: { write: (s: string) => { out += s; return true; } } as unknown as LabIO['stdout'],
    stderr: { write: () => true } as unknown as LabIO['stderr'],
    env: process.env,
    out: () => out,
  };
};

/** Runs every scenario: straight on this host with IPVS, or all in one microVM boot. */
async function runAll(): Promise<void> {
  if (lab.backend === 'host-ipvs') {
    for (const s of SCENARIOS) {
      const code = await runLabCommand(['capture', ...s.args, '--backend', 'host-ipvs', '--quiet', '-w', join(dir, `${s.name}.pcap`), '--truth', join(dir, `${s.name}.truth.json`)], quietIO());
      if (code !== 0) throw new Error(`lab ${s.name} exited ${code}`);
    }
    return;
  }
  const commands = SCENARIOS.map((s) => guestLvscope(['lab', 'capture', ...s.args, '--backend', 'host-ipvs', '--quiet',
    '-w', `${GUEST_OUT}/${s.name}.pcap`, '--truth', `${GUEST_OUT}/${s.name}.truth.json`]));
  const run = await runInGuest(commands, { env: process.env, progress: () => {}, timeoutMs: 14 * 60_000 });
  try {
    for (const s of SCENARIOS) {
      for (const ext of ['pcap', 'truth.json']) {
        const from = join(run.outDir, `${s.name}.${ext}`);
        if (existsSync(from)) cpSync(from, join(dir, `${s.name}.${ext}`));
      }
    }
    if (run.boot.status !== 0) throw new Error(`the microVM's job failed (${run.boot.status}): ${run.boot.console.slice(-10).join('\n')}`);
  } finally {
    rmSync(run.outDir, { recursive: true, force: true });
  }
}

function truthOf(s: Scenario): LabTruthFile {
  return readLabTruth(join(dir, `${s.name}.truth.json`));
}


describe.skipIf(lab.backend === null)(`the lab on the kernel's own IPVS${lab.backend === null ? ` (skipped: ${lab.why})` : ` (${lab.backend})`}`, () => {
  beforeAll(runAll, 15 * 60_000);

  for (const s of SCENARIOS) {
    it(`${s.name}: the truth is the kernel's connection table`, () => {
      const t = truthOf(s);
      expect(t.lab.backend).toBe(lab.backend);
      const k = t.lab.kernelTables;
      expect(k).not.toBeNull();
      const kernel = (k?.connections ?? []).filter((c) => !c.template);
      const requests = Number(s.args[s.args.indexOf('--requests') + 1]);
      expect(kernel).toHaveLength(requests);
      expect(t.connections.map((c) => `${c.client} ${c.realServer} ${c.state}`).sort())
        .toEqual(kernel.map((c) => `${c.client} ${c.realServer} ${c.state}`).sort());
      // Each request was answered by the web server on the real server the kernel picked.
      for (const r of t.lab.requests) expect({ client: r.client, answeredBy: r.answeredBy }).toEqual({ client: r.client, answeredBy: r.realServer });
      expect(k?.ipvsadmS).toContain(`-A -t ${t.lab.vip}:${t.lab.vport} -s ${t.lab.scheduler}`);
    });

    if (s.analyze) {
      it(`${s.name}: analyze of the director's capture reconstructs -Ln, --stats and -Lnc as the kernel lists them`, () => {
        const t = truthOf(s);
        const k = t.lab.kernelTables!;
        const { summary } = runModel(parseAnalyzeArgs([join(dir, `${s.name}.pcap`)]));
        expectKernelViews(summary, k);
      });
    }
  }
});
