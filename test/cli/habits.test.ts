/**
 * tcpdump and tshark habits: a capture filter after the options, -t … -ttttt, -w, standard input
 * and gzip in every reading command, clean streams (data on stdout only, quiet EPIPE), and the
 * one exit-status table.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { CaptureReader } from '../../src/capture/index.js';
import { fakeIO } from '../helpers/io.js';
import { CAPTURES, REPO_ROOT } from '../helpers/paths.js';

const SEED = join(CAPTURES, 'seed-dr-kernel.pcap');
const BIN = join(REPO_ROOT, 'bin', 'lvscope');
const built = existsSync(join(REPO_ROOT, 'dist', 'cli', 'main.js'));

async function run(args: string[]) {
  const io = fakeIO();
  const code = await main(args, io);
  await new Promise((r) => setImmediate(r));
  return { code, out: io.out(), err: io.err() };
}

function frameNumbers(text: string): number[] {
  return text.trimEnd().split('\n').filter((l) => l !== '').map((l) => Number(l.trim().split(' ')[0]));
}

describe('decode: capture filter, time columns, -w', () => {
  test("a filter after the options prints only its frames, with the capture's own frame numbers", async () => {
    const r = await run(['decode', '-r', SEED, 'tcp port 80 and tcp[tcpflags] & tcp-syn != 0']);
    expect(r.code).toBe(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines.every((l) => /Flags \[S\.?\]/.test(l))).toBe(true);
    expect(frameNumbers(r.out).slice(0, 3)).toEqual([3, 6, 9]);
    // The same words as separate arguments, tcpdump style; -c counts kept frames.
    const split = await run(['decode', '-r', SEED, '-c', '2', 'tcp', 'port', '80']);
    expect(frameNumbers(split.out)).toEqual([3, 6]);
    const arp = await run(['decode', '-r', SEED, 'arp']);
    expect(frameNumbers(arp.out)).toEqual([1, 2, 4, 5, 7, 8, 26, 27, 29, 30]);
  });

  test('a bad filter is a usage error (2) pointing at the column', async () => {
    const r = await run(['decode', '-r', SEED, 'tcp prot 80']);
    expect(r.code).toBe(2);
    expect(r.err).toContain('capture filter: column 5');
    expect(r.err).toContain('  tcp prot 80\n      ^');
  });

  test('-t … -ttttt mean what they mean in tcpdump (UTC)', async () => {
    const first = async (flag: string, filter = 'tcp'): Promise<string[]> => (await run(['decode', '-r', SEED, flag, '-c', '3', filter])).out.trimEnd().split('\n').map((l) => l.slice(6, 32));
    expect((await first('-t'))[0]).toMatch(/^02:aa:00:00:00:fe > /);
    expect((await first('-tt'))[0]).toBe('1795249410.961560 02:aa:00');
    expect((await first('-ttt')).map((l) => l.slice(0, 15))).toEqual(['00:00:00.000000', '00:00:00.000041', '00:00:00.000008']);
    expect((await first('-tttt'))[0]).toBe('2026-11-21 08:23:30.961560');
    expect((await first('-ttttt')).map((l) => l.slice(0, 15))).toEqual(['00:00:00.000000', '00:00:00.000041', '00:00:00.000049']);
    expect((await run(['decode', '-r', SEED, '-e', '-n', '-c', '1'])).out).toContain('02:aa:00:00:00:fe > ff:ff:ff:ff:ff:ff');
  });

  test('-w writes the kept frames as pcap, bytes and times as captured, and refuses to overwrite', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'habits-'));
    const out = join(dir, 'syn.pcap');
    const r = await run(['decode', '-r', SEED, '-w', out, 'tcp[tcpflags] & tcp-syn != 0']);
    expect(r).toMatchObject({ code: 0, out: '' });
    const kept = [...CaptureReader.open(out).packets()];
    const all = [...CaptureReader.open(SEED).packets()];
    const syns = (await run(['decode', '-r', SEED, '--format', 'ndjson', 'tcp[tcpflags] & tcp-syn != 0'])).out.trimEnd().split('\n').map((l) => JSON.parse(l).n as number);
    expect(kept.map((p) => Buffer.from(p.data).toString('hex'))).toEqual(syns.map((n) => Buffer.from(all[n - 1]!.data).toString('hex')));
    expect(kept[0]!.tsNsec).toBe(all[syns[0]! - 1]!.tsNsec);
    const again = await run(['decode', '-r', SEED, '-w', out]);
    expect(again.code).toBe(2);
    expect(again.err).toContain('refusing to overwrite');
  });
});

describe('gzip captures and the exit-status table', () => {
  test('a gzip-compressed capture is read by its magic, whatever its name; analyze explains it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'habits-'));
    const gz = join(dir, 'seed.pcap.gz');
    writeFileSync(gz, gzipSync(readFileSync(SEED)));
    const odd = join(dir, 'seed.cap');
    writeFileSync(odd, gzipSync(readFileSync(SEED)));
    const plain = await run(['decode', '-r', SEED]);
    expect((await run(['decode', '-r', gz])).out).toBe(plain.out);
    expect((await run(['decode', '-r', odd])).out).toBe(plain.out);
    const json = JSON.parse((await run(['analyze', '--format', 'json', gz])).out);
    expect(json.capture.files).toEqual([gz]);
    expect(json.services[0].method).toBe('dr');
  });

  test('a damaged gzip stream and zstd: clear messages', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'habits-'));
    const cut = join(dir, 'cut.pcap.gz');
    const z = gzipSync(readFileSync(SEED));
    writeFileSync(cut, z.subarray(0, Math.floor(z.length * 0.6)));
    const r = await run(['decode', '-r', cut]);
    expect(r.code).toBe(1);
    expect(r.err).toContain(cut);
    expect(r.err).not.toMatch(/lvscope-\w{6}/); // never the temporary copy's name
    expect(r.err).toMatch(/frames before it were read/);
    const zst = join(dir, 'x.pcap.zst');
    writeFileSync(zst, Buffer.from([0x28, 0xb5, 0x2f, 0xfd, 0, 0, 0, 0]));
    const zr = await run(['analyze', zst]);
    expect(zr.code).toBe(2);
    expect(zr.err).toContain('zstd-compressed');
    expect(zr.err).toContain(`zstd -dc ${zst} | lvscope`);
  });

  test('damaged frames: 1 with a one-line summary on stderr, in decode, analyze and validate alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'habits-'));
    const bytes = Buffer.from(readFileSync(SEED));
    // Frame 3's IPv4 header length says 60 bytes in a 20-byte header: malformed.
    bytes[24 + 58 + 58 + 16 + 14] = 0x4f;
    const bad = join(dir, 'bad-header.pcap');
    writeFileSync(bad, bytes);
    for (const cmd of [['decode', '-r', bad], ['analyze', '--format', 'json', bad], ['validate', bad]]) {
      const r = await run(cmd);
      expect(r.code, cmd[0]).toBe(1);
      const lines = r.err.trimEnd().split('\n');
      expect(lines.filter((l) => l.includes('damaged frame')), cmd[0]).toEqual(['lvscope: 1 damaged frame (frame 3): cut short or with malformed headers; decode -V shows where']);
    }
  });
});

describe.skipIf(!built)('the built command in pipes (npm run build first)', () => {
  const lvscope = (args: string[], input?: Buffer) => spawnSync('sh', ['-c', `node ${BIN} ${args.join(' ')}`], { input, maxBuffer: 1 << 26 });

  test('standard input in every reading command, gzip or not', () => {
    const seed = readFileSync(SEED);
    const gz = gzipSync(seed);
    const a = lvscope(['analyze', '-'], gz);
    expect(a.status).toBe(0);
    expect(String(a.stdout)).toContain('Walkthrough');
    expect(String(a.stdout)).toContain('ipvsadm -Ln (reconstructed)');
    expect(lvscope(['validate', '-'], seed).status).toBe(0);
    const d = lvscope(['decode', '-r', '-', '-x', '-c', '1'], gz);
    expect(String(d.stdout)).toContain('0000  ff ff ff ff ff ff');
    const port80 = spawnSync('tcpdump', ['-r', SEED, 'tcp port 80']).stdout.toString().trimEnd().split('\n').length;
    const n = lvscope(['analyze', '-', '--format', 'ndjson', "'tcp port 80'"], seed).stdout.toString().trimEnd().split('\n');
    expect(n).toHaveLength(port80 > 1 ? port80 : 76);
  });

  test('synth -w - writes only the capture to stdout; a closed pipe ends quietly with 0', () => {
    const s = lvscope(['synth', '--scenario', 'seed-dr', '-w', '-']);
    expect(s.status).toBe(0);
    expect(s.stdout.subarray(0, 4).toString('hex')).toBe('0a0d0d0a');
    expect([...CaptureReader.fromBytes(new Uint8Array(s.stdout)).packets()].length).toBe(66);
    expect(String(s.stderr)).toMatch(/^standard output: 66 frames, 4 connections/);
    for (const cmd of ['synth --scenario dr --requests 500 -w - | head -c 100', `decode -r ${SEED} | head -1`, `analyze ${SEED} | head -1`, `analyze --format json ${SEED} | head -c 10`]) {
      const [first, ...rest] = cmd.split(' | ');
      const p = spawnSync('bash', ['-c', `set -o pipefail; node ${BIN} ${first} | ${rest.join(' | ')} > /dev/null`], { encoding: 'utf8' });
      expect(p.stderr, cmd).toBe('');
      expect(p.status, cmd).toBe(0);
    }
  });
});
