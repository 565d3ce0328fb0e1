/** The TUI's own words in Chinese, and layout that counts a Chinese character as two columns. */
import { describe, expect, test } from 'vitest';
import { frameLine } from '../../src/tui/components/FrameList.js';
import { ladderGeometry, ladderHeading } from '../../src/tui/components/Ladder.js';
import type { Actor, FrameRow } from '../../src/tui/data/types.js';
import { displayWidth, WORDS } from '../../src/tui/words.js';

const row = (over: Partial<FrameRow>): FrameRow => ({
  n: 6, time: '08:23:30.961625', rel: 0.001, from: 'director', to: 'WEB1', fromKind: 'director', toKind: null,
  fromActor: 2, toActor: 3, summary: 'TCP 172.16.0.100:44942 → 192.168.23.100:80 [SYN]', conn: 1, rewrite: null, findings: [], ...over,
});

describe('Chinese words', () => {
  test('the status line says method and scheduler verdicts in Chinese', () => {
    expect(WORDS.zh.method('UNKNOWN')).toBe('转发模式 未知');
    expect(WORDS.zh.method('DR,UNKNOWN')).toBe('转发模式 DR,未知');
    expect(WORDS.zh.scheduler('unknown')).toBe('调度算法 未知');
    expect(WORDS.zh.scheduler('rr|wrr?')).toBe('调度算法 rr|wrr?');
    expect(WORDS.zh.frameShown(28, 20, 86)).toBe('帧 28，显示 20/86');
    expect(WORDS.en.frameShown(28, 20, 86)).toBe('frame 28, 20 of 86 shown');
  });

  test('every help line and pane title is translated, the keys stay as typed', () => {
    expect(WORDS.zh.help.map(([k]) => k)).toEqual(WORDS.en.help.map(([k]) => k));
    for (const [, text] of WORDS.zh.help) expect(text).toMatch(/[\u4e00-\u9fff]|English \/ 中文/);
    expect(Object.values(WORDS.zh.panes)).toEqual(['帧列表', '时序图', '详情', '集群']);
  });
});

describe('layout by display width', () => {
  test('role words: the arrow stays in the same column in both languages', () => {
    for (const r of [row({}), row({ from: 'gateway', fromKind: 'gateway', to: 'director', toKind: 'director' }), row({ from: 'broadcast', fromKind: 'broadcast' })]) {
      const en = frameLine(r, true, 4, 'en');
      const zh = frameLine(r, true, 4, 'zh');
      expect(displayWidth(zh.slice(0, zh.indexOf('→')))).toBe(en.indexOf('→'));
      expect(displayWidth(zh.slice(0, zh.indexOf('TCP')))).toBe(en.indexOf('TCP'));
    }
    expect(frameLine(row({ from: 'gateway', fromKind: 'gateway' }), true, 4, 'zh')).toContain('      网关 → WEB1      TCP');
  });

  test('ladder heading: a Chinese label centred over its lifeline, two cells a character', () => {
    const actors: Actor[] = [
      { key: 'client', kind: 'client', label: 'client' },
      { key: 'gateway', kind: 'gateway', label: 'gateway' },
      { key: 'rs:192.168.23.80', kind: 'real-server', label: 'WEB1' },
    ];
    const g = ladderGeometry(actors.length, 80);
    const zh = ladderHeading(actors, g, 'zh');
    const col = (s: string, word: string): number => displayWidth(s.slice(0, s.indexOf(word)));
    // 客户端 is 6 columns wide: it starts 3 columns left of the centre, as 'client' does.
    expect(col(zh, '客户端')).toBe(g.centres[0]! - 3);
    expect(col(zh, '网关')).toBe(g.centres[1]! - 2);
    expect(col(zh, 'WEB1')).toBe(g.centres[2]! - 2);
    expect(ladderHeading(actors, g, 'en').indexOf('WEB1')).toBe(col(zh, 'WEB1'));
  });
});
