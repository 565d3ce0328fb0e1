import { describe, expect, test } from 'vitest';
import { ellipsize, fitLines } from '../../src/tui/components/Explanation.js';
import { displayWidth } from '../../src/tui/words.js';

describe('text fitted into a box', () => {
  test('English wraps at words and the last line says more follows', () => {
    const lines = fitLines(['the director picked WEB1 by rr and rewrote only the destination MAC'], 20, 2);
    expect(lines).toEqual(['the director picked', 'WEB1 by rr and…']);
    for (const l of lines) expect(displayWidth(l)).toBeLessThanOrEqual(20);
  });

  test('Chinese closing punctuation never starts a line, opening never ends one', () => {
    const lines = fitLines(['Director 用 rr、wrr、lc 或 wlc（尚无定论）挑选出 WEB2，只把目标 MAC 改成 WEB2 的'], 34, 9);
    for (const l of lines) {
      expect(l).not.toMatch(/^[，。、；：）]/);
      expect(l).not.toMatch(/（$/);
      expect(displayWidth(l)).toBeLessThanOrEqual(34);
    }
    expect(lines.join('')).toContain('挑选出');
  });

  test('ellipsize keeps the spaces of a key column and cuts at a whole word', () => {
    expect(ellipsize('f            follow the selected frame', 30)).toBe('f            follow the…');
    expect(ellipsize('short', 30)).toBe('short');
  });
});
