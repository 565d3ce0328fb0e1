/**
 * Balancers that pick the tunnel's outer source address per flow (a hash of the client, or an
 * address from a configured source network) show one outer source per connection. Read naively,
 * each source is one more director; it is one balancer whose outer sources vary per flow.
 *
 * The test: one balancer (one source MAC, or none in the capture) encapsulates with at least two
 * outer sources of one address family, and a new source appears at least every second
 * connection. Two directors of an HA pair have their own MACs, and each carries many
 * connections from one source.
 */
import { compareIp } from './packet.js';
import type { ServiceState } from './state.js';

/** Called for every tunnelled client packet; `newFlow` when it started a connection. */
export function noteOuterSource(svc: ServiceState, src: string, mac: string, newFlow: boolean): void {
  svc.outerSources.set(src, (svc.outerSources.get(src) ?? 0) + (newFlow ? 1 : 0));
  if (mac !== '' && svc.outerMacs.size < 4) svc.outerMacs.add(mac);
}

/**
 * The outer sources that vary per flow, over all services (a balancer serves several VIPs): each
 * such source → every source of its balancer and family, in address order.
 */
export function perFlowOuterSources(services: readonly ServiceState[]): ReadonlyMap<string, readonly string[]> {
  // balancer MAC ('' when unknown) and address family → source → connections
  const groups = new Map<string, Map<string, number>>();
  for (const s of services) {
    if (s.outerSources.size === 0 || s.outerMacs.size > 1) continue;
    const mac = [...s.outerMacs][0] ?? '';
    for (const [src, flows] of s.outerSources) {
      const key = `${mac}|${src.includes(':') ? 6 : 4}`;
      let g = groups.get(key);
      if (g === undefined) { g = new Map(); groups.set(key, g); }
      g.set(src, (g.get(src) ?? 0) + flows);
    }
  }
  const out = new Map<string, readonly string[]>();
  for (const g of groups.values()) {
    let flows = 0;
    for (const n of g.values()) flows += n;
    if (g.size < 2 || g.size * 2 < flows) continue;
    const all = [...g.keys()].sort(compareIp);
    for (const src of all) out.set(src, all);
  }
  return out;
}
