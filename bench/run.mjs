#!/usr/bin/env node
/**
 * `npm run bench` (after `npm run build`): lvscope's decoder against tcpdump and tshark on the
 * same generated capture, printed as a markdown table and appended to bench/RESULTS.md.
 *
 *   1. bench/gen-capture.mjs writes 1M and 3M frames of LVS-DR traffic into bench/out/ (ignored
 *      by git; reused when already there).
 *   2. Decoding into records, no printing, in a child process (best of 3 passes; with and without
 *      checksum verification), with its peak RSS.
 *   3. `lvscope decode -r F > /dev/null` vs `tcpdump -n -r F > /dev/null`, wall time and peak RSS
 *      (/usr/bin/time), on 1M and 3M frames: memory must not grow with the file.
 *   4. `lvscope decode --format ndjson` vs `tshark -T json`: tshark is timed on the first 100k
 *      frames (`-c`) and scaled, which flatters it (no long-run slowdown counted).
 *   4b. Text decode against tcpdump on both capture shapes (gen-small.mjs: 1M frames of 42-250
 *      bytes in four flows; gen-capture.mjs: large frames, many flows), interleaved runs.
 *   5. Hooks: bench/replay.mjs when present and root; synthesizePackets from dist/simulate.
 *
 * Environment: BENCH_FRAMES (default 1000000), BENCH_BIG_FRAMES (default 3000000, 0 skips),
 * BENCH_TSHARK_FRAMES (default 100000), BENCH_NO_APPEND=1 to leave RESULTS.md alone,
 * BENCH_SUBS=0 to skip the other stages' benchmarks, BENCH_DECODE_RUNS (default 3), BENCH_SHAPES_ONLY=1
 * for the two-shape text decode comparison alone (printed, not appended).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, openSync, closeSync, readFileSync, statSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist');

// --- child mode: the in-process decode loop, so its peak RSS is its own --------------------
if (process.argv[2] === '--child-decode') {
  const file = process.argv[3];
  const verify = process.argv[4] !== 'nocheck';
  const { CaptureReader } = await import(pathToFileURL(join(dist, 'capture/index.js')).href);
  const { FrameDecoder } = await import(pathToFileURL(join(dist, 'decode/index.js')).href);
  const passes = [];
  let frames = 0, bytes = 0, layers = 0, issues = 0;
  for (let pass = 0; pass < 3; pass++) {
    const r = CaptureReader.open(file);
    const d = new FrameDecoder({ verifyChecksums: verify });
    frames = 0; bytes = 0; layers = 0; issues = 0;
    const t0 = process.hrtime.bigint();
    while (r.next()) {
      const f = d.decode(r.buf, r.offset, r.caplen, r.linkType, ++frames, r.tsSec, r.tsNsec, r.len, r.iface, r.comment);
      layers += f.layers.length;
      issues += f.issues.length;
      bytes += r.caplen;
    }
    passes.push(Number(process.hrtime.bigint() - t0) / 1e9);
    r.close();
  }
  const best = Math.min(...passes);
  process.stdout.write(JSON.stringify({
    frames, bytes, layers, issues, seconds: passes, best,
    framesPerSec: frames / best, mbPerSec: bytes / best / 1e6, maxRssMb: process.resourceUsage().maxRSS / 1024,
  }));
  process.exit(0);
}

// --- parent ------------------------------------------------------------------------------
const FRAMES = Number(process.env.BENCH_FRAMES ?? 1_000_000);
const BIG = Number(process.env.BENCH_BIG_FRAMES ?? 3_000_000);
const TSHARK_FRAMES = Number(process.env.BENCH_TSHARK_FRAMES ?? 100_000);
const out = join(here, 'out');
mkdirSync(out, { recursive: true });

if (!existsSync(join(dist, 'decode/index.js'))) {
  console.error('bench: dist/ is missing; run `npm run build` first (npm run bench does).');
  process.exit(2);
}

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

function capture(frames) {
  const file = join(out, `bench-${frames}.pcap`);
  if (!existsSync(file) || statSync(file).size < frames * 54) {
    const r = execFileSync(process.execPath, [join(here, 'gen-capture.mjs'), file, String(frames)], { encoding: 'utf8' });
    console.error(`generated ${r.trim()}`);
  }
  return file;
}

/** Runs argv with stdout to /dev/null; wall seconds and peak RSS (MB) via /usr/bin/time when present. */
function timed(argv) {
  const devnull = openSync('/dev/null', 'w');
  const useTime = existsSync('/usr/bin/time');
  const full = useTime ? ['/usr/bin/time', '-f', '__TIME__ %e %M %U %S', ...argv] : argv;
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), { stdio: ['ignore', devnull, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20 });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(devnull);
  const m = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  // CPU seconds (user + system): on a shared machine they move less with the load than wall time.
  return { wall, rssMb: m ? Number(m[2]) / 1024 : null, cpu: m ? Number(m[3]) + Number(m[4]) : null, status: r.status };
}

function childDecode(file, mode) {
  const r = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child-decode', file, mode], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(r);
}

// bin/lvscope itself, as a shell runs it (its launcher line starts Node the way users' `lvscope` does).
const lvscope = [join(root, 'bin/lvscope'), 'decode'];
const rows = [];
const notes = [];
const fmt = (n, d = 2) => (n === null || n === undefined ? 'n/a' : Number(n).toFixed(d));
const mb = (n) => (n === null ? 'n/a' : `${fmt(n, 0)} MB`);

const file = capture(FRAMES);
const sizeMb = statSync(file).size / 1e6;
if (process.env.BENCH_SHAPES_ONLY !== '1') {
  console.error(`bench: ${FRAMES} frames, ${fmt(sizeMb, 0)} MB: decoding into records…`);
  const dec = childDecode(file, 'check');
  const decNo = childDecode(file, 'nocheck');
  rows.push(['decode into records (checksums verified), best of 3', `${fmt(dec.framesPerSec / 1e6)} M frames/s`, `${fmt(dec.mbPerSec, 0)} MB/s`, mb(dec.maxRssMb), dec.framesPerSec >= 3e6 ? 'target ≥ 3 M/s: met' : 'target ≥ 3 M/s: NOT met']);
  rows.push(['decode into records (--no-checksum), best of 3', `${fmt(decNo.framesPerSec / 1e6)} M frames/s`, `${fmt(decNo.mbPerSec, 0)} MB/s`, mb(decNo.maxRssMb), decNo.framesPerSec >= 3e6 ? 'target ≥ 3 M/s: met' : 'target ≥ 3 M/s: NOT met']);
}

// Text decode against tcpdump on both capture shapes, interleaved runs, median (min-max).
function smallCapture(frames) {
  const f = join(out, `small-${frames}.pcap`);
  if (!existsSync(f) || statSync(f).size < frames * 42) {
    const r = execFileSync(process.execPath, [join(here, 'gen-small.mjs'), f, String(frames)], { encoding: 'utf8' });
    console.error(`generated ${r.trim()}`);
  }
  return f;
}
const DECODE_RUNS = Number(process.env.BENCH_DECODE_RUNS ?? 3);
const median = (xs) => [...xs].sort((x, y) => x - y)[Math.floor((xs.length - 1) / 2)];
const spread = (xs, f) => `${f(median(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
const shapeRows = [];
if (have('tcpdump')) {
  for (const [shape, f] of [['small frames, few flows', smallCapture(FRAMES)], ['large frames, many flows', file]]) {
    console.error(`bench: decode text vs tcpdump, ${shape}…`);
    const lvT = [], tdT = [], lvM = [], tdM = [], lvC = [], tdC = [];
    for (let r = 0; r < DECODE_RUNS; r++) {
      const a = timed([...lvscope, '-q', '-r', f]);
      const b = timed(['tcpdump', '-n', '-r', f]);
      lvT.push(a.wall); tdT.push(b.wall); lvM.push(a.rssMb ?? 0); tdM.push(b.rssMb ?? 0); lvC.push(a.cpu ?? NaN); tdC.push(b.cpu ?? NaN);
    }
    const ratio = median(tdT) / median(lvT);
    const cpuRatio = median(tdC) / median(lvC);
    shapeRows.push([shape, `${fmt(statSync(f).size / 1e6, 0)} MB`, spread(lvT, (x) => `${fmt(x)} s`), spread(tdT, (x) => `${fmt(x)} s`),
      `${fmt(median(lvC))} / ${fmt(median(tdC))} s`,
      `${fmt(median(lvM), 0)} / ${fmt(median(tdM), 0)} MB`, `${fmt(ratio)}× (target ≥ 1: ${ratio >= 1 ? 'met' : 'NOT met'}); CPU time ${fmt(cpuRatio)}×`]);
  }
} else notes.push('tcpdump not installed: the two-shape decode comparison was skipped');

// BENCH_SHAPES_ONLY=1: the two-shape comparison alone (a busy machine: the rest takes minutes).
if (process.env.BENCH_SHAPES_ONLY === '1') {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`## decode text vs tcpdump: ${new Date().toISOString()} (bench/run.mjs, BENCH_SHAPES_ONLY=1)\n\nMachine: ${cpus().length} CPUs (nproc); Node ${process.version}; load average at the end ${load}.\n`);
  console.log(['| shape | file | lvscope wall | tcpdump wall | CPU (user+sys) lvscope / tcpdump | peak RSS lvscope / tcpdump | tcpdump time / lvscope time (wall, medians) |', '|---|---|---|---|---|---|---|',
    ...shapeRows.map((r) => `| ${r.join(' | ')} |`)].join('\n'));
  process.exit(0);
}

console.error('bench: lvscope decode vs tcpdump…');
const lv = timed([...lvscope, '-q', '-r', file]);
rows.push([`lvscope decode -r F > /dev/null (${FRAMES / 1e6}M)`, `${fmt(FRAMES / lv.wall / 1e6)} M frames/s`, `${fmt(lv.wall)} s`, mb(lv.rssMb), `exit ${lv.status}`]);
let td = null;
if (have('tcpdump')) {
  td = timed(['tcpdump', '-n', '-r', file]);
  rows.push([`tcpdump -n -r F > /dev/null (${FRAMES / 1e6}M)`, `${fmt(FRAMES / td.wall / 1e6)} M frames/s`, `${fmt(td.wall)} s`, mb(td.rssMb), `lvscope/tcpdump time ratio ${fmt(lv.wall / td.wall)} (target ≤ 1)`]);
} else notes.push('tcpdump not installed: comparison skipped');

console.error('bench: ndjson vs tshark -T json…');
const nd = timed([...lvscope, '-q', '--format', 'ndjson', '-r', file]);
rows.push([`lvscope decode --format ndjson (${FRAMES / 1e6}M)`, `${fmt(FRAMES / nd.wall / 1e6)} M frames/s`, `${fmt(nd.wall)} s`, mb(nd.rssMb), `exit ${nd.status}`]);
if (have('tshark')) {
  const ts = timed(['tshark', '-n', '-r', file, '-c', String(TSHARK_FRAMES), '-T', 'json']);
  const scaled = ts.wall * (FRAMES / TSHARK_FRAMES);
  rows.push([`tshark -T json (first ${TSHARK_FRAMES / 1e3}k frames, scaled ×${FRAMES / TSHARK_FRAMES})`, `${fmt(TSHARK_FRAMES / ts.wall / 1e6, 3)} M frames/s`, `${fmt(ts.wall)} s → ~${fmt(scaled, 0)} s`, mb(ts.rssMb), `tshark/lvscope ndjson ratio ${fmt(scaled / nd.wall, 1)}× (target ≥ 10×)`]);
} else notes.push('tshark not installed: comparison skipped');

if (BIG > 0) {
  const big = capture(BIG);
  console.error(`bench: memory on ${BIG / 1e6}M frames…`);
  const lvBig = timed([...lvscope, '-q', '-r', big]);
  rows.push([`lvscope decode -r F > /dev/null (${BIG / 1e6}M, ${fmt(statSync(big).size / 1e6, 0)} MB)`, `${fmt(BIG / lvBig.wall / 1e6)} M frames/s`, `${fmt(lvBig.wall)} s`, mb(lvBig.rssMb), lvBig.rssMb !== null && lv.rssMb !== null ? `peak RSS ${mb(lv.rssMb)} at ${FRAMES / 1e6}M vs ${mb(lvBig.rssMb)} at ${BIG / 1e6}M (target flat, < 200 MB)` : '']);
  const ndBig = timed([...lvscope, '-q', '--format', 'ndjson', '-r', big]);
  rows.push([`lvscope decode --format ndjson (${BIG / 1e6}M)`, `${fmt(BIG / ndBig.wall / 1e6)} M frames/s`, `${fmt(ndBig.wall)} s`, mb(ndBig.rssMb), '']);
}

// --- the other stages' benchmarks, each a child so its memory and timing are its own ----------
// Each prints a markdown section; they run after the decode figures, in the same run.
const sections = [];
function subBench(name, args = [], env = {}) {
  const script = join(here, name);
  if (!existsSync(script)) { notes.push(`bench/${name} not present: skipped`); return; }
  const r = spawnSync(process.execPath, [script, ...args], {
    encoding: 'utf8', timeout: 1_800_000, maxBuffer: 1 << 26,
    env: { ...process.env, BENCH_NO_APPEND: '1', ...env },
  });
  const out = (r.stdout ?? '').trim();
  if (r.status === 0 && out !== '') sections.push(out);
  else notes.push(`bench/${name} failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' / ')}`);
}
// BENCH_SUBS=0 runs the decode figures alone (the machine is shared: do not rerun everything).
if (process.env.BENCH_SUBS !== '0') {
  subBench('synth.mjs');
  subBench('analyze.mjs');
  if (typeof process.getuid === 'function' && process.getuid() === 0) subBench('replay.mjs');
  else notes.push('bench/replay.mjs skipped: needs root (it creates its own network namespace)');
  // The TUI's background analysis of 1M frames is long; BENCH_TUI=0 skips it.
  if (process.env.BENCH_TUI !== '0') subBench('tui.mjs');
}

// --- report ---------------------------------------------------------------------------------
const cpuModel = (() => {
  try { return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model; } catch { return cpus()[0]?.model; }
})();
const load = (() => { try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return 'n/a'; } })();
const header = `## ${new Date().toISOString()}\n\nMachine: ${cpus().length} CPUs (nproc), ${cpuModel}; Node ${process.version}; load average at the end ${load}.\n` +
  `Capture: ${FRAMES} frames, ${fmt(sizeMb, 0)} MB (bench/gen-capture.mjs: Ethernet/IPv4/TCP LVS-DR flows and ARP, 60–1514 bytes).\n`;
const table = ['| what | rate | time / throughput | peak RSS | note |', '|---|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const shapeTable = shapeRows.length === 0 ? '' : [
  '', `Decode text, \`lvscope decode -q -r F\` vs \`tcpdump -n -r F\`, both to /dev/null, ${DECODE_RUNS} interleaved runs, median (min–max); the machine may be shared, so the ratio of the same run is the figure to read:`, '',
  '| shape | file | lvscope wall | tcpdump wall | CPU (user+sys) lvscope / tcpdump | peak RSS lvscope / tcpdump | tcpdump time / lvscope time (wall, medians) |', '|---|---|---|---|---|---|---|',
  ...shapeRows.map((r) => `| ${r.join(' | ')} |`),
].join('\n');
const text = `${header}\n${table}\n${shapeTable}\n${notes.length ? `\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}${sections.map((x) => `\n${x.replace(/^## /gm, '### ')}\n`).join('')}`;
console.log(text);
if (process.env.BENCH_NO_APPEND !== '1') appendFileSync(join(here, 'RESULTS.md'), `\n${text}`);
