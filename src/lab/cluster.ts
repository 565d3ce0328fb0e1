/**
 * A lab's life: build the namespaces and start the web servers (up), send requests while
 * tcpdump captures (run), and delete everything (down). `lab capture` does all three in one
 * process and tears down on every way out.
 */
import { writeFileSync } from 'node:fs';
import { readLabCapture } from './frames.js';
import {
  canIpip, hasIpvs, ipBatch, LabError, nsScript, startCapture, startChannel, startProgram, teardown,
} from './host.js';
import { LabConfigError, type CapturePoint, type LabPlan, planLab, type LabOptions } from './plan.js';
import { CLIENT_JS, parseAnswer, SERVER_JS, type ClientAnswer } from './programs.js';
import { emulationProblem, setupSteps, type DirectorKind } from './rules.js';
import { buildTruth, type RequestResult } from './truth.js';
import type { ClusterReport } from '../ipvs/report.js';

export interface LabState {
  readonly plan: LabPlan;
  readonly kind: DirectorKind;
  readonly serverPids: readonly number[];
  readonly createdAt: string;
}

export type Progress = (message: string) => void;

/** IPVS when the kernel has it; otherwise the emulation, or an error saying why not. */
export function chooseDirector(plan: LabPlan): DirectorKind {
  if (hasIpvs()) return 'ipvs';
  const problem = emulationProblem(plan);
  if (problem) throw new LabError(problem);
  return 'emulation';
}

/** Builds the cluster. On any failure everything already created is deleted again. */
export async function upLab(plan: LabPlan, detached: boolean, progress: Progress = () => {}): Promise<LabState> {
  const kind = chooseDirector(plan);
  const steps = setupSteps(plan, kind);
  try {
    progress(`creating ${plan.namespaces.length} namespaces`);
    ipBatch(steps.netns);
    if (plan.method === 'tun' && !canIpip(plan.switchNs)) {
      throw new LabError('this kernel cannot create IPIP tunnels (ip link add … type ipip fails: no ipip module), so lvscope lab cannot build a TUN cluster here; try dr or nat');
    }
    ipBatch(steps.links);
    for (const s of steps.scripts) {
      progress(`configuring ${s.ns}`);
      nsScript(s.ns, s.script);
    }
    progress('starting web servers');
    const servers = await Promise.all(plan.realServers.map((rs) =>
      startProgram(rs.ns, SERVER_JS, [String(rs.port), rs.name, rs.ip], detached, `web server ${rs.name} in ${rs.ns}`)));
    return { plan, kind, serverPids: servers.map((s) => s.pid ?? -1), createdAt: new Date().toISOString() };
  } catch (e) {
    teardown(plan.namespaces);
    throw e;
  }
}

export function downLab(plan: LabPlan): number {
  return teardown(plan.namespaces);
}

export interface RunOptions {
  readonly out: string;
  readonly requests: number;
  /** Overrides the plan's capture point (lab run). */
  readonly captureAt?: CapturePoint;
  /** First client port; requests use consecutive ports. */
  readonly firstPort?: number;
  readonly timeoutMs?: number;
}

export interface RunResult {
  readonly results: readonly RequestResult[];
  readonly frames: number;
  readonly tcpdumpSummary: string;
  /** Packets the kernel dropped before tcpdump read them: the capture is incomplete. */
  readonly dropped: number;
  readonly truth: ClusterReport;
  readonly plan: LabPlan;
}

/** The plan as seen from another capture point (same lab, same names). */
export function withCapturePoint(plan: LabPlan, captureAt: CapturePoint): LabPlan {
  if (captureAt === plan.options.captureAt) return plan;
  const opts: LabOptions = { ...plan.options, captureAt };
  if (plan.method === 'nat' && captureAt === 'firewall') {
    throw new LabConfigError('a NAT lab has no firewall: use --capture-at director, any or rs1');
  }
  return { ...plan, options: opts, capture: planLab(opts, plan.id).capture };
}

export async function runLab(state: LabState, opts: RunOptions, progress: Progress = () => {}): Promise<RunResult> {
  const plan = opts.captureAt ? withCapturePoint(state.plan, opts.captureAt) : state.plan;
  const timeoutMs = opts.timeoutMs ?? (plan.options.misconfig ? 1500 : 3000);
  const firstPort = opts.firstPort ?? 32768 + Math.floor(Math.random() * 20000);
  progress(`capturing on ${plan.capture.iface} in ${plan.capture.ns}`);
  const capture = await startCapture(plan.capture.ns, plan.capture.iface, opts.out);
  const channels = plan.clients.map((c) => startChannel(c.ns, CLIENT_JS));
  const results: RequestResult[] = [];
  let summary = '';
  try {
    for (let k = 0; k < opts.requests; k++) {
      const client = plan.clients[k % plan.clients.length];
      const channel = channels[k % channels.length];
      if (!client || !channel) break;
      const localPort = firstPort + k;
      progress(`request ${k + 1}/${opts.requests} from ${client.ip}:${localPort}`);
      const line = await channel.request(`${plan.publicIp} ${plan.publicPort} ${timeoutMs} ${localPort}`);
      let answer: ClientAnswer;
      try {
        answer = JSON.parse(line) as ClientAnswer;
      } catch {
        answer = { ok: false, localPort, error: `unreadable client output: ${line}` };
      }
      const parsed = answer.ok && answer.body !== undefined ? parseAnswer(answer.body) : null;
      const answeredBy = parsed ? plan.realServers.find((r) => r.ip === parsed.ip && r.port === parsed.port) ?? null : null;
      results.push({
        client, localPort, answeredBy,
        error: answer.ok ? (answeredBy ? null : `unexpected answer ${JSON.stringify(answer.body)}`) : (answer.error ?? 'failed'),
      });
      // A short pause keeps one connection's closing frames ahead of the next one's SYN.
      await sleep(20);
    }
    await sleep(150);
  } finally {
    await Promise.all(channels.map((c) => c.close()));
    summary = await capture.stop();
  }
  const frames = readLabCapture(opts.out);
  const truth = buildTruth(plan, state.kind, results, frames, opts.out);
  const dropped = Number(/(\d+) packets? dropped by kernel/.exec(summary)?.[1] ?? 0);
  return { results, frames: frames.length, tcpdumpSummary: summary, dropped, truth, plan };
}

export function writeTruth(path: string, truth: ClusterReport): void {
  writeFileSync(path, `${JSON.stringify(truth, null, 2)}\n`);
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
