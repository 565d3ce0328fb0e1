/**
 * `summarize` only reads the engine: it resolves what the engine left open (a real server known
 * only by MAC, the director of a one-server inside view, real servers a cooked capture hides) on
 * its own copy. The engine's state after summarizing is the state the frames left, and a second
 * summary is the first one again.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import { Engine, summarize, type EngineSnapshot } from '../../src/model/index.js';
import { REPO_ROOT } from '../helpers/paths.js';

function pcaps(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) out.push(...pcaps(path));
    else if (name.endsWith('.pcap')) out.push(path);
  }
  return out;
}

/** Everything summarize could touch, as plain data (Sets and Maps as arrays, real servers by value). */
function stateOf(s: EngineSnapshot): string {
  const plain = (_k: string, v: unknown): unknown => (v instanceof Set ? [...v] : v instanceof Map ? [...v] : v);
  return JSON.stringify({
    services: [...s.services.values()],
    done: s.done.map((d) => [d.index, d.svc.key, d.rs, d.state, d.expiresAt]),
    findings: [...s.findings],
    arp: [...s.arpPairs.values()],
  }, plain);
}

const FIXTURES = ['kernel', 'kernel-faults', 'kernel-misconfig'].flatMap((d) => pcaps(join(REPO_ROOT, 'test/fixtures', d)));

describe('summarize is a pure function of the engine snapshot', () => {
  it('has captures to look at', () => {
    expect(FIXTURES.length).toBeGreaterThan(5);
  });

  for (const file of FIXTURES) {
    it(file.slice(file.indexOf('test/fixtures/') + 'test/fixtures/'.length), () => {
      const engine = new Engine();
      for (const f of openFrames([file])) engine.observe(f, false);
      engine.end();
      const snap = engine.snapshot();
      const before = stateOf(snap);
      const first = summarize(snap, { files: [file] });
      expect(stateOf(engine.snapshot())).toBe(before);
      const second = summarize(engine.snapshot(), { files: [file] });
      expect(JSON.stringify(second.report)).toBe(JSON.stringify(first.report));
    });
  }
});
