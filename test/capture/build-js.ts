/**
 * Transpiles src/capture, and src/wire that it imports, to plain JS in a temp folder (as
 * capture/ and wire/, so the relative imports hold), so a child `node` process can use the
 * reader: import `<returned folder>/capture/index.js`.
 */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

export function buildCaptureJs(): string {
  const out = mkdtempSync(join(tmpdir(), 'lvscope-capture-js-'));
  for (const folder of ['capture', 'wire']) {
    const srcDir = new URL(`../../src/${folder}/`, import.meta.url).pathname;
    mkdirSync(join(out, folder), { recursive: true });
    for (const name of readdirSync(srcDir)) {
      if (!name.endsWith('.ts')) continue;
      const js = ts.transpileModule(readFileSync(join(srcDir, name), 'utf8'), {
        compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
      }).outputText;
      writeFileSync(join(out, folder, name.replace(/\.ts$/, '.js')), js);
    }
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  return out;
}
