/** Transpiles src/capture to plain JS in a temp folder, so a child `node` process can use the reader. */
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ts from 'typescript';

export function buildCaptureJs(): string {
  const out = mkdtempSync(join(tmpdir(), 'lvscope-capture-js-'));
  const srcDir = new URL('../../src/capture/', import.meta.url).pathname;
  mkdirSync(out, { recursive: true });
  for (const name of readdirSync(srcDir)) {
    if (!name.endsWith('.ts')) continue;
    const js = ts.transpileModule(readFileSync(join(srcDir, name), 'utf8'), {
      compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    writeFileSync(join(out, name.replace(/\.ts$/, '.js')), js);
  }
  writeFileSync(join(out, 'package.json'), '{"type":"module"}');
  return out;
}
