import { describe, expect, it } from 'vitest';
import { looksLikeDisplayFilter } from '../../src/tui/data/display-filter.js';
import { WORDS } from '../../src/tui/words.js';

describe('TUI filter without a match', () => {
  it('plain words stay word filters; tshark syntax is a display filter', () => {
    expect(looksLikeDisplayFilter('WEB1 #2')).toBe(false);
    expect(looksLikeDisplayFilter('192.168.23.80')).toBe(false);
    expect(looksLikeDisplayFilter('ip.addr==10.0.0.1')).toBe(true);
    expect(looksLikeDisplayFilter('arp')).toBe(true);
    expect(looksLikeDisplayFilter('WEB1 or WEB2')).toBe(true);
  });
  it('no match says so in both languages', () => {
    expect(WORDS.en.noMatch('WEB9')).toBe("No frame matches 'WEB9'.");
    expect(WORDS.zh.noMatch('WEB9')).toBe('没有与“WEB9”匹配的帧。');
  });
});
