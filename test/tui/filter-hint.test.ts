import { describe, expect, it } from 'vitest';
import { WORDS } from '../../src/tui/words.js';

describe('TUI filter without a match', () => {
  it('a tshark-style display filter gets a hint about what the filter takes, in both languages', () => {
    expect(WORDS.en.noMatch('ip.addr==10.0.0.1')).toContain('tshark fields (ip.addr==…) are not understood');
    expect(WORDS.zh.noMatch('tcp.port == 80')).toContain('不支持 tshark 字段');
    expect(WORDS.en.noMatch('WEB9')).toBe("No frame matches 'WEB9'.");
  });
});
