/**
 * The second half of `npm run build`: the compiled CLI (dist/, ~180 ES modules for one analyze)
 * bundled into dist/bundle/, a few dozen files, one per command and per shared part, each loaded
 * when its command runs. bin/lvscope runs the bundle when it is at least as new as
 * dist/cli/main.js (a bare `tsc` leaves an older bundle behind, which is then skipped).
 *
 * The CLI is bundled as CommonJS: Node 20 resolves, reads and links each ES module on its own,
 * and `require` of a bundle's chunk is cheaper still (analyze of the seed capture: 0.17 → 0.16 s,
 * medians of 9 interleaved pairs; bench/RESULTS.md). Only the TUI stays an ES module, an island of
 * its own (`tui-command.js`): ink is an ES module with top-level await, which `require` cannot
 * load. The CommonJS CLI imports that island with a real `import()`, so its error classes are
 * copies of the CLI's (cli/main.ts maps errors to exit codes by name for that reason). The island
 * takes ink, React and their packages in, as their production builds: ink alone was ~100 ES
 * modules to resolve and read at every TUI start (the TUI's first screen on the seed capture:
 * 1.25 → 0.7 s). Workers are entries of their own, so that the `new URL('./…-worker.js',
 * import.meta.url)` of their starters finds them beside the bundle (the reading worker as `.cjs`,
 * below); the CLI's dependencies stay outside.
 */
import { readFileSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { dirname, resolve } from 'node:path';
import { build } from 'rolldown';

const root = new URL('../', import.meta.url);
const dist = (p) => new URL(`dist/${p}`, root).pathname;
const pkg = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const deps = [...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.optionalDependencies ?? {})];
const builtins = new Set(builtinModules);

/** Node's own modules and these packages stay outside a build, loaded from where they are. */
const leaving = (packages) => (id) => id.startsWith('node:') || builtins.has(id) || packages.some((d) => id === d || id.startsWith(`${d}/`));
const external = leaving(deps);
/** The TUI island leaves outside only the optional (native) packages, and ink's devtools (loaded only with DEV=true). */
const islandExternal = leaving([...Object.keys(pkg.optionalDependencies ?? {}), 'react-devtools-core']);

const TUI_COMMAND = dist('cli/commands/tui.js');
const TUI_ISLAND = './tui-command.js';
/** In the CommonJS CLI, the TUI command is the ES module island beside it, imported as it is. */
const tuiIsland = {
  name: 'tui-island',
  resolveId(source, importer) {
    if (importer !== undefined && source.startsWith('.') && resolve(dirname(importer), source) === TUI_COMMAND) return { id: TUI_ISLAND, external: true };
    return null;
  },
};

rmSync(dist('bundle'), { recursive: true, force: true });
await build({
  input: { main: dist('cli/main.js') },
  platform: 'node',
  external,
  plugins: [tuiIsland],
  output: { dir: dist('bundle'), format: 'cjs', entryFileNames: '[name].cjs', chunkFileNames: '[name]-[hash].cjs' },
  logLevel: 'warn',
});
await build({
  input: {
    'tui-command': TUI_COMMAND,
    'analysis-worker': dist('tui/data/analysis-worker.js'),
  },
  platform: 'node',
  external: islandExternal,
  transform: { define: { 'process.env.NODE_ENV': '"production"' } },
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
