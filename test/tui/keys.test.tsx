import { afterEach, describe, expect, test } from 'vitest';
import { KEYS, renderTui, type RenderedTui } from '../helpers/render-tui.js';
import { seedSession, withFindings } from './fixtures.js';

let t: RenderedTui | null = null;
afterEach(() => { t?.unmount(); t = null; });

const status = (frame: string): string => frame.trimEnd().split('\n').at(-1)!;
const rowsOf = (frame: string): string[] => frame.split('\n').filter((l) => /^[> ][ !]\s*\d+ /.test(l));

describe('keys', () => {
  test('arrows, PgDn, End and Home move the selection; the explanation follows', async () => {
    t = await renderTui(seedSession(), { columns: 80, rows: 24 });
    await t.press(KEYS.down, KEYS.down, KEYS.down, KEYS.down, KEYS.down);
    expect(status(t.lastFrame())).toContain('frame 6/86');
    expect(t.lastFrame()).toContain("director's hop: dst MAC → 02:aa:00:00:01:01 (WEB1's)");
    await t.press(KEYS.end);
    expect(status(t.lastFrame())).toContain('frame 86/86');
    await t.press(KEYS.home, KEYS.pageDown);
    expect(status(t.lastFrame())).toMatch(/frame 1[0-9]\/86/);
  });

  test('/ filters by host name; Esc clears', async () => {
    t = await renderTui(seedSession(), { columns: 80, rows: 24 });
    await t.press('/', 'w', 'e', 'b', '2', KEYS.enter);
    const f = t.lastFrame();
    expect(f).toContain('filter: web2');
    expect(status(f)).toContain('frame 27, 28 of 86 shown');
    expect(rowsOf(f).every((l) => l.includes('WEB2'))).toBe(true);
    await t.press(KEYS.escape);
    expect(status(t.lastFrame())).toContain('frame 27/86');
  });

  test('f follows the selected connection, n/p step through it, f again stops', async () => {
    t = await renderTui(seedSession(), { columns: 80, rows: 24, initial: { selected: 25 } });
    await t.press('f');
    expect(t.lastFrame()).toContain('filter: #2');
    expect(status(t.lastFrame())).toContain('frame 25, 20 of 86 shown');
    await t.press('n');
    expect(status(t.lastFrame())).toContain('frame 28,');
    await t.press('p', 'p');
    expect(status(t.lastFrame())).toContain('frame 25,');
    await t.press('f');
    expect(status(t.lastFrame())).toContain('frame 25/86');
  });

  test('l switches the explanation to Chinese and back', async () => {
    t = await renderTui(seedSession(), { columns: 80, rows: 24, initial: { selected: 6 } });
    await t.press('l');
    expect(t.lastFrame()).toContain('Director 这一跳：目的 MAC → 02:aa:00:00:01:01（WEB1）');
    expect(status(t.lastFrame())).toContain('中文');
    await t.press('l');
    expect(t.lastFrame()).toContain("director's hop");
  });

  test('Tab reaches the cluster pane; Enter jumps to a finding\'s frames in turn; / finds them by code', async () => {
    const port = withFindings([{ code: 'rs-not-responding', severity: 'warning', message: 'WEB2 did not answer', frames: [31, 9] }]);
    t = await renderTui(seedSession(port), { columns: 80, rows: 24 });
    await t.press(KEYS.tab, KEYS.tab, KEYS.tab);
    expect(t.lastFrame()).toContain('[Cluster]');
    expect(t.lastFrame()).toContain('warning rs-not-responding frames 31,9: WEB2 did not answer');
    await t.press(KEYS.enter);
    expect(status(t.lastFrame())).toContain('frame 31/86');
    expect(t.lastFrame()).toContain('ipvsadm -Ln, as of frame 31');
    await t.press(KEYS.enter);
    expect(status(t.lastFrame())).toContain('frame 9/86');
    await t.press('/', 'rs-not-responding', KEYS.enter);
    expect(status(t.lastFrame())).toContain('frame 9, 2 of 86 shown');
  });

  test('x shows the hex dump of the selected field in the detail pane; ? opens help; q quits', async () => {
    t = await renderTui(seedSession(), { columns: 80, rows: 24, initial: { selected: 6, pane: 'detail' } });
    await t.press('x', KEYS.down);
    const f = t.lastFrame();
    expect(f).toContain('Frame 6: 74 bytes  bytes 6–11   [x] hex on');
    expect(f).toContain('0000  02 aa 00 00 01 01 00 0c  29 06 13 ea 08 00 45 00');
    await t.press('?');
    expect(t.lastFrame()).toContain('lvscope tui: keys');
    await t.press(' ', 'q');
    await expect(t.exited).resolves.toBeUndefined();
  });

  test('resizing to a wide terminal shows the list and the ladder side by side', async () => {
    t = await renderTui(seedSession(), { columns: 80, rows: 24 });
    expect(t.lastFrame()).not.toContain('director        WEB1');
    await t.resize(160, 48);
    const lines = t.lastFrame().split('\n');
    expect(lines.length).toBe(47); // one row short of the screen: see use-terminal-size
    expect(lines.find((l) => l.includes('dMAC→WEB1'))).toMatch(/^ {2}\s*6 08:23:30\.961601 +director → WEB1/);
  });
});
