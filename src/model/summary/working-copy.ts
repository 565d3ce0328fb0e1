/**
 * `summarize` resolves what the engine left open (a real server's address known only by MAC, the
 * director of a service nothing was forwarded for, the real servers a cooked capture hides). It
 * does so on its own copy of the services, real servers and connection entries, so the engine's
 * state stays as the frames left it and summarizing twice gives the same report.
 */
import type { DoneFlow } from '../done-flow.js';
import type { DoneFlowView, RsView, ServiceView } from '../snapshot.js';
import type { Decision, RsState, ServiceState } from '../state.js';

export interface WorkingCopy {
  /** The copy of each service, by the engine's. */
  readonly services: ReadonlyMap<ServiceView, ServiceState>;
  /** The copy of each real server (of every service), by the engine's. */
  readonly rs: ReadonlyMap<RsView, RsState>;
}

export function workingCopy(services: Iterable<ServiceView>): WorkingCopy {
  const rsOf = new Map<RsView, RsState>();
  const list = [...services];
  const rsCopy = (r: RsView): RsState => {
    let c = rsOf.get(r);
    if (c === undefined) { c = { ...r }; rsOf.set(r, c); }
    return c;
  };
  const svcOf = new Map<ServiceView, ServiceState>();
  for (const s of list) {
    const copy: ServiceState = {
      ...s,
      tunnelKinds: new Set(s.tunnelKinds), evidenceFrames: [...s.evidenceFrames], lips: new Set(s.lips),
      outerSources: new Map(s.outerSources), outerMacs: new Set(s.outerMacs),
      rs: s.rs.map(rsCopy), decisions: [],
    };
    // Up to MAX_DECISIONS per service, each with a snapshot of every real server, and only the
    // scheduler inference reads them (not for a service it is not run for): copied when first read.
    // Every real server they name is in some service's list, so already copied by then.
    let decisions: Decision[] | null = null;
    Object.defineProperty(copy, 'decisions', {
      enumerable: true,
      get: (): Decision[] => decisions ??= s.decisions.map((d) => ({
        ...d, snap: d.snap.map((x) => ({ rs: rsCopy(x.rs), a: x.a, i: x.i })), chosen: d.chosen === null ? null : rsCopy(d.chosen),
      })),
    });
    svcOf.set(s, copy);
  }
  return { services: svcOf, rs: rsOf };
}

/** A finished connection entry seen through the working copy (its service and real server are the copies). */
export class CopiedFlow implements DoneFlow {
  private readonly base: DoneFlowView;
  readonly svc: ServiceState;
  readonly rs: RsState | null;

  constructor(base: DoneFlowView, svc: ServiceState, rs: RsState | null) {
    this.base = base;
    this.svc = svc;
    this.rs = rs;
  }

  get index(): number { return this.base.index; }
  get proto(): 'tcp' | 'udp' { return this.base.proto; }
  get client(): string { return this.base.client; }
  get cip(): string { return this.base.cip; }
  get cport(): number { return this.base.cport; }
  get virtual(): string { return this.base.virtual; }
  get firstN(): number { return this.base.firstN; }
  get lastN(): number { return this.base.lastN; }
  get firstT(): number { return this.base.firstT; }
  get lastT(): number { return this.base.lastT; }
  get state(): string { return this.base.state; }
  get expiresAt(): number | null { return this.base.expiresAt; }
  get handshake(): number { return this.base.handshake; }
}
