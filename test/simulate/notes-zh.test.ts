import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { fileSink, readAllPackets } from '../../src/capture/index.js';
import { applyFault, listPresets, preset, synthesize, type Scenario } from '../../src/simulate/index.js';
import { FAULTS, type FaultName } from '../../src/simulate/presets.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-notes-zh-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function comments(sc: Scenario, name: string, lang: 'en' | 'zh'): { frames: number; comments: (string | null)[] } {
  const path = join(dir, `${name}-${lang}.pcapng`);
  const r = synthesize(sc, fileSink(path, { overwrite: true }), { seed: 1, fileName: path, lang });
  return { frames: r.frames, comments: readAllPackets(path).packets.map((p) => p.comment ?? null) };
}

function withFault(f: FaultName): Scenario {
  for (const base of f === 'tun-mtu' ? ['tun'] : f === 'nat-gateway' ? ['nat'] : ['dr', 'nat', 'tun']) {
    try { return applyFault(preset(base), f); } catch { /* the fault needs another method */ }
  }
  throw new Error(`no preset takes fault ${f}`);
}

const HAN = /[\u4e00-\u9fff]/;
const cases: [string, () => Scenario][] = [
  ...listPresets().map((p): [string, () => Scenario] => [p, () => preset(p)]),
  ...FAULTS.map((f): [string, () => Scenario] => [`fault ${f}`, () => withFault(f)]),
];

describe('synth --lang zh writes the packet comments in Chinese', () => {
  test.each(cases)('%s', (name, make) => {
    const zh = comments(make(), name.replace(/\W+/g, '-'), 'zh');
    expect(zh.comments).toHaveLength(zh.frames);
    const english = zh.comments.filter((c) => c === null || !HAN.test(c));
    expect(english).toEqual([]);
  });

  test('the same frames, the same facts: addresses and numbers survive the translation', () => {
    const en = comments(preset('seed-dr'), 'seed-dr-facts', 'en');
    const zh = comments(preset('seed-dr'), 'seed-dr-facts', 'zh');
    expect(zh.frames).toBe(en.frames);
    zh.comments.forEach((c, i) => {
      const nums = (s: string | null) => ((s ?? '').match(/[0-9a-f:.]*\d[0-9a-f:.]*/g) ?? []).map((t) => t.replace(/[:.]+$/, ''));
      expect(nums(c)).toEqual(nums(en.comments[i]!));
    });
    expect(zh.comments.some((c) => c?.includes('DR 只改写目的 MAC'))).toBe(true);
  });
});
