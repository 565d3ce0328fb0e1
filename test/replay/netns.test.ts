/**
 * lvscope replay and live on a veth pair inside a namespace this file creates (both ends inside
 * it, no addresses, IPv6 off, deleted in afterAll). Frames sent on `va` are captured on `vb`.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memorySink, PcapWriter, readAllPackets } from '../../src/capture/index.js';
import { createNetns, netnsUnavailable, startTcpdump, type Netns } from '../helpers/netns.js';
import { CONFORMANCE } from '../helpers/paths.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DIST = join(ROOT, 'node_modules/.cache/lvscope-replay-test/dist');
const RUNNER = join(ROOT, 'node_modules/.cache/lvscope-replay-test/run.mjs');
const TEST_PCAP = `${CONFORMANCE}/tcpreplay/test.pcap`;
const PNAT = `${CONFORMANCE}/tcpreplay/test2.rewrite_pnat`;
const SEED_DR = 'captures/seed-dr-kernel.pcap';

const unavailable = netnsUnavailable();
const hasTcpdump = (() => {
  try {
    execFileSync('tcpdump', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skipReason = unavailable ?? (hasTcpdump ? null : 'tcpdump is not installed');
if (skipReason !== null) console.warn(`replay namespace tests skipped: ${skipReason}`);

let buildError: string | null = null;
let ns: Netns | null = null;
let work = '';

function frames(path: string): Buffer[] {
  return readAllPackets(path).packets.map((p) => Buffer.from(p.data));
}

function sameFrames(got: readonly Buffer[], want: readonly Buffer[]): void {
  expect(got.length).toBe(want.length);
  const bad = got.findIndex((g, i) => !g.equals(want[i]!));
  expect(bad).toBe(-1);
}

/** `lvscope <cmd> …` inside the namespace, through the compiled command modules. */
function lvscope(cmd: 'replay' | 'live', args: readonly string[], opts: { timeoutMs?: number; user?: string; env?: NodeJS.ProcessEnv } = {}) {
  const base = ['node', RUNNER, cmd, ...args];
  const argv = opts.user !== undefined ? ['setpriv', `--reuid=${opts.user}`, `--regid=${opts.user}`, '--clear-groups', ...base] : base;
  return ns!.try(argv[0]!, argv.slice(1), { timeoutMs: opts.timeoutMs ?? 60_000, env: opts.env });
}

async function capture(file: string, send: () => { status: number; stdout: string; stderr: string }) {
  const dump = await startTcpdump(ns!, 'vb', file);
  const result = send();
  await new Promise((r) => setTimeout(r, 300));
  await dump.stop();
  return result;
}

describe.skipIf(skipReason !== null)('replay and live in a network namespace', () => {
  beforeAll(() => {
    try {
      execFileSync('npx', ['tsc', '-p', 'test/replay/tsconfig.netns.json'], { cwd: ROOT, stdio: 'pipe', timeout: 110_000 });
    } catch (err) {
      buildError = `${(err as { stdout?: Buffer }).stdout?.toString() ?? ''}${(err as Error).message}`;
    }
    mkdirSync(join(ROOT, 'node_modules/.cache/lvscope-replay-test'), { recursive: true });
    writeFileSync(
      RUNNER,
      `const [,, which, ...args] = process.argv;
const mod = await import(${JSON.stringify(DIST)} + '/cli/commands/' + which + '.js');
const code = await mod[which + 'Command'].run(args, { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env });
process.exitCode = code;
`,
    );
    work = mkdtempSync(join(tmpdir(), 'lvscope-replay-ns-'));
    execFileSync('chmod', ['755', work]);
    ns = createNetns('lvrp');
    ns.addVethPair('va', 'vb');
  }, 120_000);

  afterAll(() => {
    ns?.delete();
    if (work !== '') rmSync(work, { recursive: true, force: true });
  });

  it('compiled the replay and live commands', () => {
    expect(buildError).toBeNull();
  });

  it('replays test.pcap byte for byte and in order, and prints tcpreplay statistics', async () => {
    const out = join(work, 'plain.pcap');
    const r = await capture(out, () => lvscope('replay', ['-i', 'va', '-r', TEST_PCAP, '-x', '20']));
    expect(r.stderr).not.toMatch(/lvscope replay:/);
    expect(r.status).toBe(0);
    sameFrames(frames(out), frames(TEST_PCAP));
    expect(r.stdout).toMatch(/^Actual: 179 packets \(69000 bytes\) sent in \d+\.\d+ seconds$/m);
    expect(r.stdout).toMatch(/^Rated: \d+\.\d Bps, \d+\.\d+ Mbps, \d+\.\d\d pps$/m);
    expect(r.stdout).toContain('Statistics for network device: va\n\tSuccessful packets:        179\n\tFailed packets:            0\n');
    expect(r.stdout).toContain('\tRetried packets (EAGAIN):  0\n');
    expect(r.stdout).toMatch(/^Timing: send lateness median .*; last packet .* late \(drift\)$/m);
  });

  it('paced through libpcap, each frame copied into one send buffer, still leaves byte for byte', async () => {
    const out = join(work, 'paced-cap.pcap');
    const env = { ...process.env, LVSCOPE_REPLAY_SENDER: 'cap' };
    const r = await capture(out, () => lvscope('replay', ['-i', 'va', '-r', TEST_PCAP, '-x', '20', '-q'], { env }));
    expect(r.status).toBe(0);
    sameFrames(frames(out), frames(TEST_PCAP));
  });

  // The packet socket sends top speed in sendmmsg batches; libpcap (cap) one frame per call.
  it.each([
    ['the packet socket (batches)', 'auto'],
    ['libpcap (LVSCOPE_REPLAY_SENDER=cap)', 'cap'],
  ])('--loop 3 sends the file three times through %s', async (_, sender) => {
    const out = join(work, `loop-${sender}.pcap`);
    const env = { ...process.env, LVSCOPE_REPLAY_SENDER: sender };
    const r = await capture(out, () => lvscope('replay', ['-i', 'va', '-r', TEST_PCAP, '--topspeed', '--loop', '3', '-q'], { env }));
    expect(r.status).toBe(0);
    const once = frames(TEST_PCAP);
    sameFrames(frames(out), [...once, ...once, ...once]);
    expect(r.stdout).toContain('Actual: 537 packets (207000 bytes)');
  });

  it('--limit stops where asked, across loops', async () => {
    const out = join(work, 'limit.pcap');
    const r = await capture(out, () => lvscope('replay', ['-i', 'va', '-r', TEST_PCAP, '-t', '-l', '0', '-L', '200', '-q']));
    expect(r.status).toBe(0);
    const once = frames(TEST_PCAP);
    sameFrames(frames(out), [...once, ...once.slice(0, 21)]);
    expect(r.stdout).toContain('Actual: 200 packets');
  });

  it('rewrites on the way out exactly as tcprewrite -N does (test2.rewrite_pnat)', async () => {
    const out = join(work, 'pnat.pcap');
    const map = '96.17.211.0/24:172.16.0.0/24';
    const r = await capture(out, () => lvscope('replay', ['-i', 'va', '-r', TEST_PCAP, '-t', '--srcipmap', map, '--dstipmap', map]));
    expect(r.status).toBe(0);
    sameFrames(frames(out), frames(PNAT));
    expect(r.stdout).toContain('Rewritten: 43 frames changed');
  });

  it('keeps the file timing at 1x: 100 frames 5 ms apart arrive 5 ms apart', async () => {
    const file = join(work, 'paced.pcap');
    const sink = memorySink();
    const w = new PcapWriter(sink, { linkType: 1, nanosecond: true });
    for (let i = 0; i < 100; i++) {
      const f = new Uint8Array(60);
      f.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5, i >> 8, i & 255]);
      w.writePacket(f, 1_700_000_000, i * 5_000_000);
    }
    w.close();
    writeFileSync(file, sink.bytes());
    const out = join(work, 'paced-rx.pcap');
    const r = await capture(out, () => lvscope('replay', ['-i', 'va', '-r', file]));
    expect(r.status).toBe(0);
    const rx = readAllPackets(out).packets;
    expect(rx).toHaveLength(100);
    const t = rx.map((p) => p.tsSec * 1e9 + p.tsNsec);
    const errors = t.slice(1).map((x, i) => Math.abs(x - t[i]! - 5_000_000)).sort((a, b) => a - b);
    const span = t[99]! - t[0]!;
    // Lenient bounds, as the test machine is shared (bench/replay.mjs measures the real figures):
    // paced, not sent at once, and no drift over the file since every due time is absolute.
    expect(errors[49]!).toBeLessThan(2_500_000);
    expect(Math.abs(span - 495_000_000)).toBeLessThan(25_000_000);
  });

  it('counts a frame larger than the MTU as failed and goes on', async () => {
    const file = join(work, 'big.pcap');
    const sink = memorySink();
    const w = new PcapWriter(sink, { linkType: 1 });
    const small = new Uint8Array(60).fill(1);
    small.set([2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1, 0x88, 0xb5]);
    const big = new Uint8Array(3000).fill(2);
    big.set(small.subarray(0, 14));
    w.writePacket(small, 1, 0);
    w.writePacket(big, 1, 1000);
    w.writePacket(small, 1, 2000);
    w.close();
    writeFileSync(file, sink.bytes());
    const out = join(work, 'big-rx.pcap');
    const r = await capture(out, () => lvscope('replay', ['-i', 'va', '-r', file, '-t']));
    expect(r.status).toBe(1);
    expect(r.stdout).toContain('\tSuccessful packets:        2\n\tFailed packets:            1\n');
    expect(r.stderr).toMatch(/frame 2 \(3000 bytes\) is larger than va accepts.*ip link set va mtu 2986/);
    expect(frames(out)).toHaveLength(2);
  });

  it('explains the errors it cannot get past', () => {
    const missing = lvscope('replay', ['-i', 'nosuch0', '-r', TEST_PCAP]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/nosuch0: no such interface; interfaces here: .*va/);

    ns!.run('ip', ['link', 'add', 'vdown', 'type', 'veth', 'peer', 'name', 'vdown2']); // left down
    const down = lvscope('replay', ['-i', 'vdown', '-r', TEST_PCAP]);
    expect(down.status).toBe(2);
    expect(down.stderr).toContain('vdown: interface is down; bring it up with: ip link set vdown up');

    const unreadable = lvscope('replay', ['-i', 'va', '-r', '/etc/hostname']);
    expect(unreadable.status).toBe(2);
    expect(unreadable.stderr).toMatch(/cannot replay \/etc\/hostname: offset 0: (not a pcap or pcapng file|only \d+ bytes)/);

    const noIface = lvscope('replay', ['-r', TEST_PCAP]);
    expect(noIface.stderr).toMatch(/no interface given/);
  });

  it('says root or CAP_NET_RAW is needed when it is not there', () => {
    const r = lvscope('replay', ['-i', 'va', '-r', TEST_PCAP], { user: '65534' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/va: permission denied .*run as root or grant CAP_NET_RAW/);
  });

  it('live explains the DR traffic replay sends through the veth, and saves it', async () => {
    const saved = join(work, 'live.pcapng');
    const child = ns!.spawn('node', [RUNNER, 'live', '-i', 'vb', '-c', '86', '-w', saved]);
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (stderr += c.toString()));
    const exited = new Promise<number>((res) => child.on('exit', (code) => res(code ?? -1)));
    await new Promise((r) => setTimeout(r, 1500)); // cap opened
    const r = lvscope('replay', ['-i', 'va', '-r', SEED_DR, '-t', '-q']);
    expect(r.status).toBe(0);
    const timeout = setTimeout(() => child.kill('SIGINT'), 20_000);
    const code = await exited;
    clearTimeout(timeout);
    expect(stderr).toContain('86 frames captured');
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    const frameLines = lines.filter((l) => /^\s*\d+ \d\d:\d\d:\d\d\.\d{9} /.test(l));
    expect(frameLines).toHaveLength(86);
    expect(frameLines.some((l) => l.includes('192.168.23.100'))).toBe(true);
    // The explanation lines under the frames.
    expect(lines.length).toBeGreaterThan(86);
    sameFrames(frames(saved), frames(SEED_DR));
    const info = readAllPackets(saved).info;
    expect(info.sectionComment).toMatch(/Timestamps were taken by lvscope live on arrival/);
    expect(info.nanosecond).toBe(true);
    expect(readFileSync(saved).length).toBeGreaterThan(0);
  });
});
