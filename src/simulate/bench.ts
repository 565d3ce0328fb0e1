/**
 * The benchmark hook for `npm run bench`: synthesize `count` frames of a busy DR cluster (many
 * clients, keep-alive requests) as classic pcap into a memory sink, and time it.
 */
import type { ByteSink } from '../capture/index.js';
import { preset } from './presets.js';
import { synthesize } from './synth.js';
import type { Scenario } from './scenario.js';

export interface BenchResult {
  readonly packets: number;
  readonly seconds: number;
  readonly packetsPerSecond: number;
  readonly bytes: number;
  /** Connections written by stamping. */
  readonly stamped: number;
}

/** A sink that only counts (like /dev/null), so the figure measures synthesis, not storage. */
function countingSink(): ByteSink & { bytes: number } {
  return { bytes: 0, write(b: Uint8Array) { this.bytes += b.length; }, close() {} };
}

/**
 * `fast` (default true) stamps connections once the full simulation has templates for them
 * (see stamp.ts); false runs every packet through the full model.
 */
export function synthesizePackets(count: number, opts: { seed?: number; sink?: ByteSink; comments?: boolean; scenario?: Scenario; fast?: boolean } = {}): BenchResult {
  const base = opts.scenario ?? preset('dr', { realServers: 8, clients: 50 });
  const sc: Scenario = {
    ...base,
    name: `${base.name}-bench`,
    workload: { ...base.workload, connections: Infinity, intervalMs: 2, arrivals: 'poisson', requestsPerConnection: 3, thinkMs: 50, close: 'client' },
  };
  const counting = countingSink();
  // A given sink is counted on the way through (the fast path hands it 1 MiB chunks).
  const given = opts.sink;
  const sink: ByteSink = given === undefined ? counting : { write(b) { counting.bytes += b.length; given.write(b); }, close() { given.close(); } };
  const t0 = process.hrtime.bigint();
  const r = synthesize(sc, sink, { seed: opts.seed ?? 1, format: opts.comments === true ? 'pcapng' : 'pcap', comments: opts.comments === true, maxFrames: count, fast: opts.fast !== false });
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  return { packets: r.frames, seconds, packetsPerSecond: r.frames / seconds, bytes: counting.bytes, stamped: r.stamped };
}
