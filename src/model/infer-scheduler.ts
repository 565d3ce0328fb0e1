/**
 * Scheduler inference: replay the observed scheduling decisions, with the active/inactive counts
 * the model reconstructed at each decision, through every kernel scheduler (src/ipvs), searching
 * list orders and weights, and rank them by the share of decisions each reproduces.
 *
 * Honesty rules (the evidence bar, SCHEDULER_BAR): a scheduler is named only when it alone
 * reproduces at least 90% of at least 4 observed decisions. When several reproduce that well, or
 * the best one does from fewer decisions, the answer is 'ambiguous'; when none reproduces 90%, or
 * fewer than 2 decisions were seen, it is 'unknown'. Candidates stay ranked either way (simplest
 * explanation first). twos draws at random, so no replay reproduces it: it is a candidate, never
 * a claim.
 */
import { createDestination, type Destination } from '../ipvs/destination.js';
import { gcd } from '../ipvs/hash.js';
import type { SchedulerCandidate, SchedulerName, SchedulerReport } from '../ipvs/report.js';
import { ALL_SCHEDULERS, createScheduler, seededRandomU32 } from '../ipvs/schedulers/index.js';

/** The packet a scheduler decided on: when, and who asked what. */
export interface ScheduledPacket {
  readonly t: number;
  readonly saddr: string;
  readonly sport: number;
  readonly daddr: string;
  readonly dport: number;
  readonly proto: 'tcp' | 'udp';
}

/** One decision as the inference needs it: who asked, who got it, and the counters before. */
export interface ObservedDecision extends ScheduledPacket {
  /** Index into the server list. */
  readonly chosen: number;
  /** Active/inactive per server index, before the decision. */
  readonly active: readonly number[];
  readonly inactive: readonly number[];
}

export interface InferenceInput {
  /** Server identities (RIP, or a MAC when the RIP is unknown), by index. */
  readonly servers: readonly string[];
  /** Real-server ports by index (mh hashes address and port); 0 when absent. */
  readonly ports?: readonly number[];
  readonly decisions: readonly ObservedDecision[];
}

/** The evidence a named scheduler needs: its share of the decisions it reproduces, and how many. */
export const SCHEDULER_BAR = { share: 0.9, decisions: 4 } as const;

/** Simplest explanation first: used to order ties. */
const OCCAM: readonly SchedulerName[] = ['rr', 'wrr', 'lc', 'wlc', 'sed', 'nq', 'fo', 'ovf', 'sh', 'dh', 'mh', 'lblc', 'lblcr', 'twos'];
const WEIGHTED = new Set<SchedulerName>(['wrr', 'wlc', 'sed', 'nq', 'fo', 'ovf', 'sh', 'mh', 'lblc', 'lblcr']);
/** Decisions replayed while searching orders and weights; the winner is then scored on all. */
const SEARCH_LIMIT = 300;

/**
 * skip: picks made before the capture starts (wrr's place in its cycle; see wrrPhases).
 * port: the hash schedulers' port flag (sh-port, mh-port), which adds the client's port to the hash.
 */
interface Config { order: number[]; weights: number[]; skip?: number; port?: boolean }

/** sh and mh hash the client address, or with their port flag address and port: both are tried. */
const PORT_FLAG: Partial<Record<SchedulerName, 'sh-port' | 'mh-port'>> = { sh: 'sh-port', mh: 'mh-port' };

export function inferScheduler(input: InferenceInput): SchedulerReport {
  const n = input.servers.length;
  const ds = input.decisions;
  if (n === 0 || ds.length === 0) return { name: 'unknown', confidence: 0, candidates: [] };
  const orders = candidateOrders(n, ds);
  const weightSets = candidateWeights(n, ds);
  const search = ds.slice(0, SEARCH_LIMIT);
  const results: { name: SchedulerName; score: number; cfg: Config }[] = [];
  for (const name of ALL_SCHEDULERS) {
    let best: { score: number; cfg: Config } | null = null;
    const ws = WEIGHTED.has(name) ? weightSets : [weightSets[0]!];
    // The plain hash first: with equal scores the flag is not claimed.
    const ports = PORT_FLAG[name] !== undefined ? [false, true] : [false];
    // With the port every connection is a fresh draw: fitted weights would explain any few
    // decisions, so the port variant keeps the weights equal.
    outer: for (const port of ports) for (const weights of port ? [weightSets[0]!] : ws) {
      for (const order of orders) {
        for (let skip = 0; skip < (name === 'wrr' ? wrrPhases(weights, search.length) : 1); skip++) {
          const cfg = { order, weights, skip, port };
          const s: number = name === 'twos' ? twosConsistency(search, weights) : replay(name, input, search, cfg, best?.score ?? -1);
          if (best === null || s > best.score) best = { score: s, cfg };
          if (s === 1) break outer;
        }
      }
    }
    if (best === null) continue;
    const full = ds.length > search.length && name !== 'twos' ? replay(name, input, ds, best.cfg) : best.score;
    results.push({ name, score: name === 'twos' ? full * 0.6 : full, cfg: best.cfg });
  }
  results.sort((a, b) => b.score - a.score || OCCAM.indexOf(a.name) - OCCAM.indexOf(b.name));
  const candidates: SchedulerCandidate[] = results.map((r) => {
    const c: { name: SchedulerName; score: number; weights?: Record<string, number>; flags?: ('sh-port' | 'mh-port')[] } = { name: r.name, score: round(r.score) };
    const flag = PORT_FLAG[r.name];
    if (r.cfg.port === true && flag !== undefined) c.flags = [flag];
    if (WEIGHTED.has(r.name)) {
      const w: Record<string, number> = {};
      input.servers.forEach((s, i) => { w[s] = r.cfg.weights[i] ?? 1; });
      c.weights = w;
    }
    return c;
  });
  const top = results[0]!;
  const tied = results.filter((r) => Math.abs(r.score - top.score) < 1e-9).length;
  const sample = 1 - Math.pow(0.5, ds.length);
  // One real server seen is not too little data: every scheduler that sends all to one server ties.
  if (ds.length < 2 || top.score < SCHEDULER_BAR.share) {
    return { name: 'unknown', confidence: round(top.score * sample * 0.5), candidates };
  }
  if (tied > 1 || top.name === 'twos' || ds.length < SCHEDULER_BAR.decisions) {
    return { name: 'ambiguous', confidence: round((top.score * sample) / tied), candidates };
  }
  return { name: top.name, confidence: round(top.score * sample), candidates };
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000;
}

/** Kernel list orders worth trying: all of them for few servers, else a handful. */
function candidateOrders(n: number, ds: readonly ObservedDecision[]): number[][] {
  if (n <= 4) return permutations([...Array(n).keys()]);
  const appearance: number[] = [];
  for (const d of ds) if (!appearance.includes(d.chosen)) appearance.push(d.chosen);
  for (let i = 0; i < n; i++) if (!appearance.includes(i)) appearance.push(i);
  const idx = [...Array(n).keys()];
  const rot = (a: number[], k: number): number[] => a.slice(k).concat(a.slice(0, k));
  const out = [appearance, [...appearance].reverse(), idx, [...idx].reverse()];
  for (let k = 1; k < n; k++) out.push(rot(appearance, k));
  return out;
}

function permutations(a: number[]): number[][] {
  if (a.length <= 1) return [a];
  const out: number[][] = [];
  a.forEach((x, i) => {
    for (const rest of permutations([...a.slice(0, i), ...a.slice(i + 1)])) out.push([x, ...rest]);
  });
  return out;
}

/** Equal weights first, then the observed shares, then a small grid for few servers. */
function candidateWeights(n: number, ds: readonly ObservedDecision[]): number[][] {
  const out: number[][] = [Array(n).fill(1)];
  const counts = Array(n).fill(0) as number[];
  for (const d of ds) counts[d.chosen]!++;
  const g = counts.reduce((a, b) => gcd(a, b), 0) || 1;
  let shares = counts.map((c) => Math.max(0, Math.round(c / g)));
  const max = Math.max(...shares);
  if (max > 20) shares = shares.map((s) => Math.max(1, Math.round((s * 20) / max)));
  if (!shares.every((s) => s === 1)) out.push(shares);
  if (n <= 3) {
    const grid = (k: number): number[][] => (k === 0 ? [[]] : grid(k - 1).flatMap((r) => [1, 2, 3, 4].map((w) => [...r, w])));
    for (const w of grid(n)) if (!out.some((o) => o.join() === w.join())) out.push(w);
  }
  return out;
}

/**
 * Where in its cycle wrr is when the capture starts: the kernel starts at cw = mw, but adding real
 * servers one by one keeps cw (ip_vs_wrr_dest_changed), and a capture may begin mid-cycle. One
 * cycle is sum(weights)/gcd picks. A shifted cycle with weights fitted to the counts explains
 * almost any short sequence, so phases are tried only when the capture holds two whole cycles.
 */
function wrrPhases(weights: readonly number[], decisions: number): number {
  const g = weights.reduce((a, b) => gcd(a, b), 0) || 1;
  const cycle = weights.reduce((a, b) => a + b, 0) / g;
  return cycle >= 1 && cycle * 2 <= decisions ? Math.min(cycle, 40) : 1;
}

/**
 * The share of ds the configured scheduler reproduces. With `toBeat`, gives up as soon as it can
 * no longer score above it and returns what it could at most have scored (never above toBeat), so
 * a search that keeps only strictly better scores picks exactly what a full replay would.
 */
function replay(name: SchedulerName, input: InferenceInput, ds: readonly ObservedDecision[], cfg: Config, toBeat = -1): number {
  const dests: Destination[] = cfg.order.map((i) => createDestination({ addr: input.servers[i]!, port: input.ports?.[i] ?? 0, weight: cfg.weights[i] ?? 1 }));
  const byServer: Destination[] = [];
  cfg.order.forEach((i, k) => { byServer[i] = dests[k]!; });
  const flag = cfg.port === true ? PORT_FLAG[name] : undefined;
  const sched = createScheduler(name, dests, { randomU32: seededRandomU32(1), createdAt: 0, ...(flag !== undefined ? { flags: { [flag]: true } } : {}) });
  const t0 = ds[0]?.t ?? 0;
  const d0 = ds[0];
  // One context, refilled per decision (schedulers read it during the call and keep nothing of it).
  const ctx: { saddr: string; daddr: string; sport: number; dport: number; protocol: 'tcp' | 'udp'; now: number } = {
    saddr: d0?.saddr ?? '', daddr: d0?.daddr ?? '', sport: d0?.sport ?? 0, dport: d0?.dport ?? 0, protocol: d0?.proto ?? 'tcp', now: 0,
  };
  for (let k = 0; k < (cfg.skip ?? 0) && d0 !== undefined; k++) sched.schedule(ctx);
  let hits = 0;
  // Misses allowed while a score above toBeat is still possible.
  const maxMisses = toBeat < 0 ? Infinity : ds.length - Math.floor(toBeat * ds.length) - 1;
  let misses = 0;
  for (const d of ds) {
    if (misses > maxMisses) return (ds.length - misses) / ds.length;
    for (let i = 0; i < byServer.length; i++) {
      const dest = byServer[i]!;
      dest.activeConns = d.active[i] ?? 0;
      dest.inactConns = d.inactive[i] ?? 0;
    }
    ctx.saddr = d.saddr; ctx.daddr = d.daddr; ctx.sport = d.sport; ctx.dport = d.dport; ctx.protocol = d.proto; ctx.now = d.t - t0;
    const got = sched.schedule(ctx);
    if (got !== null && got === byServer[d.chosen]) hits++;
    else misses++;
  }
  return hits / ds.length;
}

/**
 * twos draws at random, so no replay can reproduce it; what it never does is pick a server more
 * loaded (per weight) than both of two others... which only holds with several servers. Score the
 * share of decisions where the chosen server was not the single most loaded one.
 */
function twosConsistency(ds: readonly ObservedDecision[], weights: readonly number[]): number {
  let ok = 0;
  for (const d of ds) {
    const load = (i: number): number => ((d.active[i] ?? 0) * 256 + (d.inactive[i] ?? 0)) / (weights[i] ?? 1);
    const mine = load(d.chosen);
    let worse = 0;
    for (let i = 0; i < weights.length; i++) if (i !== d.chosen && load(i) >= mine) worse++;
    if (worse > 0 || weights.length === 1) ok++;
  }
  return ds.length === 0 ? 0 : ok / ds.length;
}
