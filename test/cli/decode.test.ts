import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { fakeIO } from '../helpers/io.js';
import { CAPTURES, thirdparty } from '../helpers/paths.js';

const seedPath = join(CAPTURES, 'seed-dr-kernel.pcap');

async function run(args: string[], opts: Parameters<typeof fakeIO>[0] = {}) {
  const io = fakeIO(opts);
  const code = await main(args, io);
  await new Promise((r) => setImmediate(r));
  return { code, out: io.out(), err: io.err() };
}

describe('lvscope decode', () => {
  test('--gue-port decodes GUE whose inner header is damaged; without it the frame stays UDP', async () => {
    const gue = thirdparty('tcpdump', 'gue.pcap');
    const plain = await run(['decode', '-r', gue, '-c', '9', '-q']);
    expect(plain.out.trimEnd().split('\n')[8]).toMatch(/6080: UDP, length 132$/);
    const byPort = await run(['decode', '-r', gue, '-c', '9', '-q', '--gue-port', '6080']);
    expect(byPort.out.trimEnd().split('\n')[8]).toContain('6080: GUE, proto IPIP (4): IP 10.11.12.13.9 > 14.15.16.17.8000: UDP');
    expect(byPort.code).toBe(1);
    const bad = await run(['decode', '-r', gue, '--gue-port', '70000']);
    expect(bad.code).toBe(2);
    expect(bad.err).toContain('--gue-port needs a UDP port');
  });

  test('text lines in tcpdump -n -e style', async () => {
    const { code, out } = await run(['decode', '-r', seedPath, '-c', '3']);
    expect(code).toBe(0);
    const lines = out.trimEnd().split('\n');
    expect(lines).toHaveLength(3);
    expect(lines[0]).toBe('    1 08:23:30.961526 02:aa:00:00:00:fe > ff:ff:ff:ff:ff:ff, ethertype ARP (0x0806), length 42: ARP, Request who-has 192.168.23.100 tell 192.168.23.1, length 28');
    expect(lines[1]).toContain('ARP, Reply 192.168.23.100 is-at 00:0c:29:06:13:ea');
    expect(lines[2]).toContain('IP 172.16.0.100.44942 > 192.168.23.100.80: Flags [S], seq 3857998865, win 64240, options [mss 1460,sackOK,TS val 168000260 ecr 0,nop,wscale 10], length 0');
    expect(lines[2]).toContain('[tcp cksum offloaded]');
  });

  test('ndjson carries the documented names', async () => {
    const { code, out } = await run(['decode', '-r', seedPath, '--format', 'ndjson', '-c', '6']);
    expect(code).toBe(0);
    const frames = out.trimEnd().split('\n').map((l) => JSON.parse(l));
    expect(frames[0]).toMatchObject({
      n: 1, ts: '1795249410.961526000', caplen: 42, len: 42, iface: 0,
      layers: [
        { type: 'eth', src: '02:aa:00:00:00:fe', dst: 'ff:ff:ff:ff:ff:ff', ethertype: 2054 },
        { type: 'arp', op: 1, sha: '02:aa:00:00:00:fe', spa: '192.168.23.1', tha: '00:00:00:00:00:00', tpa: '192.168.23.100' },
      ],
      issues: [],
    });
    // frame 6: the director's copy of the SYN: only the MACs changed, TTL one less than frame 3's
    const syn = frames[2], hop = frames[5];
    expect(hop.layers[0]).toMatchObject({ src: '00:0c:29:06:13:ea', dst: '02:aa:00:00:01:01' });
    expect(hop.layers[1]).toMatchObject({ type: 'ipv4', src: '172.16.0.100', dst: '192.168.23.100', proto: 6, ttl: 62, id: 46144, totalLength: 60, df: true, mf: false, fragOffset: 0, checksumOk: true });
    expect(syn.layers[1].ttl).toBe(63);
    expect(hop.layers[2]).toMatchObject({
      type: 'tcp', srcPort: 44942, dstPort: 80, seq: 3857998865, ack: 0, flags: 'S', window: 64240, payloadLength: 0,
      options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOk' }, { kind: 'ts', tsval: 168000260, tsecr: 0 }, { kind: 'nop' }, { kind: 'wscale', value: 10 }],
    });
    expect(hop.issues).toEqual([{ layer: 'tcp', code: 'checksum-offloaded', offset: 50, message: expect.stringContaining('0x84af') }]);
  });

  test('every command answers --help with an example', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    expect(top.out).toContain('Usage: lvscope <command>');
    const help = await run(['decode', '--help']);
    expect(help.code).toBe(0);
    expect(help.out).toMatch(/Examples?:\n\s+lvscope decode -r /);
  });

  test('usage errors exit 2 and say what to do', async () => {
    const none = await run(['decode']);
    expect(none.code).toBe(2);
    expect(none.err).toContain('no capture given');
    const unknown = await run(['frobnicate']);
    expect(unknown.code).toBe(2);
    expect(unknown.err).toContain("unknown command 'frobnicate'");
    const flag = await run(['decode', '-r', seedPath, '--format', 'xml']);
    expect(flag.code).toBe(2);
    expect(flag.err).toContain('--format must be text or ndjson');
  });

  test('a file that is not a capture is refused naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvscope-'));
    const bogus = join(dir, 'notes.txt');
    writeFileSync(bogus, 'this is not a capture file at all');
    const r = await run(['decode', '-r', bogus]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(bogus);
    const missing = await run(['decode', '-r', join(dir, 'missing.pcap')]);
    expect(missing.code).toBe(2);
    expect(missing.err).toContain('missing.pcap');
  });

  test('a truncated capture still prints every whole frame, then exits 1', async () => {
    const bytes = readFileSync(seedPath);
    const dir = mkdtempSync(join(tmpdir(), 'lvscope-'));
    const cut = join(dir, 'cut.pcap');
    // header 24 + frame1 (16+42) + frame2 (16+42) + 10 bytes of frame 3's record header
    writeFileSync(cut, bytes.subarray(0, 24 + 58 + 58 + 10));
    const r = await run(['decode', '-r', cut]);
    expect(r.code).toBe(1);
    expect(r.out.trimEnd().split('\n')).toHaveLength(2);
    expect(r.err).toContain(cut);
    expect(r.err).toContain('140');
  });

  test('colour only on a terminal and never with NO_COLOR', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvscope-'));
    const bytes = Buffer.from(readFileSync(seedPath));
    bytes[24 + 16 + 14 + 2] = 0x99; // break frame 1's ARP protocol type: an issue line gets colour
    const f = join(dir, 'bad.pcap');
    writeFileSync(f, bytes);
    const tty = await run(['decode', '-r', f, '-c', '1'], { tty: true });
    expect(tty.out).toContain('\u001b[');
    const noColour = await run(['decode', '-r', f, '-c', '1'], { tty: true, env: { NO_COLOR: '1' } });
    expect(noColour.out).not.toContain('\u001b[');
    const piped = await run(['decode', '-r', f, '-c', '1']);
    expect(piped.out).not.toContain('\u001b[');
  });
});

describe('bin/lvscope', () => {
  const bin = join(import.meta.dirname, '../../bin/lvscope');
  const built = existsSync(join(import.meta.dirname, '../../dist/cli/main.js'));
  test.skipIf(!built)('runs the built CLI, reads standard input, and prints the version', () => {
    const v = execFileSync('node', [bin, '--version'], { encoding: 'utf8' });
    expect(v).toMatch(/^lvscope \d+\.\d+\.\d+\n$/);
    const r = spawnSync('node', [bin, 'decode', '-r', '-', '--format', 'ndjson'], { input: readFileSync(seedPath), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trimEnd().split('\n').length).toBe(86);
  });

  test.skipIf(!built)('run as a program, starts Node without NODE_EXTRA_CA_CERTS (read before any JavaScript runs; lvscope opens no TLS)', () => {
    // Node warns on stderr when that file cannot be read: the warning shows whether Node got the variable.
    const env = { ...process.env, NODE_EXTRA_CA_CERTS: join(tmpdir(), 'lvscope-no-such-ca.pem') };
    const direct = spawnSync(bin, ['--version'], { encoding: 'utf8', env });
    expect(direct.status).toBe(0);
    expect(direct.stdout).toMatch(/^lvscope \d+\.\d+\.\d+\n$/);
    expect(direct.stderr).toBe('');
    const viaNode = spawnSync('node', [bin, '--version'], { encoding: 'utf8', env });
    expect(viaNode.stdout).toBe(direct.stdout);
    expect(viaNode.stderr).toContain('lvscope-no-such-ca.pem');
  });

  test.skipIf(!built)('starts replay with a small young generation and one V8 helper thread (its peak memory is mostly Node\'s), other commands as they are', () => {
    // sh -x prints each command the launcher's first line runs, with its arguments.
    const traced = (args: string[]): string => spawnSync('sh', ['-x', bin, ...args], { encoding: 'utf8' }).stderr;
    const replay = traced(['replay', '--help']);
    // (sh quotes the launcher's path when it has spaces: hence the optional quote.)
    expect(replay).toMatch(/^\+ exec node --max-semi-space-size=1 --v8-pool-size=1 .*bin\/lvscope'? replay --help$/m);
    const decode = traced(['decode', '--help']);
    expect(decode).toMatch(/^\+ exec node .*bin\/lvscope'? decode --help$/m);
    expect(decode).not.toContain('--max-semi-space-size');
    const help = spawnSync(bin, ['replay', '--help'], { encoding: 'utf8' });
    expect(help.status).toBe(0);
    expect(help.stdout).toMatch(/^Usage: lvscope replay /);
  });
});
