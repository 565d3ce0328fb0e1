/**
 * The finished connection entries a report lists (a capture's tens or hundreds of thousands):
 * gathered in one pass over the engine's, and turned into the report's rows only when something
 * reads them (`analyze --format json` writes its connections straight from the entries).
 */
import type { ClusterReport, ConnectionReport } from '../../ipvs/report.js';
import type { DoneFlow } from '../done-flow.js';
import { ipPort } from '../packet.js';
import type { DoneFlowView, RsView, ServiceView } from '../snapshot.js';
import type { RsState, ServiceState } from '../state.js';
import { CopiedFlow } from './working-copy.js';

export interface ReportedEntries {
  /** The entries of reported services, seen through the working copy, by index (as a stable sort orders them). */
  readonly conns: readonly DoneFlow[];
  /** Their clients, in that order. */
  readonly clients: Set<string>;
  /** The client of every finished entry, reported or not. */
  readonly anyClients: ReadonlySet<string>;
}

/**
 * One pass: an entry's service and real server are looked up in the working copy, the clients
 * gathered on the way. Entries finish nearly in index order; only when they did not are the
 * kept ones sorted (and their clients gathered again, in that order).
 */
export function reportedEntries(
  done: readonly DoneFlowView[], reported: ReadonlyMap<ServiceView, ServiceState | null>, rsCopies: ReadonlyMap<RsView, RsState>,
): ReportedEntries {
  const conns: DoneFlow[] = [];
  const clients = new Set<string>();
  const anyClients = new Set<string>();
  let sorted = true;
  let lastIndex = -Infinity;
  // Consecutive entries mostly share a service and a real server: one lookup for a run of them.
  let view: ServiceView | null = null;
  let svc: ServiceState | null | undefined;
  let rsView: RsView | null = null;
  let rs: RsState | null = null;
  for (let i = 0; i < done.length; i++) {
    const d = done[i]!;
    if (d.index < lastIndex) sorted = false;
    lastIndex = d.index;
    anyClients.add(d.cip);
    if (d.svc !== view) { view = d.svc; svc = reported.get(view); }
    if (svc === undefined || svc === null) continue;
    if (d.rs !== rsView) { rsView = d.rs; rs = rsView === null ? null : rsCopies.get(rsView) ?? null; }
    conns.push(new CopiedFlow(d, svc, rs));
    clients.add(d.cip);
  }
  if (!sorted) {
    conns.sort((a, b) => a.index - b.index);
    clients.clear();
    for (const c of conns) clients.add(c.cip);
  }
  return { conns, clients, anyClients };
}

/** The report's connection rows; one "ip:port" text per real server, shared by its connections. */
export function connectionRows(conns: readonly DoneFlow[]): ConnectionReport[] {
  const rsText = new Map<RsState, string>();
  return conns.map((c) => {
    const rs = c.rs;
    let realServer: string | null = null;
    if (rs !== null && rs.ip !== null) {
      realServer = rsText.get(rs) ?? null;
      if (realServer === null) { realServer = ipPort(rs.ip, rs.port); rsText.set(rs, realServer); }
    }
    return { protocol: c.proto, client: c.client, virtual: c.virtual, realServer, firstFrame: c.firstN, lastFrame: c.lastN, state: c.state };
  });
}

/**
 * `{ ...r, ...members }`, except that the report's connections, listed only when first read, stay
 * so: a copy made on the way to `analyze --format json` must not list them.
 */
export function reportWith(r: ClusterReport, members: Partial<ClusterReport>): ClusterReport {
  return Object.defineProperties({}, { ...Object.getOwnPropertyDescriptors(r), ...Object.getOwnPropertyDescriptors(members) }) as ClusterReport;
}
