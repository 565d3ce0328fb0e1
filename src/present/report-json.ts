/**
 * The published JSON shapes (schema/*.schema.json): `analyze --format json`, `analyze --format
 * ndjson` and `synth --truth`. The model's report keeps its own working form; this is the one
 * place that turns it into what scripts read, so that every document says a fact the same way:
 * an endpoint is always `{ip, port}`, a time is always a decimal string with nine fractional digits,
 * and the scheduler is `{name, status, candidates}` with `name` null unless one was inferred.
 */
import { splitEndpoint, splitVirtual } from '../ipvs/report-json.js';
import type { ExplainedFrame } from '../annotate/index.js';
import { ipPort, type DoneFlow } from '../model/index.js';
import { formatEpochNs } from './time.js';

export { publishConnection, publishReport, publishScheduler, splitEndpoint, splitVirtual, type Endpoint, type PublishedScheduler } from '../ipvs/report-json.js';

/** One `analyze --format ndjson` line (schema/analyze-frame.schema.json). */
export function ndjsonLine(e: ExplainedFrame): string {
  const f = e.facts;
  const fl = f.flow;
  return JSON.stringify({
    n: f.n, time: formatEpochNs(e.frame.tsSec, e.frame.tsNsec), srcRole: f.srcRole, dstRole: f.dstRole, src: f.src, dst: f.dst,
    step: f.step, summary: f.summary, explanation: e.explanation.text,
    ...(fl !== null
      ? {
        connection: fl.connIndex, state: fl.state,
        client: splitEndpoint(fl.client), virtual: splitVirtual(fl.virtual),
        realServer: fl.realServer === null ? null : splitEndpoint(fl.realServer),
      }
      : {}),
  });
}

/** What the connection writer reads of a finished entry (a DoneFlow: `client` is ipPort(cip, cport)). */
export type ConnectionEntry = Pick<DoneFlow, 'proto' | 'cip' | 'cport' | 'client' | 'virtual' | 'firstN' | 'lastN' | 'state'> & {
  readonly rs: { readonly ip: string | null; readonly port: number } | null;
};

/**
 * `JSON.stringify` of an entry's published connection (publishConnection of its row in
 * report.connections) as an element of the document's `connections` array, indented two levels,
 * written straight from the entry: a capture's hundreds of thousands of connections would
 * otherwise each make a row, four objects and their "ip:port" texts only to be split again and
 * stringified once. The texts of a service's VIP, a real server and a state repeat in every
 * connection and are made once each.
 */
export function connectionEntryWriter(): (c: ConnectionEntry) => string {
  const virtuals = new Map<string, string>();
  const servers = new Map<object, string>();
  const words = new Map<string, string>();
  // Consecutive entries mostly share a service and a real server.
  let virtual: string | null = null;
  let virtualText = '';
  let server: object | null = null;
  let serverText = 'null';
  const word = (w: string): string => {
    let text = words.get(w);
    if (text === undefined) { text = jsonString(w); words.set(w, text); }
    return text;
  };
  return (c) => {
    const v = c.virtual;
    if (v !== virtual) {
      const known = virtuals.get(v);
      virtualText = known ?? endpointText(v, true);
      if (known === undefined) virtuals.set(v, virtualText);
      virtual = v;
    }
    const rs = c.rs;
    if (rs !== server) {
      server = rs;
      const known = rs === null ? 'null' : servers.get(rs);
      serverText = known ?? (rs!.ip === null ? 'null' : endpointText(ipPort(rs!.ip, rs!.port), false));
      if (known === undefined) servers.set(rs!, serverText);
    }
    const cip = c.cip;
    // "ip:port" made and split again gives back the address, save for the few a split would not.
    const client = plainAddress(cip)
      ? `{\n        "ip": "${cip}",\n        "port": ${jsonNumber(c.cport)}\n      }`
      : endpointText(c.client, false);
    return `    {\n      "protocol": ${word(c.proto)},\n      "client": ${client},\n      "virtual": ${virtualText},\n      "realServer": ${serverText},\n`
      + `      "firstFrame": ${jsonNumber(c.firstN)},\n      "lastFrame": ${jsonNumber(c.lastN)},\n      "state": ${word(c.state)}\n    }`;
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
  return plain(s) ? `"${s}"` : JSON.stringify(s);
}

/** Printable ASCII that JSON writes as it is. */
function plain(s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const ch = s.charCodeAt(i);
    if (ch < 0x20 || ch > 0x7e || ch === 0x22 || ch === 0x5c) return false;
  }
  return true;
}

/**
 * An address that ipPort joins to its port and splitEndpoint splits back to itself (not '?', a VIP
 * the capture never shows, written '?:?'; nothing a split takes for brackets), needing no JSON escapes.
 */
function plainAddress(ip: string): boolean {
  return ip !== '?' && ip.charCodeAt(0) !== 0x5b && ip.charCodeAt(ip.length - 1) !== 0x5d && plain(ip);
}
