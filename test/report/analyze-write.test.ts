/**
 * `analyze -w`: the explained pcapng keeps every frame as it was (tshark decodes both files the
 * same, field for field) and carries one explanation per frame, the same sentence `analyze` prints.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/commands/analyze.js';
import { CaptureReader } from '../../src/capture/index.js';
import { runCommand } from '../helpers/run-command.js';
import { CAPTURES, conformance } from '../helpers/paths.js';

const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
const dir = mkdtempSync(join(tmpdir(), 'lvscope-w-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SEED = join(CAPTURES, 'seed-dr-kernel.pcap');

type Json = Record<string, unknown>;

/** tshark's full JSON decode, each frame without its comments (and, from pcap, without the pcapng-only fields). */
function decodeAll(path: string, dropPcapngOnly: boolean): Json[] {
  const out = execFileSync('tshark', ['-r', path, '-T', 'json', '-x'], { maxBuffer: 1 << 28, stdio: ['ignore', 'pipe', 'ignore'] });
  return (JSON.parse(out.toString()) as { _source: { layers: Json } }[]).map((p) => {
    const layers = { ...p._source.layers };
    delete layers['pkt_comment'];
    const frame = { ...(layers['frame'] as Json) };
    if (dropPcapngOnly) for (const k of ['frame.section_number', 'frame.interface_id', 'frame.interface_id_tree']) delete frame[k];
    layers['frame'] = frame;
    return layers;
  });
}

function comments(path: string): string[] {
  return execFileSync('tshark', ['-r', path, '-T', 'fields', '-e', 'frame.comment'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString().split('\n').slice(0, -1);
}

async function write(args: string[]): Promise<{ code: number; stderr: string; out: string }> {
  const out = join(dir, `${Math.random().toString(36).slice(2)}.pcapng`);
  const r = await runCommand(analyzeCommand, [...args, '-w', out, '-q']);
  return { code: r.code, stderr: r.stderr, out };
}

describe('analyze -w', () => {
  it('writes the explanation analyze prints as each packet comment, and the cluster in the section comment', async () => {
    const { code, out } = await write([SEED]);
    expect(code).toBe(0);
    const nd = await runCommand(analyzeCommand, [SEED, '--format', 'ndjson']);
    const expected = nd.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { explanation: string }).explanation);
    const r = CaptureReader.open(out);
    const got: string[] = [];
    while (r.next()) got.push(r.comment ?? '');
    const section = r.info.sectionComment ?? '';
    r.close();
    expect(got).toHaveLength(86);
    expect(got).toEqual(expected);
    expect(got[5]).toContain('rewrote only the destination MAC');
    expect(section).toContain('each packet comment is');
    expect(section).not.toContain('\x1b[');
  });

  it('writes Chinese with --lang zh', async () => {
    const { code, out } = await write([SEED, '--lang', 'zh']);
    expect(code).toBe(0);
    const r = CaptureReader.open(out);
    r.next(); r.next(); r.next(); r.next(); r.next(); r.next();
    expect(r.comment).toContain('只把目标 MAC 改成');
    r.close();
  });

  it('never replaces a file without --force', async () => {
    const path = join(dir, 'exists.pcapng');
    writeFileSync(path, 'keep me');
    const r = await runCommand(analyzeCommand, [SEED, '-w', path]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('refusing to overwrite');
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    const forced = await runCommand(analyzeCommand, [SEED, '-w', path, '--force', '-q']);
    expect(forced.code).toBe(0);
    expect(readFileSync(path).subarray(0, 4)).toEqual(Buffer.from([0x0a, 0x0d, 0x0d, 0x0a]));
  });

  describe.skipIf(!hasTshark)('tshark reads the same frames (skipped: needs tshark)', () => {
    it('pcap in: every frame, field and byte decodes the same; every frame has its explanation', async () => {
      const { out } = await write([SEED]);
      expect(decodeAll(out, true)).toEqual(decodeAll(SEED, false));
      const c = comments(out);
      expect(c).toHaveLength(86);
      for (const line of c) expect(line.length).toBeGreaterThan(10);
    });

    it.each([
      ['two interfaces, per-packet resolution', conformance('zeek', 'traces', 'pcapng-multi-interface.pcapng')],
      ['nanosecond timestamps', conformance('wireshark', 'dhcp-nanosecond.pcapng')],
      ['eleven interfaces', conformance('wireshark', 'many_interfaces-1.pcapng')],
    ])('pcapng in (%s): interfaces, timestamps and bytes kept', async (_name, input) => {
      const { code, out } = await write([input]);
      expect(code).toBeLessThan(2);
      expect(decodeAll(out, false)).toEqual(decodeAll(input, false));
      expect(comments(out).every((c) => c.length > 0)).toBe(true);
    });

    it('several files: merged by time, each file on interfaces of its own', async () => {
      const nano = conformance('wireshark', 'dhcp-nanosecond.pcapng');
      const { code, out } = await write([SEED, nano]);
      expect(code).toBeLessThan(2);
      const ids = execFileSync('tshark', ['-r', out, '-T', 'fields', '-e', 'frame.interface_id', '-e', 'frame.encap_type'], { stdio: ['ignore', 'pipe', 'ignore'] }).toString();
      const counts = new Map<string, number>();
      for (const l of ids.trim().split('\n')) counts.set(l, (counts.get(l) ?? 0) + 1);
      // The DHCP capture is older, so its frames come first and its interface is 0.
      expect(counts).toEqual(new Map([['0\t1', 4], ['1\t1', 86]]));
    });
  });
});

describe('validate', () => {
  it('refuses -w, pointing at analyze', async () => {
    const { validateCommand } = await import('../../src/cli/commands/validate.js');
    await expect(runCommand(validateCommand, [SEED, '-w', join(dir, 'v.pcapng')])).rejects.toThrow(/analyze FILE -w/);
  });
});
