/**
 * `lvscope lab`: build a real LVS cluster in network namespaces and capture it, on the kernel's
 * own IPVS: this host's when it has IPVS, otherwise a distribution kernel booted in a microVM.
 * The nftables emulation runs only when asked for (--emulate).
 */
import { release } from 'node:os';
import { parseArgs } from 'node:util';
import type { SchedulerName } from '../ipvs/report.js';
import { downLab, guardTeardown, runLab, upLab, writeTruth, type LabState, type RunResult } from './cluster.js';
import { LabCaptureError } from './frames.js';
import { hasIpvs, LabError, labUnavailable } from './host.js';
import { labProgress, LabUsageError as UsageError, type LabIO as CommandIO } from './io.js';
import {
  GUE_PORT, HEALTH_CHECKS, LAB_METHODS, LAN_KINDS, LabConfigError, MISCONFIGS, PRESETS, resolveOptions, TUN_TYPES,
  type CapturePoint, type HealthCheck, type LabMethod, type LabOptions, type LanKind, type Misconfig, type Preset, type TunType,
} from './options.js';
import { planLab, randomLabId } from './plan.js';
import { describeDirector } from './rules.js';
import { findState, listStates, removeState, saveState, stateDir } from './state.js';
import { backendOf } from './truth.js';
import { captureInVm } from './vm/backend.js';

export const LAB_HELP = `Usage:
  lvscope lab capture dr|nat|tun -w OUT.pcap [options]   build, capture, tear down
  lvscope lab capture --preset seed-dr|seed-nat -w OUT.pcap [--truth FILE]
  lvscope lab up dr|nat|tun [options]                     build a lab and keep it up
  lvscope lab run [LAB] -w OUT.pcap [--requests N] [--capture-at P] [--truth FILE]
  lvscope lab down [LAB | --all]                          delete a lab's namespaces
  lvscope lab list                                        labs that are up

Builds a real LVS cluster in network namespaces (clients, a firewall doing DNAT, the director,
real servers running a small web server, a router in front of TUN real servers; a switched LAN)
and captures it with tcpdump. Nothing is connected to the host's own network.
The director is the kernel's own IPVS (ipvsadm), found in this order:
  host-ipvs  this host's kernel has IPVS (/proc/net/ip_vs, or modprobe ip_vs works)
  microvm    otherwise: Debian's kernel image (downloaded once with apt-get download, about
             70 MB, cached under ~/.cache/lvscope) boots under QEMU (TCG) with no network
             device; the lab runs inside it and its files come back here (lab capture only)
  --emulate  only when asked: nftables and policy routing imitate IPVS (rr, wrr, sh); labelled
             EMULATION in the output and the truth, never the kernel's behaviour
The output and the truth file name the backend that ran. FULLNAT is not in mainline Linux:
no backend can build it. Real servers are added last-first, so the kernel's list is rs1,
rs2, … and rr starts at rs1 (the seed-nat preset adds them in the seed's order). Needs root.

Options:
  -w, --write FILE|DIR      the capture to write (pcap, nanosecond timestamps); with several
                            capture points a directory with one POINT.pcap each
      --real-servers N      real servers, 1..16 (default 2)
      --scheduler NAME      rr, wrr, sh, … (default rr; wrr when --weights is given)
      --weights W1,W2,…     one weight per real server, rs1 first
      --clients N           client namespaces, 1..8 (default 1)
      --requests N          HTTP requests, one TCP connection each (default 4)
      --capture-at P1,P2,…  firewall (its LAN interface, DR/TUN default), director (its LAN
                            interface), any (every director interface, Linux cooked v2; NAT
                            default), rs1; HOST (every interface of it) or HOST:IFACE with
                            HOST one of c0 c1 … fw dir rs1 rs2 … rtr (or a name: WEB2);
                            all (every interface of every host)
      --lan switch|hub      switch (default): the LAN bridge learns MACs; hub: it floods
      --tun-type TYPE       TUN encapsulation: ipip (default), gue (UDP ${GUE_PORT}) or gre
      --persistent SECONDS  persistence (ipvsadm -p)
      --fwmark MARK         a firewall-mark service (ipvsadm -f MARK; nftables marks VIP:80)
      --hold                keep every connection open until the last request is answered
                            (so lc, wlc, sed and nq pick differently from rr)
      --flap rsN:A-B        take rsN out (ipvsadm -d) after request A, add it back after B
      --ha                  two directors (dir, dir2) running keepalived 2: VRRP (VRID 51,
                            advert 1 s, dir priority 150 MASTER, dir2 100 BACKUP) for the VIP,
                            the virtual server and a health check per real server (DR only)
      --ha-failover A-B     pull dir's LAN cable (its switch port down) after request A, plug it
                            back in after request B (dir preempts); with --hold every held
                            connection sends one more GET after each switch (implies --ha)
      --sync on|off         keepalived's lvs_sync_daemon: the master's IPVS sync daemon
                            multicasts its connections to the backup's (UDP 8848, 224.0.0.81)
      --rs-fail rsN:A[-B]   rsN's web server dies after request A; the health checks remove it;
                            with B it starts again after request B and they add it back
      --health-check KIND   tcp (TCP_CHECK, default) or http (HTTP_GET / expecting 200)
      --emulate             the nftables emulation instead of the kernel's IPVS
      --backend B           host-ipvs or microvm (default: host-ipvs when the kernel has
                            IPVS, else microvm)
      --kernel-deb FILE     the microVM boots this linux-image .deb instead of downloading
      --vm-timeout SECONDS  kill the microVM after this long (default 300 + 2 per request)
      --udp                 a UDP service instead of HTTP: DNS on port 53 (each real server
                            answers an A query with its own address; one query per request)
      --one-packet          one-packet scheduling (ipvsadm -o; UDP): every datagram scheduled
      --same-port           every request from one client port (a resolver's fixed port, or
                            a TCP port reused at once)
      --timeouts T,F,U      ipvsadm --set T F U: TCP established, TCP FIN_WAIT, UDP timeouts in
                            seconds (short ones make expiry visible in seconds)
      --idle SECONDS        each connection: one request, SECONDS of silence, a second request
      --quiesce rsN:A       set rsN's weight to 0 (ipvsadm -e … -w 0) after request A
      --misconfig KIND      rs-arp (a DR real server answers ARP for the VIP), nat-gateway
                            (a NAT real server's default route bypasses the director),
                            dr-reply-via-director, vip-primary (the VIP is the director's
                            primary address); on rs1: rs-down (nothing listens), rs-firewall
                            (its firewall drops the service's packets), rs-reject (its
                            firewall rejects them: ICMP port unreachable), dr-vip-missing
                            (no VIP on its lo), tun-rp-filter (rp_filter=1 drops the
                            decapsulated packets)
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
  lvscope lab capture tun --tun-type gue --capture-at dir,rtr,rs1 -w tun-gue/ --truth tun.json
  lvscope lab capture dr --scheduler wlc --hold --clients 3 --requests 9 -w wlc.pcap
  lvscope lab capture dr --udp --requests 6 -w dns.pcap
  lvscope lab capture dr --idle 8 --timeouts 5,5,5 --requests 1 -w idle.pcap
  lvscope lab capture dr --ha-failover 2-4 --sync on --hold --requests 6 \\
      --capture-at fw:eth1,dir:eth0,dir2:eth0 -w failover/ --truth failover.json
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
      lan: { type: 'string' },
      'tun-type': { type: 'string' },
      persistent: { type: 'string' },
      hold: { type: 'boolean' },
      flap: { type: 'string' },
      ha: { type: 'boolean' },
      'ha-failover': { type: 'string' },
      sync: { type: 'string' },
      'rs-fail': { type: 'string' },
      'health-check': { type: 'string' },
      fwmark: { type: 'string' },
      udp: { type: 'boolean' },
      'one-packet': { type: 'boolean' },
      'same-port': { type: 'boolean' },
      timeouts: { type: 'string' },
      idle: { type: 'string' },
      quiesce: { type: 'string' },
      emulate: { type: 'boolean' },
      backend: { type: 'string' },
      'kernel-deb': { type: 'string' },
      'vm-timeout': { type: 'string' },
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
  if (method === 'fullnat') {
    throw new UsageError('FULLNAT is not in mainline Linux (it lives in out-of-tree IPVS patches such as Alibaba\'s), so no kernel lvscope lab can boot has it; use dr, nat or tun');
  }
  set('method', oneOf<LabMethod>(LAB_METHODS, method, 'the method'));
  set('realServers', int(p.values['real-servers'], '--real-servers'));
  set('scheduler', p.values.scheduler as SchedulerName | undefined);
  set('weights', weights ?? undefined);
  set('clients', int(p.values.clients, '--clients'));
  set('requests', int(p.values.requests, '--requests'));
  const points = p.values['capture-at']?.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (points && points.length > 0) {
    set('captureAt', points[0] as CapturePoint);
    set('alsoCapture', points.slice(1));
  }
  set('lan', oneOf<LanKind>(LAN_KINDS, p.values.lan, '--lan'));
  set('tunType', oneOf<TunType>(TUN_TYPES, p.values['tun-type'], '--tun-type'));
  set('persistence', int(p.values.persistent, '--persistent'));
  set('hold', p.values.hold);
  set('fwmark', int(p.values.fwmark, '--fwmark'));
  if (p.values.flap !== undefined) {
    const m = /^rs(\d+):(\d+)-(\d+)$/.exec(p.values.flap);
    if (!m) throw new UsageError(`--flap needs rsN:A-B, e.g. rs1:2-4 (got ${p.values.flap})`);
    set('flap', { rs: Number(m[1]), after: Number(m[2]), back: Number(m[3]) });
  }
  set('udp', p.values.udp);
  set('onePacket', p.values['one-packet']);
  set('samePort', p.values['same-port']);
  set('idle', int(p.values.idle, '--idle'));
  if (p.values.timeouts !== undefined) {
    const m = /^(\d+),(\d+),(\d+)$/.exec(p.values.timeouts);
    if (!m) throw new UsageError(`--timeouts needs TCP,TCPFIN,UDP seconds, e.g. 5,10,5 (got ${p.values.timeouts})`);
    set('timeouts', { tcp: Number(m[1]), tcpfin: Number(m[2]), udp: Number(m[3]) });
  }
  if (p.values.quiesce !== undefined) {
    const m = /^rs(\d+):(\d+)$/.exec(p.values.quiesce);
    if (!m) throw new UsageError(`--quiesce needs rsN:A, e.g. rs1:2 (got ${p.values.quiesce})`);
    set('quiesce', { rs: Number(m[1]), after: Number(m[2]) });
  }
  set('ha', p.values.ha);
  if (p.values['ha-failover'] !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(p.values['ha-failover']);
    if (!m) throw new UsageError(`--ha-failover needs A-B, e.g. 2-4 (got ${p.values['ha-failover']})`);
    set('haFailover', { after: Number(m[1]), back: Number(m[2]) });
  }
  const sync = oneOf(['on', 'off'] as const, p.values.sync, '--sync');
  if (sync !== undefined) {
    set('sync', sync === 'on');
    set('ha', true);
  }
  if (p.values['rs-fail'] !== undefined) {
    const m = /^rs(\d+):(\d+)(?:-(\d+))?$/.exec(p.values['rs-fail']);
    if (!m) throw new UsageError(`--rs-fail needs rsN:A or rsN:A-B, e.g. rs1:3 (got ${p.values['rs-fail']})`);
    set('rsFail', { rs: Number(m[1]), after: Number(m[2]), back: m[3] === undefined ? null : Number(m[3]) });
  }
  set('healthCheck', oneOf<HealthCheck>(HEALTH_CHECKS, p.values['health-check'], '--health-check'));
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
  const extras = [
    o.persistence !== null ? `persistent ${o.persistence} s` : '',
    o.fwmark !== null ? `fwmark ${o.fwmark} service` : '',
    o.hold ? 'connections held open' : '',
    o.flap ? `rs${o.flap.rs} out after request ${o.flap.after}, back after ${o.flap.back}` : '',
    o.udp ? `UDP DNS service${o.onePacket ? ' (one-packet scheduling)' : ''}` : '',
    o.samePort ? 'one client port' : '',
    o.timeouts !== null ? `timeouts ${o.timeouts.tcp} ${o.timeouts.tcpfin} ${o.timeouts.udp}` : '',
    o.idle !== null ? `${o.idle} s idle before a second request` : '',
    o.quiesce ? `rs${o.quiesce.rs} weight 0 after request ${o.quiesce.after}` : '',
    o.ha ? `keepalived on dir and dir2 (${o.healthCheck === 'http' ? 'HTTP_GET' : 'TCP_CHECK'}${o.sync ? ', sync daemon' : ', no sync daemon'})` : '',
    o.haFailover ? `dir's LAN cable out after request ${o.haFailover.after}, back after ${o.haFailover.back}` : '',
    o.rsFail ? `rs${o.rsFail.rs}'s web server dies after request ${o.rsFail.after}${o.rsFail.back !== null ? `, starts again after ${o.rsFail.back}` : ''}` : '',
    `${o.lan === 'hub' ? 'hub' : 'switched'} LAN`,
  ].filter((x) => x !== '').join(', ');
  const backend = backendOf(state.kind, process.env);
  return [
    `lab ${p.id}: ${p.method.toUpperCase()}${p.method === 'tun' ? `/${o.tunType}` : ''}${o.preset ? ` (preset ${o.preset})` : ''}, ${p.realServers.length} real servers, ` +
      `${p.scheduler}${weights}, ${p.clients.length} client${p.clients.length === 1 ? '' : 's'}` +
      `${o.misconfig ? `, misconfig ${o.misconfig}` : ''}, ${extras}`,
    `backend: ${backend}${backend === 'emulation' ? ' (NOT the kernel\'s IPVS)' : ` (kernel ${release()})`}`,
    describeDirector(state.kind, p),
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
