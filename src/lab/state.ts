/**
 * Labs kept up between `lab up` and `lab down`: one small JSON file per lab, under
 * /run/lvscope-lab (or /tmp/lvscope-lab where /run is not writable).
 */
import { accessSync, constants, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabState } from './cluster.js';
import { LabError } from './host.js';

export function stateDir(env: NodeJS.ProcessEnv = process.env): string {
  const override = env['LVSCOPE_LAB_STATE_DIR'];
  if (override) return override;
  for (const dir of ['/run/lvscope-lab', '/tmp/lvscope-lab']) {
    try {
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      accessSync(dir, constants.W_OK);
      return dir;
    } catch { /* try the next */ }
  }
  return '/tmp/lvscope-lab';
}

export function saveState(dir: string, state: LabState): string {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, `${state.plan.id}.json`);
  writeFileSync(path, `${JSON.stringify(state, null, 2)}\n`);
  return path;
}

export function listStates(dir: string): LabState[] {
  let names: string[];
  try {
    names = readdirSync(dir).filter((n) => /^lv[0-9a-f]{4}\.json$/.test(n)).sort();
  } catch {
    return [];
  }
  const out: LabState[] = [];
  for (const n of names) {
    try {
      out.push(JSON.parse(readFileSync(join(dir, n), 'utf8')) as LabState);
    } catch { /* a half-written file: ignore */ }
  }
  return out;
}

/** The lab named `id`, or the only lab up when id is undefined. */
export function findState(dir: string, id: string | undefined): LabState {
  const all = listStates(dir);
  if (id !== undefined) {
    const s = all.find((x) => x.plan.id === id);
    if (!s) throw new LabError(`no lab ${id} is up (state files in ${dir})`);
    return s;
  }
  if (all.length === 0) throw new LabError(`no lab is up (state files in ${dir}); start one with lvscope lab up dr`);
  if (all.length > 1) throw new LabError(`${all.length} labs are up (${all.map((s) => s.plan.id).join(', ')}): name one`);
  return all[0] as LabState;
}

export function removeState(dir: string, id: string): void {
  rmSync(join(dir, `${id}.json`), { force: true });
}
