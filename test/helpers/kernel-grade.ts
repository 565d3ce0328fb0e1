/**
 * What every real-kernel grade checks at one capture point (test/model/kernel-vantage and
 * kernel-scenarios): the service's method, protocol and VIP, its real servers and each
 * connection's as the kernel chose, and the scheduler: the kernel's named, or an honest
 * `ambiguous` whose top-scoring tie includes it, or `unknown` where the grade expects it.
 */
import { expect, it } from 'vitest';
import type { Summary } from '../../src/model/index.js';

type Scheduler = Summary['report']['services'][number]['scheduler'];

/** The kernel's side of a lab run (its truth file's `lab`). */
export interface KernelLab {
  readonly scheduler: string;
  readonly vip: string;
  readonly vport: number;
  readonly realServers: readonly { readonly ip: string; readonly port: number }[];
  readonly requests: readonly { readonly client: string; readonly realServer: string | null }[];
}

/** What one capture point must show. */
export interface PointGrade {
  readonly method: string;
  readonly protocol?: 'tcp' | 'udp';
  /** The VIP:port the report must give ('?' where the view never shows it). */
  readonly vip: 'truth' | '?';
  /** Real servers the view shows (all: every one of the truth's). */
  readonly rs: 'all' | readonly string[];
  /** Connections whose real server the view shows, each as the kernel chose. */
  readonly conns: 'all' | number;
  /** 'decided-or-tied': the kernel's scheduler, or tied candidates including it; 'unknown'. */
  readonly scheduler: 'decided-or-tied' | 'unknown';
}

export function expectKernelScheduler(sc: Scheduler, kernel: string, want: 'decided-or-tied' | 'unknown'): void {
  if (want === 'unknown') { expect(sc.name).toBe('unknown'); return; }
  const top = sc.candidates[0]?.score ?? 0;
  const tied = sc.candidates.filter((c) => c.score >= top - 1e-9).map((c) => c.name);
  if (sc.name === 'ambiguous') expect(tied).toContain(kernel);
  else expect(sc.name).toBe(kernel);
}

/** IPv6 endpoints without their brackets, so the report's and the truth's compare. */
const plain = (endpoint: string | null): string | null => endpoint?.replace(/[[\]]/g, '') ?? null;

/** The three tests of one capture point, inside the caller's describe. */
export function gradeKernelPoint(s: Summary, truth: KernelLab, want: PointGrade): void {
  const svc = s.report.services[0]!;

  it(`method ${want.method}, VIP ${want.vip}`, () => {
    expect(s.report.services).toHaveLength(1);
    expect(svc.method).toBe(want.method);
    expect(svc.protocol).toBe(want.protocol ?? 'tcp');
    if (want.vip === 'truth') expect([svc.vip, svc.port]).toEqual([truth.vip, truth.vport]);
    else expect(svc.vip).toBe('?');
  });

  it('real servers, and each connection\'s as the kernel chose', () => {
    const rs = svc.realServers.map((r) => `${r.ip}:${r.port}`).sort();
    expect(rs).toEqual(want.rs === 'all' ? truth.realServers.map((r) => `${r.ip}:${r.port}`).sort() : want.rs);
    const kernel = new Map(truth.requests.map((r) => [plain(r.client), plain(r.realServer)]));
    const shown = s.report.connections.filter((c) => c.realServer !== null);
    expect(shown).toHaveLength(want.conns === 'all' ? kernel.size : want.conns);
    for (const c of shown) expect([plain(c.client), plain(c.realServer)]).toEqual([plain(c.client), kernel.get(plain(c.client))]);
  });

  it(`scheduler: ${want.scheduler}`, () => {
    expectKernelScheduler(svc.scheduler, truth.scheduler, want.scheduler);
  });
}
