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
 * `JSON.stringify` of publishConnection(c) as an element of the document's `connections` array
 * (indented two levels), written straight from the report's "ip:port" texts: a capture's hundreds
 * of thousands of connections would otherwise each make four objects and their strings only to be
 * stringified once. The endpoint texts of services and real servers repeat in every connection and
 * are made once each. Anything of an unexpected shape goes through JSON.stringify itself.
 */
export function connectionTextWriter(): (c: ConnectionReport) => string {
  const endpoints = new Map<string, string>();
  const shared = (text: string, virtual: boolean): string => {
    let json = endpoints.get(text);
    if (json === undefined) {
      if (endpoints.size >= 4096) endpoints.clear();
      json = endpointText(text, virtual);
      endpoints.set(text, json);
    }
    return json;
  };
  return (c) => {
    if (typeof c.protocol !== 'string' || typeof c.client !== 'string' || typeof c.virtual !== 'string' || typeof c.state !== 'string'
      || (c.realServer !== null && typeof c.realServer !== 'string') || typeof c.firstFrame !== 'number' || typeof c.lastFrame !== 'number') {
      // Two levels down, JSON.stringify indents every line of an element by four more spaces.
      return `    ${JSON.stringify(publishConnection(c), null, 2).replace(/\n/g, '\n    ')}`;
    }
    return `    {\n      "protocol": ${jsonString(c.protocol)},\n      "client": ${endpointText(c.client, false)},\n      "virtual": ${shared(c.virtual, true)},\n`
      + `      "realServer": ${c.realServer === null ? 'null' : shared(c.realServer, false)},\n      "firstFrame": ${jsonNumber(c.firstFrame)},\n`
      + `      "lastFrame": ${jsonNumber(c.lastFrame)},\n      "state": ${jsonString(c.state)}\n    }`;
  };
}

/** An endpoint object as JSON.stringify(…, null, 2) writes it as a connection's member. */
function endpointText(text: string, virtual: boolean): string {
  const e = virtual ? splitVirtual(text) : splitEndpoint(text);
  return `{\n        "ip": ${jsonString(e.ip)},\n        "port": ${e.port === null ? 'null' : jsonNumber(e.port)}\n      }`;
}

function jsonNumber(n: number): string {
  return Number.isFinite(n) ? String(n) : 'null';
}

/** JSON.stringify(s), without its call for the plain ASCII of addresses and state names. */
function jsonString(s: string): string {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 0x20 || ch > 0x7e || ch === 0x22 || ch === 0x5c) return JSON.stringify(s);
  }
  return `"${s}"`;
}

/**
 * The `analyze --format json` document (schema/analyze-report.schema.json). `deferConnections`:
 * the connections stay as the report has them, for a writer that publishes them a chunk at a
 * time (publishConnection, see cli/json-lines.ts), so that a capture's hundreds of thousands of
 * them are never all built twice over and held at once.
 */
export function publishReport(r: ClusterReport, deferConnections = false): object {
  return {
    capture: r.capture,
    hosts: r.hosts,
    services: r.services.map(publishService),
    connections: deferConnections ? r.connections : r.connections.map(publishConnection),
    findings: r.findings,
    ...(r.directorPair !== undefined ? { directorPair: r.directorPair } : {}),
  };
}

