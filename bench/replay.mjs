#!/usr/bin/env node
/**
 * Replay benchmark: lvscope replay vs tcpreplay on a veth pair inside a fresh network namespace
 * (both ends inside it, no addresses, deleted at the end). Needs root, tcpdump and tcpreplay, and
 * a build (`npm run build`). lvscope runs as a shell runs it, through `bin/lvscope` (the launcher
 * starts Node with replay's memory flags).
 *
 * 1. --topspeed on two capture shapes (gen-small.mjs: 1M small frames of 42-250 bytes in 4 flows;
 *    gen-capture.mjs: 1M large frames in ~70k connections): packets/s each sender reports, wall
 *    time and peak RSS, for lvscope (packet socket, and through libpcap as before), tcpreplay and
 *    tcpreplay -K, in interleaved runs (BENCH_REPLAY_RUNS, default 5).
 * 2. 1x timing (BENCH_REPLAY_PACED_RUNS interleaved runs, default 3, each sender once per run): a 10,000-frame capture at ~1,000 pps (gaps 0.5-1.5 ms); tcpdump on the other veth
 *    end stamps arrivals in nanoseconds; per-gap error |rx gap - file gap| (median, p99), the
 *    last packet's lateness (rx span - file span), and how many gaps were more than 200 µs off
 *    (a stall, then the burst that catches up).
 *
 * 3. Paced all the way through the small shape (--pps BENCH_REPLAY_PPS, default 200,000; a fixed rate
 *    is timed like 1x, every frame's lateness logged): peak RSS, which must stay flat on a paced replay
 *    too, and the rate each sender reports (BENCH_REPLAY_PPS_RUNS interleaved runs, default 3).
 *
 * Writes a markdown section to stdout (appended to bench/RESULTS.md); progress goes to stderr.
 * Options: --quick (fewer frames, for a smoke run); BENCH_REPLAY_TOP=0 runs only the 1x timing.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync, chmodSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST_CMD = join(ROOT, 'dist/cli/commands/replay.js');
const quick = process.argv.includes('--quick');
const TOP_FRAMES = quick ? 20_000 : 1_000_000;
const PACED_FRAMES = quick ? 1_000 : 10_000;
const log = (s) => process.stderr.write(`${s}\n`);

function skip(reason) {
  process.stdout.write(`## Replay timing (bench/replay.mjs)\n\nSkipped: ${reason}\n`);
  process.exit(0);
}

if (process.getuid?.() !== 0) skip('needs root (network namespace, raw sockets).');
if (!existsSync(DIST_CMD)) skip(`no build: ${DIST_CMD} is missing (run npm run build).`);
for (const tool of ['tcpdump', 'tcpreplay', 'ip']) {
  try {
    execFileSync('which', [tool], { stdio: 'ignore' });
  } catch {
    skip(`${tool} is not installed.`);
  }
}

// ------------------------------------------------------------------ pcap writing (no deps)

/** Classic nanosecond pcap, Ethernet; frames: [{ tsNs, data }]. */
function writePcap(path, frames) {
  let size = 24;
  for (const f of frames) size += 16 + f.data.length;
  const out = Buffer.alloc(size);
  out.writeUInt32LE(0xa1b23c4d, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(262144, 16);
  out.writeUInt32LE(1, 20);
  let at = 24;
  for (const f of frames) {
    const sec = Math.floor(f.tsNs / 1e9);
    out.writeUInt32LE(1_700_000_000 + sec, at);
    out.writeUInt32LE(Math.round(f.tsNs - sec * 1e9), at + 4);
    out.writeUInt32LE(f.data.length, at + 8);
    out.writeUInt32LE(f.data.length, at + 12);
    f.data.copy(out, at + 16);
    at += 16 + f.data.length;
  }
  writeFileSync(path, out);
}

/** Arrival times (ns, relative to the first) from a nanosecond pcap written by tcpdump. */
function readTimes(path) {
  const b = readFileSync(path);
  const magic = b.readUInt32LE(0);
  const nano = magic === 0xa1b23c4d;
  const t = [];
  let at = 24;
  while (at + 16 <= b.length) {
    const sec = b.readUInt32LE(at);
    const frac = b.readUInt32LE(at + 4);
    const caplen = b.readUInt32LE(at + 8);
    t.push(sec * 1e9 + (nano ? frac : frac * 1000));
    at += 16 + caplen;
  }
  const t0 = t[0] ?? 0;
  return t.map((x) => x - t0);
}

/** A UDP/IPv4 frame of `len` bytes with a sequence number (checksums need not be right on veth). */
function frame(i, len) {
  const d = Buffer.alloc(len);
  d.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x08, 0x00, 0x45, 0, 0, len - 14, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2]);
  d.writeUInt16BE(len - 14, 16);
  d.writeUInt32BE(i, len - 4);
  return d;
}

// ------------------------------------------------------------------ namespace

const NS = `lvbench-${process.pid}`;
const work = mkdtempSync(join(tmpdir(), 'lvscope-bench-replay-'));
chmodSync(work, 0o755);
const sh = (cmd, args, opts = {}) => execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20, ...opts });
const inNs = (cmd, args, opts) => sh('ip', ['netns', 'exec', NS, cmd, ...args], opts);

function cleanup() {
  try {
    execFileSync('ip', ['netns', 'delete', NS], { stdio: 'ignore' });
  } catch {
    // not created or already gone
  }
  rmSync(work, { recursive: true, force: true });
}
process.on('exit', cleanup);
// A signal ends the process without 'exit' handlers unless handled: the namespace would stay.
for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143], ['SIGHUP', 129]]) process.on(sig, () => process.exit(code));

sh('ip', ['netns', 'add', NS]);
inNs('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
inNs('sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
sh('ip', ['-n', NS, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
for (const dev of ['va', 'vb']) sh('ip', ['-n', NS, 'link', 'set', dev, 'up']);

const lvscopeBin = join(ROOT, 'bin/lvscope');

const senders = {
  lvscope: (file, extra) => [lvscopeBin, ['replay', '-i', 'va', '-r', file, '-q', ...extra]],
  'lvscope (cap)': (file, extra) => ['env', ['LVSCOPE_REPLAY_SENDER=cap', lvscopeBin, 'replay', '-i', 'va', '-r', file, '-q', ...extra]],
  tcpreplay: (file, extra) => ['tcpreplay', ['-i', 'va', '-K', ...extra, file]],
};
const PACED_NAMES = ['tcpreplay', 'lvscope', 'lvscope (cap)'];
// Without koffi beside the build, "lvscope" falls back to libpcap and both lvscope rows measure it.
let koffiMissing = false;
try {
  createRequire(DIST_CMD).resolve('koffi');
} catch {
  koffiMissing = true;
  log('warning: koffi is not installed beside the build: the "lvscope" rows use libpcap too (npm install)');
}
/** Runs that failed (the sender's exit status or tcpdump): reported, and the bench exits 1 at the end. */
const failures = [];
const failureText = (err) => `${err.message.split('\n')[0]}${err.stderr ? `: ${String(err.stderr).trim().split('\n').slice(-3).join(' / ')}` : ''}`;
const PACED_RUNS = Number(process.env.BENCH_REPLAY_PACED_RUNS ?? (quick ? 1 : 3));

function ratedPps(stdout) {
  const m = /Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(stdout);
  return m ? Number(m[1]) : Number.NaN;
}

async function withTcpdump(file, fn) {
  const child = spawn('ip', ['netns', 'exec', NS, 'tcpdump', '-i', 'vb', '-w', file, '-U', '--immediate-mode', '-B', '131072', '-Z', 'root', '--time-stamp-precision=nano', '-s', '128'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise((res, rej) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      rej(new Error(`tcpdump did not start within 30 s: ${err}`));
    }, 30_000);
    child.stderr.on('data', (c) => {
      err += c;
      if (err.includes('listening on')) {
        clearTimeout(timer);
        res();
      }
    });
  });
  try {
    fn();
  } finally {
    await new Promise((r) => setTimeout(r, 500));
    await new Promise((res) => {
      child.on('exit', res);
      child.kill('SIGINT');
    });
  }
  return err;
}

function tcpreplayVersion() {
  const r = spawnSync('tcpreplay', ['--version'], { encoding: 'utf8' });
  return /version: (\S+)/.exec(`${r.stdout}${r.stderr}`)?.[1] ?? '?';
}

const quantile = (sorted, q) => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))];
const us = (ns) => `${(ns / 1000).toFixed(1)} µs`;

// ------------------------------------------------------------------ 1. topspeed, two shapes

// Both shapes come from the decode benchmark's generators, so every stage measures the same files
// (bench/out/, reused when already there): gen-small.mjs (1M frames of 42-250 bytes, 4 flows) and
// gen-capture.mjs (60-1514 bytes, ~70k connections).
function benchCapture(script, name) {
  const file = join(ROOT, 'bench/out', `${name}-${TOP_FRAMES}.pcap`);
  if (!existsSync(file)) {
    log(`generating ${file}…`);
    mkdirSync(dirname(file), { recursive: true });
    execFileSync(process.execPath, [join(ROOT, 'bench', script), file, String(TOP_FRAMES)], { stdio: ['ignore', 'ignore', 'inherit'] });
  }
  return file;
}
const smallFile = process.env.BENCH_REPLAY_SMALL ?? benchCapture('gen-small.mjs', 'small');
const largeFile = process.env.BENCH_REPLAY_LARGE ?? benchCapture('gen-capture.mjs', 'bench');
const SHAPES = [
  ['small frames, few flows', smallFile],
  ['large frames, many flows', largeFile],
];
const TOP_NAMES = ['tcpreplay', 'lvscope', 'lvscope (cap)', 'tcpreplay -K'];
const TOP_LABEL = {
  tcpreplay: 'tcpreplay --topspeed',
  lvscope: 'lvscope replay --topspeed (packet socket, sendmmsg)',
  'lvscope (cap)': 'lvscope replay --topspeed, LVSCOPE_REPLAY_SENDER=cap (libpcap, one send per frame: the sender before)',
  'tcpreplay -K': 'tcpreplay -K --topspeed',
};
const topArgs = {
  tcpreplay: (f) => ['tcpreplay', ['-i', 'va', '--topspeed', f]],
  'tcpreplay -K': (f) => ['tcpreplay', ['-i', 'va', '-K', '--topspeed', f]],
  lvscope: (f) => [lvscopeBin, ['replay', '-i', 'va', '-r', f, '-q', '--topspeed']],
  'lvscope (cap)': (f) => ['env', ['LVSCOPE_REPLAY_SENDER=cap', lvscopeBin, 'replay', '-i', 'va', '-r', f, '-q', '--topspeed']],
};
/** One run of [cmd, args] inside the namespace under /usr/bin/time: the sender's own pps, wall time, peak RSS. */
function timedRun([cmd, args]) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('ip', ['netns', 'exec', NS, '/usr/bin/time', '-f', '__TIME__ %M', cmd, ...args], { encoding: 'utf8', timeout: 600_000, maxBuffer: 16 << 20 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const rss = Number(/__TIME__ (\d+)/.exec(r.stderr ?? '')?.[1] ?? Number.NaN) / 1024;
  return { pps: ratedPps(r.stdout ?? ''), wall, rss };
}
const RUNS = Number(process.env.BENCH_REPLAY_RUNS ?? (quick ? 2 : 5));
const loadBefore = loadavg();
const top = {};
// BENCH_REPLAY_TOP=0: only the 1x timing runs.
const TOP_SHAPES = process.env.BENCH_REPLAY_TOP === '0' ? [] : SHAPES;
for (const [shape, file] of TOP_SHAPES) {
  top[shape] = Object.fromEntries(TOP_NAMES.map((n) => [n, []]));
  // Interleaved runs, so a change in the machine's load hits every sender alike.
  for (let r = 0; r < RUNS; r++) {
    for (const name of TOP_NAMES) top[shape][name].push(timedRun(topArgs[name](file)));
  }
  for (const name of TOP_NAMES) log(`topspeed ${shape} ${name}: ${top[shape][name].map((x) => `${Math.round(x.pps)} pps ${x.wall.toFixed(2)} s ${x.rss.toFixed(0)} MB`).join('; ')}`);
}

// ------------------------------------------------------------------ 2. 1x timing

log(`generating ${PACED_FRAMES} frames at ~1,000 pps…`);
const pacedFile = join(work, 'paced.pcap');
const fileTimes = [];
{
  const frames = [];
  let t = 0;
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  for (let i = 0; i < PACED_FRAMES; i++) {
    frames.push({ tsNs: t, data: frame(i, 100) });
    fileTimes.push(t);
    t += Math.round(500_000 + rand() * 1_000_000);
  }
  writePcap(pacedFile, frames);
}
const fileGaps = fileTimes.slice(1).map((x, i) => x - fileTimes[i]);
const paced = Object.fromEntries(PACED_NAMES.map((n) => [n, []]));
// Interleaved like the top-speed runs: a burst of load then lands on every sender alike.
for (let run = 0; run < PACED_RUNS; run++) {
  for (const name of PACED_NAMES) {
    const rx = join(work, `rx-${run}-${PACED_NAMES.indexOf(name)}.pcap`);
    let stdout = '';
    try {
      await withTcpdump(rx, () => {
        const [cmd, args] = senders[name](pacedFile, []);
        stdout = inNs(cmd, args, { timeout: 300_000 });
      });
    } catch (err) {
      // One failed run (a non-zero exit, a timeout, tcpdump not starting) must not lose the others.
      failures.push(`${name}, round ${run + 1}: ${failureText(err)}`);
      log(`1x ${name}: FAILED: ${failureText(err)}`);
      continue;
    }
    const t = readTimes(rx);
    rmSync(rx, { force: true });
    if (t.length !== PACED_FRAMES) log(`warning: ${name}: received ${t.length} of ${PACED_FRAMES} frames`);
    const n = Math.min(t.length, PACED_FRAMES);
    const errs = [];
    for (let i = 1; i < n; i++) errs.push(Math.abs(t[i] - t[i - 1] - fileGaps[i - 1]));
    // Gaps more than 200 µs off, and how many of them were short: a stall makes one long gap, and
    // a sender on an absolute schedule then catches up in a burst of short ones.
    let off = 0;
    let short = 0;
    for (let i = 1; i < n; i++) {
      const rx = t[i] - t[i - 1];
      if (Math.abs(rx - fileGaps[i - 1]) > 200_000) {
        off++;
        if (rx < fileGaps[i - 1]) short++;
      }
    }
    errs.sort((a, b) => a - b);
    const lastLate = t[n - 1] - fileTimes[n - 1];
    const timing = /^Timing: .*$/m.exec(stdout)?.[0] ?? '';
    const r = { received: t.length, median: quantile(errs, 0.5), p99: quantile(errs, 0.99), max: errs[errs.length - 1], lastLate, timing, off, short };
    paced[name].push(r);
    log(`1x ${name}: median ${us(r.median)}, p99 ${us(r.p99)}, last ${us(lastLate)}, ${off} gaps > 200 µs off (${short} short)`);
  }
}

// ------------------------------------------------------------------ 3. paced all the way through

const PPS = Number(process.env.BENCH_REPLAY_PPS ?? 200_000);
const PPS_RUNS = Number(process.env.BENCH_REPLAY_PPS_RUNS ?? (quick ? 1 : 3));
const PPS_NAMES = ['tcpreplay', 'lvscope'];
const ppsArgs = {
  tcpreplay: (f) => ['tcpreplay', ['-i', 'va', `--pps=${PPS}`, f]],
  lvscope: (f) => [lvscopeBin, ['replay', '-i', 'va', '-r', f, '-q', '--pps', String(PPS)]],
};
const ppsRuns = Object.fromEntries(PPS_NAMES.map((n) => [n, []]));
if (TOP_SHAPES.length > 0) {
  for (let r = 0; r < PPS_RUNS; r++) {
    for (const name of PPS_NAMES) ppsRuns[name].push(timedRun(ppsArgs[name](smallFile)));
  }
  for (const name of PPS_NAMES) log(`--pps ${PPS} ${name}: ${ppsRuns[name].map((x) => `${Math.round(x.pps)} pps ${x.wall.toFixed(2)} s ${x.rss.toFixed(0)} MB`).join('; ')}`);
}

// ------------------------------------------------------------------ report

const median = (xs) => quantile(xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b), 0.5);
/** Each figure's median over the runs, with min and max. */
const pacedCell = (name, k, f = us) => {
  const xs = paced[name].map((r) => r[k]);
  if (xs.length === 0) return 'no run';
  return `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
};
const pacedMed = (name, k) => median(paced[name].map((r) => r[k]));
const ok = (cond) => (cond ? 'met' : '**missed**');
const lines = [
  `## Replay (bench/replay.mjs)`,
  '',
  `Veth pair inside a fresh network namespace; ${cpus().length} CPUs, load average ${loadBefore.map((x) => x.toFixed(2)).join(' ')} before the top-speed runs and ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end; ` +
    `tcpreplay ${tcpreplayVersion()}; the machine may be shared, so compare the ratios of senders measured in the same run; receive times for the 1x run from tcpdump --time-stamp-precision=nano on the peer.`,
  '',
  ...TOP_SHAPES.flatMap(([shape, file]) => {
    const t = top[shape];
    const med = (name, k) => median(t[name].map((x) => x[k]));
    const cell = (name, k, f) => `${f(med(name, k))} (${f(Math.min(...t[name].map((x) => x[k])))}–${f(Math.max(...t[name].map((x) => x[k])))})`;
    const pps = (x) => Math.round(x).toLocaleString('en');
    const sec = (x) => x.toFixed(2);
    const mb = (x) => x.toFixed(0);
    const ratio = med('lvscope', 'pps') / med('tcpreplay', 'pps');
    return [
      `### --topspeed, ${shape}: ${TOP_FRAMES.toLocaleString('en')} frames, ${(statSync(file).size / 1e6).toFixed(0)} MB (${RUNS} interleaved runs: median (min–max))`,
      '',
      '| Sender | pps as the sender reports | wall s (with loading) | peak RSS MB |',
      '|---|---|---|---|',
      ...TOP_NAMES.map((name) => `| ${TOP_LABEL[name]} | ${cell(name, 'pps', pps)} | ${cell(name, 'wall', sec)} | ${cell(name, 'rss', mb)} |`),
      '',
      `lvscope / tcpreplay without -K (median pps): ${ratio.toFixed(2)}x (target ≥ 1x: ${ok(ratio >= 1)}); lvscope / tcpreplay -K: ${(med('lvscope', 'pps') / med('tcpreplay -K', 'pps')).toFixed(2)}x; ` +
        `lvscope through libpcap (the sender before) / tcpreplay: ${(med('lvscope (cap)', 'pps') / med('tcpreplay', 'pps')).toFixed(2)}x; ` +
        `lvscope peak RSS ${mb(Math.max(...t.lvscope.map((x) => x.rss)))} MB at most (target < 64 MB: ${ok(Math.max(...t.lvscope.map((x) => x.rss)) < 64)}).`,
      '',
    ];
  }),
  ...(TOP_SHAPES.length === 0 ? [] : (() => {
    const cell = (name, k, f) => { const xs = ppsRuns[name].map((x) => x[k]); return `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`; };
    const maxRss = Math.max(...ppsRuns.lvscope.map((x) => x.rss));
    return [
      `### --pps ${PPS.toLocaleString('en')} through the small shape: ${TOP_FRAMES.toLocaleString('en')} frames paced (${PPS_RUNS} interleaved runs: median (min–max))`,
      '',
      '| Sender | pps as the sender reports | wall s (with loading) | peak RSS MB |',
      '|---|---|---|---|',
      ...PPS_NAMES.map((name) => `| ${name === 'tcpreplay' ? `tcpreplay --pps=${PPS}` : `lvscope replay --pps ${PPS}`} | ${cell(name, 'pps', (x) => Math.round(x).toLocaleString('en'))} | ${cell(name, 'wall', (x) => x.toFixed(2))} | ${cell(name, 'rss', (x) => x.toFixed(0))} |`),
      '',
      `lvscope peak RSS on a paced replay ${maxRss.toFixed(0)} MB at most (target < 64 MB: ${ok(maxRss < 64)}).`,
      '',
    ];
  })()),
  `### 1x timing, ${PACED_FRAMES.toLocaleString('en')} frames at ~1,000 pps (gaps 0.5-1.5 ms), ${PACED_RUNS} interleaved runs: median (min–max)`,
  '',
  '| Sender | Received | Gap error median | p99 | max | Last packet late by | Gaps > 200 µs off | of them short |',
  '|---|---|---|---|---|---|---|---|',
  ...PACED_NAMES.map((name) => `| ${name === 'tcpreplay' ? 'tcpreplay (default timer)' : name === 'lvscope' ? (koffiMissing ? 'lvscope replay (koffi missing: libpcap)' : 'lvscope replay (packet socket)') : 'lvscope replay, LVSCOPE_REPLAY_SENDER=cap'} | ${pacedCell(name, 'received', String)} | ${pacedCell(name, 'median')} | ${pacedCell(name, 'p99')} | ${pacedCell(name, 'max')} | ${pacedCell(name, 'lastLate')} | ${pacedCell(name, 'off', String)} | ${pacedCell(name, 'short', String)} |`),
  '',
  `Targets for lvscope (medians of the runs): median ≤ 20 µs (${ok(pacedMed('lvscope', 'median') <= 20_000)}), p99 ≤ 200 µs (${ok(pacedMed('lvscope', 'p99') <= 200_000)}), last packet within 1 ms (${ok(Math.abs(pacedMed('lvscope', 'lastLate')) <= 1_000_000)}).`,
  ...paced.lvscope.map((r, i) => (r.timing !== '' ? `lvscope run ${i + 1}, its own figures (send lateness against the schedule): ${r.timing.replace(/^Timing: /, '')}` : '')),
  ...(failures.length > 0 ? ['', `Failed runs (left out of the table): ${failures.join('; ')}.`] : []),
  '',
];
process.stdout.write(lines.join('\n'));
if (failures.length > 0) process.exitCode = 1;
