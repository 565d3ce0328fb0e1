/**
 * Issue 5's real-kernel acceptance: clusters built by `lvscope lab` in network namespaces (DR and
 * NAT, 2–4 real servers, rr and wrr with weights, several clients, captured on the firewall, the
 * director's LAN interface and `any`), analyzed, and graded against the lab's truth: method, VIP,
 * DIP, director MAC, every RIP and its MAC, every connection's real server, rr vs wrr and the
 * weights; and each misconfiguration's finding. One lab is built per topology and captured at
 * several points. Runs only on a host whose kernel has IPVS, with the reason otherwise.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import type { ClusterReport, FindingCode } from '../../src/ipvs/report.js';
import { downLab, guardTeardown, runLab, upLab, type LabState } from '../../src/lab/cluster.js';
import { hasIpvs, labUnavailable } from '../../src/lab/host.js';
import { resolveOptions, type CapturePoint, type LabOptions } from '../../src/lab/options.js';
import { planLab, randomLabId } from '../../src/lab/plan.js';
import { addressesSeen, compareReports, type CompareOptions } from './compare.js';

// The kernel is the judge: this suite needs the host's own IPVS (never the nftables emulation).
// Where the host has none, kernel-lab.test.ts runs the same kind of check in the lab's microVM.
const why = labUnavailable() ?? (hasIpvs() ? null : 'this kernel has no IPVS (kernel-lab.test.ts covers the real kernel in the microVM)');
const dir = mkdtempSync(join(tmpdir(), 'lvscope-acc-lab-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Capture {
  readonly at: CapturePoint;
  readonly compare?: CompareOptions;
}

interface LabCase {
  readonly name: string;
  readonly options: Partial<LabOptions> & { method: LabOptions['method'] };
  readonly captures: readonly Capture[];
  /** The weights of the wrr candidate, by RIP, reduced (rs1 = .80). */
  readonly wrrWeights?: Readonly<Record<string, number>>;
  /** Findings this capture is made to show (the lab's truth lists them too). */
  readonly findings?: readonly FindingCode[];
}

/** On `any` (SLL2) frames carry only their source MAC: a DR hop does not say which real server it went to. */
const DR_ANY: CompareOptions = { realServersUnseen: true, allowUnknownScheduler: true };

const CASES: readonly LabCase[] = [
  { name: 'dr-2-rr', options: { method: 'dr', realServers: 2, clients: 2, requests: 6 }, captures: [{ at: 'firewall' }, { at: 'director' }, { at: 'any', compare: DR_ANY }] },
  { name: 'dr-3-wrr-2-1-1', options: { method: 'dr', realServers: 3, scheduler: 'wrr', weights: [2, 1, 1], clients: 3, requests: 12 }, captures: [{ at: 'firewall' }, { at: 'director' }], wrrWeights: { '192.168.23.80': 2, '192.168.23.81': 1, '192.168.23.82': 1 } },
  { name: 'dr-4-rr', options: { method: 'dr', realServers: 4, clients: 2, requests: 8 }, captures: [{ at: 'director' }] },
  // NAT is captured on `any` only: the director's LAN interface (or a real server) never carries
  // the VIP, so no capture there can name the service.
  { name: 'nat-2-wrr-1-3', options: { method: 'nat', realServers: 2, scheduler: 'wrr', weights: [1, 3], clients: 2, requests: 8 }, captures: [{ at: 'any' }], wrrWeights: { '192.168.23.80': 1, '192.168.23.81': 3 } },
  { name: 'nat-3-rr', options: { method: 'nat', realServers: 3, clients: 3, requests: 6 }, captures: [{ at: 'any' }] },
  { name: 'nat-4-wrr-2-1-1-1', options: { method: 'nat', realServers: 4, scheduler: 'wrr', weights: [2, 1, 1, 1], clients: 3, requests: 10 }, captures: [{ at: 'any' }], wrrWeights: { '192.168.23.80': 2, '192.168.23.81': 1, '192.168.23.82': 1, '192.168.23.83': 1 } },
  { name: 'dr-rs-arp', options: { method: 'dr', realServers: 2, requests: 4, misconfig: 'rs-arp' }, captures: [{ at: 'firewall', compare: { methodUnknown: true, allowUnknownScheduler: true, allowFindings: ['vip-arp-flapping'] } }], findings: ['rs-answers-arp-for-vip'] },
  { name: 'dr-reply-via-director', options: { method: 'dr', realServers: 2, requests: 4, misconfig: 'dr-reply-via-director' }, captures: [{ at: 'firewall' }], findings: ['dr-reply-via-director'] },
  { name: 'dr-vip-primary', options: { method: 'dr', realServers: 2, requests: 2, misconfig: 'vip-primary' }, captures: [{ at: 'firewall', compare: { methodUnknown: true, allowUnknownScheduler: true, realServersUnseen: true } }], findings: ['vip-primary-on-director'] },
  { name: 'nat-gateway', options: { method: 'nat', realServers: 2, requests: 4, misconfig: 'nat-gateway' }, captures: [{ at: 'any' }], findings: ['nat-reply-bypasses-director'] },
];

interface Result {
  readonly at: CapturePoint;
  readonly truth: ClusterReport;
  readonly got: ClusterReport;
  readonly diffs: string[];
  readonly seen: ReadonlySet<string>;
}

async function runCase(c: LabCase): Promise<Result[]> {
  // A flooding LAN, as the seed walkthrough's: every capture point sees each forwarded frame.
  const plan = planLab(resolveOptions({ ...c.options, lan: 'hub' }), randomLabId());
  const unguard = guardTeardown(plan.namespaces);
  const out: Result[] = [];
  let state: LabState | null = null;
  try {
    state = await upLab(plan, false);
    for (const cap of c.captures) {
      const file = join(dir, `${c.name}-${cap.at}.pcap`);
      const r = await runLab(state, { out: file, requests: c.options.requests ?? 4, captureAt: cap.at });
      const { summary } = runModel(parseAnalyzeArgs([file, '--format', 'json']));
      const seen = addressesSeen([file]);
      const diffs = compareReports(summary.report, r.truth, { seen, ...cap.compare });
      out.push({ at: cap.at, truth: r.truth, got: summary.report, diffs, seen });
    }
  } finally {
    downLab(plan);
    unguard();
  }
  return out;
}

describe.skipIf(why !== null)(`lab round trip${why !== null ? ` (skipped: ${why})` : ''}`, () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const results = await runCase(c);
      // The first capture of a fresh lab holds the ARP exchanges, so every RIP shows and the
      // RIP/MAC checks above were not skipped for want of evidence.
      if (c.findings === undefined) {
        const first = results[0]!;
        const used = first.truth.services[0]!.realServers.filter((x) => x.connections > 0).map((x) => x.ip);
        expect(used.filter((ip) => !first.seen.has(ip))).toEqual([]);
        expect(first.got.services[0]!.realServers.map((x) => `${x.ip} ${x.mac}`).sort())
          .toEqual(first.truth.services[0]!.realServers.filter((x) => x.connections > 0).map((x) => `${x.ip} ${x.mac}`).sort());
      }
      for (const r of results) {
        expect({ at: r.at, diffs: r.diffs }).toEqual({ at: r.at, diffs: [] });
        // Every request got an answer and is in the report.
        expect(r.truth.connections.length).toBe(c.options.requests ?? 4);
        expect(r.got.connections.length).toBe(r.truth.connections.length);
        const codes = r.got.findings.map((f) => f.code);
        if (c.findings === undefined) expect({ at: r.at, findings: r.got.findings.map((f) => `${f.code}: ${f.message}`) }).toEqual({ at: r.at, findings: [] });
        else for (const code of c.findings) expect(codes).toContain(code);
        if (c.wrrWeights !== undefined) {
          const s = r.got.services[0]!;
          const wrr = s.scheduler.candidates.find((x) => x.name === 'wrr');
          expect(wrr?.score).toBe(1);
          // A later capture of the same lab starts with warm ARP caches: a DR real server known only
          // by its MAC is keyed by MAC (the RIP never shows); map it through the truth.
          const ripOf = (key: string): string => r.truth.services[0]!.realServers.find((x) => x.mac === key)?.ip ?? key;
          const w = wrr?.weights ?? {};
          const min = Math.min(...Object.values(w));
          expect(Object.fromEntries(Object.entries(w).map(([k, x]) => [ripOf(k), x / min]).sort())).toEqual(c.wrrWeights);
          // Weighted: plain rr cannot explain the sequence.
          expect(s.scheduler.candidates.find((x) => x.name === 'rr')!.score).toBeLessThan(1);
        } else if (c.findings === undefined) {
          // rr: the report names rr, or a tie that includes it, and never wrr with unequal weights.
          const s = r.got.services[0]!.scheduler;
          if (s.name !== 'unknown') expect(['rr', 'ambiguous']).toContain(s.name);
        }
      }
    }, 30_000);
  }
});
