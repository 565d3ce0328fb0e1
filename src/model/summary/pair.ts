/**
 * The director pair's part of the summary: its section and findings, its routers (and a backup
 * seen only by its health checks) as directors, and the health checks taken out of the services.
 */
import type { DirectorPairReport } from '../../ipvs/director-pair.js';
import type { FindingBook } from '../finding-book.js';
import { pairReport, routerMacsOf } from '../ha/report.js';
import type { EngineSnapshot } from '../snapshot.js';
import type { ServiceState } from '../state.js';

/** Both routers of a VRRP pair are directors, the one that never forwarded in this capture too. */
export function pairDirectors(engine: EngineSnapshot, macs: Set<string> | null, ips: Set<string> | null): void {
  if (!engine.ha.active) return;
  for (const r of engine.ha.vrrp.routers.values()) { macs?.add(r.mac); ips?.add(r.ip); }
  if (ips !== null) for (const c of engine.ha.health.series.values()) ips.add(c.dip);
}

/**
 * The section and its findings. Gratuitous ARPs of a pair's routers for their VIP are takeovers,
 * not vip-arp-flapping (unless they split-brained); a router whose own stack answered from the VIP
 * (the RSTs of a failover without sync) asked ARP from the VIP for those replies: not a primary VIP.
 */
export function summarizePair(engine: EngineSnapshot, names: ReadonlyMap<string, string>, book: FindingBook): DirectorPairReport | null {
  if (!engine.ha.active) return null;
  const pair = pairReport(engine.ha, names, (code, subject, frames, params) => book.addFrames(code, subject, frames, params));
  const routers = routerMacsOf(pair);
  for (const [key, f] of book.findings) {
    if (f.code === 'vip-arp-flapping' && (f.params as { macs: readonly string[] }).macs.every((m) => routers.has(m))) book.findings.delete(key);
    // Its RSTs may not pass this capture point: any router's reset seen is enough.
    if (f.code === 'vip-primary-on-director' && engine.ha.resetMacs.size > 0 && routers.has(key.slice(key.lastIndexOf('|') + 1))) book.findings.delete(key);
  }
  return pair;
}

/**
 * Health checks a director sent before the first VRRP advert told the model what they were look
 * like a service of their own (the DIP as client, a real server as its "VIP"): not a service.
 */
export function withoutHealthChecks<S extends Pick<ServiceState, 'key'>>(engine: EngineSnapshot, chosen: S[]): S[] {
  if (!engine.ha.active) return chosen;
  const checkers = new Set([...engine.ha.health.series.values()].map((c) => c.dip));
  if (checkers.size === 0) return chosen;
  const clientsOf = new Map<string, Set<string>>();
  for (const d of engine.done) {
    let c = clientsOf.get(d.svc.key);
    if (c === undefined) { c = new Set(); clientsOf.set(d.svc.key, c); }
    c.add(d.cip);
  }
  return chosen.filter((s) => {
    const c = clientsOf.get(s.key);
    return c === undefined || ![...c].every((ip) => checkers.has(ip));
  });
}
