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
import { appendFileSync, existsSync, mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { EventEmitter } from 'node:events';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..');
const dist = join(root, 'dist');

if (process.argv[2] === '--child') {
  const t0 = performance.now();
  const file = process.argv[3];
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
  const session = CaptureSession.open([file], { port: modelPort() });
  const tIndexed = performance.now();
  const app = render(createElement(App, { session, colour: false, size: { columns: 120, rows: 40 } }), {
    stdout, stdin, stderr: new Out(), debug: true, exitOnCtrlC: false, patchConsole: false,
  });
  const tFirst = await firstScreen;
  const rssFirst = process.memoryUsage().rss;
  const heapFirst = process.memoryUsage().heapUsed;
  const tStart = performance.now();
  await session.start();
  const tDone = performance.now();
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

const child = spawnSync(process.execPath, [fileURLToPath(import.meta.url), '--child', capture], { encoding: 'utf8', maxBuffer: 1 << 24 });
if (child.status !== 0) {
  console.error(child.stderr);
  process.exit(1);
}
const r = JSON.parse(child.stdout);
const f1 = (x) => x.toFixed(0);
const section = `
## TUI: ${new Date().toISOString().slice(0, 10)}, ${r.frames.toLocaleString('en')} frames (bench/tui.mjs)

Node ${process.versions.node}, ${cpus().length} × ${cpus()[0]?.model ?? '?'}. \`lvscope tui\` rendered into an in-memory
120×40 terminal, in a child process; capture \`bench/out/bench-${frames}.pcap\` (bench/gen-capture.mjs, LVS-DR).

| measure | value |
|---|---|
| time to first screen (process start → frame list drawn) | ${f1(r.firstScreenMs)} ms |
| of which: loading modules (React, ink, lvscope) | ${f1(r.importMs)} ms |
| of which: indexing frame offsets (one pass, nothing decoded) | ${f1(r.indexMs)} ms |
| RSS at first screen | ${f1(r.rssFirstMiB)} MiB (JS heap ${f1(r.heapFirstMiB)} MiB) |
| background analysis, both model passes (UI stays live) | ${(r.analysisMs / 1000).toFixed(1)} s |
| peak RSS, through the whole analysis | ${f1(r.peakMiB)} MiB |
| End (jump to the last frame) drawn, after the analysis | ${f1(r.endMs)} ms |
`;
console.log(section);
if (process.env.BENCH_NO_APPEND !== '1') appendFileSync(join(here, 'RESULTS.md'), section);
