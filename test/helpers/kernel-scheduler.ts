/**
 * The scheduler check every real-kernel grade shares: the kernel's scheduler named, or an honest
 * `ambiguous` whose top-scoring tie includes it, or `unknown` where the grade expects it.
 */
import { expect } from 'vitest';
import type { Summary } from '../../src/model/index.js';

type Scheduler = Summary['report']['services'][number]['scheduler'];

export function expectKernelScheduler(sc: Scheduler, kernel: string, want: 'decided-or-tied' | 'unknown'): void {
  if (want === 'unknown') { expect(sc.name).toBe('unknown'); return; }
  const top = sc.candidates[0]?.score ?? 0;
  const tied = sc.candidates.filter((c) => c.score >= top - 1e-9).map((c) => c.name);
  if (sc.name === 'ambiguous') expect(tied).toContain(kernel);
  else expect(sc.name).toBe(kernel);
}
