#!/usr/bin/env node
/**
 * The explain TUI on a 1,000,000-frame capture (after `npm run build`): time to the first screen,
 * memory then, how long the background analysis takes and its peak memory, and how long a jump to
 * the last frame takes to draw. Printed as markdown and appended to bench/RESULTS.md.
 *
 * The TUI renders into an in-memory 120×40 terminal in a child process (so RSS is its own); the
 * first screen is the first frame ink writes with the frame list filled in.
 *
 * Environment: BENCH_TUI_FRAMES (default 1000000), BENCH_NO_APPEND=1 to leave RESULTS.md alone.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EventEmitter } from 'node:events';
import { monitorEventLoopDelay } from 'node:perf_hooks';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist');

if (process.argv[2] === '--child') {
  const t0 = performance.now();
  const file = process.argv[3];
  const mode = process.argv[4] ?? 'worker';
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 20);
  const [{ createElement }, { render }, { App }, { CaptureSession }, { modelPort }] = await Promise.all([
    import('react'), import('ink'), import(pathToFileURL(join(dist, 'tui/App.js')).href),
    import(pathToFileURL(join(dist, 'tui/data/session.js')).href), import(pathToFileURL(join(dist, 'tui/data/model-binding.js')).href),
  ]);
  class Out extends EventEmitter {
    columns = 120; rows = 40; isTTY = true; frames = [];
    write = (s) => { this.frames.push(s); this.emit('frame', s); return true; };
  }
  class In extends EventEmitter {
    isTTY = true; data = null;
    write = (d) => { this.data = d; this.emit('readable'); this.emit('data', d); };
    read = () => { const d = this.data; this.data = null; return d; };
    setEncoding() {} setRawMode() {} resume() {} pause() {} ref() {} unref() {}
  }
  const stdout = new Out();
  const stdin = new In();
  const firstScreen = new Promise((resolve) => {
    stdout.on('frame', (s) => { if (/frame 1\/\d+/.test(s) && / 1 /.test(s)) resolve(performance.now()); });
  });
  const tOpen = performance.now();
  // 'thread' runs both passes on the UI thread, in slices (the TUI before its analysis worker).
  const port = mode === 'thread' ? { ...modelPort(), learn: undefined, analyze: undefined } : modelPort();
  const session = CaptureSession.open([file], { port });
  const tIndexed = performance.now();
  const app = render(createElement(App, { session, colour: false, size: { columns: 120, rows: 40 } }), {
    stdout, stdin, stderr: new Out(), debug: true, exitOnCtrlC: false, patchConsole: false,
  });
  const tFirst = await firstScreen;
  const rssFirst = process.memoryUsage().rss;
  const heapFirst = process.memoryUsage().heapUsed;
  // How long the UI thread was blocked at a time, per phase: what a key press waits for at worst.
  const stalls = { learning: monitorEventLoopDelay({ resolution: 5 }), explaining: monitorEventLoopDelay({ resolution: 5 }) };
  stalls.learning.enable();
  // The share of each phase the UI thread spent running code (not waiting for events): unlike the
  // stalls, this does not grow when a loaded host leaves the thread unscheduled.
  const eluStart = performance.eventLoopUtilization();
  let eluLearned = null;
  let tLearned = null;
  session.analysis.onChange(() => {
    if (tLearned === null && session.analysis.phase !== 'learning') {
      tLearned = performance.now();
      eluLearned = performance.eventLoopUtilization();
      stalls.learning.disable();
      stalls.explaining.enable();
    }
  });
  // Time this thread spends taking in the analysis worker's batches (copying columns, tables; the
  // change notice that follows included), where the build has that worker.
  const an = session.analysis;
  let batchMs = 0;
  let batches = 0;
  let batchMaxMs = 0;
  if (typeof an.takeBatch === 'function') {
    const take = an.takeBatch.bind(an);
    an.takeBatch = (b) => { const t = performance.now(); take(b); const d = performance.now() - t; batchMs += d; batchMaxMs = Math.max(batchMaxMs, d); batches++; };
  }
  const tStart = performance.now();
  await session.start();
  const tDone = performance.now();
  stalls.learning.disable();
  stalls.explaining.disable();
  const eluEnd = performance.eventLoopUtilization();
  const busy = (from, to) => (from === null || to === null ? null : performance.eventLoopUtilization(to, from));
  const ms = (h) => ({ p99: h.percentile(99) / 1e6, max: h.max / 1e6 });
  // End: jump to the last frame and wait for it on screen.
  const last = session.count;
  const tEnd0 = performance.now();
  const shown = new Promise((resolve) => stdout.on('frame', (s) => { if (s.includes(`frame ${last}/`)) resolve(performance.now()); }));
  stdin.write('\u001b[F');
  const tEnd = await shown;
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  app.unmount();
  session.close();
  process.stdout.write(JSON.stringify({
    frames: session.count,
    importMs: tOpen - t0,
    indexMs: tIndexed - tOpen,
    firstScreenMs: tFirst - t0,
    rssFirstMiB: rssFirst / 2 ** 20,
    heapFirstMiB: heapFirst / 2 ** 20,
    analysisMs: tDone - tStart,
    learnMs: (tLearned ?? tDone) - tStart,
    learnStall: ms(stalls.learning),
    explainStall: ms(stalls.explaining),
    learnBusy: busy(eluStart, eluLearned)?.utilization ?? null,
    explainBusy: busy(eluLearned, eluEnd)?.utilization ?? null,
    explainBusyMs: busy(eluLearned, eluEnd)?.active ?? null,
    batches,
    batchMs,
    batchMaxMs,
    mode,
    peakMiB: peak / 2 ** 20,
    endMs: tEnd - tEnd0,
  }));
  process.exit(0);
}

const frames = Number(process.env.BENCH_TUI_FRAMES ?? 1_000_000);
if (!existsSync(join(dist, 'tui/App.js'))) {
  console.error('bench/tui.mjs: dist/tui is missing; run `npm run build` first');
  process.exit(2);
}
const out = join(here, 'out');
mkdirSync(out, { recursive: true });
const capture = join(out, `bench-${frames}.pcap`);
if (!existsSync(capture)) execFileSync(process.execPath, [join(here, 'gen-capture.mjs'), capture, String(frames)], { stdio: 'inherit' });

// Interleaved: both passes on the analysis worker (now), and on the UI thread (before).
const RUNS = Number(process.env.BENCH_TUI_RUNS ?? 3);
const runs = { worker: [], thread: [] };
for (let i = 0; i < RUNS; i++) {
  for (const mode of ['worker', 'thread']) {
    const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', capture, mode], { encoding: 'utf8', maxBuffer: 1 << 24 });
    if (child.status !== 0) {
      console.error(child.stderr);
      process.exit(1);
    }
    runs[mode].push(JSON.parse(child.stdout));
    console.error(`tui ${mode}: ${child.stdout}`);
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor((xs.length - 1) / 2)];
const cell = (mode, get, f) => {
  const xs = runs[mode].map(get);
  return `${f(med(xs))} (${f(Math.min(...xs))}–${f(Math.max(...xs))})`;
};
const f1 = (x) => x.toFixed(0);
const sec = (x) => (x / 1000).toFixed(1);
const row = (label, get, f) => `| ${label} | ${cell('worker', get, f)} | ${cell('thread', get, f)} |`;
const load = (() => { try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return 'n/a'; } })();
const r = runs.worker[0];
const section = `
## TUI: ${new Date().toISOString().slice(0, 10)}, ${r.frames.toLocaleString('en')} frames (bench/tui.mjs)

Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}; load average at the end ${load}. \`lvscope tui\` rendered into an in-memory
120×40 terminal, in a child process; capture \`bench/out/bench-${frames}.pcap\` (bench/gen-capture.mjs, LVS-DR). ${RUNS} interleaved runs
each way, median (min–max): both model passes on the analysis worker thread (now), and on the UI thread in 8 ms slices (as before).

| measure | passes on the worker | passes on the UI thread |
|---|---|---|
${row('time to first screen (process start → frame list drawn)', (x) => x.firstScreenMs, (x) => `${f1(x)} ms`)}
${row('of which: loading modules (React, ink, lvscope)', (x) => x.importMs, (x) => `${f1(x)} ms`)}
${row('of which: indexing frame offsets (one pass, nothing decoded)', (x) => x.indexMs, (x) => `${f1(x)} ms`)}
${row('RSS at first screen', (x) => x.rssFirstMiB, (x) => `${f1(x)} MiB`)}
${row('pass 1 (learning the cluster)', (x) => x.learnMs, (x) => `${sec(x)} s`)}
${row('UI-thread stall during pass 1 (event-loop delay), p99', (x) => x.learnStall.p99, (x) => `${f1(x)} ms`)}
${row('UI-thread stall during pass 1, longest', (x) => x.learnStall.max, (x) => `${f1(x)} ms`)}
${row('background analysis, both model passes', (x) => x.analysisMs, (x) => `${sec(x)} s`)}
${row('UI-thread stall during pass 2 (explaining), p99', (x) => x.explainStall.p99, (x) => `${f1(x)} ms`)}
${row('UI-thread stall during pass 2, longest', (x) => x.explainStall.max, (x) => `${f1(x)} ms`)}
${row('UI thread busy during pass 1 (event-loop utilization)', (x) => x.learnBusy, (x) => `${(x * 100).toFixed(1)} %`)}
${row('UI thread busy during pass 2 (event-loop utilization)', (x) => x.explainBusy, (x) => `${(x * 100).toFixed(1)} %`)}
${row('peak RSS, through the whole analysis', (x) => x.peakMiB, (x) => `${f1(x)} MiB`)}
${row('End (jump to the last frame) drawn, after the analysis', (x) => x.endMs, (x) => `${f1(x)} ms`)}
`;
console.log(section);
if (process.env.BENCH_NO_APPEND !== '1') appendFileSync(join(here, 'RESULTS.md'), section);
