/** Sessions over the bundled DR walkthrough capture, analysed up front, for the TUI tests. */
import { join } from 'node:path';
import { CAPTURES } from '../helpers/paths.js';
import { modelPort } from '../../src/tui/data/model-binding.js';
import type { ModelPort } from '../../src/tui/data/model-port.js';
import { CaptureSession } from '../../src/tui/data/session.js';
import type { FindingReport } from '../../src/ipvs/report.js';

export const SEED = join(CAPTURES, 'seed-dr-kernel.pcap');

export function seedSession(port: ModelPort = modelPort()): CaptureSession {
  const s = CaptureSession.open([SEED], { port });
  s.analyseNow();
  return s;
}

/** The real model, with extra findings added to its report (the seed capture is clean). */
export function withFindings(findings: readonly FindingReport[]): ModelPort {
  const real = modelPort();
  return {
    explain: real.explain,
    findingText: real.findingText,
    engine: (k) => {
      const e = real.engine(k);
      return {
        observe: (f, want) => e.observe(f, want),
        finish: (files) => {
          const r = e.finish(files);
          return { knowledge: r.knowledge, report: { ...r.report, findings: [...r.report.findings, ...findings] } };
        },
      };
    },
  };
}
