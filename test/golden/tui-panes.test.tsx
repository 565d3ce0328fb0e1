/**
 * Every pane of the TUI at 80×24, 160×48, 60×20 and 40×12 on the DR walkthrough (frame 6 selected), against
 * golden frames in test/golden/tui/. LVSCOPE_UPDATE_GOLDEN=1 rewrites them.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import type { Pane } from '../../src/tui/hooks/use-ui-state.js';
import { KEYS, renderTui } from '../helpers/render-tui.js';
import { seedSession, withFindings } from '../tui/fixtures.js';

const DIR = join(import.meta.dirname, 'tui');
const UPDATE = process.env['LVSCOPE_UPDATE_GOLDEN'] === '1';

function golden(name: string, actual: string): void {
  const path = join(DIR, `${name}.txt`);
  if (UPDATE || !existsSync(path)) {
    if (!UPDATE) throw new Error(`golden file ${path} is missing: run npm run test:golden:update`);
    mkdirSync(DIR, { recursive: true });
    writeFileSync(path, `${actual}\n`);
  }
  expect(actual).toBe(readFileSync(path, 'utf8').replace(/\n$/, ''));
}

const session = seedSession();
// Findings as the model reports them (with params), so the pane shows the catalog's Chinese.
const zhFindings = seedSession(withFindings([
  { code: 'rs-not-responding', severity: 'warning', message: 'real server 192.168.23.81 did not answer connections the director sent it', frames: [28, 33], params: { rs: '192.168.23.81' } },
  { code: 'vip-arp-flapping', severity: 'warning', message: '2 different MACs claim the VIP', frames: [2], params: { vip: '192.168.23.100', macs: ['00:0c:29:06:13:ea', '02:aa:00:00:01:02'] } },
]));

describe.each([[80, 24], [160, 48], [60, 20], [40, 12]] as const)('at %i×%i', (columns, rows) => {
  test.each(['frames', 'ladder', 'detail', 'cluster'] as const)('%s pane', async (pane: Pane) => {
    const t = await renderTui(session, { columns, rows, initial: { selected: 6, pane, hex: pane === 'detail' } });
    if (pane === 'detail') await t.press(KEYS.down);
    golden(`${pane}-${columns}x${rows}`, t.lastFrame());
    t.unmount();
  });

  test('help', async () => {
    const t = await renderTui(session, { columns, rows, initial: { selected: 6 } });
    await t.press('?');
    golden(`help-${columns}x${rows}`, t.lastFrame());
    t.unmount();
  });

  test('Chinese cluster pane, with findings', async () => {
    const t = await renderTui(zhFindings, { columns, rows, initial: { selected: 28, pane: 'cluster', lang: 'zh' } });
    golden(`zh-cluster-${columns}x${rows}`, t.lastFrame());
    t.unmount();
  });

  test('Chinese help and detail', async () => {
    const t = await renderTui(session, { columns, rows, initial: { selected: 6, pane: 'detail', lang: 'zh' } });
    golden(`zh-detail-${columns}x${rows}`, t.lastFrame());
    await t.press('?');
    golden(`zh-help-${columns}x${rows}`, t.lastFrame());
    t.unmount();
  });

  test('Chinese, following connection 2', async () => {
    const t = await renderTui(session, { columns, rows, initial: { selected: 28, lang: 'zh' } });
    await t.press('f');
    golden(`zh-follow-${columns}x${rows}`, t.lastFrame());
    t.unmount();
  });
});
