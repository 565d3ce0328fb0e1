/**
 * Issue 5: "every finding code is produced by a capture made to show it and absent from the clean
 * captures". Each code here comes from a synthesized capture (with the deployment's rules where
 * the code is about rules), and the exact set of codes is checked, so a fault shows its own
 * finding and nothing unrelated. Clean presets, analyzed with their own rules, show none.
 *
 * Where each code is produced (this file unless named):
 *   rs-answers-arp-for-vip, vip-arp-flapping  rs-arp preset; lab dr-rs-arp; test/model/findings.test.ts
 *   rs-announces-vip                          rs-announce preset; test/model/findings.test.ts
 *   vip-primary-on-director                   vip-primary preset; lab dr-vip-primary; test/model/findings.test.ts
 *   dr-reply-via-director                     dr-via-director preset; test/model/findings.test.ts
 *   nat-reply-bypasses-director               nat-gateway preset (router LAN + director any); test/model/findings.test.ts
 *   dr-port-mapping                           dr capture + rules `-r RIP:8080 -g`; down-server preset (RST); test/model
 *   no-real-server                            no-real-server preset; test/model/findings.test.ts
 *   rs-not-responding                         down-server preset; test/model/findings.test.ts; test/model/silent-rs.test.ts (unanswered SYN retransmissions, real kernel)
 *   tun-mtu                                   tun-mtu preset; test/model/findings.test.ts
 *   icmp-redirect-from-director               ONLY test/model/findings.test.ts (hand-built): neither synth nor the lab emit redirects
 *   quiesced-server-used                      dr capture + rules giving WEB2 weight 0; test/model/findings.test.ts
 *   rules-mismatch                            nat capture + rules saying -g; test/model/findings.test.ts
 *   persistence-broken                        dr capture (one client, rr) + rules with -p 360; test/model/findings.test.ts
 *   port-reuse-syn-dropped                    port-reuse preset (NAT, conntrack=1); test/model/faults.test.ts, test/model/kernel-faults.test.ts
 *   rs-rejects, stale-entry, idle-entry-expired  ONLY real-kernel lab captures (test/model/kernel-faults.test.ts) and
 *                                             hand-built ones (test/model/faults.test.ts): the simulator has no UDP service or idle expiry
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink } from '../../src/capture/index.js';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import type { FindingCode } from '../../src/ipvs/report.js';
import { listPresets, preset, synthesize, type Scenario, type SynthOptions } from '../../src/simulate/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-acc-findings-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let seq = 0;
function analyze(sc: Scenario, opts: { rules?: string; alsoAt?: SynthOptions['captureAt'] } = {}): FindingCode[] {
  const files: string[] = [];
  const base = join(dir, `${sc.name}-${++seq}`);
  synthesize(sc, fileSink(`${base}.pcapng`, { overwrite: true }), { seed: 3 });
  files.push(`${base}.pcapng`);
  if (opts.alsoAt !== undefined) {
    synthesize(sc, fileSink(`${base}-2.pcapng`, { overwrite: true }), { seed: 3, captureAt: opts.alsoAt });
    files.push(`${base}-2.pcapng`);
  }
  const args = [...files, '--format', 'json'];
  if (opts.rules !== undefined) {
    writeFileSync(`${base}.rules`, `${opts.rules}\n`);
    args.push('--rules', `${base}.rules`);
  }
  const { summary } = runModel(parseAnalyzeArgs(args));
  return [...new Set(summary.report.findings.map((f) => f.code))].sort();
}

/** The preset's own rules, as the director was configured (ipvsadm -S -n lines). */
function rulesOf(sc: Scenario): string {
  const d = sc.hosts.find((h) => h.role === 'director');
  if (d?.ipvs === undefined) throw new Error(`${sc.name} has no director rules`);
  return d.ipvs;
}

describe('each finding code from a capture made to show it', () => {
  const cases: { name: string; codes: FindingCode[]; run: () => FindingCode[] }[] = [
    { name: 'rs-arp', codes: ['rs-answers-arp-for-vip', 'vip-arp-flapping'], run: () => analyze(preset('rs-arp')) },
    { name: 'rs-announce', codes: ['rs-announces-vip'], run: () => analyze(preset('rs-announce')) },
    { name: 'vip-primary', codes: ['vip-primary-on-director'], run: () => analyze(preset('vip-primary')) },
    { name: 'dr-via-director', codes: ['dr-reply-via-director'], run: () => analyze(preset('dr-via-director')) },
    { name: 'nat-gateway', codes: ['nat-reply-bypasses-director'], run: () => analyze(preset('nat-gateway'), { alsoAt: 'director-any' }) },
    { name: 'no-real-server', codes: ['no-real-server'], run: () => analyze(preset('no-real-server')) },
    // A refused SYN in DR: the server is down, or listens on another port than the VIP's (a DR port
    // mapping); the capture cannot tell which, so both are said.
    { name: 'down-server', codes: ['dr-port-mapping', 'rs-not-responding'], run: () => analyze(preset('down-server')) },
    { name: 'tun-mtu', codes: ['tun-mtu'], run: () => analyze(preset('tun-mtu')) },
    { name: 'port-reuse', codes: ['port-reuse-syn-dropped'], run: () => analyze(preset('port-reuse')) },
    {
      name: 'dr-port-mapping from rules', codes: ['dr-port-mapping'],
      run: () => analyze(preset('dr'), { rules: rulesOf(preset('dr')).replace('-r 192.168.23.81:80 -g', '-r 192.168.23.81:8080 -g') }),
    },
    {
      name: 'quiesced-server-used from rules', codes: ['quiesced-server-used'],
      run: () => analyze(preset('dr'), { rules: rulesOf(preset('dr')).replace(/(-r 192\.168\.23\.81:80 -g) -w 1/, '$1 -w 0') }),
    },
    {
      name: 'rules-mismatch: the rules say DR, the capture shows NAT', codes: ['rules-mismatch'],
      run: () => analyze(preset('nat'), { rules: rulesOf(preset('nat')).replaceAll(' -m ', ' -g ').replace('-r 192.168.23.80:8080', '-r 192.168.23.80:80') }),
    },
    {
      name: 'persistence-broken: rules with -p 360, capture of plain rr', codes: ['persistence-broken'],
      run: () => analyze(preset('dr'), { rules: rulesOf(preset('dr')).replace('-s rr', '-s rr -p 360') }),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      expect(c.run()).toEqual([...c.codes].sort());
    });
  }
});

describe('clean captures show no finding, with and without their rules', () => {
  const clean = ['seed-dr', 'seed-nat', 'dr', 'nat', 'tun', 'fullnat', 'fwmark', 'persistent', 'weight-0'];
  it('lists every clean preset', () => {
    for (const name of clean) expect(listPresets()).toContain(name);
  });
  for (const name of clean) {
    it(name, () => {
      expect(analyze(preset(name))).toEqual([]);
      expect(analyze(preset(name), { rules: rulesOf(preset(name)) })).toEqual([]);
    });
  }
});
