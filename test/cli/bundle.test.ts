import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../..');
const BUNDLE = join(ROOT, 'dist/bundle');
const COMPILED = join(ROOT, 'dist/cli/main.js');
const SEED = join(ROOT, 'captures/seed-dr-kernel.pcap');
const BIN = join(ROOT, 'bin/lvscope');
/** Its decode text (250 KB) is more than a pipe holds: the writes block while the reader drains. */
const SYN_FLOOD = join(ROOT, 'test/fixtures/kernel-faults/syn-flood/fw-eth1.pcap');
const built = existsSync(join(BUNDLE, 'main.cjs')) && existsSync(COMPILED);

/** main(args) of one build, in a fresh process; stdout. LVSCOPE_THREADS=2: the reading worker even for a small capture. */
function run(entry: string, args: readonly string[]): string {
  // A script file, not -e: a worker inherits the process's flags, and --input-type is refused there.
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-bundle-'));
  try {
    const script = join(dir, 'run.mjs');
    writeFileSync(script, `import { main } from ${JSON.stringify(pathToFileURL(entry).href)}; main(${JSON.stringify(args)}).then((c) => { process.exitCode = c; });`);
    return execFileSync(process.execPath, [script], { encoding: 'utf8', env: { ...process.env, LVSCOPE_THREADS: '2' } });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe.skipIf(!built)('the bundled CLI (npm run build; skipped before a build)', () => {
  it('finds every file it loads beside itself (the workers, the TUI island)', () => {
    const workers = new Set<string>();
    const islands = new Set<string>();
    for (const f of readdirSync(BUNDLE).filter((n) => n.endsWith('.js') || n.endsWith('.cjs'))) {
      const text = readFileSync(join(BUNDLE, f), 'utf8');
      // An ES module's `import.meta.url` is, in a CommonJS chunk, its file's URL made from __filename.
      for (const m of text.matchAll(/new URL\(\s*["'](\.\/[^"']+)["']\s*,\s*(?:import\.meta\.url|require\("url"\)\.pathToFileURL\(__filename\)\.href)\s*\)/g)) workers.add(m[1]!);
      // The CommonJS chunks load each other with require(); an import() leaves for an ES module.
      if (f.endsWith('.cjs')) for (const m of text.matchAll(/import\("(\.\/[^"]+)"\)/g)) islands.add(m[1]!);
    }
    // The reading worker's starter names both builds of it and takes the one that is there: here the CommonJS one.
    expect([...workers].sort()).toEqual(['./analysis-worker.js', './packet-feed-worker.cjs', './packet-feed-worker.js']);
    expect([...islands]).toEqual(['./tui-command.js']);
    for (const w of ['./analysis-worker.js', './packet-feed-worker.cjs', './tui-command.js']) expect(existsSync(join(BUNDLE, w)), w).toBe(true);
    expect(existsSync(join(BUNDLE, 'packet-feed-worker.js'))).toBe(false);
  });

  it('is CommonJS but for the TUI island, which holds ink (an ES module with top-level await) and React itself', () => {
    const files = readdirSync(BUNDLE);
    const cjs = files.filter((n) => n.endsWith('.cjs'));
    expect(cjs).toContain('main.cjs');
    for (const f of cjs) expect(readFileSync(join(BUNDLE, f), 'utf8'), f).not.toMatch(/require\("(?:ink|react)"\)|^import\s/m);
    expect(readFileSync(join(BUNDLE, 'tui-command.js'), 'utf8')).toMatch(/^export\s/m);
    // Packages the island still imports from node_modules: none but ink's devtools, which it loads only
    // with DEV=true (the optional native ones are reached with createRequire, where a command needs them).
    const outside = new Set<string>();
    for (const f of files.filter((n) => n.endsWith('.js'))) {
      for (const m of readFileSync(join(BUNDLE, f), 'utf8').matchAll(/(?:from\s*|import\()"([^".][^"]*)"/g)) if (!m[1]!.startsWith('node:')) outside.add(m[1]!);
    }
    expect([...outside].sort()).toEqual(['react-devtools-core']);
  });

  it('holds the reading worker as one CommonJS file that loads no other file of the bundle', () => {
    const worker = readFileSync(join(BUNDLE, 'packet-feed-worker.cjs'), 'utf8');
    expect(worker).not.toMatch(/^import\s/m);
    expect([...worker.matchAll(/require\("([^"]+)"\)/g)].map((m) => m[1]).filter((id) => !id!.startsWith('node:'))).toEqual([]);
  });

  it('reports what the compiled modules report, with the reading worker', () => {
    for (const args of [['analyze', SEED, '--format', 'json'], ['analyze', SEED], ['--version']]) {
      expect(run(join(BUNDLE, 'main.cjs'), args)).toBe(run(COMPILED, args));
    }
  });
});

describe.skipIf(!built)('bin/lvscope, which ends the process as soon as analyze, validate or decode return', () => {
  it('has written all of their output by then, through a pipe, and exits with their status', () => {
    for (const args of [['decode', '-r', SYN_FLOOD], ['analyze', SYN_FLOOD, '--format', 'json']]) {
      const bin = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 });
      expect(bin.status).toBe(0);
      expect(bin.stdout.length).toBeGreaterThan(65536);
      expect(bin.stdout).toBe(run(COMPILED, args));
    }
    const missing = spawnSync(process.execPath, [BIN, 'analyze', join(ROOT, 'no-such.pcap')], { encoding: 'utf8' });
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('no-such.pcap');
  });

  it('reports a usage error of the TUI island as one of its own (the island has its own copy of the class)', () => {
    const tui = spawnSync(process.execPath, [BIN, 'tui'], { encoding: 'utf8' });
    expect(tui.status).toBe(2);
    expect(tui.stderr).toBe("lvscope tui: no capture given: lvscope tui FILE\nRun 'lvscope tui --help' for usage.\n");
  });
});
