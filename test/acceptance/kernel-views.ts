/**
 * lvscope's reconstructed ipvsadm views against the kernel's own, for the real-kernel tests.
 */
import { expect } from 'vitest';
import { parseIpvsadmLnc } from '../../src/lab/kernel-truth.js';
import type { KernelTruth } from '../../src/lab/kernel-truth.js';
import type { Summary } from '../../src/model/index.js';
import { renderIpvsadmConns, renderIpvsadmList, renderIpvsadmStats } from '../../src/present/ipvsadm-view.js';

/** -Lnc rows without the expire column, sorted (the kernel lists its hash table's order). */
export function connRows(text: string): string[] {
  return parseIpvsadmLnc(text).map((c) => `${c.protocol} ${c.state} ${c.client} ${c.virtual} ${c.realServer}`).sort();
}

/**
 * `-Ln` and `--stats` character for character and `-Lnc` entry for entry. Where the capture cannot
 * tell the scheduler, lvscope prints a guess in its column (`rr?`, or `?`): allowed only if the
 * kernel's scheduler is among the tied candidates the report names. Weights are always inferred
 * (`~1`): the number must be the kernel's.
 */
export function expectKernelViews(summary: Summary, k: KernelTruth): void {
  let list = renderIpvsadmList(summary);
  const kernelSched = /^(TCP|UDP|SCTP|FWM)\s+\S+\s+(\S+)/m.exec(k.ipvsadmLn)?.[2];
  const svc = summary.services[0]?.report;
  if (kernelSched && svc && /^(TCP|UDP|SCTP|FWM)\s+\S+\s+\S*\?/m.test(list)) {
    expect(svc.scheduler.candidates.map((c) => c.name), 'the tied candidates include the kernel\'s scheduler').toContain(kernelSched);
    list = list.replace(/^((?:TCP|UDP|SCTP|FWM)\s+\S+\s+)\S*\?/m, `$1${kernelSched}`);
  }
  list = list.replace(/^(  -> \S+\s+\S+\s+)~(\d+)( *)/gm, (_m, head: string, w: string, pad: string) => `${head}${w} ${pad}`);
  expect(list).toBe(k.ipvsadmLn);
  expect(renderIpvsadmStats(summary)).toBe(k.ipvsadmLnStats);
  expect(connRows(renderIpvsadmConns(summary))).toEqual(connRows(k.ipvsadmLnc));
}
