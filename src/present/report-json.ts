/**
 * The published JSON shapes (schema/*.schema.json): `analyze --format json`, `analyze --format
 * ndjson` and `synth --truth`. The model's report keeps its own working form; this is the one
 * place that turns it into what scripts read, so that every document says a fact the same way:
 * an endpoint is always `{ip, port}`, a time is always a decimal string with nine fractional digits,
 * and the scheduler is `{name, status, candidates}` with `name` null unless one was inferred.
 */
import { splitEndpoint, splitVirtual } from '../ipvs/report-json.js';
import type { ExplainedFrame } from '../annotate/index.js';
import { formatEpochNs } from './time.js';

export { connectionTextWriter, publishConnection, publishReport, publishScheduler, splitEndpoint, splitVirtual, type Endpoint, type PublishedScheduler } from '../ipvs/report-json.js';

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
