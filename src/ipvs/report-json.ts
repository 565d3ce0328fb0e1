/**
 * The published JSON shape of a ClusterReport (schema/analyze-report.schema.json), written by
 * `analyze --format json`, `synth --truth` and `lab --truth` alike: an endpoint is always
 * `{ip, port}`, and the scheduler is `{name, status, candidates}` with `name` null unless one was
 * inferred. Here, below every stage that writes one, so that each writes the same.
 */
import type { ClusterReport, ConnectionReport, SchedulerReport, ServiceReport } from './report.js';

export interface Endpoint {
  readonly ip: string;
  readonly port: number;
}

export interface PublishedScheduler {
  /** The scheduler, when the capture's decisions single one out; null otherwise. */
  readonly name: string | null;
  readonly status: 'inferred' | 'ambiguous' | 'unknown';
  /** Schedulers that fit the decisions, best first. */
  readonly candidates: readonly string[];
  readonly confidence: number;
  /** How well each candidate fits (1 = every decision), with the weights it needed. */
  readonly scores: readonly { readonly name: string; readonly score: number; readonly weights?: Readonly<Record<string, number>>; readonly flags?: readonly string[] }[];
}

/** "ip:port" or "[v6]:port" (as the model and ipvsadm write them) as {ip, port}. */
export function splitEndpoint(text: string): Endpoint {
  const i = text.lastIndexOf(':');
  // A leading '[' and a trailing ']' each go (an IPv6 address's brackets); no regex: this runs for
  // every connection of the report.
  const from = text.charCodeAt(0) === 0x5b ? 1 : 0;
  const to = i > from && text.charCodeAt(i - 1) === 0x5d ? i - 1 : i;
  return { ip: text.slice(from, Math.max(from, to)), port: Number(text.slice(i + 1)) };
}

/** A virtual service's "ip:port"; a VIP the capture never shows ('?') has no port either. */
export function splitVirtual(text: string): Endpoint | { readonly ip: '?'; readonly port: null } {
  const e = splitEndpoint(text);
  return e.ip === '?' ? { ip: '?', port: null } : e;
}

export function publishScheduler(s: SchedulerReport): PublishedScheduler {
  const status = s.name === 'ambiguous' || s.name === 'unknown' ? s.name : 'inferred';
  return {
    name: status === 'inferred' ? s.name : null,
    status,
    candidates: s.candidates.map((c) => c.name),
    confidence: s.confidence,
    scores: s.candidates,
  };
}

function publishService(s: ServiceReport): object {
  return { ...s, scheduler: publishScheduler(s.scheduler) };
}

export function publishConnection(c: ConnectionReport): object {
  return {
    protocol: c.protocol,
    client: splitEndpoint(c.client),
    virtual: splitVirtual(c.virtual),
    realServer: c.realServer === null ? null : splitEndpoint(c.realServer),
    firstFrame: c.firstFrame, lastFrame: c.lastFrame, state: c.state,
  };
}

/**
 * The `analyze --format json` document (schema/analyze-report.schema.json). `connections`: in
 * place of the report's own (which are then never read), what a writer that publishes them a
 * chunk at a time takes (see cli/json-lines.ts), so that a capture's hundreds of thousands of
 * them are never all built twice over and held at once.
 */
export function publishReport(r: ClusterReport, connections?: readonly unknown[]): object {
  return {
    capture: r.capture,
    hosts: r.hosts,
    services: r.services.map(publishService),
    connections: connections ?? r.connections.map(publishConnection),
    findings: r.findings,
    ...(r.directorPair !== undefined ? { directorPair: r.directorPair } : {}),
  };
}

