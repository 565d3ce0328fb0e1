/**
 * Issue 4's round trip: every synth preset (and a few overrides) is synthesized with a seed,
 * analyzed like `lvscope analyze --format json`, and graded against the simulator's own truth:
 * method, VIP:port, director, every RIP and its MAC, each connection's real server (by client
 * ip:port), the scheduler where the decisions tell it, persistence, and the findings.
 *
 * Where the capture cannot show something the truth knows, the case says so and why.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink } from '../../src/capture/index.js';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import type { ClusterReport } from '../../src/ipvs/report.js';
import { adjustRules, listPresets, preset, synthesize, type Scenario, type SynthOptions } from '../../src/simulate/index.js';
import { addressesSeen, compareReports, type CompareOptions } from './compare.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-acc-synth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Case {
  readonly name: string;
  readonly scenario: Scenario;
  readonly synth?: SynthOptions;
  readonly compare?: CompareOptions;
  /** Extra captures of the same run (same seed) analyzed together with the first, e.g. both sides of a router. */
  readonly alsoAt?: NonNullable<SynthOptions['captureAt']>;
}

interface Outcome { readonly truth: ClusterReport; readonly got: ClusterReport; readonly diffs: string[] }

function roundTrip(c: Case): Outcome {
  const files: string[] = [];
  let truth: ClusterReport | null = null;
  for (const at of [undefined, c.alsoAt]) {
    if (at === undefined && files.length > 0) continue;
    const path = join(dir, `${c.name}${at ? `-${at}` : ''}.pcapng`);
    const r = synthesize(c.scenario, fileSink(path, { overwrite: true }), { seed: 7, fileName: path, ...c.synth, ...(at ? { captureAt: at } : {}) });
    truth ??= r.truth;
    files.push(path);
    if (c.alsoAt === undefined) break;
  }
  const { summary } = runModel(parseAnalyzeArgs([...files, '--format', 'json']));
  const got = summary.report;
  const diffs = compareReports(got, truth!, { seen: addressesSeen(files), ...c.compare });
  return { truth: truth!, got, diffs };
}

/** Presets whose capture shows a clean cluster: no finding at all is right. */
const CLEAN = new Set(['seed-dr', 'seed-nat', 'dr', 'nat', 'tun', 'fullnat', 'fwmark', 'persistent', 'weight-0']);

/** What each preset's capture can and cannot show, with the reason. */
const PRESET_NOTES: Readonly<Record<string, Omit<Case, 'name' | 'scenario'>>> = {
  // TUN real servers live in other networks: their MACs are never on the director's link.
  tun: { compare: { checkMacs: false } },
  'tun-mtu': { compare: { checkMacs: false } },
  // Every server has weight 0: the director answers ICMP itself, no packet is ever forwarded, so
  // the method cannot show and there is no decision to replay.
  'no-real-server': { compare: { methodUnknown: true, allowUnknownScheduler: true } },
  // The real server that answers ARP for the VIP takes every connection before the director sees
  // one: no forwarding to show the method, no decision; the director and the real server both
  // claim the VIP, which is also what vip-arp-flapping says.
  'rs-arp': { compare: { methodUnknown: true, allowUnknownScheduler: true, allowFindings: ['vip-arp-flapping'] } },
  // The VIP as the director's primary address: real servers drop its ARP requests (sender = their
  // own lo address), so nothing is ever forwarded; the scheduler's choices never leave the director.
  'vip-primary': { compare: { methodUnknown: true, allowUnknownScheduler: true, realServersUnseen: true } },
  // A DR real server that refuses with RST: nothing listens on port 80 there. From the capture
  // alone that is also what a DR port mapping (-r RIP:8080 -g) looks like, and the model says so.
  'down-server': { compare: { allowFindings: ['dr-port-mapping'] } },
  // Captured on the router's LAN port the VIP never shows; with the director's `any` capture of
  // the same run beside it, the whole story does.
  'nat-gateway': { alsoAt: 'director-any' },
};

describe('synth round trip: every preset', () => {
  const names = listPresets();
  it('covers all 18 presets', () => {
    expect(names).toHaveLength(18);
  });
  // port-reuse opens every connection from one client port: this comparison keys connections by
  // client ip:port and cannot tell them apart; test/model/kernel-faults.test.ts checks that preset.
  for (const name of names.filter((n) => n !== 'port-reuse')) {
    it(name, () => {
      const { truth, got, diffs } = roundTrip({ name, scenario: preset(name), ...PRESET_NOTES[name] });
      expect(diffs).toEqual([]);
      expect(got.connections.length).toBe(truth.connections.length);
      if (CLEAN.has(name)) {
        expect(truth.findings).toEqual([]);
        expect(got.findings.map((f) => `${f.code}: ${f.message}`)).toEqual([]);
      } else {
        expect(truth.findings.length).toBeGreaterThan(0);
      }
    });
  }
});

describe('synth round trip: overrides', () => {
  const cases: (Case & { expectScheduler?: string; wrrWeights?: Record<string, number>; tunnel?: string })[] = [
    {
      // Short connections one after another: wlc with the same weights makes the same choices, so
      // the honest answer is a tie; the wrr candidate must carry the weights 1:5.
      name: 'nat-wrr-1-5', scenario: preset('seed-nat', { requests: 18 }),
      synth: { adjustRules: adjustRules({ scheduler: 'wrr', weights: [1, 5] }) },
      expectScheduler: 'ambiguous', wrrWeights: { '192.168.23.80': 1, '192.168.23.81': 5 },
    },
    {
      name: 'dr-wrr-2-1-1', scenario: preset('dr', { realServers: 3, requests: 16, clients: 2 }),
      synth: { adjustRules: adjustRules({ scheduler: 'wrr', weights: [2, 1, 1] }) },
      // The dr preset adds the real servers highest RIP first, so the weights go .82, .81, .80.
      wrrWeights: { '192.168.23.80': 1, '192.168.23.81': 1, '192.168.23.82': 2 },
    },
    {
      // Eight clients so that the source hash spreads them over both servers.
      name: 'nat-sh-8-clients', scenario: preset('seed-nat', { requests: 16, clients: 8 }),
      synth: { adjustRules: adjustRules({ scheduler: 'sh' }) },
    },
    {
      name: 'dr-4-servers-3-clients', scenario: preset('dr', { realServers: 4, clients: 3, requests: 12 }),
    },
    {
      name: 'nat-3-servers-any', scenario: preset('nat', { realServers: 3, clients: 2, requests: 9 }),
    },
    {
      name: 'dr-at-director', scenario: preset('dr', { realServers: 3, clients: 2, requests: 9 }),
      synth: { captureAt: 'director' },
    },
    {
      // On `any` (SLL2) a frame carries only its source MAC: the director's DR copy does not say
      // which real server it went to, and DR replies never pass the director. Method and VIP only.
      name: 'dr-at-director-any', scenario: preset('dr', { realServers: 2, clients: 3, requests: 8 }),
      synth: { captureAt: 'director-any' }, compare: { realServersUnseen: true, allowUnknownScheduler: true },
    },
    {
      name: 'tun-5-servers', scenario: preset('tun', { realServers: 5, clients: 3, requests: 15 }),
      compare: { checkMacs: false },
    },
    {
      // IPVS --tun-type gue: the tunnel is UDP to the GUE port, recognised by its payload.
      name: 'tun-gue-4-servers', scenario: preset('tun', { realServers: 4, clients: 3, requests: 12 }),
      synth: { adjustRules: adjustRules({ tunType: 'gue', tunPort: 6080 }) }, compare: { checkMacs: false }, tunnel: 'gue',
    },
    {
      name: 'tun-gre-csum-3-servers', scenario: preset('tun', { realServers: 3, clients: 2, requests: 9 }),
      synth: { adjustRules: adjustRules({ tunType: 'gre', tunCsum: true }) }, compare: { checkMacs: false }, tunnel: 'gre',
    },
    {
      name: 'fullnat-3-servers', scenario: preset('fullnat', { realServers: 3, requests: 9 }),
    },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const { truth, got, diffs } = roundTrip(c);
      expect(diffs).toEqual([]);
      expect(got.connections.length).toBe(truth.connections.length);
      expect(got.findings.map((f) => f.code)).toEqual([]);
      if (c.expectScheduler !== undefined) expect(got.services[0]!.scheduler.name).toBe(c.expectScheduler);
      if (c.tunnel !== undefined) {
        expect(got.services[0]!.method).toBe('tun');
        expect((got.services[0]!.methodEvidence ?? []).join(' ')).toContain(c.tunnel.toUpperCase());
      }
      if (c.wrrWeights !== undefined) {
        const wrr = got.services[0]!.scheduler.candidates.find((x) => x.name === 'wrr');
        expect(wrr?.score).toBe(1);
        const w = wrr?.weights ?? {};
        const min = Math.min(...Object.values(w));
        expect(Object.fromEntries(Object.entries(w).map(([ip, x]) => [ip, x / min]).sort())).toEqual(c.wrrWeights);
      }
    });
  }
});
