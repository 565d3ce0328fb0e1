/**
 * `lvscope synth`: simulate an LVS cluster and write a teaching capture (pcapng with one comment
 * per packet), optionally with the truth file `lvscope analyze` is graded against.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { fileSink, OutputClosedError, type ByteSink } from '../../capture/index.js';
import type { ClusterReport } from '../../ipvs/report.js';
import {
  FAULTS, PRESET_SUMMARIES, ScenarioError, adjustRules, applyFault, isFaultName, listPresets, loadScenarioFile, preset,
  synthesize, type CapturePoint, type Scenario,
} from '../../simulate/index.js';
import { HA_PRESET_SUMMARIES, isHaPreset, listHaPresets, synthesizeHa } from '../../simulate/ha/index.js';
import { ALL_SCHEDULERS } from '../../ipvs/schedulers/index.js';
import { UsageError, showProgress, type CommandIO } from '../command.js';
import { defineCommand } from '../args.js';
import { parseRules } from '../../ipvs/ipvsadm/index.js';
import { publishReport } from '../../present/report-json.js';
import { plural } from '../../present/words.js';

const HELP = `Usage: lvscope synth --scenario NAME|FILE -w OUT [options]

Simulate an LVS cluster (clients, firewall, director, real servers) and write what a capture
point saw. In pcapng each packet's comment explains it ("director → WEB2 by wrr; DR rewrites
only the destination MAC"); the section comment names the scenario. The director's decisions
come from lvscope's kernel-exact IPVS model (schedulers, states, persistence).

Options:
      --scenario S       a preset (see --list-scenarios) or a JSON/YAML scenario file
  -w, --write OUT        capture to write (refuses to overwrite without --force)
      --format F         pcapng (default) | pcap (by extension when not given)
      --seed N           PRNG seed: same seed, same bytes (default 1)
      --truth FILE       also write the truth (lvscope analyze --format json schema)
      --method M         dr | nat | tun | fullnat: the generic cluster of that method
      --scheduler S      ${ALL_SCHEDULERS.join(' | ')}
      --weights W        comma-separated weights in rule order, e.g. 1,5
      --real-servers N   number of real servers (presets)
      --clients N        number of client hosts (presets)
      --requests N       number of client connections
      --persistence SEC  make services persistent (-p SEC); 0 removes persistence
      --tun-type T       ipip | gue | gre: the tunnel of every TUN real server (ipvsadm --tun-type)
      --tun-port N       GUE destination port (default 6080; the real servers run
                         \`ip fou add port N gue\`)
      --tun-csum         GUE with a UDP checksum, GRE with the C bit (default: none, as ipvsadm)
      --capture-at P     firewall | director | director-any | real-server | client
      --fault F          apply a fault (repeatable): ${FAULTS.join(', ')};
                         each is also accepted by the finding code it shows (e.g.
                         dr-reply-via-director for dr-via-director, no-real-server for no-rs)
      --fast             bulk captures (large --requests): after the first connections, write
                         each new connection as a stamped copy of one the full simulation
                         finished (new client address and port, ISNs, IP IDs, timestamps;
                         checksums recomputed). The real server is still chosen by the IPVS
                         model for every connection; connections that go wrong (resets, ICMP,
                         findings) and FULLNAT are still simulated in full. Over 1M packets/s;
                         not byte-identical to a run without --fast
      --list-scenarios   list the presets and exit
      --force            overwrite existing output files
      --lang L           en (default) | zh: language of the packet comments
  -q, --quiet          no progress and no summary
  -h, --help           this help

Exit status: 0 written, 2 usage error, unreadable scenario or unwritable output.

Examples:
  lvscope synth --scenario seed-dr -w dr-walkthrough.pcapng && wireshark dr-walkthrough.pcapng
  lvscope synth --scenario seed-nat --scheduler wrr --weights 1,5 --requests 12 -w nat-wrr.pcapng --truth nat-wrr.truth.json
  lvscope synth --method tun --real-servers 3 --fault tun-mtu -w tun.pcapng
  lvscope synth --method tun --tun-type gue --tun-port 6080 -w tun-gue.pcapng
  lvscope synth --scenario dr --real-servers 8 --clients 50 --requests 100000 --fast --format pcap -w bulk.pcap`;

/** The flags the help above describes. */
const OPTIONS = {
  scenario: { type: 'string' }, write: { type: 'string', short: 'w' }, format: { type: 'string' },
  seed: { type: 'string' }, truth: { type: 'string' }, method: { type: 'string' }, scheduler: { type: 'string' },
  weights: { type: 'string' }, 'real-servers': { type: 'string' }, clients: { type: 'string' },
  requests: { type: 'string' }, persistence: { type: 'string' }, 'capture-at': { type: 'string' },
  'tun-type': { type: 'string' }, 'tun-port': { type: 'string' }, 'tun-csum': { type: 'boolean' },
  fault: { type: 'string', multiple: true }, 'list-scenarios': { type: 'boolean' }, force: { type: 'boolean' }, fast: { type: 'boolean' }, lang: { type: 'string' },
  quiet: { type: 'boolean', short: 'q' }, help: { type: 'boolean', short: 'h' },
} as const;

/** The finding code a fault shows, accepted as its name too (the README and findings say these). */
const FAULT_BY_FINDING: Readonly<Record<string, string>> = {
  'dr-reply-via-director': 'dr-via-director', 'rs-answers-arp-for-vip': 'rs-arp', 'rs-announces-vip': 'rs-announce',
  'vip-primary-on-director': 'vip-primary', 'nat-reply-bypasses-director': 'nat-gateway', 'rs-not-responding': 'rs-down',
  'quiesced-server-used': 'weight-0', 'no-real-server': 'no-rs', 'port-reuse-syn-dropped': 'port-reuse',
};

const CAPTURE_POINTS: readonly CapturePoint[] = ['firewall', 'director', 'director-any', 'real-server', 'client'];
const METHODS = ['dr', 'nat', 'tun', 'fullnat'] as const;

function intOption(v: string | undefined, name: string, min = 0): number | undefined {
  if (v === undefined) return undefined;
  if (!/^\d+$/.test(v) || Number(v) < min) throw new UsageError(`--${name} needs an integer >= ${min}, got ${JSON.stringify(v)}`);
  return Number(v);
}

/** --weights gives one weight per real server, in rule order: a count that differs is a mistake, not a hint. */
/** The capture's output, or null (said on stderr) when it cannot be opened. */
function openSink(io: CommandIO, out: string, force: boolean): ByteSink | null {
  try {
    return fileSink(out, { overwrite: force });
  } catch (err) {
    io.stderr.write(`lvscope synth: ${(err as Error).message}\n`);
    return null;
  }
}

/** The truth file beside the capture; false (said on stderr) when it cannot be written. */
function writeTruth(io: CommandIO, path: string, truth: ClusterReport, force: boolean): boolean {
  try {
    writeFileSync(path, `${JSON.stringify(publishReport(truth), null, 2)}\n`, { flag: force ? 'w' : 'wx' });
    return true;
  } catch (err) {
    io.stderr.write(`lvscope synth: ${path}: cannot write the truth file: ${(err as Error).message}\n`);
    return false;
  }
}

function checkWeights(sc: Scenario, weights: readonly number[]): void {
  for (const h of sc.hosts) {
    if (h.ipvs === undefined) continue;
    for (const svc of parseRules(h.ipvs).services) {
      if (svc.dests.length !== weights.length) {
        const where = svc.fwmark !== 0 ? `fwmark ${svc.fwmark}` : `${svc.protocol.toUpperCase()} ${svc.vip}:${svc.port}`;
        throw new UsageError(`--weights gives ${plural(weights.length, 'weight')} but ${where} has ${plural(svc.dests.length, 'real server')} (one weight per real server, in rule order)`);
      }
    }
  }
}

export const synthCommand = defineCommand(HELP, OPTIONS, async (parsed, io) => {
  const v = parsed.values;
  if (v.help === true) {
    io.stdout.write(`${HELP}\n`);
    return 0;
  }
  if (v['list-scenarios'] === true) {
    const w = Math.max(...[...listPresets(), ...listHaPresets()].map((n) => n.length));
    for (const n of listPresets()) io.stdout.write(`${n.padEnd(w)}  ${PRESET_SUMMARIES[n]}\n`);
    for (const n of listHaPresets()) io.stdout.write(`${n.padEnd(w)}  ${HA_PRESET_SUMMARIES[n]}\n`);
    return 0;
  }
  const out = v.write;
  if (out === undefined) throw new UsageError('-w OUT is required');
  const format = v.format ?? (/\.pcap$/i.test(out) ? 'pcap' : 'pcapng');
  if (format !== 'pcap' && format !== 'pcapng') throw new UsageError(`--format must be pcap or pcapng, got ${JSON.stringify(format)}`);
  const lang = v.lang ?? 'en';
  if (lang !== 'en' && lang !== 'zh') throw new UsageError(`--lang must be en or zh, got ${JSON.stringify(lang)}`);
  const method = v.method;
  if (method !== undefined && !(METHODS as readonly string[]).includes(method)) throw new UsageError(`--method must be one of ${METHODS.join(', ')}`);
  const captureAt = v['capture-at'];
  if (captureAt !== undefined && !(CAPTURE_POINTS as readonly string[]).includes(captureAt)) {
    throw new UsageError(`--capture-at must be one of ${CAPTURE_POINTS.join(', ')}`);
  }
  if (v.scheduler !== undefined && !(ALL_SCHEDULERS as readonly string[]).includes(v.scheduler)) {
    throw new UsageError(`--scheduler must be one of ${ALL_SCHEDULERS.join(', ')}`);
  }
  let weights: number[] | undefined;
  if (v.weights !== undefined) {
    weights = v.weights.split(',').map((x) => intOption(x.trim(), 'weights')!);
  }
  const seed = intOption(v.seed, 'seed') ?? 1;
  const realServers = intOption(v['real-servers'], 'real-servers', 1);
  const clients = intOption(v.clients, 'clients', 1);
  const requests = intOption(v.requests, 'requests', 1);
  const persistence = intOption(v.persistence, 'persistence');
  const tunType = v['tun-type'];
  if (tunType !== undefined && tunType !== 'ipip' && tunType !== 'gue' && tunType !== 'gre') throw new UsageError('--tun-type must be one of ipip, gue, gre');
  const tunPort = intOption(v['tun-port'], 'tun-port', 1);
  if (tunPort !== undefined && tunPort > 65535) throw new UsageError(`--tun-port needs a port number, got ${tunPort}`);
  if (tunPort !== undefined && tunType !== 'gue') throw new UsageError('--tun-port applies to --tun-type gue');
  const faults = (v.fault ?? []).map((f) => FAULT_BY_FINDING[f] ?? f);
  for (const f of faults) if (!isFaultName(f)) throw new UsageError(`unknown fault ${JSON.stringify(f)}; one of ${FAULTS.join(', ')}`);

  const force = v.force === true;
  for (const path of [out, v.truth]) {
    if (path !== undefined && path !== '-' && existsSync(path) && !force) {
      io.stderr.write(`lvscope synth: ${path} exists; refusing to overwrite it (use --force)\n`);
      return 2;
    }
  }

  if (v.scenario !== undefined && isHaPreset(v.scenario)) {
    const other = ['method', 'scheduler', 'weights', 'real-servers', 'clients', 'requests', 'persistence', 'capture-at', 'tun-type', 'tun-port', 'fault', 'fast', 'seed'] as const;
    const given = other.filter((o) => v[o] !== undefined);
    if (given.length > 0) throw new UsageError(`--${given[0]} does not apply to the director-pair preset ${v.scenario} (a fixed keepalived timeline)`);
    const sink = openSink(io, out, force);
    if (sink === null) return 2;
    const r = synthesizeHa(v.scenario, sink, { format, lang, fileName: out });
    if (v.truth !== undefined && !writeTruth(io, v.truth, r.truth, force)) return 2;
    if (v.quiet !== true) io.stderr.write(`${out === '-' ? 'standard output' : out}: ${plural(r.frames, 'frame')}, ${r.seconds.toFixed(3)} s (scenario ${v.scenario})\n`);
    return 0;
  }

  let sc: Scenario;
  try {
    const name = v.scenario ?? method;
    if (name === undefined) throw new UsageError('--scenario NAME|FILE (or --method) is required');
    const opts = { realServers, clients, requests };
    if (listPresets().includes(name)) {
      const generic = (METHODS as readonly string[]).includes(name);
      if (method !== undefined && method !== name && !generic) {
        throw new UsageError(`--method applies to the generic presets (${METHODS.join(', ')}), not to ${name}`);
      }
      sc = preset(method !== undefined && generic ? method : name, opts);
    } else if (existsSync(name)) {
      sc = loadScenarioFile(name);
      if (requests !== undefined) sc = { ...sc, workload: { ...sc.workload, connections: requests } };
      if (realServers !== undefined || clients !== undefined || method !== undefined) {
        throw new UsageError('--real-servers, --clients and --method apply to presets; edit the scenario file instead');
      }
    } else {
      throw new UsageError(`unknown scenario ${JSON.stringify(name)}: not a preset (--list-scenarios) and no such file`);
    }
    for (const f of faults) if (isFaultName(f)) sc = applyFault(sc, f);
    if (weights !== undefined) checkWeights(sc, weights);
  } catch (err) {
    if (err instanceof ScenarioError) {
      io.stderr.write(`lvscope synth: ${err.message}\n`);
      return 2;
    }
    throw err;
  }

  const progress = showProgress(io, v.quiet === true);
  const sink = openSink(io, out, force);
  if (sink === null) return 2;
  let result;
  try {
    result = synthesize(sc, sink, {
      seed, format, captureAt: captureAt as CapturePoint | undefined, fileName: out, fast: v.fast === true, lang,
      adjustRules: adjustRules({
        scheduler: v.scheduler, weights, persistence, tunType, tunPort, ...(v['tun-csum'] === true ? { tunCsum: true } : {}),
      }),
      onProgress: progress ? (n) => io.stderr.write(`\r  ${n} frames`) : undefined,
    });
  } catch (err) {
    if (err instanceof OutputClosedError) throw err; // `| head`: not a failure (main.ts: 0)
    sink.close();
    io.stderr.write(`lvscope synth: ${(err as Error).message}\n`);
    return 2;
  }
  if (progress) io.stderr.write('\r');
  if (v.truth !== undefined && !writeTruth(io, v.truth, result.truth, force)) return 2;
  if (v.quiet !== true) {
    const conns = result.truth.connections.length;
    const stamped = result.stamped > 0 ? `, ${result.stamped} stamped` : '';
    // A message, not data: on stderr, so `synth -w -` leaves nothing but the capture on stdout.
    io.stderr.write(`${out === '-' ? 'standard output' : out}: ${plural(result.frames, 'frame')}, ${plural(conns, 'connection')}${stamped}, ${result.seconds.toFixed(3)} s simulated (scenario ${sc.name}, seed ${seed})\n`);
  }
  return 0;
}, false);
