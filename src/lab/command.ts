/**
 * `lvscope lab`: build a real LVS cluster in network namespaces and capture it, on the kernel's
 * own IPVS: this host's when it has IPVS, otherwise a distribution kernel booted in a microVM.
 * The nftables emulation runs only when asked for (--emulate).
 */
import { release } from 'node:os';
import { int, labOptions, parse, type Parsed } from './args.js';
import { downLab, guardTeardown, runLab, upLab, writeTruth, type LabState, type RunResult } from './cluster.js';
import { LabCaptureError } from './frames.js';
import { hasIpvs, LabError, labUnavailable } from './host.js';
import { labProgress, LabUsageError as UsageError, type LabIO as CommandIO } from './io.js';
import { LAB_HELP } from './help.js';
import { LabConfigError, type CapturePoint } from './options.js';
import { planLab, randomLabId } from './plan.js';
import { describeDirector } from './rules.js';
import { findState, listStates, removeState, saveState, stateDir } from './state.js';
import { backendOf } from './truth.js';
import { captureInVm } from './vm/backend.js';

function summaryLines(state: LabState): string[] {
  const p = state.plan;
  const o = p.options;
  const weights = o.weights ? ` weights ${o.weights.join(':')}` : '';
  const extras = [
    o.persistence !== null ? `persistent ${o.persistence} s${o.netmask !== null ? ` per ${o.netmask} network` : ''}` : '',
    o.schedFlags.length > 0 ? `scheduler flags ${o.schedFlags.join(',')}` : '',
    o.fwmark !== null ? `fwmark ${o.fwmark} service` : '',
    o.hold ? 'connections held open' : '',
    o.masquerade ? 'source NAT to the director after IPVS (masquerade)' : '',
    o.flap ? `rs${o.flap.rs} out after request ${o.flap.after}${o.flap.back !== null ? `, back after ${o.flap.back}` : ' for good'}` : '',
    o.udp ? `UDP DNS service${o.onePacket ? ' (one-packet scheduling)' : ''}` : '',
    o.samePort ? 'one client port' : '',
    o.timeouts !== null ? `timeouts ${o.timeouts.tcp} ${o.timeouts.tcpfin} ${o.timeouts.udp}` : '',
    o.idle !== null ? `${o.idle} s idle before a second request` : '',
    o.quiesce ? `rs${o.quiesce.rs} weight 0 after request ${o.quiesce.after}` : '',
    o.synFlood !== null ? `a SYN flood of ${o.synFlood} before the requests` : '',
    o.post !== null ? `each request uploads ${o.post} bytes` : '',
    o.ha ? `keepalived on dir and dir2 (${o.healthCheck === 'http' ? 'HTTP_GET' : 'TCP_CHECK'}${o.sync ? ', sync daemon' : ', no sync daemon'})` : '',
    o.haFailover ? `dir's LAN cable out after request ${o.haFailover.after}, back after ${o.haFailover.back}` : '',
    o.rsFail ? `rs${o.rsFail.rs}'s web server dies after request ${o.rsFail.after}${o.rsFail.back !== null ? `, starts again after ${o.rsFail.back}` : ''}` : '',
    `${o.lan === 'hub' ? 'hub' : 'switched'} LAN`,
  ].filter((x) => x !== '').join(', ');
  const backend = backendOf(state.kind, process.env);
  const services = p.services.length > 1
    ? [`services: ${p.services.map((s) => `${s.protocol} ${s.vip}:${s.vport} ${s.scheduler}${s.persistence !== null ? ` -p ${s.persistence}` : ''} → ${
      s.dests.map((d) => `${p.realServers[d.rs]?.name}:${d.port}${d.weight !== 1 ? ` w${d.weight}` : ''} ${d.method}`).join(', ')}`).join('; ')}`]
    : [];
  return [
    `lab ${p.id}: ${p.method.toUpperCase()}${p.method === 'tun' ? `/${o.tunType}` : ''}${o.preset ? ` (preset ${o.preset})` : ''}, ${p.realServers.length} real servers, ` +
      `${p.services.length > 1 ? `${p.services.length} services` : `${p.scheduler}${weights}`}, ${p.clients.length} client${p.clients.length === 1 ? '' : 's'}` +
      `${o.misconfig ? `, misconfig ${o.misconfig}` : ''}, ${extras}`,
    `backend: ${backend}${backend === 'emulation' ? ' (NOT the kernel\'s IPVS)' : ` (kernel ${release()})`}`,
    describeDirector(state.kind, p),
    ...services,
  ];
}

function resultLines(r: RunResult, out: string, truth: string | undefined): string[] {
  const answers = r.results.map((x) => (x.answeredBy ? x.answeredBy.name : 'failed'));
  const lines = r.captures.length === 1
    ? [`capture: ${r.plan.capture.iface} in ${r.plan.capture.ns} (${r.plan.options.captureAt}) -> ${out}, ${r.frames} frames`, `tcpdump: ${r.tcpdumpSummary}`]
    : r.captures.map((c) => `capture: ${c.spec.iface} in ${c.spec.ns} -> ${c.file}, ${c.frames} frames (${c.tcpdumpSummary})`);
  lines.push(`answers: ${answers.length > 0 ? answers.join(' ') : '(no requests)'}`);
  const k = r.truth.lab.kernelTables;
  if (k) lines.push(`kernel connections (ipvsadm -Lnc): ${k.connections.filter((c) => !c.template).length}${k.connections.some((c) => c.template) ? ` and ${k.connections.filter((c) => c.template).length} persistence templates` : ''}`);
  const failed = r.results.filter((x) => x.error !== null);
  if (failed.length > 0) lines.push(`failed: ${failed.map((x) => `${x.client.ip}:${x.localPort} ${x.error}`).join('; ')}`);
  const ha = r.truth.lab.ha;
  if (ha) {
    for (const e of ha.events) lines.push(`ha: ${(e.atMs / 1000).toFixed(2)} s ${e.event}`);
    lines.push(`masters (keepalived): ${ha.masters.map((m) => `${m.director} ${(m.fromMs / 1000).toFixed(2)}–${m.toMs === null ? 'end' : `${(m.toMs / 1000).toFixed(2)}`} s`).join(', ') || 'none'}`);
  }
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

type Backend = 'host-ipvs' | 'microvm' | 'emulation';

function chooseBackend(p: Parsed): Backend {
  const asked = p.values.backend;
  if (p.values.emulate) {
    if (asked !== undefined) throw new UsageError('--emulate and --backend exclude each other');
    return 'emulation';
  }
  if (asked !== undefined) {
    if (asked !== 'host-ipvs' && asked !== 'microvm') throw new UsageError(`--backend must be host-ipvs or microvm (got ${asked})`);
    return asked;
  }
  return hasIpvs() ? 'host-ipvs' : 'microvm';
}

/** The arguments the guest's lvscope gets: the user's, less what only the host acts on. */
export function guestArgs(args: readonly string[]): string[] {
  const drop = new Set(['-w', '--write', '--truth', '--backend', '--kernel-deb', '--vm-timeout']);
  const out: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    const eq = a.indexOf('=');
    const flag = a.startsWith('--') && eq > 0 ? a.slice(0, eq) : a;
    if (drop.has(flag)) {
      if (flag === a) i++;
      continue;
    }
    if (a === '--quiet' || a === '-q' || /^-w./.test(a)) continue;
    out.push(a);
  }
  return out;
}

async function captureInMicroVm(p: Parsed, args: readonly string[], io: CommandIO, progress: (m: string) => void, out: string): Promise<number> {
  const requests = int(p.values.requests, '--requests') ?? 4;
  // keepalived's start, a failover and a failback each wait for VRRP timers in the guest.
  const ha = p.values.ha || p.values['ha-failover'] !== undefined || p.values.sync !== undefined || p.values['rs-fail'] !== undefined;
  const timeoutS = int(p.values['vm-timeout'], '--vm-timeout') ?? 300 + 2 * requests + (ha ? 240 : 0);
  const r = await captureInVm(guestArgs(args.slice(1)), out, p.values.truth, {
    env: io.env, progress, timeoutMs: timeoutS * 1000,
    // The guest's lvscope prints its progress ("lab: …") and its errors ("lvscope lab: …") on
    // the console; errors reach stderr even when progress is off.
    onLine: (l) => {
      if (l.startsWith('lvscope lab:') || l.startsWith('lvscope:')) io.stderr.write(`${l}\n`);
      else progress(l.replace(/^lab: /, ''));
    },
    ...(p.values['kernel-deb'] ? { kernelDeb: p.values['kernel-deb'] } : {}),
  });
  io.stdout.write(r.stdout);
  io.stdout.write(`microVM: kernel ${r.kernel.version} (${r.kernel.source}), booted in ${r.boot.bootSeconds ?? '?'} s, ran ${(r.boot.elapsedMs / 1000).toFixed(1)} s\n`);
  return r.exitStatus;
}

async function capture(p: Parsed, args: readonly string[], io: CommandIO, progress: (m: string) => void): Promise<number> {
  const out = p.values.write;
  if (!out) throw new UsageError('lab capture needs -w OUT.pcap');
  const opts = labOptions(p, p.positionals[1]);
  const backend = chooseBackend(p);
  // Bad capture points and the like fail here, before a microVM boots for them.
  planLab(opts, randomLabId());
  if (backend === 'microvm') return captureInMicroVm(p, args, io, progress, out);
  requireLab();
  const plan = planLab(opts, randomLabId());
  const unguard = guardTeardown(plan.namespaces);
  let state: LabState | null = null;
  try {
    state = await upLab(plan, false, progress, backend === 'emulation');
    for (const l of summaryLines(state)) io.stdout.write(`${l}\n`);
    const result = await runLab(state, { out, requests: opts.requests }, progress);
    if (p.values.truth) writeTruth(p.values.truth, result.truth);
    for (const l of resultLines(result, out, p.values.truth)) io.stdout.write(`${l}\n`);
    const n = downLab(plan);
    io.stdout.write(`torn down: ${n} namespaces\n`);
    return exitStatus(io, result);
  } finally {
    // A run that failed half-way leaves keepalived's temporary directory behind otherwise.
    await Promise.all((state?.keepalived ?? []).map((h) => h.stop()));
    downLab(plan);
    unguard();
  }
}

async function up(p: Parsed, io: CommandIO, progress: (m: string) => void): Promise<number> {
  const opts = labOptions(p, p.positionals[1]);
  const backend = chooseBackend(p);
  if (backend === 'microvm') {
    throw new LabError('lab up keeps a lab on this host, whose kernel has no IPVS; the microVM lives for one run: use lab capture (or lab up --emulate)');
  }
  requireLab();
  const plan = planLab(opts, randomLabId());
  const unguard = guardTeardown(plan.namespaces);
  try {
    const state = await upLab(plan, true, progress, backend === 'emulation');
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
  const captureAt = p.values['capture-at'] as CapturePoint | undefined;
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

/** Runs `lvscope lab ARGS`; bad flags throw LabUsageError. */
export async function runLabCommand(args: readonly string[], io: CommandIO): Promise<number> {
  let p: Parsed;
  try {
    p = parse(args);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  if (p.values.help) {
    io.stdout.write(`${LAB_HELP}\n`);
    return 0;
  }
  const sub = p.positionals[0];
  const progress = labProgress(io, p.values.quiet === true);
  if (sub === undefined) throw new UsageError('which lab command? capture, up, run, down or list');
  if (!['capture', 'up', 'run', 'down', 'list'].includes(sub)) {
    throw new UsageError(`unknown lab command ${sub}: use capture, up, run, down or list`);
  }
  const maxPositionals = sub === 'list' ? 1 : 2;
  if (p.positionals.length > maxPositionals) throw new UsageError(`unexpected argument ${p.positionals[maxPositionals]}`);
  if (sub === 'list') return list(io);
  try {
    switch (sub) {
      case 'capture': return await capture(p, args, io, progress);
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
}
