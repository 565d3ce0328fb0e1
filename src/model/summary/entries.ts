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
 * One pass: an entry's service is looked up in the working copy, the clients gathered on the way.
 * Entries finish nearly in index order; when they did not, the kept ones are put in it (and their
 * clients gathered in that order). Nothing is made per entry: most readers (the JSON writer, the
 * SYN-flood rule) want only what the engine's entry says.
 */
export function reportedEntries(
  done: readonly DoneFlowView[], reported: ReadonlyMap<ServiceView, ServiceState | null>, rsCopies: ReadonlyMap<RsView, RsState>,
): ReportedEntries {
  let entries: DoneFlowView[] = [];
  const clients = new Set<string>();
  const anyClients = new Set<string>();
  let sorted = true;
  let lastIndex = -Infinity;
  // Consecutive entries mostly share a service: one lookup for a run of them.
  let view: ServiceView | null = null;
  let svc: ServiceState | null | undefined;
  for (let i = 0; i < done.length; i++) {
    const d = done[i]!;
    if (d.index < lastIndex) sorted = false;
    lastIndex = d.index;
    anyClients.add(d.cip);
    if (d.svc !== view) { view = d.svc; svc = reported.get(view); }
    if (svc === undefined || svc === null) continue;
    entries.push(d);
    if (sorted) clients.add(d.cip);
  }
  if (!sorted) {
    entries = inIndexOrder(entries);
    clients.clear();
    for (let i = 0; i < entries.length; i++) clients.add(entries[i]!.cip);
  }
  let copies: DoneFlow[] | null = null;
  const copy = (d: DoneFlowView): DoneFlow => new CopiedFlow(d, reported.get(d.svc)!, d.rs === null ? null : rsCopies.get(d.rs) ?? null);
  return { entries, copies: () => copies ??= entries.map(copy), clients, anyClients };
}

/**
 * The entries as a stable sort by index orders them. Indexes are the entries' creation numbers
 * (distinct, from 1 up, a few missing): each is put in its place, with no sort and its ~20
 * comparisons an entry; anything else is sorted.
 */
function inIndexOrder<T extends { readonly index: number }>(list: readonly T[]): T[] {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < list.length; i++) {
    const x = list[i]!.index;
    if (x < min) min = x;
    if (x > max) max = x;
  }
  const sort = (): T[] => [...list].sort((a, b) => a.index - b.index);
  if (!Number.isSafeInteger(min) || !Number.isSafeInteger(max) || max - min >= 2 * list.length + 1024) return sort();
  const places = new Array<T | undefined>(max - min + 1).fill(undefined);
  for (let i = 0; i < list.length; i++) {
    const c = list[i]!;
    const at = c.index - min;
    // Two entries with one index (or one that is not a whole number): a stable sort says which goes first.
    if (!Number.isInteger(at) || places[at] !== undefined) return sort();
    places[at] = c;
  }
  const out: T[] = [];
  for (let i = 0; i < places.length; i++) if (places[i] !== undefined) out.push(places[i]!);
  return out;
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
