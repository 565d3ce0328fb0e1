/**
 * One finding catalog (src/ipvs/finding-catalog.ts): the model's severity and message, the
 * simulator's truth and the translations all come from it, so they cannot disagree. Checked on
 * the presets made to show each fault: the model's findings and the truth's expected ones.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink } from '../../src/capture/index.js';
import { openFrames } from '../../src/decode/index.js';
import { FINDING_CATALOG, findingMessage, findingSeverity } from '../../src/ipvs/finding-catalog.js';
import type { FindingCode, FindingParamsByCode } from '../../src/ipvs/report.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { preset, synthesize } from '../../src/simulate/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-catalog-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const FAULTS = ['rs-arp', 'rs-announce', 'vip-primary', 'dr-via-director', 'no-real-server', 'down-server', 'tun-mtu'];

describe('the finding catalog', () => {
  it('has a meaning, an English and a Chinese sentence for every code', () => {
    for (const [code, e] of Object.entries(FINDING_CATALOG)) {
      expect(e.about.length, code).toBeGreaterThan(20);
      expect(['error', 'warning', 'info'], code).toContain(e.severity);
    }
  });

  it('weighs a code by its params where one code covers cases of different weight', () => {
    const refused: FindingParamsByCode['dr-port-mapping'] = { kind: 'refused', rs: '10.0.0.1', virtual: '10.0.0.100:80', port: 80 };
    expect(findingSeverity('dr-port-mapping', refused)).toBe('warning');
    expect(findingSeverity('dr-port-mapping', { ...refused, kind: 'rules', forward: 'dr' })).toBe('error');
    const silent = { rsKnown: true, method: 'dr', connections: 2, retransmits: 3, all: true } as const;
    expect(findingSeverity('rs-not-responding', { rs: 'x', silent })).toBe('error');
    expect(findingSeverity('rs-not-responding', { rs: 'x', silent: { ...silent, all: false } })).toBe('warning');
  });

  for (const name of FAULTS) {
    it(`${name}: the model's findings and the simulator's truth take severity and words from it`, () => {
      const path = join(dir, `${name}.pcapng`);
      const truth = synthesize(preset(name), fileSink(path, { overwrite: true }), { seed: 3, fileName: path }).truth;
      const report = analyzeFrames([...openFrames([path])], { files: [path] }).report;
      expect(report.findings.length + truth.findings.length).toBeGreaterThan(0);
      for (const f of report.findings) {
        const params = f.params as FindingParamsByCode[FindingCode];
        expect(f.severity, f.code).toBe(findingSeverity(f.code, params));
        expect(f.message, f.code).toBe(findingMessage(f.code, params));
      }
      for (const f of truth.findings) {
        expect(f.severity, f.code).toBe(FINDING_CATALOG[f.code].severity);
        expect(f.message, f.code).toBe(FINDING_CATALOG[f.code].about);
      }
    });
  }
});
