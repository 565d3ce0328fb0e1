/**
 * The HTML walkthrough in a real browser: Debian's Chromium, headless, driven by playwright-core
 * (no browser download). It opens the exported seed DR walkthrough, steps with the keyboard and
 * the buttons, reads the DR explanation, switches to Chinese, prints, and compares screenshots
 * with the stored ones (test/golden/report/*.png) within 1% of the pixels.
 * Regenerate the screenshots with `npm run test:golden:update`.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { reportCommand } from '../../src/cli/commands/report.js';
import { pngGolden, pngTools } from '../helpers/png-golden.js';
import { CAPTURES } from '../helpers/paths.js';
import { runCommand } from '../helpers/run-command.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CHROMIUM = process.env['LVSCOPE_CHROMIUM'] ?? '/usr/bin/chromium';
const hasChromium = existsSync(CHROMIUM);

/** The little of playwright-core this test drives (loaded at run time: see png-golden.ts). */
interface Locator { first(): Locator; textContent(): Promise<string | null>; count(): Promise<number> }
interface Page {
  on(event: 'console', fn: (m: { type(): string; text(): string }) => void): void;
  on(event: 'pageerror', fn: (e: Error) => void): void;
  on(event: 'request', fn: (r: { url(): string }) => void): void;
  goto(url: string): Promise<unknown>;
  waitForSelector(sel: string): Promise<unknown>;
  keyboard: { press(key: string): Promise<void> };
  click(sel: string): Promise<void>;
  textContent(sel: string): Promise<string | null>;
  getAttribute(sel: string, name: string): Promise<string | null>;
  locator(sel: string): Locator;
  url(): string;
  screenshot(o: { animations: 'disabled'; caret: 'hide' }): Promise<Buffer>;
  emulateMedia(o: { media: 'print' | 'screen' }): Promise<void>;
  evaluate(script: string): Promise<unknown>;
  isVisible(sel: string): Promise<boolean>;
}
interface Browser {
  newPage(o: { viewport: { width: number; height: number }; deviceScaleFactor: number; reducedMotion: 'reduce'; locale: string }): Promise<Page>;
  close(): Promise<void>;
}
interface Playwright { chromium: { launch(o: { executablePath: string; args: string[] }): Promise<Browser> } }
const PLAYWRIGHT = 'playwright-core';
const playwright = (await import(PLAYWRIGHT).catch(() => null)) as Playwright | null;
const tools = await pngTools();
const skip = !hasChromium ? `needs ${CHROMIUM}: apt-get install chromium fonts-noto-cjk`
  : playwright === null || tools === null ? 'needs playwright-core, pngjs and pixelmatch: npm ci' : null;
const dir = mkdtempSync(join(tmpdir(), 'lvscope-report-page-'));
const PAGE = join(dir, 'seed-dr.html');
const MAX_DIFFERING = 0.01;

describe.skipIf(skip !== null)(`report page in headless Chromium${skip !== null ? ` (skipped: ${skip})` : ''}`, () => {
  let browser: Browser;
  let page: Page;
  const errors: string[] = [];

  beforeAll(async () => {
    const r = await runCommand(reportCommand, [join(CAPTURES, 'seed-dr-kernel.pcap'), '-o', PAGE, '-q']);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const { chromium } = playwright!;
    // Root (CI) cannot use Chromium's sandbox; the page is our own file with no network access.
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox', '--font-render-hinting=none', '--disable-gpu'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 }, deviceScaleFactor: 1, reducedMotion: 'reduce', locale: 'en-US' });
    page.on('console', (m) => { if (m.type() === 'error' || m.type() === 'warning') errors.push(`${m.type()}: ${m.text()}`); });
    page.on('pageerror', (e) => errors.push(`pageerror: ${e.message}`));
    page.on('request', (req) => { if (!req.url().startsWith('file:') && !req.url().startsWith('data:')) errors.push(`request: ${req.url()}`); });
    await page.goto(pathToFileURL(PAGE).href);
    await page.waitForSelector('body[data-ready]');
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const text = async (sel: string): Promise<string> => (await page.textContent(sel)) ?? '';

  it('steps to frame 6 with the keyboard and reads the DR explanation', async () => {
    expect(await text('#pos')).toBe('Frame 1 of 86');
    await page.keyboard.press('End');
    expect(await text('#pos')).toBe('Frame 86 of 86');
    await page.keyboard.press('Home');
    for (let i = 0; i < 3; i++) await page.keyboard.press('ArrowRight');
    for (let i = 0; i < 3; i++) await page.keyboard.press('j');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('j');
    await page.keyboard.press('k');
    expect(await text('#pos')).toBe('Frame 6 of 86');
    expect(await text('#route')).toContain('Director → WEB1');
    expect(await text('#explain')).toContain('rewrote only the destination MAC to WEB1');
    expect(await text('#hop')).toContain('IP addresses and ports unchanged');
    // The director's hop is marked on its arrow in the ladder.
    expect(await page.locator('#ladder-svg text.mark').first().textContent()).toBe('dst MAC → WEB1');
    expect(page.url()).toMatch(/#frame=6$/);
  });

  it('steps with the buttons and shows the connection table as of the frame', async () => {
    await page.click('#next');
    expect(await text('#pos')).toBe('Frame 7 of 86');
    await page.click('#prev');
    expect(await text('#pos')).toBe('Frame 6 of 86');
    await page.click('button[data-tab=conns]');
    const row = await text('#tab-body tr.cur');
    expect(row).toContain('SYN_RECV');
    expect(row).toContain('192.168.23.80:80');
    await page.click('button[data-tab=packet]');
    expect(await text('#tab-body')).toContain('02:aa:00:00:01:01');
  });

  it('looks as stored: frame 6 in English', async () => {
    const shot = await page.screenshot({ animations: 'disabled', caret: 'hide' });
    const r = pngGolden(tools!, join(HERE, 'report', 'seed-dr-frame6-en.png'), shot);
    expect(r.mismatch).toBeNull();
    expect(r.ratio).toBeLessThan(MAX_DIFFERING);
  });

  it('switches to Chinese', async () => {
    await page.click('button[data-lang=zh]');
    expect(await page.getAttribute('html', 'lang')).toBe('zh-Hans');
    expect(await text('#pos')).toBe('第 6 帧，共 86 帧');
    expect(await text('#explain')).toContain('只把目标 MAC 改成 WEB1 的');
    expect(await page.locator('#ladder-svg text.mark').first().textContent()).toBe('目的 MAC → WEB1');
    expect(await text('#tabs')).toContain('连接表');
  });

  it('looks as stored: frame 6 in Chinese', async () => {
    const shot = await page.screenshot({ animations: 'disabled', caret: 'hide' });
    const r = pngGolden(tools!, join(HERE, 'report', 'seed-dr-frame6-zh.png'), shot);
    expect(r.mismatch).toBeNull();
    expect(r.ratio).toBeLessThan(MAX_DIFFERING);
  });

  it('prints the walkthrough as a handout: one row per frame with its explanation', async () => {
    await page.emulateMedia({ media: 'print' });
    await page.evaluate('window.dispatchEvent(new Event("beforeprint"))');
    expect(await page.isVisible('#handout')).toBe(true);
    expect(await page.isVisible('main')).toBe(false);
    expect(await page.locator('#handout tbody tr').count()).toBe(86);
    expect(await text('#handout tbody tr:nth-child(6)')).toContain('只把目标 MAC 改成 WEB1 的');
    await page.emulateMedia({ media: 'screen' });
  });

  it('logged no console errors and fetched nothing', () => {
    expect(errors).toEqual([]);
  });
});
