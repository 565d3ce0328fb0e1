/**
 * `lvscope lab`: build a real LVS cluster in network namespaces on this machine and capture it.
 */
import { parseArgs } from 'node:util';
import { showProgress, UsageError, type Command, type CommandIO } from '../cli/command.js';
import type { SchedulerName } from '../ipvs/report.js';
import { downLab, guardTeardown, runLab, upLab, writeTruth, type LabState, type RunResult } from './cluster.js';
import { LabCaptureError } from './frames.js';
import { LabError, labUnavailable } from './host.js';
import {
  CAPTURE_POINTS, LAB_METHODS, LabConfigError, MISCONFIGS, planLab, PRESETS, randomLabId, resolveOptions,
  type CapturePoint, type LabMethod, type LabOptions, type Misconfig, type Preset,
} from './plan.js';
import { describeDirector } from './rules.js';
import { findState, listStates, removeState, saveState, stateDir } from './state.js';

const HELP = `Usage:
  lvscope lab capture dr|nat|tun -w OUT.pcap [options]   build, capture, tear down
  lvscope lab capture --preset seed-dr|seed-nat -w OUT.pcap [--truth FILE]
  lvscope lab up dr|nat|tun [options]                     build a lab and keep it up
  lvscope lab run [LAB] -w OUT.pcap [--requests N] [--capture-at P] [--truth FILE]
  lvscope lab down [LAB | --all]                          delete a lab's namespaces
  lvscope lab list                                        labs that are up

Builds a real LVS cluster in network namespaces on this machine (clients, a firewall doing DNAT,
the director, real servers running a small web server; a bridge that floods every frame as the
LAN) and captures it with tcpdump. Nothing is connected to the host's own network.
The director is real IPVS (ipvsadm) when the kernel has it; otherwise nftables and policy
routing emulate it so that the kernel still does the forwarding (rr, wrr and sh only).
Real servers are added last-first, so the kernel's list is rs1, rs2, … and rr starts at rs1
(the seed-nat preset adds them in the seed's order). Needs root.

Options:
  -w, --write FILE          the capture to write (pcap, nanosecond timestamps)
      --real-servers N      real servers, 1..16 (default 2)
      --scheduler NAME      rr, wrr, sh, … (default rr; wrr when --weights is given)
      --weights W1,W2,…     one weight per real server, rs1 first
      --clients N           client namespaces, 1..8 (default 1)
      --requests N          HTTP requests, one TCP connection each (default 4)
      --capture-at POINT    firewall (its LAN interface, DR/TUN default), director (its LAN
                            interface), any (every director interface, Linux cooked v2; NAT
                            default), rs1 (the first real server)
      --misconfig KIND      rs-arp (a DR real server answers ARP for the VIP), nat-gateway
                            (a NAT real server's default route bypasses the director),
                            dr-reply-via-director, vip-primary (the VIP is the director's
                            primary address)
      --preset NAME         seed-dr: the DR walkthrough of seed 000 (client 172.16.0.100,
                            firewall 172.16.23.80 → VIP 192.168.23.100, DIP 192.168.23.99,
                            WEB1 .80, WEB2 .81, rr, 4 requests, capture at the firewall);
                            seed-nat: its NAT lab (VIP 172.16.23.80, DIP 192.168.23.1,
                            192.168.23.80:8080 and 192.168.23.81:80)
      --truth FILE          write what the lab really was (analyze --format json schema)
      --all                 lab down: every lab that is up
      --quiet               no progress on stderr

Examples:
  lvscope lab capture --preset seed-dr -w seed-dr.pcap --truth seed-dr.truth.json
  lvscope lab capture dr --real-servers 3 --scheduler wrr --weights 1,2,3 --requests 12 -w dr.pcap
  lvscope lab capture nat --capture-at any -w nat.pcap
  lvscope lab capture dr --misconfig rs-arp -w arp.pcap
  lvscope lab up dr && lvscope lab run -w one.pcap && lvscope lab down`;

function oneOf<T extends string>(list: readonly T[], value: string | undefined, flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(list as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${list.join(', ')} (got ${value})`);
  return value as T;
}

function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} needs a whole number (got ${value})`);
  return Number(value);
}

function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      write: { type: 'string', short: 'w' },
      'real-servers': { type: 'string' },
      scheduler: { type: 'string' },
      weights: { type: 'string' },
      clients: { type: 'string' },
      requests: { type: 'string' },
      'capture-at': { type: 'string' },
      misconfig: { type: 'string' },
      preset: { type: 'string' },
      truth: { type: 'string' },
      all: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

type Parsed = ReturnType<typeof parse>;

function labOptions(p: Parsed, method: string | undefined): LabOptions {
  const weights = p.values.weights?.split(',').map((w) => {
    if (!/^\d+$/.test(w.trim())) throw new UsageError(`--weights needs comma-separated whole numbers (got ${p.values.weights})`);
    return Number(w.trim());
  });
  const given: Partial<LabOptions> = {};
  const set = <K extends keyof LabOptions>(k: K, v: LabOptions[K] | undefined): void => {
    if (v !== undefined) (given as Record<string, unknown>)[k] = v;
  };
  set('method', oneOf<LabMethod>(LAB_METHODS, method, 'the method'));
  set('realServers', int(p.values['real-servers'], '--real-servers'));
  set('scheduler', p.values.scheduler as SchedulerName | undefined);
  set('weights', weights ?? undefined);
  set('clients', int(p.values.clients, '--clients'));
  set('requests', int(p.values.requests, '--requests'));
  set('captureAt', oneOf<CapturePoint>(CAPTURE_POINTS, p.values['capture-at'], '--capture-at'));
  set('misconfig', oneOf<Misconfig>(MISCONFIGS, p.values.misconfig, '--misconfig'));
  set('preset', oneOf<Preset>(PRESETS, p.values.preset, '--preset'));
  try {
    return resolveOptions(given);
  } catch (e) {
    if (e instanceof LabConfigError) throw new UsageError(e.message);
    throw e;
  }
}

function summaryLines(state: LabState): string[] {
  const p = state.plan;
  const o = p.options;
  const weights = o.weights ? ` weights ${o.weights.join(':')}` : '';
  return [
    `lab ${p.id}: ${p.method.toUpperCase()}${o.preset ? ` (preset ${o.preset})` : ''}, ${p.realServers.length} real servers, ` +
      `${p.scheduler}${weights}, ${p.clients.length} client${p.clients.length === 1 ? '' : 's'}` +
      `${o.misconfig ? `, misconfig ${o.misconfig}` : ''}`,
    describeDirector(state.kind, p),
  ];
}

function resultLines(r: RunResult, out: string, truth: string | undefined): string[] {
  const answers = r.results.map((x) => (x.answeredBy ? x.answeredBy.name : 'failed'));
  const lines = [
    `capture: ${r.plan.capture.iface} in ${r.plan.capture.ns} (${r.plan.options.captureAt}) -> ${out}, ${r.frames} frames`,
    `tcpdump: ${r.tcpdumpSummary}`,
    `answers: ${answers.length > 0 ? answers.join(' ') : '(no requests)'}`,
  ];
  const failed = r.results.filter((x) => x.error !== null);
  if (failed.length > 0) lines.push(`failed: ${failed.map((x) => `${x.client.ip}:${x.localPort} ${x.error}`).join('; ')}`);
  for (const f of r.truth.findings) lines.push(`expected finding: ${f.code} (frames ${f.frames.slice(0, 8).join(', ') || 'none in this capture'})`);
  if (truth) lines.push(`truth: ${truth}`);
  return lines;
}

/** Throws, with the reason, when this process cannot build namespaces. */
function requireLab(): void {
  const why = labUnavailable();
  if (why) throw new LabError(why);
}

/** 1 when the capture is incomplete, or requests failed in a lab that should answer them all. */
function exitStatus(io: CommandIO, r: RunResult): number {
  if (r.dropped > 0) io.stderr.write(`lvscope lab: warning: the kernel dropped ${r.dropped} packets before tcpdump read them\n`);
  const failed = r.results.some((x) => x.error !== null) && r.plan.options.misconfig === null;
  return r.dropped > 0 || failed ? 1 : 0;
}

async function capture(p: Parsed, io: CommandIO, progress: (m: string) => void): Promise<number> {
  const out = p.values.write;
  if (!out) throw new UsageError('lab capture needs -w OUT.pcap');
  const opts = labOptions(p, p.positionals[1]);
  requireLab();
  const plan = planLab(opts, randomLabId());
  const unguard = guardTeardown(plan.namespaces);
  try {
    const state = await upLab(plan, false, progress);
    for (const l of summaryLines(state)) io.stdout.write(`${l}\n`);
    const result = await runLab(state, { out, requests: opts.requests }, progress);
    if (p.values.truth) writeTruth(p.values.truth, result.truth);
    for (const l of resultLines(result, out, p.values.truth)) io.stdout.write(`${l}\n`);
    const n = downLab(plan);
    io.stdout.write(`torn down: ${n} namespaces\n`);
    return exitStatus(io, result);
  } finally {
    downLab(plan);
    unguard();
  }
}

async function up(p: Parsed, io: CommandIO, progress: (m: string) => void): Promise<number> {
  const opts = labOptions(p, p.positionals[1]);
  requireLab();
  const plan = planLab(opts, randomLabId());
  const unguard = guardTeardown(plan.namespaces);
  try {
    const state = await upLab(plan, true, progress);
    const file = saveState(stateDir(io.env), state);
    unguard();
    for (const l of summaryLines(state)) io.stdout.write(`${l}\n`);
    io.stdout.write(`up: ${plan.namespaces.join(' ')}\nstate: ${file}\n`);
    return 0;
  } catch (e) {
    unguard();
    downLab(plan);
    throw e;
  }
}

async function runCmd(p: Parsed, io: CommandIO, progress: (m: string) => void): Promise<number> {
  const out = p.values.write;
  if (!out) throw new UsageError('lab run needs -w OUT.pcap');
  const captureAt = oneOf<CapturePoint>(CAPTURE_POINTS, p.values['capture-at'], '--capture-at');
  const requestsGiven = int(p.values.requests, '--requests');
  requireLab();
  const state = findState(stateDir(io.env), p.positionals[1]);
  const requests = requestsGiven ?? state.plan.options.requests;
  const result = await runLab(state, { out, requests, ...(captureAt ? { captureAt } : {}) }, progress);
  if (p.values.truth) writeTruth(p.values.truth, result.truth);
  for (const l of summaryLines(state)) io.stdout.write(`${l}\n`);
  for (const l of resultLines(result, out, p.values.truth)) io.stdout.write(`${l}\n`);
  return exitStatus(io, result);
}

function down(p: Parsed, io: CommandIO): number {
  requireLab();
  const dir = stateDir(io.env);
  const states = p.values.all ? listStates(dir) : [findState(dir, p.positionals[1])];
  for (const s of states) {
    const n = downLab(s.plan);
    removeState(dir, s.plan.id);
    io.stdout.write(`down: lab ${s.plan.id} (${n} namespaces deleted)\n`);
  }
  if (states.length === 0) io.stdout.write('no lab is up\n');
  return 0;
}

function list(io: CommandIO): number {
  const states = listStates(stateDir(io.env));
  if (states.length === 0) io.stdout.write('no lab is up\n');
  for (const s of states) io.stdout.write(`${summaryLines(s).join('; ')}; since ${s.createdAt}\n`);
  return 0;
}

export const labCommand: Command = {
  name: 'lab',
  summary: 'build a real LVS cluster in network namespaces and capture it',
  help: HELP,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    let p: Parsed;
    try {
      p = parse(args);
    } catch (e) {
      throw new UsageError((e as Error).message);
    }
    if (p.values.help) {
      io.stdout.write(`${HELP}\n`);
      return 0;
    }
    const sub = p.positionals[0];
    const progress = showProgress(io, p.values.quiet === true)
      ? (m: string): void => { io.stderr.write(`lab: ${m}\n`); }
      : (): void => {};
    if (sub === undefined) throw new UsageError('which lab command? capture, up, run, down or list');
    if (!['capture', 'up', 'run', 'down', 'list'].includes(sub)) {
      throw new UsageError(`unknown lab command ${sub}: use capture, up, run, down or list`);
    }
    const maxPositionals = sub === 'list' ? 1 : 2;
    if (p.positionals.length > maxPositionals) throw new UsageError(`unexpected argument ${p.positionals[maxPositionals]}`);
    if (sub === 'list') return list(io);
    try {
      switch (sub) {
        case 'capture': return await capture(p, io, progress);
        case 'up': return await up(p, io, progress);
        case 'run': return await runCmd(p, io, progress);
        default: return down(p, io);
      }
    } catch (e) {
      if (e instanceof LabError || e instanceof LabConfigError || e instanceof LabCaptureError) {
        io.stderr.write(`lvscope lab: ${e.message}\n`);
        return 2;
      }
      throw e;
    }
  },
};
