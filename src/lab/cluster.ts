/**
 * A lab's life: build the namespaces and start the web servers (up), send requests while
 * tcpdump captures (run), and delete everything (down). `lab capture` does all three in one
 * process and tears down on every way out.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readLabCapture } from './frames.js';
import {
  canIpip, hasIpvs, ipBatch, LabError, nsRun, patience, nsScript, startCapture, startChannel, startProgram, teardown,
  type CaptureHandle, type LineChannel,
} from './host.js';
import { DEFENCE_READ, IPVSADM_READS, parseDefences, parseIpvsadmLnc, type KernelSnapshot, type KernelTruth } from './kernel-truth.js';
import { LabConfigError, type CapturePoint, type LabOptions } from './options.js';
import { type CaptureSpec, type LabPlan, type LabRealServer, planLab } from './plan.js';
import { CLIENT_JS, DNS_SERVER_JS, parseAnswer, SERVER_JS, type ClientAnswer } from './programs.js';
import { emulationProblem, ipvsadmAddDest, ipvsadmLines, ipvsadmQuiesce, ipvsadmService, setupSteps, type DirectorKind } from './rules.js';
import { publishReport } from '../ipvs/report-json.js';
import { buildLabTruth, type LabTruthFile, type RequestResult } from './truth.js';
import { HaRun, startHa } from './ha-run.js';
import { sendSynFlood, type SynFloodTruth } from './syn-flood.js';
import type { KeepalivedHandle } from './keepalived.js';

export interface LabState {
  readonly plan: LabPlan;
  readonly kind: DirectorKind;
  readonly serverPids: readonly number[];
  readonly createdAt: string;
  /** An HA lab's keepalived daemons (lab capture only: they live as long as this process). */
  readonly keepalived?: readonly KeepalivedHandle[];
}

export type Progress = (message: string) => void;

/**
 * The kernel's IPVS, or with `emulate` the nftables emulation. Without IPVS and without
 * `emulate` this is an error: the command layer boots a microVM before it gets here.
 */
export function chooseDirector(plan: LabPlan, emulate: boolean): DirectorKind {
  if (emulate) {
    if (plan.ha) throw new LabError('an HA lab needs the kernel\'s IPVS: keepalived programs it (no --emulate)');
    if (plan.options.masquerade) throw new LabError('--masquerade needs the kernel\'s IPVS: its connections reach netfilter\'s NAT (no --emulate)');
    const problem = emulationProblem(plan);
    if (problem) throw new LabError(problem);
    return 'emulation';
  }
  if (hasIpvs()) return 'ipvs';
  throw new LabError('this kernel has no IPVS (no /proc/net/ip_vs, and modprobe ip_vs fails) and ipvsadm is needed: run the lab in the microVM (the default), or --emulate for the nftables emulation');
}

/** Builds the cluster. On any failure everything already created is deleted again. */
export async function upLab(plan: LabPlan, detached: boolean, progress: Progress = () => {}, emulate = false): Promise<LabState> {
  const kind = chooseDirector(plan, emulate);
  if (plan.ha && detached) throw new LabError('an HA lab runs keepalived for one run: use lab capture --ha (not lab up)');
  const steps = setupSteps(plan, kind);
  try {
    progress(`creating ${plan.namespaces.length} namespaces`);
    ipBatch(steps.netns);
    if (plan.realServers.some((r) => r.method === 'tun') && !canIpip(plan.switchNs)) {
      throw new LabError('this kernel cannot create IPIP tunnels (ip link add … type ipip fails: no ipip module), so lvscope lab cannot build a TUN cluster here; try dr or nat');
    }
    ipBatch(steps.links);
    for (const s of steps.scripts) {
      progress(`configuring ${s.ns}`);
      nsScript(s.ns, s.script);
    }
    progress(plan.services.some((x) => x.protocol === 'tcp') ? 'starting web servers' : 'starting DNS servers');
    const servers = await Promise.all(serverJobs(plan).map((j) =>
      startProgram(j.rs.ns, j.protocol === 'udp' ? DNS_SERVER_JS : SERVER_JS, [String(j.port), j.rs.name, j.rs.ip, j.bind], detached,
        `${j.protocol === 'udp' ? 'DNS' : 'web'} server ${j.rs.name}${plan.services.length > 1 ? ` (${j.protocol} ${j.port})` : ''} in ${j.rs.ns}`)));
    const keepalived = plan.ha ? await startHa(plan, progress) : undefined;
    return { plan, kind, serverPids: servers.map((s) => s.pid ?? -1), createdAt: new Date().toISOString(), ...(keepalived ? { keepalived } : {}) };
  } catch (e) {
    teardown(plan.namespaces);
    throw e;
  }
}

/**
 * The servers each real server runs: one per protocol and port of its services. A UDP server of a
 * DR/TUN real server binds the VIP (from 0.0.0.0 it would answer from the RIP); a TCP one listens on
 * every address.
 */
export function serverJobs(plan: LabPlan): { rs: LabRealServer; protocol: 'tcp' | 'udp'; port: number; bind: string }[] {
  const jobs: { rs: LabRealServer; protocol: 'tcp' | 'udp'; port: number; bind: string }[] = [];
  for (const svc of plan.services) {
    for (const d of svc.dests) {
      const rs = plan.realServers[d.rs];
      // --misconfig rs-down: nothing listens on the misconfigured real server.
      if (!rs || (rs.misconfigured && plan.options.misconfig === 'rs-down')) continue;
      const bind = d.method === 'nat' ? '0.0.0.0' : svc.vip;
      const same = (j: (typeof jobs)[number]): boolean => j.rs === rs && j.protocol === svc.protocol && j.port === d.port &&
        (svc.protocol === 'tcp' || j.bind === bind);
      if (!jobs.some(same)) jobs.push({ rs, protocol: svc.protocol, port: d.port, bind });
    }
  }
  return jobs;
}

export function downLab(plan: LabPlan): number {
  return teardown(plan.namespaces);
}

export interface RunOptions {
  /** The capture file; with several capture points, the directory for one file each. */
  readonly out: string;
  readonly requests: number;
  /** Overrides the plan's capture point (lab run). */
  readonly captureAt?: CapturePoint;
  /** First client port; requests use consecutive ports. */
  readonly firstPort?: number;
  readonly timeoutMs?: number;
}

export interface CaptureResult {
  readonly spec: CaptureSpec;
  readonly file: string;
  readonly frames: number;
  readonly tcpdumpSummary: string;
  readonly dropped: number;
}

export interface RunResult {
  readonly results: readonly RequestResult[];
  /** Frames of the first capture. */
  readonly frames: number;
  readonly tcpdumpSummary: string;
  /** Packets the kernel dropped before tcpdump read them (every capture): the capture is incomplete. */
  readonly dropped: number;
  readonly captures: readonly CaptureResult[];
  readonly truth: LabTruthFile;
  readonly plan: LabPlan;
}

/** The plan as seen from another capture point (same lab, same names). */
export function withCapturePoint(plan: LabPlan, points: CapturePoint): LabPlan {
  if (points === plan.options.captureAt && plan.options.alsoCapture.length === 0) return plan;
  // A comma-separated list, as --capture-at takes it.
  const [captureAt = plan.options.captureAt, ...alsoCapture] = points.split(',').map((x) => x.trim()).filter((x) => x !== '');
  const opts: LabOptions = { ...plan.options, captureAt, alsoCapture };
  if (plan.method === 'nat' && captureAt === 'firewall') {
    throw new LabConfigError('a NAT lab has no firewall: use --capture-at director, any or rs1');
  }
  const fresh = planLab(opts, plan.id);
  return { ...plan, options: opts, capture: fresh.capture, captures: fresh.captures };
}

/** One file per capture point: `out` itself for one point, `out/<label>.pcap` for several. */
export function captureFiles(plan: LabPlan, out: string): string[] {
  if (plan.captures.length === 1) return [out];
  mkdirSync(out, { recursive: true });
  return plan.captures.map((c) => join(out, `${c.label}.pcap`));
}

/** The IPVS estimator's period (ip_vs_est.c), and a margin. */
const STATS_TICK_MS = 2600;

/** Reads the director kernel's connection table (nothing without real IPVS). */
function snapshot(state: LabState, started: number, after: string, into: KernelSnapshot[]): void {
  if (state.kind !== 'ipvs') return;
  into.push({ atMs: Date.now() - started, after, connections: parseIpvsadmLnc(nsRun(state.plan.director.ns, 'ipvsadm', IPVSADM_READS.ipvsadmLnc)) });
}

function kernelTables(state: LabState, snapshots: readonly KernelSnapshot[]): KernelTruth | null {
  if (state.kind !== 'ipvs') return null;
  const read = (args: readonly string[]): string => nsRun(state.plan.director.ns, 'ipvsadm', args);
  const ipvsadmLnc = read(IPVSADM_READS.ipvsadmLnc);
  return {
    ipvsadmLn: read(IPVSADM_READS.ipvsadmLn),
    ipvsadmLnStats: read(IPVSADM_READS.ipvsadmLnStats),
    ipvsadmS: read(IPVSADM_READS.ipvsadmS),
    ipvsadmLnc,
    connections: parseIpvsadmLnc(ipvsadmLnc),
    snapshots,
    defences: parseDefences(nsRun(state.plan.director.ns, 'sh', DEFENCE_READ)),
  };
}

export async function runLab(state: LabState, opts: RunOptions, progress: Progress = () => {}): Promise<RunResult> {
  const plan = opts.captureAt ? withCapturePoint(state.plan, opts.captureAt) : state.plan;
  const timeoutMs = opts.timeoutMs ?? (plan.options.misconfig || plan.options.flap ? 1500 : 3000) * patience();
  const firstPort = opts.firstPort ?? 32768 + Math.floor(Math.random() * 20000);
  const files = captureFiles(plan, opts.out);
  const handles: CaptureHandle[] = [];
  const channels: LineChannel[] = [];
  const results: RequestResult[] = [];
  const snapshots: KernelSnapshot[] = [];
  const summaries: string[] = [];
  const o = plan.options;
  const tcpMode = o.hold ? ' hold' : o.idle !== null ? ` idle:${o.idle * 1000}` : o.post !== null ? ` post:${o.post}` : '';
  const services = plan.services;
  const flap = plan.options.flap;
  const dir = plan.director.ns;
  const started = Date.now();
  let ha: HaRun | null = null;
  let flood: SynFloodTruth | null = null;
  try {
    for (const [k, c] of plan.captures.entries()) {
      progress(`capturing on ${c.iface} in ${c.ns}`);
      handles.push(await startCapture(c.ns, c.iface, files[k] as string));
    }
    if (plan.ha && state.keepalived) {
      ha = new HaRun(plan, state.keepalived, state.serverPids, progress, timeoutMs);
      await ha.start();
    }
    channels.push(...plan.clients.map((c) => startChannel(c.ns, CLIENT_JS)));
    if (o.synFlood !== null) {
      flood = sendSynFlood(plan, o.synFlood, progress);
      snapshot(state, started, 'after the SYN flood', snapshots);
    }
    for (let k = 0; k < opts.requests; k++) {
      // With several services each client asks each of them in turn: request k goes to service
      // k mod S, from client (k div S) mod C.
      const service = k % services.length;
      const svc = services[service];
      const c = Math.floor(k / services.length) % plan.clients.length;
      const client = plan.clients[c];
      const channel = channels[c];
      if (!client || !channel || !svc) break;
      const localPort = plan.options.samePort ? firstPort : firstPort + k;
      progress(`request ${k + 1}/${opts.requests} from ${client.ip}:${localPort}${services.length > 1 ? ` to ${svc.protocol} ${svc.publicIp}:${svc.publicPort}` : ''}`);
      const mode = svc.protocol === 'udp' ? ' udp' : tcpMode;
      const line = await channel.request(`${svc.publicIp} ${svc.publicPort} ${timeoutMs} ${localPort}${mode}`);
      let answer: ClientAnswer;
      try {
        answer = JSON.parse(line) as ClientAnswer;
      } catch {
        answer = { ok: false, localPort, error: `unreadable client output: ${line}` };
      }
      const parsed = answer.ok && answer.body !== undefined ? parseAnswer(answer.body) : null;
      const dest = parsed ? svc.dests.find((d) => plan.realServers[d.rs]?.ip === parsed.ip && d.port === parsed.port) : undefined;
      const answeredBy = dest ? plan.realServers[dest.rs] ?? null : null;
      results.push({
        client, localPort, answeredBy, service,
        error: answer.ok ? (answeredBy ? null : `unexpected answer ${JSON.stringify(answer.body)}`) : (answer.error ?? 'failed'),
      });
      // A short pause keeps one connection's closing frames ahead of the next one's SYN.
      await sleep(20);
      snapshot(state, started, `after request ${k + 1}`, snapshots);
      const rs = flap ? plan.realServers[flap.rs - 1] : undefined;
      if (flap && rs && state.kind === 'ipvs' && k + 1 === flap.after) {
        progress(`taking ${rs.name} out (ipvsadm -d)`);
        nsRun(dir, 'sh', ['-ec', `ipvsadm -d ${ipvsadmService(plan)} -r ${rs.ip}:${rs.port}`]);
        snapshot(state, started, `${rs.name} deleted`, snapshots);
      } else if (flap && rs && state.kind === 'ipvs' && k + 1 === flap.back) {
        progress(`adding ${rs.name} back`);
        nsRun(dir, 'sh', ['-ec', ipvsadmAddDest(plan, rs)]);
        snapshot(state, started, `${rs.name} added back`, snapshots);
      }
      const quiet = o.quiesce !== null && k + 1 === o.quiesce.after ? plan.realServers[o.quiesce.rs - 1] : undefined;
      if (quiet && state.kind === 'ipvs') {
        progress(`quiescing ${quiet.name} (weight 0)`);
        nsRun(dir, 'sh', ['-ec', ipvsadmQuiesce(plan, quiet)]);
        snapshot(state, started, `${quiet.name} quiesced`, snapshots);
      }
      if (ha) await ha.afterRequest(k + 1, channels);
    }
    if (o.hold && flap && state.kind === 'ipvs') {
      // The held connections of a removed server: what does the director do with their next segment?
      progress('one more GET on every held connection');
      await Promise.all(channels.map((c) => c.request(`poke ${timeoutMs}`)));
      snapshot(state, started, 'held connections poked', snapshots);
    }
    if (o.hold) {
      snapshot(state, started, 'every connection held open', snapshots);
      progress('closing the held connections');
      await Promise.all(channels.map((c) => c.request('release')));
    }
    await sleep(150);
  } finally {
    await Promise.all(channels.map((c) => c.close()));
    for (const h of handles) summaries.push(await h.stop());
  }
  // `ipvsadm --stats` shows counters the kernel folds in from its per-CPU copies only on its
  // 2-second rate-estimator tick: read them before that and the last connections are missing.
  if (state.kind === 'ipvs') await sleep(STATS_TICK_MS);
  snapshot(state, started, 'end', snapshots);
  const kernel = kernelTables(state, snapshots);
  const haTruth = ha ? await ha.finish() : null;
  const captures: CaptureResult[] = plan.captures.map((spec, k) => {
    const file = files[k] as string;
    const summary = summaries[k] ?? '';
    return {
      spec, file, frames: readLabCapture(file).length, tcpdumpSummary: summary,
      dropped: Number(/(\d+) packets? dropped by kernel/.exec(summary)?.[1] ?? 0),
    };
  });
  const frames = readLabCapture(files[0] as string);
  // keepalived, not ipvsadm, programs an HA lab's IPVS (its configuration is in the truth's ha block).
  const commands = state.kind === 'ipvs' && !plan.ha ? ipvsadmLines(plan) : [];
  const truth = buildLabTruth(plan, state.kind, results, frames, files[0] as string, kernel, captures, commands, haTruth, flood);
  return {
    results, frames: frames.length, tcpdumpSummary: summaries[0] ?? '',
    dropped: captures.reduce((a, c) => a + c.dropped, 0), captures, truth, plan,
  };
}

/** The truth as `analyze --format json` writes a report (its schema), with the `lab` block beside it. */
export function writeTruth(path: string, truth: LabTruthFile): void {
  writeFileSync(path, `${JSON.stringify({ ...publishReport(truth), lab: truth.lab }, null, 2)}\n`);
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/**
 * Deletes the lab's namespaces when the process ends in any way: normal exit, an uncaught error,
 * Ctrl-C or SIGTERM. Returns a function that removes the handlers once the lab is down.
 */
export function guardTeardown(namespaces: readonly string[]): () => void {
  let done = false;
  const down = (): void => {
    if (done) return;
    done = true;
    teardown(namespaces);
  };
  const onSignal = (sig: NodeJS.Signals): void => {
    down();
    process.exit(sig === 'SIGINT' ? 130 : 143);
  };
  process.on('exit', down);
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return () => {
    done = true;
    process.removeListener('exit', down);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('SIGTERM', onSignal);
  };
}
