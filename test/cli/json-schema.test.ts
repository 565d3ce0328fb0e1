/**
 * The published JSON Schemas (schema/, draft 2020-12) hold for what lvscope prints: analyze
 * --format json and ndjson, decode --format ndjson and synth --truth, over every bundled capture
 * and every synth preset, checked with Ajv.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/commands/analyze.js';
import { decodeCommand } from '../../src/cli/commands/decode.js';
import { synthCommand } from '../../src/cli/commands/synth.js';
import { listHaPresets } from '../../src/simulate/ha/index.js';
import { listPresets } from '../../src/simulate/index.js';
import { runCommand } from '../helpers/run-command.js';
import { CAPTURES, REPO_ROOT } from '../helpers/paths.js';

const SCHEMA = join(REPO_ROOT, 'schema');

/** The validator's few calls used here (ajv's own types come with the package). */
interface SchemaCheck { (doc: unknown): boolean; errors?: unknown }
interface Validator {
  addSchema(schema: object): void;
  getSchema(id: string): SchemaCheck | undefined;
  errorsText(errors: unknown): string;
}

// Loaded by name at run time: a checkout whose node_modules predates the ajv devDependency
// still type-checks, and these tests say why they skip there.
let ajvClass: (new (opts: object) => Validator) | null = null;
try {
  const AJV = 'ajv/dist/2020.js';
  ajvClass = (createRequire(import.meta.url)(AJV) as { Ajv2020: new (opts: object) => Validator }).Ajv2020;
} catch {
  ajvClass = null;
}
const ajv: Validator = ajvClass !== null ? new ajvClass({ allErrors: true, strict: true }) : { addSchema() {}, getSchema: () => undefined, errorsText: () => '' };
for (const f of readdirSync(SCHEMA)) ajv.addSchema(JSON.parse(readFileSync(join(SCHEMA, f), 'utf8')));
const validator = (name: string) => (doc: unknown, where: string): void => {
  const v = ajv.getSchema(`https://lvscope.invalid/schema/${name}.schema.json`);
  if (v === undefined) throw new Error(`no schema ${name}`);
  if (!v(doc)) expect.fail(`${where}: ${ajv.errorsText(v.errors)}`);
};
const report = validator('analyze-report');
const frame = validator('analyze-frame');
const decoded = validator('decode-frame');

const bundled = readdirSync(CAPTURES).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(CAPTURES, f));

async function checkCapture(file: string): Promise<void> {
  const json = await runCommand(analyzeCommand, ['--format', 'json', file]);
  report(JSON.parse(json.stdout), `${file} analyze json`);
  const lines = (await runCommand(analyzeCommand, ['--format', 'ndjson', file])).stdout.trimEnd().split('\n');
  lines.forEach((l, i) => frame(JSON.parse(l), `${file} analyze ndjson line ${i + 1}`));
  const dec = (await runCommand(decodeCommand, ['-r', file, '--format', 'ndjson'])).stdout.trimEnd().split('\n');
  dec.forEach((l, i) => decoded(JSON.parse(l), `${file} decode ndjson line ${i + 1}`));
}

describe.skipIf(ajvClass === null)('JSON Schemas (Ajv, draft 2020-12; skipped where ajv is not installed: run npm install)', () => {
  it('hold for every bundled capture', async () => {
    expect(bundled.length).toBeGreaterThan(1);
    for (const f of bundled) await checkCapture(f);
  });

  it('hold for every synth preset, and for its truth file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-'));
    const presets = listPresets();
    expect(presets.length).toBeGreaterThan(10);
    for (const p of presets) {
      const out = join(dir, `${p}.pcapng`), truth = join(dir, `${p}.truth.json`);
      const s = await runCommand(synthCommand, ['--scenario', p, '-w', out, '--truth', truth, '-q']);
      expect(s.code, p).toBe(0);
      report(JSON.parse(readFileSync(truth, 'utf8')), `${p} truth`);
      await checkCapture(out);
    }
  });

  it('hold for every director-pair preset, whose report has a directorPair section', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schema-ha-'));
    for (const p of listHaPresets()) {
      const out = join(dir, `${p}.pcapng`), truth = join(dir, `${p}.truth.json`);
      const s = await runCommand(synthCommand, ['--scenario', p, '-w', out, '--truth', truth, '-q']);
      expect(s.code, p).toBe(0);
      report(JSON.parse(readFileSync(truth, 'utf8')), `${p} truth`);
      await checkCapture(out);
      const doc = JSON.parse((await runCommand(analyzeCommand, ['--format', 'json', out])).stdout);
      expect(doc.directorPair?.routers.length, p).toBeGreaterThan(0);
    }
  });

  it('hold for every lab truth file committed (lab --truth writes analyze\'s schema, the lab block beside it)', () => {
    const roots = readdirSync(join(REPO_ROOT, 'test', 'fixtures')).filter((d) => d.startsWith('kernel'));
    let n = 0;
    for (const r of roots) {
      for (const d of readdirSync(join(REPO_ROOT, 'test', 'fixtures', r))) {
        const file = join(REPO_ROOT, 'test', 'fixtures', r, d, 'truth.json');
        if (!existsSync(file)) continue;
        report(JSON.parse(readFileSync(file, 'utf8')), file);
        n++;
      }
    }
    expect(n).toBeGreaterThan(5);
  });

  it('reject what they should: a float time, an "ip:port" client, a scheduler name beside status ambiguous', async () => {
    const doc = JSON.parse((await runCommand(analyzeCommand, ['--format', 'json', bundled[0]!])).stdout);
    const v = ajv.getSchema('https://lvscope.invalid/schema/analyze-report.schema.json')!;
    expect(v({ ...doc, connections: [{ ...doc.connections[0], client: '172.16.0.100:44942' }] })).toBe(false);
    expect(v({ ...doc, services: [{ ...doc.services[0], scheduler: { ...doc.services[0].scheduler, status: 'ambiguous', name: 'rr' } }] })).toBe(false);
    const line = JSON.parse((await runCommand(analyzeCommand, ['--format', 'ndjson', '-c', '1', bundled[0]!])).stdout);
    expect(ajv.getSchema('https://lvscope.invalid/schema/analyze-frame.schema.json')!({ ...line, time: 1795249410.961526 })).toBe(false);
  });
});
