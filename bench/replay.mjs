#!/usr/bin/env node
/**
 * Replay benchmark: lvscope replay vs tcpreplay on a veth pair inside a fresh network namespace
 * (both ends inside it, no addresses, deleted at the end). Needs root, tcpdump and tcpreplay, and
 * a build (`npm run build`: it runs dist/cli/commands/replay.js).
 *
 * 1. --topspeed: packets/s each sender reports for the same 200,000-frame capture (5 interleaved
 *    runs each; a bare cap send() loop as the floor of what cap allows).
 * 2. 1x timing: a 10,000-frame capture at ~1,000 pps (gaps 0.5-1.5 ms); tcpdump on the other veth
 *    end stamps arrivals in nanoseconds; per-gap error |rx gap - file gap| (median, p99) and the
 *    last packet's lateness (rx span - file span).
 *
 * Writes a markdown section to stdout (appended to bench/RESULTS.md); progress goes to stderr.
 * Options: --quick (fewer frames, for a smoke run).
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, chmodSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DIST_CMD = join(ROOT, 'dist/cli/commands/replay.js');
const quick = process.argv.includes('--quick');
const TOP_FRAMES = quick ? 20_000 : 200_000;
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
process.on('SIGINT', () => process.exit(130));

sh('ip', ['netns', 'add', NS]);
inNs('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
inNs('sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
sh('ip', ['-n', NS, 'link', 'add', 'va', 'type', 'veth', 'peer', 'name', 'vb']);
for (const dev of ['va', 'vb']) sh('ip', ['-n', NS, 'link', 'set', dev, 'up']);

const runner = join(work, 'run.mjs');
writeFileSync(
  runner,
  `const mod = await import(${JSON.stringify(DIST_CMD)});
process.exitCode = await mod.replayCommand.run(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });\n`,
);

const senders = {
  lvscope: (file, extra) => ['node', [runner, '-i', 'va', '-r', file, '-q', ...extra]],
  tcpreplay: (file, extra) => ['tcpreplay', ['-i', 'va', '-K', ...extra, file]],
};

function ratedPps(stdout) {
  const m = /Rated: [\d.]+ Bps, [\d.]+ Mbps, ([\d.]+) pps/.exec(stdout);
  return m ? Number(m[1]) : Number.NaN;
}

async function withTcpdump(file, fn) {
  const child = spawn('ip', ['netns', 'exec', NS, 'tcpdump', '-i', 'vb', '-w', file, '-U', '--immediate-mode', '-B', '131072', '-Z', 'root', '--time-stamp-precision=nano', '-s', '128'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let err = '';
  await new Promise((res, rej) => {
    const timer = setTimeout(() => rej(new Error(`tcpdump did not start: ${err}`)), 10_000);
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

// ------------------------------------------------------------------ 1. topspeed

log(`generating ${TOP_FRAMES} frames…`);
const topFile = join(work, 'top.pcap');
{
  const frames = [];
  for (let i = 0; i < TOP_FRAMES; i++) frames.push({ tsNs: i * 10_000, data: frame(i, 64 + (i % 32)) });
  writePcap(topFile, frames);
}
// The floor: cap's send() in a bare loop over the same frames, no pacing or bookkeeping.
const rawCap = join(work, 'raw-cap.mjs');
writeFileSync(
  rawCap,
  `import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';
const { Cap } = createRequire(${JSON.stringify(join(ROOT, 'package.json'))})('cap');
const b = readFileSync(process.argv[2]);
const frames = [];
for (let at = 24; at + 16 <= b.length; ) { const n = b.readUInt32LE(at + 8); frames.push(b.subarray(at + 16, at + 16 + n)); at += 16 + n; }
const c = new Cap();
c.open('va', 'less 1', 1 << 20, Buffer.alloc(65536));
const t0 = process.hrtime.bigint();
for (const f of frames) c.send(f, f.length);
const s = Number(process.hrtime.bigint() - t0) / 1e9;
c.close();
console.log('Rated: 0 Bps, 0 Mbps, ' + (frames.length / s).toFixed(2) + ' pps');\n`,
);
senders['cap send() loop'] = (file) => ['node', [rawCap, file]];
const TOP_NAMES = ['tcpreplay', 'lvscope', 'cap send() loop'];
const top = Object.fromEntries(TOP_NAMES.map((n) => [n, []]));
// Interleaved runs, so a change in the machine's load hits every sender alike.
for (let r = 0; r < 5; r++) {
  for (const name of TOP_NAMES) {
    const [cmd, args] = senders[name](topFile, ['--topspeed']);
    const out = inNs(cmd, args, { timeout: 300_000 });
    top[name].push(ratedPps(out));
  }
}
for (const name of TOP_NAMES) log(`topspeed ${name}: ${top[name].map((x) => Math.round(x)).join(', ')} pps`);

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
const paced = {};
for (const name of ['tcpreplay', 'lvscope']) {
  const rx = join(work, `rx-${name}.pcap`);
  let stdout = '';
  await withTcpdump(rx, () => {
    const [cmd, args] = senders[name](pacedFile, []);
    stdout = inNs(cmd, args, { timeout: 300_000 });
  });
  const t = readTimes(rx);
  if (t.length !== PACED_FRAMES) log(`warning: ${name}: received ${t.length} of ${PACED_FRAMES} frames`);
  const n = Math.min(t.length, PACED_FRAMES);
  const errs = [];
  for (let i = 1; i < n; i++) errs.push(Math.abs(t[i] - t[i - 1] - fileGaps[i - 1]));
  errs.sort((a, b) => a - b);
  const lastLate = t[n - 1] - fileTimes[n - 1];
  const timing = /^Timing: .*$/m.exec(stdout)?.[0] ?? '';
  paced[name] = { received: t.length, median: quantile(errs, 0.5), p99: quantile(errs, 0.99), max: errs[errs.length - 1], lastLate, timing };
  log(`1x ${name}: median ${us(paced[name].median)}, p99 ${us(paced[name].p99)}, last ${us(lastLate)}`);
}

// ------------------------------------------------------------------ report

const best = (xs) => Math.max(...xs.filter((x) => Number.isFinite(x)));
const median = (xs) => quantile(xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b), 0.5);
const ratio = median(top.lvscope) / median(top.tcpreplay);
const L = paced.lvscope;
const T = paced.tcpreplay;
const ok = (cond) => (cond ? 'met' : '**missed**');
const lines = [
  `## Replay (bench/replay.mjs)`,
  '',
  `Veth pair inside a fresh network namespace; ${cpus().length} CPUs, load average ${loadavg().map((x) => x.toFixed(2)).join(' ')} at the end; ` +
    `tcpreplay ${tcpreplayVersion()} with -K; receive times from tcpdump --time-stamp-precision=nano on the peer.`,
  '',
  `### --topspeed, ${TOP_FRAMES.toLocaleString('en')} frames (64-95 bytes), packets/s as each sender reports (5 interleaved runs)`,
  '',
  '| Sender | Runs (pps) | Median | Best |',
  '|---|---|---|---|',
  ...[['tcpreplay --topspeed -K', 'tcpreplay'], ['lvscope replay --topspeed', 'lvscope'], ['bare cap send() loop (reference)', 'cap send() loop']].map(
    ([label, key]) => `| ${label} | ${top[key].map((x) => Math.round(x).toLocaleString('en')).join(', ')} | ${Math.round(median(top[key])).toLocaleString('en')} | ${Math.round(best(top[key])).toLocaleString('en')} |`,
  ),
  '',
  `lvscope / tcpreplay (medians): ${ratio.toFixed(2)}x (target ≥ 0.8x: ${ok(ratio >= 0.8)}); lvscope / bare cap loop: ${(median(top.lvscope) / median(top['cap send() loop'])).toFixed(2)}x.`,
  '',
  `### 1x timing, ${PACED_FRAMES.toLocaleString('en')} frames at ~1,000 pps (gaps 0.5-1.5 ms)`,
  '',
  '| Sender | Received | Gap error median | p99 | max | Last packet late by |',
  '|---|---|---|---|---|---|',
  `| tcpreplay (default timer) | ${T.received} | ${us(T.median)} | ${us(T.p99)} | ${us(T.max)} | ${us(T.lastLate)} |`,
  `| lvscope replay | ${L.received} | ${us(L.median)} | ${us(L.p99)} | ${us(L.max)} | ${us(L.lastLate)} |`,
  '',
  `Targets for lvscope: median ≤ 20 µs (${ok(L.median <= 20_000)}), p99 ≤ 200 µs (${ok(L.p99 <= 200_000)}), last packet within 1 ms (${ok(Math.abs(L.lastLate) <= 1_000_000)}).`,
  L.timing !== '' ? `lvscope's own figures (send lateness against the schedule): ${L.timing.replace(/^Timing: /, '')}` : '',
  '',
];
process.stdout.write(lines.join('\n'));
