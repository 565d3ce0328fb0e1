/** Director-pair synth presets written once per test run into a temporary directory. */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSink } from '../../src/capture/index.js';
import { synthesizeHa, type HaSynthResult } from '../../src/simulate/ha/index.js';

let dir: string | null = null;
const made = new Map<string, { path: string; result: HaSynthResult }>();

export function haCapture(name: string): { path: string; result: HaSynthResult } {
  let m = made.get(name);
  if (m === undefined) {
    dir ??= mkdtempSync(join(tmpdir(), 'lvscope-ha-'));
    const path = join(dir, `${name}.pcapng`);
    const result = synthesizeHa(name, fileSink(path, { overwrite: true }), { fileName: `${name}.pcapng` });
    m = { path, result };
    made.set(name, m);
  }
  return m;
}
