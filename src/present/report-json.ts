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
 * stringified once. `serverOf`: the real server the report names for an entry's (summarize's copy
 * of it). Between the client's address and the three numbers, the text depends only on
 * the protocol, on the service and real server, and on the state: each such run is made once, so
 * that a connection is nine pieces (less for the collector, and for the copy write(2) needs).
 */
export function connectionEntryWriter<E extends ConnectionEntry>(
  serverOf: (rs: NonNullable<E['rs']>) => ConnectionEntry['rs'] = (rs) => rs,
): (c: E) => string {
  const heads = new Map<string, readonly [string, string]>();
  const middles = new Map<string, { readonly text: string; readonly byServer: Map<object | null, string> }>();
  const tails = new Map<string, string>();
  // Consecutive entries mostly share all three.
  let proto: string | null = null;
  let head = '';
  let headPlain = '';
  let virtual: string | null = null;
  let virtualText = '';
  let byServer = new Map<object | null, string>();
  let server: object | null | undefined;
  let middle = '';
  let state: string | null = null;
  let tail = '';
  return (c) => {
    const p = c.proto;
    if (p !== proto) {
      let known = heads.get(p);
      if (known === undefined) {
        const text = `    {\n      "protocol": ${jsonString(p)},\n      "client": `;
        known = [text, `${text}{\n        "ip": "`];
        heads.set(p, known);
      }
      [head, headPlain] = known;
      proto = p;
    }
    const v = c.virtual;
    if (v !== virtual) {
      let known = middles.get(v);
      if (known === undefined) { known = { text: endpointText(v, true), byServer: new Map() }; middles.set(v, known); }
      ({ text: virtualText, byServer } = known);
      virtual = v;
      server = undefined;
    }
    const rs = c.rs;
    if (rs !== server) {
      let known = byServer.get(rs);
      if (known === undefined) {
        const to = rs === null ? null : serverOf(rs as NonNullable<E['rs']>);
        const serverText = to === null || to.ip === null ? 'null' : endpointText(ipPort(to.ip, to.port), false);
        known = `,\n      "virtual": ${virtualText},\n      "realServer": ${serverText},\n      "firstFrame": `;
        byServer.set(rs, known);
      }
      middle = known;
      server = rs;
    }
    const st = c.state;
    if (st !== state) {
      let known = tails.get(st);
      if (known === undefined) { known = `,\n      "state": ${jsonString(st)}\n    }`; tails.set(st, known); }
      tail = known;
      state = st;
    }
    const cip = c.cip;
    // "ip:port" made and split again gives back the address, save for the few a split would not.
    if (plainAddress(cip)) {
      return `${headPlain}${cip}",\n        "port": ${jsonNumber(c.cport)}\n      }${middle}${jsonNumber(c.firstN)},\n      "lastFrame": ${jsonNumber(c.lastN)}${tail}`;
    }
    return `${head}${endpointText(c.client, false)}${middle}${jsonNumber(c.firstN)},\n      "lastFrame": ${jsonNumber(c.lastN)}${tail}`;
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
