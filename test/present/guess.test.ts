/** A guess is printed as a guess, the same in every view: the cluster text, -Ln, and the marks themselves. */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/commands/analyze.js';
import { markWeights, schedulerLabel } from '../../src/present/guess.js';
import { runCommand } from '../helpers/run-command.js';
import { CAPTURES } from '../helpers/paths.js';

describe('guesses', () => {
  it('scheduler labels: inferred as is, ambiguous as its best candidate with ?, unknown as ?', () => {
    expect(schedulerLabel({ name: 'wrr', confidence: 0.9, candidates: [{ name: 'wrr', score: 1 }] })).toBe('wrr');
    expect(schedulerLabel({ name: 'ambiguous', confidence: 0.2, candidates: [{ name: 'rr', score: 1 }, { name: 'wlc', score: 1 }] })).toBe('rr?');
    expect(schedulerLabel({ name: 'unknown', confidence: 0, candidates: [] })).toBe('?');
  });

  it('the -Ln weight column marks inferred weights and keeps its width', () => {
    const line = '  -> 192.168.23.80:80             Route   1      0          2         ';
    const marked = markWeights(line);
    expect(marked).toBe('  -> 192.168.23.80:80             Route   ~1     0          2         ');
    expect(marked.length).toBe(line.length);
  });

  it('the cluster section and the reconstructed -Ln give the same scheduler answer', async () => {
    const { stdout } = await runCommand(analyzeCommand, [join(CAPTURES, 'seed-dr-kernel.pcap')]);
    expect(stdout).toContain('scheduler: rr? (ambiguous, confidence');
    expect(stdout).toMatch(/^TCP {2}192\.168\.23\.100:80 rr\?$/m);
    expect(stdout).toMatch(/Route {3}~1 {5}0/);
    expect(stdout).not.toMatch(/Route {3}1 /);
  });
});
