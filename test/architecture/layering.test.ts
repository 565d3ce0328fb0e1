/**
 * The stages import one way (ARCHITECTURE.md): a file in `src/<stage>/` may import only from its
 * own stage and from the stages this table allows. A new top-level folder fails here until it is
 * given its place, so the rule cannot be dodged by adding a folder.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';

const SRC = join(REPO_ROOT, 'src');

const BELOW_MODEL = ['wire', 'capture', 'decode', 'ipvs'] as const;

/** What each stage may import besides itself. */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  wire: [],
  capture: ['wire'],
  decode: ['wire', 'capture'],
  ipvs: ['wire'],
  model: [...BELOW_MODEL],
  pipeline: [...BELOW_MODEL, 'model'],
  annotate: [...BELOW_MODEL, 'model', 'pipeline'],
  present: [...BELOW_MODEL, 'model', 'pipeline', 'annotate'],
  // The simulator is an independent check of the inference: it never sees the model.
  simulate: [...BELOW_MODEL],
  lab: [...BELOW_MODEL],
  replay: [...BELOW_MODEL, 'model', 'pipeline', 'annotate', 'present'],
  tui: [...BELOW_MODEL, 'model', 'pipeline', 'annotate', 'present'],
  cli: [...BELOW_MODEL, 'model', 'pipeline', 'annotate', 'present', 'simulate', 'replay', 'lab', 'tui'],
};

/** Packages only the terminal UI and the command line may load. */
const UI_PACKAGES = new Set(['react', 'ink', 'cli-table3']);
const UI_STAGES = new Set(['tui', 'cli', 'present']);

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

const SPECIFIER = /(?:^|[\s;])(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^import\s+['"]([^'"]+)['"]/gm;

function importsOf(file: string): string[] {
  return specifiersIn(readFileSync(file, 'utf8'));
}

function specifiersIn(text: string): string[] {
  const specs: string[] = [];
  for (const m of text.matchAll(SPECIFIER)) {
    const spec = m[1] ?? m[2] ?? m[3];
    if (spec !== undefined) specs.push(spec);
  }
  return specs;
}

function stageOf(path: string): string {
  return relative(SRC, path).split(sep)[0] ?? '';
}

interface Violation {
  readonly file: string;
  readonly imports: string;
}

function violations(): { readonly unknownStages: string[]; readonly wrong: Violation[] } {
  const unknownStages = new Set<string>();
  const wrong: Violation[] = [];
  for (const file of sourceFiles(SRC)) {
    const stage = stageOf(file);
    const allowed = ALLOWED[stage];
    if (allowed === undefined) {
      unknownStages.add(stage);
      continue;
    }
    for (const spec of importsOf(file)) {
      if (spec.startsWith('.')) {
        const target = stageOf(resolve(dirname(file), spec));
        if (target !== stage && !allowed.includes(target)) wrong.push({ file: relative(REPO_ROOT, file), imports: spec });
      } else {
        const pkg = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0] ?? spec;
        if (UI_PACKAGES.has(pkg) && !UI_STAGES.has(stage)) wrong.push({ file: relative(REPO_ROOT, file), imports: spec });
      }
    }
  }
  return { unknownStages: [...unknownStages], wrong };
}

describe('stage layering', () => {
  const found = violations();

  it('every folder under src/ is a known stage', () => {
    expect(found.unknownStages).toEqual([]);
  });

  it('no stage imports a later one (or a UI package below the UI)', () => {
    expect(found.wrong).toEqual([]);
  });

  it('the import scanner sees static, re-export and dynamic imports', () => {
    const sample = [
      "import type { Command } from './command.js';",
      "import { a,\n  b } from '../model/index.js';",
      "export { Packet } from '../decode/packet.js';",
      "import './side-effect.js';",
      "const m = await import('../tui/App.js');",
    ].join('\n');
    expect(specifiersIn(sample)).toEqual(['./command.js', '../model/index.js', '../decode/packet.js', './side-effect.js', '../tui/App.js']);
  });
});
