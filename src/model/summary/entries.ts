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
  /** The entries of reported services as the engine holds them, by index (as a stable sort orders them). */
  readonly entries: readonly DoneFlowView[];
  /** The same entries seen through the working copy (their service and real server the copies), made when first asked. */
  readonly copies: () => readonly DoneFlow[];
  /** Their clients, in that order. */
  readonly clients: Set<string>;
  /** The client of every finished entry, reported or not. */
  readonly anyClients: ReadonlySet<string>;
}

/**
 * The entries of reported services, in index order, and their clients in that order. Entries
 * finish nearly in index order (those that expired during the capture, then the rest at its end,
 * each in creation order): a few sorted runs, which a stable sort (TimSort) merges in about one
 * comparison an entry. Nothing is made per entry: most readers (the JSON writer, the SYN-flood
 * rule) want only what the engine's entry says. Each loop here runs once over tens of thousands
 * of entries, mostly before the compiler has got to it: as few and as plain as can be.
 */
export function reportedEntries(
  done: readonly DoneFlowView[], reported: ReadonlyMap<ServiceView, ServiceState | null>, rsCopies: ReadonlyMap<RsView, RsState>,
): ReportedEntries {
  let sorted = true;
  let kept = 0;
  // Consecutive entries mostly share a service: one lookup for a run of them.
  let view: ServiceView | null = null;
  let svc: ServiceState | null | undefined;
  for (let i = 0; i < done.length; i++) {
    const d = done[i]!;
    if (i > 0 && d.index < done[i - 1]!.index) sorted = false;
    if (d.svc !== view) { view = d.svc; svc = reported.get(view); }
    if (svc !== undefined && svc !== null) kept++;
  }
  let entries: DoneFlowView[];
  // Clients of entries not reported: with the reported ones', every client of a finished entry.
  let others: Set<string> | null = null;
  if (kept === done.length) {
    entries = done.slice();
  } else {
    entries = [];
    view = null;
    for (let i = 0; i < done.length; i++) {
      const d = done[i]!;
      if (d.svc !== view) { view = d.svc; svc = reported.get(view); }
      if (svc !== undefined && svc !== null) entries.push(d);
      else (others ??= new Set()).add(d.cip);
    }
  }
  // Stable, as the report has always listed them (two entries with one index keep their order).
  if (!sorted) entries.sort(byIndex);
  const clients = new Set<string>();
  for (let i = 0; i < entries.length; i++) clients.add(entries[i]!.cip);
  const anyClients = others === null ? clients : new Set([...clients, ...others]);
  let copies: DoneFlow[] | null = null;
  const copy = (d: DoneFlowView): DoneFlow => new CopiedFlow(d, reported.get(d.svc)!, d.rs === null ? null : rsCopies.get(d.rs) ?? null);
  return { entries, copies: () => copies ??= entries.map(copy), clients, anyClients };
}

function byIndex(a: { readonly index: number }, b: { readonly index: number }): number {
  return a.index - b.index;
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
