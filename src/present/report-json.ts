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
import { bytesOf, NUMBER_ROOM, putBytes, putNumber, type ByteSink } from './byte-sink.js';

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
 * Writes entries' published connections (publishConnection of their rows in report.connections)
 * as the elements of the document's `connections` array, exactly as `JSON.stringify(doc, null, 2)`
 * writes them there: each indented two levels, followed by ",\n", the last by "\n". Written
 * straight from the entries into the sink's bytes: a capture's hundreds of thousands of
 * connections would otherwise each make a row, four objects and their "ip:port" texts only to be
 * split again, stringified, joined and encoded. `serverOf`: the real server the report names for
 * an entry's (summarize's copy of it). Between the client's address and the three numbers, the
 * text depends only on the protocol, on the service and real server, and on the state: each such
 * run is encoded once and copied for every connection that has it.
 */
export function connectionRowsWriter<E extends ConnectionEntry>(
  serverOf: (rs: NonNullable<E['rs']>) => ConnectionEntry['rs'] = (rs) => rs,
): (list: readonly E[], out: ByteSink) => void {
  const rows = new ConnectionRows<E>(serverOf);
  return (list, out) => {
    for (let j = 0; j < list.length && !out.broken; j += BATCH) rows.write(list, j, Math.min(j + BATCH, list.length), out);
  };
}

/**
 * Rows a call: a loop over all of them, run once, is compiled only while it runs and, after one
 * deoptimization (a branch first taken late), runs uncompiled to the end; a function called for
 * every few hundred rows is compiled, and compiled again, for the calls that follow.
 */
const BATCH = 256;

/** What a client's endpoint starts with, by protocol: before the endpoint object, and into a plain address. */
interface Head { readonly other: Uint8Array; readonly plain: Uint8Array }

class ConnectionRows<E extends ConnectionEntry> {
  private readonly serverOf: (rs: NonNullable<E['rs']>) => ConnectionEntry['rs'];
  private readonly heads = new Map<string, Head>();
  private readonly middles = new Map<string, { readonly text: string; readonly byServer: Map<object | null, Uint8Array> }>();
  private readonly tails = new Map<string, Uint8Array>();
  // The last row's: consecutive entries mostly share all of them.
  private proto: string | null = null;
  private head: Head = { other: EMPTY, plain: EMPTY };
  private virtual: string | null = null;
  private virtualText = '';
  private byServer = new Map<object | null, Uint8Array>();
  private server: object | null | undefined = undefined;
  private middle = EMPTY;
  private state: string | null = null;
  private tail = EMPTY;

  constructor(serverOf: (rs: NonNullable<E['rs']>) => ConnectionEntry['rs']) {
    this.serverOf = serverOf;
  }

  /** Rows `from` to `to` (not included) of `list`. */
  write(list: readonly E[], from: number, to: number, out: ByteSink): void {
    const last = list.length - 1;
    for (let k = from; k < to; k++) {
      const c = list[k]!;
      if (c.proto !== this.proto) this.protocolIs(c.proto);
      if (c.virtual !== this.virtual) this.virtualIs(c.virtual);
      if (c.rs !== this.server) this.serverIs(c.rs);
      if (c.state !== this.state) this.stateIs(c.state);
      const { plain, other } = this.head;
      const middle = this.middle;
      const tail = this.tail;
      const fixed = plain.length + middle.length + tail.length + ROW_ROOM;
      const cip = c.cip;
      out.room(fixed + cip.length);
      let b = out.bytes;
      let at = putAddress(b, putBytes(b, out.at, plain), cip);
      if (at >= 0) {
        at = putBytes(b, at, PORT);
        at = putNumber(b, at, c.cport);
        at = putBytes(b, at, ENDPOINT_END);
      } else {
        // Written as the endpoint object of its "ip:port" (what is in the buffer past `out.at` is no row yet).
        const client = endpointText(c.client, false);
        out.room(fixed + 3 * client.length);
        b = out.bytes;
        at = putBytes(b, out.at, other);
        at += b.write(client, at);
      }
      at = putBytes(b, putNumber(b, putBytes(b, at, middle), c.firstN), LAST_FRAME);
      at = putBytes(b, putNumber(b, at, c.lastN), tail);
      if (k < last) b[at++] = 0x2c;
      b[at++] = 0x0a;
      out.at = at;
    }
  }

  private protocolIs(p: string): void {
    let known = this.heads.get(p);
    if (known === undefined) {
      const text = `    {\n      "protocol": ${jsonString(p)},\n      "client": `;
      known = { other: bytesOf(text), plain: bytesOf(`${text}{\n        "ip": "`) };
      this.heads.set(p, known);
    }
    this.head = known;
    this.proto = p;
  }

  private virtualIs(v: string): void {
    let known = this.middles.get(v);
    if (known === undefined) { known = { text: endpointText(v, true), byServer: new Map() }; this.middles.set(v, known); }
    this.virtualText = known.text;
    this.byServer = known.byServer;
    this.virtual = v;
    this.server = undefined;
  }

  private serverIs(rs: E['rs']): void {
    let known = this.byServer.get(rs);
    if (known === undefined) {
      const to = rs === null ? null : this.serverOf(rs as NonNullable<E['rs']>);
      const serverText = to === null || to.ip === null ? 'null' : endpointText(ipPort(to.ip, to.port), false);
      known = bytesOf(`,\n      "virtual": ${this.virtualText},\n      "realServer": ${serverText},\n      "firstFrame": `);
      this.byServer.set(rs, known);
    }
    this.middle = known;
    this.server = rs;
  }

  private stateIs(st: string): void {
    let known = this.tails.get(st);
    if (known === undefined) { known = bytesOf(`,\n      "state": ${jsonString(st)}\n    }`); this.tails.set(st, known); }
    this.tail = known;
    this.state = st;
  }
}

const EMPTY: Uint8Array = new Uint8Array(0);
const PORT = bytesOf('",\n        "port": ');
const ENDPOINT_END = bytesOf('\n      }');
const LAST_FRAME = bytesOf(',\n      "lastFrame": ');
/** The constant pieces, three numbers and the separator, with room to spare. */
const ROW_ROOM = PORT.length + ENDPOINT_END.length + LAST_FRAME.length + 3 * NUMBER_ROOM + 2;

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
 * Copies an address that ipPort joins to its port and splitEndpoint splits back to itself (not '?',
 * a VIP the capture never shows, written '?:?'; nothing a split takes for brackets) and that needs
 * no JSON escapes, to `bytes` at `at`, checked as it goes; returns the offset after it, or -1 for
 * any other address.
 */
function putAddress(bytes: Uint8Array, at: number, ip: string): number {
  if (ip === '?' || ip.charCodeAt(0) === 0x5b || ip.charCodeAt(ip.length - 1) === 0x5d) return -1;
  for (let i = 0; i < ip.length; i++) {
    const ch = ip.charCodeAt(i);
    if (ch < 0x20 || ch > 0x7e || ch === 0x22 || ch === 0x5c) return -1;
    bytes[at++] = ch;
  }
  return at;
}
