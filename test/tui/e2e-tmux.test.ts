/**
 * The real binary in a real terminal: tmux runs `lvscope tui` on the DR walkthrough at 120×40;
 * send-keys drives it and capture-pane reads the screen. Needs tmux and a built dist/
 * (`npm run build`); skips, saying which, when either is missing.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, test } from 'vitest';
import { REPO_ROOT } from '../helpers/paths.js';
import { SEED } from './fixtures.js';

const HAVE_TMUX = spawnSync('tmux', ['-V']).status === 0;
const DIST_TUI = join(REPO_ROOT, 'dist/cli/commands/tui.js');
const HAVE_DIST = existsSync(DIST_TUI);
const skip = !HAVE_TMUX ? 'tmux is not installed' : !HAVE_DIST ? 'dist/ has no tui command: run `npm run build` first' : null;

// Until the dispatcher lists `tui`, start the command module the way bin/lvscope starts main().
const REGISTERED = HAVE_DIST && readFileSync(join(REPO_ROOT, 'dist/cli/registry.js'), 'utf8').includes("'tui'");
const SHIM = `import('${DIST_TUI}').then(async (m) => { process.exitCode = await m.tuiCommand.run(process.argv.slice(1), { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env }); })`;

const session = `lvscope-e2e-${process.pid}`;
const exitFile = join(tmpdir(), `${session}.exit`);
afterAll(() => {
  spawnSync('tmux', ['kill-session', '-t', session]);
  rmSync(exitFile, { force: true });
});

const tmux = (...args: string[]): string => execFileSync('tmux', args, { encoding: 'utf8' });
const screen = (): string => tmux('capture-pane', '-t', session, '-p');
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitFor(what: (s: string) => boolean, ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  let s = screen();
  while (!what(s) && Date.now() < end) { await sleep(50); s = screen(); }
  return s;
}

/**
 * The shell's `> file` creates the file before `echo` writes to it, so an existing file can still be
 * empty: wait for the line itself.
 */
async function exitStatus(ms = 10_000): Promise<string> {
  const end = Date.now() + ms;
  for (;;) {
    const text = existsSync(exitFile) ? readFileSync(exitFile, 'utf8').trim() : '';
    if (/^EXIT=\d+$/.test(text) || Date.now() >= end) return text;
    await sleep(50);
  }
}

async function keys(...k: string[]): Promise<void> {
  for (const key of k) { tmux('send-keys', '-t', session, key); await sleep(60); }
}

describe.skipIf(skip !== null)(`lvscope tui in tmux${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  test('step to frame 6, switch to Chinese, filter to one connection, quit with status 0', async () => {
    rmSync(exitFile, { force: true });
    const cmd = REGISTERED
      ? `node ${join(REPO_ROOT, 'bin/lvscope')} tui ${SEED}`
      : `node --input-type=module -e "${SHIM}" ${SEED}`;
    // ink renders only the last frame when it sees CI set (is-in-ci); this pane is a real terminal.
    tmux('new-session', '-d', '-s', session, '-x', '120', '-y', '40', '-c', REPO_ROOT, `env -u NO_COLOR -u CI ${cmd}; echo EXIT=$? > ${exitFile}`);
    // Keys typed before ink switches the terminal to raw mode are lost, so wait for the analysis.
    await waitFor((s) => s.includes('frame 1/86') && s.includes('method DR'), 15_000);
    await sleep(300);

    expect(tmux('capture-pane', '-t', session, '-p', '-e')).toMatch(/\u001b\[[0-9;]*3[1-6]m/); // coloured by connection

    await keys('Down', 'Down', 'Down', 'Down', 'Down');
    let s = await waitFor((x) => x.includes('frame 6/86'));
    expect(s).toMatch(/>\s+6 .*director → WEB1/);
    expect(s).toContain('rewrote only the destination MAC to WEB1');
    expect(s).toContain("dst MAC → 02:aa:00:00:01:01 (WEB1's)");

    await keys('l');
    s = await waitFor((x) => x.includes('中文'));
    expect(s).toContain('Director 这一跳：目的 MAC → 02:aa:00:00:01:01（WEB1）');

    await keys('/', '#', '2', 'Enter');
    // Chinese from `l` on: the status line and the tab bar too.
    s = await waitFor((x) => x.includes('显示 20/86'));
    expect(s).toContain('过滤：#2');
    const listed = s.split('\n').filter((l) => /^[> ][ !]\s*\d+\s+\d/.test(l)).map((l) => Number(l.slice(2).trim().split(' ')[0]));
    expect(listed.slice(0, 3)).toEqual([25, 28, 31]);

    await keys('q');
    expect(await exitStatus()).toBe('EXIT=0');
  });

  test('NO_COLOR: no colour at all', async () => {
    rmSync(exitFile, { force: true });
    spawnSync('tmux', ['kill-session', '-t', session]);
    const cmd = REGISTERED
      ? `node ${join(REPO_ROOT, 'bin/lvscope')} tui ${SEED}`
      : `node --input-type=module -e "${SHIM}" ${SEED}`;
    tmux('new-session', '-d', '-s', session, '-x', '100', '-y', '30', '-c', REPO_ROOT, `env -u CI NO_COLOR=1 ${cmd}; echo EXIT=$? > ${exitFile}`);
    await waitFor((s) => s.includes('frame 1/86') && s.includes('method DR'), 15_000);
    const raw = tmux('capture-pane', '-t', session, '-p', '-e');
    expect(raw).toContain('gateway → broadcast');
    expect(raw).not.toMatch(/\u001b\[[0-9;]*3[0-7]m/);
    await keys('q');
    expect(await exitStatus()).toBe('EXIT=0');
  });
});
