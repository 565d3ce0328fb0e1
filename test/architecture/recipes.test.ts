/**
 * ARCHITECTURE.md's recipes stay true: every file a recipe names exists, every exhaustive table
 * keyed by a recipe's type (the places the compiler will name) is in that recipe's list, and
 * every finding code has its catalog entry and a rule in the model that raises it.
 */
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FINDING_CATALOG } from '../../src/ipvs/finding-catalog.js';
import { FORWARD_CHANGE, FORWARD_OF_METHOD, REPLIES_BYPASS_DIRECTOR } from '../../src/ipvs/methods.js';
import { REPO_ROOT } from '../helpers/paths.js';

const SRC = join(REPO_ROOT, 'src');
const DOC = readFileSync(join(REPO_ROOT, 'ARCHITECTURE.md'), 'utf8');

function sourceFiles(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...sourceFiles(path));
    else if (/\.tsx?$/.test(name)) out.push(path);
  }
  return out;
}
const FILES = sourceFiles(SRC).map((path) => ({ file: relative(SRC, path), text: readFileSync(path, 'utf8') }));

/** The paragraph of ARCHITECTURE.md that starts with the bold title. */
function recipe(title: string): string {
  const at = DOC.indexOf(`**${title}**`);
  if (at < 0) throw new Error(`ARCHITECTURE.md has no recipe "${title}"`);
  const end = DOC.slice(at + title.length + 4).search(/\n\n(\*\*|#)/);
  return end < 0 ? DOC.slice(at) : DOC.slice(at, at + title.length + 4 + end);
}

/** Source paths a recipe names in backticks (`ipvs/report.ts`, `model/rules/`), relative to src/. */
function namedPaths(text: string): string[] {
  const out: string[] = [];
  for (const m of text.matchAll(/`([a-z0-9_\-/.<>]+)`/g)) {
    const p = m[1]!;
    if (p.startsWith('test/')) continue;
    if (/\.tsx?$/.test(p) || p.endsWith('/')) out.push(p);
  }
  return out;
}

/** Files whose exhaustive tables are keyed by `type` (`Record<T, …>` or `{ [K in T]: … }`). */
function tablesOver(type: string): string[] {
  const re = new RegExp(`(Record<${type}\\b|\\[\\w+ in ${type}\\])`);
  return FILES.filter((f) => re.test(f.text)).map((f) => f.file).sort();
}

const RECIPES = {
  finding: { title: 'A new finding code', keys: ['FindingCode'] },
  method: { title: 'A new forwarding method', keys: ['ForwardingMethod', 'ForwardMethod'] },
  tunnel: { title: 'A new tunnel type', keys: ['TunnelKind'] },
  layer: { title: 'A new protocol layer', keys: [] },
} as const;

describe('ARCHITECTURE.md recipes', () => {
  for (const [name, r] of Object.entries(RECIPES)) {
    const text = recipe(r.title);

    it(`${name}: every file the recipe names exists`, () => {
      const paths = namedPaths(text);
      expect(paths.length).toBeGreaterThan(1);
      const missing = paths.filter((p) => !existsSync(join(SRC, p.replace(/<proto>\.ts$/, ''))));
      expect(missing).toEqual([]);
    });

    if (r.keys.length > 0) {
      it(`${name}: every exhaustive table over ${r.keys.join(' or ')} is in the recipe`, () => {
        const named = new Set(namedPaths(text));
        const tables = r.keys.flatMap((k) => tablesOver(k));
        expect(tables.length).toBeGreaterThan(0);
        expect(tables.filter((f) => !named.has(f))).toEqual([]);
      });
    }
  }

  it('every finding code has a catalog entry and a rule in the model that raises it', () => {
    const model = FILES.filter((f) => f.file.startsWith('model/'));
    const codes = Object.keys(FINDING_CATALOG);
    expect(codes.length).toBeGreaterThan(10);
    const unraised = codes.filter((code) => !model.some((f) => f.text.includes(`'${code}'`)));
    expect(unraised).toEqual([]);
    for (const code of codes) {
      const e = FINDING_CATALOG[code as keyof typeof FINDING_CATALOG];
      expect(e.about.length, code).toBeGreaterThan(0);
    }
  });

  it('every forwarding method has a row in each of ipvs/methods.ts tables', () => {
    const methods = Object.keys(FORWARD_OF_METHOD).sort();
    expect(methods).toEqual(['dr', 'fullnat', 'nat', 'tun', 'unknown']);
    expect(Object.keys(FORWARD_CHANGE).sort()).toEqual(methods);
    expect(Object.keys(REPLIES_BYPASS_DIRECTOR).sort()).toEqual(methods);
  });
});
