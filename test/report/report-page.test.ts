/**
 * `lvscope report`: one self-contained page whose embedded data survives any text (a host named
 * "</script>" included), with the ladder's columns from the hosts table and the director's
 * rewrite on its hop; refuses to overwrite; notes when a capture has more frames than the page.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/command.js';
import { reportCommand } from '../../src/cli/commands/report.js';
import { jsonForScript } from '../../src/present/html/index.js';
import { PAGE_SCRIPT } from '../../src/present/html/page-script.js';
import type { ReportData } from '../../src/present/html/report-data.js';
import { CAPTURES } from '../helpers/paths.js';
import { runCommand } from '../helpers/run-command.js';

const SEED = join(CAPTURES, 'seed-dr-kernel.pcap');
const dir = mkdtempSync(join(tmpdir(), 'lvscope-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let k = 0;

async function report(args: string[]): Promise<{ html: string; data: ReportData; code: number; stderr: string }> {
  const out = join(dir, `page-${k++}.html`);
  const r = await runCommand(reportCommand, [...args, '-o', out, '-q']);
  const html = readFileSync(out, 'utf8');
  const m = /<script type="application\/json" id="lvscope-data">(.*?)<\/script>/s.exec(html);
  return { html, data: JSON.parse(m![1]!) as ReportData, code: r.code, stderr: r.stderr };
}

describe('jsonForScript', () => {
  it('leaves no way out of the script element and reads back unchanged', () => {
    const value = { a: '</script><script>alert(1)</script>', b: '<!-- x -->', c: 'a & b > c', d: '\u2028\u2029', e: '中文' };
    const text = jsonForScript(value);
    expect(text).not.toMatch(/[<>&\u2028\u2029]/);
    expect(JSON.parse(text)).toEqual(value);
  });
});

describe('the page script', () => {
  it('is valid JavaScript with no template holes left by the build', () => {
    expect(() => new Function(PAGE_SCRIPT)).not.toThrow();
    expect(PAGE_SCRIPT).not.toContain('${');
  });
});

describe('lvscope report', () => {
  it('writes one self-contained page: nothing fetched, a CSP that forbids it, the data inside', async () => {
    const { html, data, code } = await report([SEED]);
    expect(code).toBe(0);
    expect(html).toContain("default-src 'none'");
    expect(html).not.toMatch(/(?:src|href)="(?:https?:)?\/\//);
    expect(html).not.toMatch(/@import|url\(\s*['"]?https?:/);
    expect(data.total).toBe(86);
    expect(data.shown).toBe(86);
    expect(data.frames).toHaveLength(86);
  });

  it('has one column per host with names from the hosts table, and marks the director\'s rewrite', async () => {
    const { data } = await report([SEED]);
    expect(data.columns.map((c) => [c.role, c.label[0], c.sub])).toEqual([
      ['gateway', 'gateway', '192.168.23.1'],
      ['director', 'Director', 'VIP 192.168.23.100'],
      ['real-server', 'WEB1', '192.168.23.80'],
      ['real-server', 'WEB2', '192.168.23.81'],
    ]);
    const f6 = data.frames[5]!;
    expect([data.columns[f6.a]!.label[0], data.columns[f6.b]!.label[0]]).toEqual(['Director', 'WEB1']);
    expect(f6.m).toEqual(['dst MAC → WEB1', '目的 MAC → WEB1']);
    expect(f6.e[0]).toContain('rewrote only the destination MAC');
    expect(f6.e[1]).toContain('只把目标 MAC 改成');
    expect(f6.c).toBe(1);
    expect(Buffer.from(f6.x, 'base64')).toHaveLength(74);
    expect(data.frames[0]!.b).toBe(-1);
    expect(data.frames.filter((f) => f.m !== null && f.m[0].startsWith('dst MAC')).length).toBe(27);
  });

  it('keeps "</script>" in a host name as text', async () => {
    const { html, data } = await report([SEED, '--name', '192.168.23.80=</script><b>WEB1']);
    expect(html.match(/<\/script>/g)).toHaveLength(2);
    expect(data.columns[2]!.label[0]).toBe('</script><b>WEB1');
  });

  it('holds at most --max-frames frames and says how many the capture has', async () => {
    const { data } = await report([SEED, '--max-frames', '10']);
    expect(data.shown).toBe(10);
    expect(data.total).toBe(86);
    expect(data.frames.map((f) => f.n)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  });

  it('opens in Chinese with --lang zh', async () => {
    const { html, data } = await report([SEED, '--lang', 'zh']);
    expect(data.lang).toBe('zh');
    expect(html).toContain('<html lang="zh-Hans">');
  });

  it('never replaces a file without --force', async () => {
    const out = join(dir, 'exists.html');
    writeFileSync(out, 'keep me');
    const r = await runCommand(reportCommand, [SEED, '-o', out]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to overwrite');
    expect(readFileSync(out, 'utf8')).toBe('keep me');
    expect((await runCommand(reportCommand, [SEED, '-o', out, '--force', '-q'])).code).toBe(0);
    expect(readFileSync(out, 'utf8')).toMatch(/^<!doctype html>/);
  });

  it('asks for -o, and for a frame count above 0', async () => {
    await expect(runCommand(reportCommand, [SEED])).rejects.toThrow(UsageError);
    await expect(runCommand(reportCommand, [SEED, '-o', join(dir, 'x.html'), '--max-frames', '0'])).rejects.toThrow(/--max-frames/);
  });

  it('says which file cannot be read, exit 2', async () => {
    const r = await runCommand(reportCommand, [join(dir, 'missing.pcap'), '-o', join(dir, 'y.html')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('missing.pcap');
  });

  it('has help with an example', () => {
    expect(reportCommand.help).toMatch(/Examples:\n\s+lvscope report captures\/seed-dr-kernel\.pcap -o /);
  });
});
