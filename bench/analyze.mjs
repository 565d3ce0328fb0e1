#!/usr/bin/env node
/**
 * `lvscope analyze --format json` on a 1,000,000-frame capture (issue 5), beside a whole-capture
 * tshark pass (`tshark -r F -q -z conv,tcp`) in the same run; then peak memory on a ≥ 1 GB capture,
 * which must stay bounded by live connections, not frames. Run after the build
 * (`npx tsc -p tsconfig.build.json --noEmitOnError false`); imports from dist/. Prints a markdown
 * section; appends it to bench/RESULTS.md unless BENCH_NO_APPEND=1.
 *
 * The captures are synthesized by `lvscope synth --fast` into bench/out/ (reused when there):
 * a DR cluster captured on the firewall (150 client hosts, 8 real servers, keep-alive HTTP that
 * the server closes after 5 s, so ~1,400 connections live at a time), followed by a NAT cluster
 * captured on the director's "any" interface (Linux SLL2, both sides of the rewrite), merged into
 * one pcapng with mergecap. The NAT half uses other addresses and MACs and starts after the DR
 * half ends: one director at a time, as in a capture taken on one site.
 *
 * Measured:
 *   1. In process (child): the decode-only loop and analyzeFrames (the JSON report's one pass),
 *      best of 3 passes, with the child's peak RSS.
 *   2. `lvscope analyze --format json F` as a user runs it (process start to exit, output to a
 *      file), wall time and peak RSS (/usr/bin/time), best and median of 5; the same on one
 *      thread (LVSCOPE_THREADS=1); and tshark.
 *   3. The big capture: lvscope analyze peak RSS against the 1M one (target ≤ 300 MB).
 *
 *   4. Both shapes of the decode benchmark (gen-small.mjs, gen-capture.mjs), BENCH_ANALYZE_RUNS
 *      (default 3) interleaved rounds of two threads, one thread and tshark: median (min–max).
 *
 * Environment: BENCH_ANALYZE_SHAPES=0 skips 4, BENCH_ANALYZE_SHAPES_ONLY=1 runs only 4 (printed),
 * BENCH_ANALYZE_TSHARK_ROUNDS (default 1) rounds of 4 that include tshark, stopped after
 * BENCH_ANALYZE_TSHARK_TIMEOUT seconds (default 300); BENCH_ANALYZE_BIG=0 skips the ≥ 1 GB capture; BENCH_TSHARK_BIG=1 also runs tshark
 * on it (minutes, several GB of RSS); BENCH_NO_APPEND=1 leaves RESULTS.md alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, closeSync, existsSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist');
// Run as a shell runs `lvscope`: the launcher's first line starts Node (see bin/lvscope).
const lvscopeBin = join(root, 'bin/lvscope');

// --- child mode: in-process passes, so the peak RSS is the analysis' own -----------------------
if (process.argv[2] === '--child') {
  const [, , , what, file] = process.argv;
  const { openFrames } = await import(pathToFileURL(join(dist, 'decode/index.js')).href);
  const { analyzeFrames } = await import(pathToFileURL(join(dist, 'pipeline/index.js')).href);
  const passes = [];
  let frames = 0;
  let report = null;
  for (let pass = 0; pass < 3; pass++) {
    const source = openFrames([file]);
    const t0 = process.hrtime.bigint();
    if (what === 'decode') {
      frames = 0;
      for (const f of source) if (f.n > 0) frames++;
    } else {
      const summary = analyzeFrames(source, { files: [file] });
      frames = summary.report.capture.frames;
      report = summary.report;
    }
    passes.push(Number(process.hrtime.bigint() - t0) / 1e9);
    source.close();
  }
  const best = Math.min(...passes);
  process.stdout.write(JSON.stringify({
    frames, seconds: passes, best, framesPerSec: frames / best, maxRssMb: process.resourceUsage().maxRSS / 1024,
    ...(report !== null ? { services: report.services.length, connections: report.connections.length } : {}),
  }));
  process.exit(0);
}

// --- parent --------------------------------------------------------------------------------------
if (!existsSync(join(dist, 'model/index.js'))) {
  console.error('bench: dist/ is missing; build first: npx tsc -p tsconfig.build.json --noEmitOnError false');
  process.exit(2);
}
const out = join(here, 'out');
mkdirSync(out, { recursive: true });

function have(cmd) {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}
for (const tool of ['mergecap', 'tshark']) {
  if (!have(tool)) { console.error(`bench: ${tool} is needed (Debian: apt-get install tshark)`); process.exit(2); }
}

const DR_START = Date.parse('2015-08-16T10:00:00Z');
const ARRIVAL_MS = 4;

/** Scenario files for the two halves; the NAT half moved to other networks, MACs and a later start. */
async function scenarios(drConnections) {
  const { preset } = await import(pathToFileURL(join(dist, 'simulate/index.js')).href);
  const busy = (sc) => ({
    ...sc,
    workload: { ...sc.workload, intervalMs: ARRIVAL_MS, arrivals: 'poisson', requestsPerConnection: 2, thinkMs: 300 },
  });
  const dr = busy(preset('dr', { realServers: 8, clients: 150 }));
  const natStart = new Date(DR_START + drConnections * ARRIVAL_MS + 60_000).toISOString();
  const natText = JSON.stringify({ ...busy(preset('nat', { realServers: 8, clients: 150 })), start: natStart })
    .replace(/172\.16\./g, '172.17.').replace(/192\.168\./g, '192.169.')
    .replace(/02:aa:00:00/g, '02:ab:00:00').replace(/00:0c:29:/g, '00:0c:2a:');
  const drFile = join(out, 'analyze-dr.json');
  const natFile = join(out, 'analyze-nat.json');
  writeFileSync(drFile, JSON.stringify(dr));
  writeFileSync(natFile, natText);
  return { drFile, natFile };
}

/** The merged DR+NAT capture with drConns + natConns connections (about 21 + 28 frames each). */
async function capture(name, drConns, natConns) {
  const file = join(out, `${name}.pcapng`);
  if (existsSync(file)) return file;
  const { drFile, natFile } = await scenarios(drConns);
  const dr = join(out, `${name}-dr.pcap`);
  const nat = join(out, `${name}-nat.pcapng`);
  const synth = (sc, n, w, extra) => execFileSync(process.execPath,
    [lvscopeBin, 'synth', '--scenario', sc, '--requests', String(n), '--fast', '-q', '--force', '-w', w, ...extra], { stdio: 'inherit' });
  console.error(`bench: synthesizing ${name} (${drConns} DR + ${natConns} NAT connections)…`);
  synth(drFile, drConns, dr, ['--format', 'pcap', '--seed', '1']);
  synth(natFile, natConns, nat, ['--format', 'pcapng', '--seed', '2']);
  execFileSync('mergecap', ['-F', 'pcapng', '-w', `${file}.tmp`, dr, nat]);
  renameSync(`${file}.tmp`, file);
  rmSync(dr);
  rmSync(nat);
  return file;
}

/** Runs argv with stdout to a file; wall seconds (process start to exit) and peak RSS in MB. */
function timed(argv, stdoutFile = '/dev/null', env = process.env) {
  const fd = openSync(stdoutFile, 'w');
  const full = ['/usr/bin/time', '-f', '__TIME__ %e %M %U %S', ...argv];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(full[0], full.slice(1), { stdio: ['ignore', fd, 'pipe'], encoding: 'utf8', maxBuffer: 64 << 20, env });
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  closeSync(fd);
  const m = /__TIME__ ([\d.]+) (\d+) ([\d.]+) ([\d.]+)/.exec(r.stderr ?? '');
  return { wall, rssMb: m ? Number(m[2]) / 1024 : null, cpu: m ? Number(m[3]) + Number(m[4]) : null, status: r.status };
}

function child(what, file) {
  return JSON.parse(execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', what, file], { encoding: 'utf8', maxBuffer: 1 << 20 }));
}

const fmt = (n, d = 2) => (n === null || n === undefined ? 'n/a' : Number(n).toFixed(d));
const mb = (n) => (n === null || n === undefined ? 'n/a' : `${fmt(n, 0)} MB`);
const mfps = (n) => `${fmt(n / 1e6)} M frames/s`;
const rows = [];
const notes = [];

// Both capture shapes of the decode benchmark (bench/out/, generated when missing), interleaved runs:
// lvscope on two threads, on one (LVSCOPE_THREADS=1), and tshark, each once per round.
const shapeRows = [];
const SHAPE_RUNS = Number(process.env.BENCH_ANALYZE_RUNS ?? 3);
const TSHARK_ROUNDS = Number(process.env.BENCH_ANALYZE_TSHARK_ROUNDS ?? 1);
const TSHARK_TIMEOUT_S = Number(process.env.BENCH_ANALYZE_TSHARK_TIMEOUT ?? 300);
const notesShapes = [];
const shapeFile = (script, name) => {
  const f = join(out, `${name}-1000000.pcap`);
  if (!existsSync(f)) execFileSync(process.execPath, [join(here, script), f, '1000000'], { stdio: ['ignore', 'ignore', 'inherit'] });
  return f;
};
if (process.env.BENCH_ANALYZE_SHAPES !== '0') {
  for (const [shape, f] of [['small frames, few flows', shapeFile('gen-small.mjs', 'small')], ['large frames, many flows', shapeFile('gen-capture.mjs', 'bench')]]) {
    console.error(`bench: analyze, ${shape}…`);
    const runs = { two: [], one: [], tshark: [] };
    for (let i = 0; i < SHAPE_RUNS; i++) {
      runs.two.push(timed([lvscopeBin, 'analyze', '--format', 'json', '-q', f]));
      runs.one.push(timed([lvscopeBin, 'analyze', '--format', 'json', '-q', f], '/dev/null', { ...process.env, LVSCOPE_THREADS: '1' }));
      // tshark takes minutes on a busy machine: once per shape unless asked (BENCH_ANALYZE_TSHARK_ROUNDS).
      if (i < TSHARK_ROUNDS) {
        // timeout(1) inside /usr/bin/time: a timeout on the spawn would stop only /usr/bin/time.
        const t = timed(['timeout', '-s', 'KILL', String(TSHARK_TIMEOUT_S), 'tshark', '-n', '-r', f, '-q', '-z', 'conv,tcp']);
        if (t.status === 0) runs.tshark.push(t);
        else notesShapes.push(`${shape}: tshark -z conv,tcp did not finish within ${TSHARK_TIMEOUT_S} s (stopped; lvscope two threads took ${fmt(runs.two[i].wall)} s in the same round)`);
      }
    }
    const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
    const spreadOf = (rs, get, f) => { const xs = rs.map(get); return `${f(med(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`; };
    const rate = (w) => `${fmt(1e6 / w / 1e6)} M/s`;
    for (const [label, key] of [['lvscope analyze, two threads', 'two'], ['lvscope analyze, LVSCOPE_THREADS=1', 'one'], ['tshark -q -z conv,tcp', 'tshark']]) {
      const rs = runs[key];
      if (rs.length === 0) continue;
      const target = key === 'two' ? 1e6 : key === 'one' ? 0.8e6 : null;
      const mfpsMed = 1e6 / med(rs.map((r) => r.wall));
      shapeRows.push([shape, label, spreadOf(rs, (r) => r.wall, (x) => `${fmt(x)} s`), spreadOf(rs, (r) => r.wall, rate),
        spreadOf(rs, (r) => r.cpu ?? NaN, (x) => `${fmt(x)} s`), spreadOf(rs, (r) => r.rssMb ?? NaN, (x) => `${fmt(x, 0)} MB`),
        target === null ? `lvscope two threads is ${fmt(med(rs.map((r) => r.wall)) / med(runs.two.map((r) => r.wall)), 1)}× faster (medians)`
          : `target ≥ ${fmt(target / 1e6, 1)} M frames/s (median): ${mfpsMed >= target ? 'met' : 'NOT met'}; exit ${rs.map((r) => r.status).join(',')}`]);
    }
  }
}

const shapeTable = shapeRows.length === 0 ? '' : ['', `Both capture shapes (1M frames each), ${SHAPE_RUNS} interleaved rounds (tshark in the first ${TSHARK_ROUNDS}), median (min–max); wall time is process start to exit, CPU is user + system of the whole process:`, '',
  '| shape | what | wall | frames/s | CPU | peak RSS | note |', '|---|---|---|---|---|---|---|', ...shapeRows.map((r) => `| ${r.join(' | ')} |`), '',
  ...notesShapes.map((n) => `- ${n}`), ''].join('\n');
// BENCH_ANALYZE_SHAPES_ONLY=1: this table alone (the synthesized capture's runs take minutes more).
if (process.env.BENCH_ANALYZE_SHAPES_ONLY === '1') {
  const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  console.log(`## analyze on both shapes: ${new Date().toISOString()} (bench/analyze.mjs, BENCH_ANALYZE_SHAPES_ONLY=1)\n\nMachine: ${cpus().length} CPUs (nproc); Node ${process.version}; load average at the end ${load}.\n${shapeTable}`);
  process.exit(0);
}

const file = await capture('analyze-1m', 24_000, 18_000);
const sizeMb = statSync(file).size / 1e6;
const jsonOut = join(out, 'analyze-1m.json');

console.error('bench: in-process decode and analyzeFrames, best of 3…');
const dec = child('decode', file);
const FRAMES = dec.frames;
const ana = child('analyze', file);
rows.push(['decode only (openFrames loop), best of 3', mfps(dec.framesPerSec), `${fmt(dec.best)} s`, mb(dec.maxRssMb), 'the ceiling for analyze']);
rows.push(['analyzeFrames (pass 1 = the JSON report), best of 3', mfps(ana.framesPerSec), `${fmt(ana.best)} s`, mb(ana.maxRssMb),
  `${ana.services} services, ${ana.connections} connections; ${fmt(100 * dec.best / ana.best, 0)}% of the time is decoding`]);

console.error('bench: lvscope analyze --format json vs tshark -z conv,tcp…');
// Five runs each way (the machine is a shared VM: single runs wander by ±10%); best and median.
const cli = [];
for (let i = 0; i < 5; i++) cli.push(timed([lvscopeBin, 'analyze', '--format', 'json', '-q', file], jsonOut));
const best = cli.reduce((a, b) => (b.wall < a.wall ? b : a));
const median = (runs) => [...runs].sort((a, b) => a.wall - b.wall)[Math.floor(runs.length / 2)].wall;
const rep = JSON.parse(readFileSync(jsonOut, 'utf8'));
const methods = rep.services.map((s) => `${s.method} ${s.vip}:${s.port}`).join(', ');
rows.push([`lvscope analyze --format json F > out.json (${fmt(FRAMES / 1e6, 2)}M), best of 5`, mfps(FRAMES / best.wall), `${fmt(best.wall)} s (median ${fmt(median(cli))}; all: ${cli.map((c) => fmt(c.wall)).join(', ')})`, mb(best.rssMb),
  `${FRAMES / best.wall >= 1e6 ? 'target ≥ 1 M frames/s: met' : 'target ≥ 1 M frames/s: NOT met'} (median: ${mfps(FRAMES / median(cli))}); exit ${best.status}; ${methods}; a worker thread reads and decodes while the model runs`]);
const one = [];
for (let i = 0; i < 3; i++) one.push(timed([lvscopeBin, 'analyze', '--format', 'json', '-q', file], '/dev/null', { ...process.env, LVSCOPE_THREADS: '1' }));
const bestOne = one.reduce((a, b) => (b.wall < a.wall ? b : a));
rows.push(['the same on one thread (LVSCOPE_THREADS=1), best of 3', mfps(FRAMES / bestOne.wall), `${fmt(bestOne.wall)} s`, mb(bestOne.rssMb), `two threads / one: ${fmt(bestOne.wall / best.wall)}× faster`]);
const ts = timed(['tshark', '-n', '-r', file, '-q', '-z', 'conv,tcp']);
rows.push([`tshark -n -r F -q -z conv,tcp (${fmt(FRAMES / 1e6, 2)}M)`, mfps(FRAMES / ts.wall), `${fmt(ts.wall)} s`, mb(ts.rssMb), `tshark/lvscope time ratio ${fmt(ts.wall / best.wall, 1)}×; exit ${ts.status}`]);

if (process.env.BENCH_ANALYZE_BIG !== '0') {
  const big = await capture('analyze-big', 130_000, 100_000);
  const bigMb = statSync(big).size / 1e6;
  console.error(`bench: memory on ${fmt(bigMb, 0)} MB…`);
  const bigJson = join(out, 'analyze-big.json');
  const r = timed([lvscopeBin, 'analyze', '--format', 'json', '-q', big], bigJson);
  const bigRep = JSON.parse(readFileSync(bigJson, 'utf8'));
  const bigFrames = bigRep.capture.frames;
  rows.push([`lvscope analyze --format json (${fmt(bigFrames / 1e6, 2)}M frames, ${fmt(bigMb, 0)} MB)`, mfps(bigFrames / r.wall), `${fmt(r.wall)} s`, mb(r.rssMb),
    `${r.rssMb !== null && r.rssMb <= 300 ? 'target ≤ 300 MB: met' : 'target ≤ 300 MB: NOT met'}; ${bigRep.connections.length} connections in the report; exit ${r.status}`]);
  rmSync(bigJson);
  if (process.env.BENCH_TSHARK_BIG === '1') {
    const tb = timed(['tshark', '-n', '-r', big, '-q', '-z', 'conv,tcp']);
    rows.push([`tshark -n -r F -q -z conv,tcp (${fmt(bigFrames / 1e6, 2)}M)`, mfps(bigFrames / tb.wall), `${fmt(tb.wall)} s`, mb(tb.rssMb), `exit ${tb.status}`]);
  }
} else notes.push('BENCH_ANALYZE_BIG=0: the ≥ 1 GB memory check was skipped');

const cpuModel = (() => {
  try { return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model; } catch { return cpus()[0]?.model; }
})();
const load = (() => { try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return 'n/a'; } })();
const header = `## analyze: ${new Date().toISOString()} (bench/analyze.mjs)\n\n` +
  `Machine: ${cpus().length} CPUs (nproc), ${cpuModel}; Node ${process.version}; load average at the end ${load}.\n` +
  `Capture: ${FRAMES} frames, ${fmt(sizeMb, 0)} MB pcapng (lvscope synth --fast: LVS-DR on the firewall, then LVS-NAT on the director's any interface; ${rep.connections.length} connections, ${rep.hosts.length} hosts).\n`;
const table = ['| what | rate | time | peak RSS | note |', '|---|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
const text = `${header}\n${table}\n${shapeTable}${notes.length ? `\n${notes.map((n) => `- ${n}`).join('\n')}\n` : ''}`;
console.log(text);
rmSync(jsonOut);
if (process.env.BENCH_NO_APPEND !== '1') appendFileSync(join(here, 'RESULTS.md'), `\n${text}`);
