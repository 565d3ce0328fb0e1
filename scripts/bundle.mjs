/**
 * The second half of `npm run build`: the compiled CLI (dist/, ~180 ES modules for one analyze)
 * bundled into dist/bundle/, a few dozen files, one per command and per shared part. Node 20
 * resolves, reads and links each ES module on its own, and on a small capture that was half of
 * analyze's run. bin/lvscope runs the bundle when it is at least as new as dist/cli/main.js (a
 * bare `tsc` leaves an older bundle behind, which is then skipped). Workers are entries of their
 * own, so that the `new URL('./…-worker.js', import.meta.url)` of their starters finds them beside
 * the bundle (the reading worker as `.cjs`, below); the package's dependencies stay outside.
 */
import { readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { build } from 'rolldown';

const root = new URL('../', import.meta.url);
const dist = (p) => new URL(`dist/${p}`, root).pathname;
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
const builtins = new Set(builtinModules);

const external = (id) => id.startsWith('node:') || builtins.has(id) || deps.some((d) => id === d || id.startsWith(`${d}/`));

rmSync(dist('bundle'), { recursive: true, force: true });
await build({
  input: {
    main: dist('cli/main.js'),
    'analysis-worker': dist('tui/data/analysis-worker.js'),
  },
  platform: 'node',
  external,
  output: { dir: dist('bundle'), format: 'esm', entryFileNames: '[name].js', chunkFileNames: '[name]-[hash].js' },
  logLevel: 'warn',
});
// The reading worker of a two-thread pass, as one CommonJS file that shares no chunk: a worker whose
// script is no ES module never starts Node's ES module loader, and boots ~25 ms sooner on the path of
// every large capture's analysis (pipeline/packet-feed-start.ts picks this file when it is there).
await build({
  input: { 'packet-feed-worker': dist('pipeline/packet-feed-worker.js') },
  platform: 'node',
  external,
  output: { dir: dist('bundle'), format: 'cjs', entryFileNames: '[name].cjs' },
  logLevel: 'warn',
});
