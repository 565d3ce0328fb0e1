/**
 * One answer everywhere (issue 18): every `synth` preset and fault, analyzed, checked frame by
 * frame against the simulator's truth and the capture's own packet comments, in English and
 * Chinese: the roles of each frame's sender and receiver, the real-server names the explanation
 * uses, and each connection's real server.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { explainFrames } from '../../src/annotate/index.js';
import { fileSink } from '../../src/capture/index.js';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { applyFault, FAULTS, listPresets, preset, synthesize, type Scenario } from '../../src/simulate/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-consistency-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const HOST_ROLES = new Set(['client', 'gateway', 'director', 'real-server']);
const names = (text: string): string[] => [...new Set(text.match(/WEB\d+/g) ?? [])];

const CASES: [string, () => Scenario][] = [
  ...listPresets().map((p): [string, () => Scenario] => [p, () => preset(p)]),
  // port-reuse needs an entry that reaches TIME_WAIT on the director, which only NAT gives.
  ...FAULTS.map((f): [string, () => Scenario] => {
    const base = f === 'port-reuse' ? 'nat' : 'dr';
    return [`${base} + ${f}`, () => applyFault(preset(base), f)];
  }),
];

describe.each(CASES)('%s', (name, make) => {
  for (const lang of ['en', 'zh'] as const) {
    it(`${lang}: roles, names and real servers agree with the truth and the packet comments`, () => {
      const path = join(dir, `${name.replace(/\W+/g, '-')}-${lang}.pcapng`);
      const { truth } = synthesize(make(), fileSink(path, { overwrite: true }), { seed: 5, fileName: path, lang });
      const frames = [...openFrames([path])];
      const s = analyzeFrames(frames, { files: [path], lang });
      const byMac = new Map(truth.hosts.filter((h) => h.mac !== null).map((h) => [h.mac!, h]));
      const byIp = new Map(truth.hosts.map((h) => [h.ip, h]));
      // A client port reused for several connections (port-reuse) has several real servers: any of them.
      const rsOf = new Map<string, Set<string | null>>();
      for (const c of truth.connections) rsOf.set(c.client, (rsOf.get(c.client) ?? new Set()).add(c.realServer));
      const problems: string[] = [];

      // The hosts table names every real server as the truth does, where the truth uses the names
      // analyze gives (WEB1, WEB2, … by address; other presets call them rs1, rs2, …).
      for (const h of s.report.hosts) {
        const t = byIp.get(h.ip);
        if (h.role === 'real-server' && t?.name && /^WEB\d+$/.test(t.name) && h.name !== t.name) problems.push(`hosts: ${h.ip} named ${h.name}, truth ${t.name}`);
      }
      for (const e of explainFrames(frames, s, lang)) {
        const f = e.facts;
        const n = f.n;
        for (const [role, mac] of [[f.srcRole, f.srcMac], [f.dstRole, f.dstMac]] as const) {
          const t = byMac.get(mac);
          if (t !== undefined && HOST_ROLES.has(role) && HOST_ROLES.has(t.role) && role !== t.role) problems.push(`frame ${n}: ${mac} is the ${role}, truth ${t.role}`);
        }
        const fl = f.flow;
        if (fl !== null && fl.realServer !== null && !fl.bypass) {
          const want = rsOf.get(fl.client);
          if (want !== undefined && !want.has(null) && !want.has(fl.realServer)) problems.push(`frame ${n}: ${fl.client} on ${fl.realServer}, truth ${[...want].join(' or ')}`);
        }
        // One real server named in the comment and one in the explanation: the same one.
        const said = names(e.explanation.text);
        const noted = names(e.frame.comment ?? '');
        if (said.length === 1 && noted.length === 1 && said[0] !== noted[0]) problems.push(`frame ${n}: explained as ${said[0]}, the comment says ${noted[0]}`);
      }
      expect(problems.slice(0, 10)).toEqual([]);
    });
  }
});
