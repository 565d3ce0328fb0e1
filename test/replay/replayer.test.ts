/**
 * The send loop, pacing and statistics without a network: a fake sender records when each frame
 * was handed over. No root needed.
 */
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/cli/command.js';
import { replayCommand } from '../../src/cli/commands/replay.js';
import { liveCommand } from '../../src/cli/commands/live.js';
import { nowNs, spinUntil, wallTimeOf } from '../../src/replay/clock.js';
import type { ReplayFrames } from '../../src/replay/frames.js';
import { loadFrames, newFrameBatch, type FrameBatch } from '../../src/replay/frames.js';
import { replay, type FrameSender, type Pacing } from '../../src/replay/replayer.js';
import { formatTcpreplayStats, LatenessLog, newCounters } from '../../src/replay/stats.js';
import { runCommand } from '../helpers/run-command.js';
import { CONFORMANCE } from '../helpers/paths.js';

const TEST_PCAP = `${CONFORMANCE}/tcpreplay/test.pcap`;

/** n frames of `len` bytes, file timestamps `gapNs` apart. */
function syntheticFrames(n: number, gapNs: number, len = 60): ReplayFrames {
  let i = -1;
  const data = Array.from({ length: n }, (_, k) => Buffer.alloc(len, k & 0xff));
  return {
    data: Buffer.alloc(0),
    arena: Buffer.alloc(0),
    frameOffset: 0,
    frameLength: 0,
    tsNs: 0,
    count: n,
    linkType: 1,
    preloaded: true,
    issues: [],
    next() {
      if (++i >= n) return false;
      this.data = this.arena = data[i]!;
      this.frameLength = len;
      this.tsNs = i * gapNs;
      return true;
    },
    rewind() {
      i = -1;
    },
    close() {},
  };
}

function recorder(): FrameSender & { times: number[]; firsts: number[] } {
  const times: number[] = [];
  const firsts: number[] = [];
  return {
    times,
    firsts,
    send(frame) {
      times.push(nowNs());
      firsts.push(frame[0]!);
    },
  };
}

async function run(pacing: Pacing, frames: ReplayFrames, extra: { loops?: number; limit?: number; shouldStop?: () => boolean } = {}) {
  const s = recorder();
  const result = await replay(frames, s, { pacing, loops: extra.loops ?? 1, limit: extra.limit ?? 0, shouldStop: extra.shouldStop });
  return { s, result };
}

describe('tcpreplay statistics layout', () => {
  it('reproduces tcpreplay 4.4.3 output measured on a veth (truncating integer arithmetic)', () => {
    const c = { ...newCounters(), packets: 17900, bytes: 6_900_000, successful: 17900 };
    expect(formatTcpreplayStats(c, 83_515_000, 'va')).toBe(
      'Actual: 17900 packets (6900000 bytes) sent in 0.083515 seconds\n' +
        'Rated: 82619888.6 Bps, 660.95 Mbps, 214332.75 pps\n' +
        'Statistics for network device: va\n' +
        '\tSuccessful packets:        17900\n' +
        '\tFailed packets:            0\n' +
        '\tTruncated packets:         0\n' +
        '\tRetried packets (ENOBUFS): 0\n' +
        '\tRetried packets (EAGAIN):  0\n',
    );
  });

  it('uses two decimals of seconds from one second on and three decimals of Mbps below 1', () => {
    const c = { ...newCounters(), packets: 179, bytes: 69000, successful: 179 };
    const text = formatTcpreplayStats(c, 3_307_045_000, 'va');
    expect(text).toContain('Actual: 179 packets (69000 bytes) sent in 3.30 seconds\n');
    expect(text).toContain('Rated: 20864.5 Bps, 0.166 Mbps, 54.12 pps\n');
  });
});

describe('lateness log', () => {
  it('gives nearest-rank quantiles and the last sample', () => {
    const log = new LatenessLog();
    for (let i = 1; i <= 100; i++) log.add(i * 1000);
    expect(log.quantiles([0.5, 0.99])).toEqual([50_000, 99_000]);
    expect(log.last).toBe(100_000);
    expect(log.max).toBe(100_000);
  });

  it('stays within 1/128 of the exact quantile over many values, powers of two included', () => {
    const log = new LatenessLog();
    const values: number[] = [];
    // Deterministic spread from 1 ns to ~10 s, with every power of two and its neighbours.
    for (let e = 0; e < 34; e++) for (const d of [-1, 0, 1]) values.push(Math.max(0, 2 ** e + d));
    let x = 12345;
    for (let i = 0; i < 20_000; i++) { x = (x * 1103515245 + 12345) % 2 ** 31; values.push(Math.floor(2 ** ((x / 2 ** 31) * 33))); }
    for (const v of values) log.add(v);
    const sorted = [...values].sort((a, b) => a - b);
    const qs = [0, 0.1, 0.25, 0.5, 0.9, 0.99, 0.999, 1];
    const got = log.quantiles(qs);
    qs.forEach((q, i) => {
      const exact = sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
      expect(Math.abs(got[i]! - exact)).toBeLessThanOrEqual(exact / 128 + 1e-9);
    });
  });

  it('counts every sample, however many (not only the latest), and a send ahead of time as on time', () => {
    const log = new LatenessLog();
    for (let i = 0; i < 1_500_000; i++) log.add(i < 1_000_000 ? 1_000_000 : 10);
    log.add(-5);
    expect(log.count).toBe(1_500_001);
    // Two thirds of the samples are 1 ms, all before the last half million: the median is still 1 ms.
    expect(log.quantiles([0.5, 0.9, 0.1])).toEqual([1_000_000, 1_000_000, 10]);
    expect(log.quantiles([0])).toEqual([0]);
    expect(log.last).toBe(-5);
  });
});

describe('pacing against absolute time', () => {
  it('--pps 500 spaces 40 frames 2 ms apart without drift', async () => {
    const { s, result } = await run({ kind: 'pps', pps: 500 }, syntheticFrames(40, 0));
    expect(s.times).toHaveLength(40);
    // Sends are never early; the last one's due time (its send minus its lateness) is on the
    // schedule, so a late last send on a busy machine does not count.
    const span = s.times[39]! - s.times[0]!;
    expect(span).toBeGreaterThan(73_000_000);
    expect(Math.abs(span - result.lateness.last - 78_000_000)).toBeLessThan(5_000_000);
    expect(result.counters.successful).toBe(40);
    expect(result.lateness.count).toBe(40);
  });

  it('--multiplier 4 plays a 200 ms file in about 50 ms', async () => {
    const { s, result } = await run({ kind: 'multiplier', factor: 4 }, syntheticFrames(21, 10_000_000));
    const span = s.times[20]! - s.times[0]!;
    expect(span).toBeGreaterThan(48_000_000);
    expect(span - result.lateness.last).toBeLessThan(60_000_000);
  });

  it('--mbps paces by bytes: 10 frames of 1250 bytes at 1 Mbps take 90 ms', async () => {
    const { s, result } = await run({ kind: 'mbps', mbps: 1 }, syntheticFrames(10, 0, 1250));
    const span = s.times[9]! - s.times[0]!;
    expect(span).toBeGreaterThan(84_000_000);
    expect(Math.abs(span - result.lateness.last - 90_000_000)).toBeLessThan(6_000_000);
  });

  it('loops continue the schedule: the next pass starts where the last frame was due', async () => {
    const { s, result } = await run({ kind: 'multiplier', factor: 1 }, syntheticFrames(5, 5_000_000), { loops: 3 });
    expect(s.firsts).toEqual([0, 1, 2, 3, 4, 0, 1, 2, 3, 4, 0, 1, 2, 3, 4]);
    expect(result.loopsDone).toBe(3);
    // 3 passes of 4 gaps of 5 ms, no gap between passes: the last frame is due 60 ms after the
    // first. Measured against its due time (the send minus its lateness), so a late last send on a
    // busy machine does not count; a gap between passes would put it at 70 ms.
    const span = s.times[14]! - s.times[0]!;
    expect(span).toBeGreaterThan(55_000_000);
    expect(span - result.lateness.last).toBeLessThan(65_000_000);
  });

  it('--limit stops across loops, and --loop 0 means until the limit', async () => {
    const { s, result } = await run({ kind: 'topspeed' }, syntheticFrames(7, 0), { loops: 0, limit: 17 });
    expect(s.firsts).toEqual([0, 1, 2, 3, 4, 5, 6, 0, 1, 2, 3, 4, 5, 6, 0, 1, 2]);
    expect(result.counters.packets).toBe(17);
    expect(result.lateness.count).toBe(0);
  });

  it('stops cleanly when asked (Ctrl-C) and reports what was sent', async () => {
    const started = nowNs();
    const { s, result } = await run({ kind: 'pps', pps: 1000 }, syntheticFrames(1000, 0), { shouldStop: () => nowNs() - started > 60_000_000 });
    expect(result.interrupted).toBe(true);
    expect(s.times.length).toBeGreaterThan(10);
    expect(s.times.length).toBeLessThan(500);
    expect(result.counters.packets).toBe(s.times.length);
  });

  it('counts a refused frame as failed, retries ENOBUFS, and goes on', async () => {
    let calls = 0;
    let tooBig: number | null = null;
    const sender: FrameSender = {
      send(frame) {
        calls++;
        if (frame[0] === 1) throw new Error('send: Message too long');
        if (frame[0] === 2 && calls < 6) throw new Error('send: No buffer space available');
      },
    };
    const result = await replay(syntheticFrames(4, 0), sender, {
      pacing: { kind: 'topspeed' }, loops: 1, limit: 0, onTooBig: (n) => (tooBig = n),
    });
    expect(result.counters).toMatchObject({ packets: 4, successful: 3, failed: 1, tooBig: 1, retriedEnobufs: 3 });
    expect(tooBig).toBe(2);
  });
});

/** A sender that takes batches: it records each frame's bytes and may accept only part of a call. */
function batchRecorder(opts: { perCall?: number; refuse?: (frame: Buffer, calls: number) => string | null } = {}) {
  const sent: Buffer[] = [];
  const calls: number[] = [];
  let n = 0;
  const sender: FrameSender = {
    send() {
      throw new Error('top speed with a batch sender must not send frame by frame');
    },
    sendMany(b: FrameBatch, from: number, count: number) {
      n++;
      calls.push(count);
      const take = Math.min(count, opts.perCall ?? count);
      for (let j = 0; j < take; j++) {
        const frame = b.arena.subarray(b.off[from + j]!, b.off[from + j]! + b.len[from + j]!);
        const why = opts.refuse?.(frame, n) ?? null;
        if (why !== null) {
          if (j === 0) throw new Error(why);
          return j;
        }
        sent.push(Buffer.from(frame));
      }
      return take;
    },
  };
  return { sender, sent, calls };
}

describe('top speed in batches', () => {
  it('sends every frame in order, across loops, whatever part of a batch each call accepts', async () => {
    const want = [] as Buffer[];
    const pre = loadFrames(TEST_PCAP);
    while (pre.next()) want.push(Buffer.from(pre.data));
    for (const [perCall, preloadBytes] of [[64, undefined], [5, undefined], [1, 3000], [64, 20_000]] as const) {
      const rec = batchRecorder({ perCall });
      const frames = loadFrames(TEST_PCAP, { preloadBytes });
      const result = await replay(frames, rec.sender, { pacing: { kind: 'topspeed' }, loops: 2, limit: 0 });
      expect(rec.sent.length).toBe(2 * want.length);
      const bad = rec.sent.findIndex((f, i) => !f.equals(want[i % want.length]!));
      expect([perCall, preloadBytes, bad]).toEqual([perCall, preloadBytes, -1]);
      expect(result.counters).toMatchObject({ packets: 358, successful: 358, failed: 0, bytes: 2 * 69000 });
      expect(Math.max(...rec.calls)).toBeLessThanOrEqual(64);
    }
  });

  it('stops at --limit in the middle of a batch', async () => {
    const rec = batchRecorder();
    const result = await replay(loadFrames(TEST_PCAP), rec.sender, { pacing: { kind: 'topspeed' }, loops: 0, limit: 200 });
    expect(rec.sent.length).toBe(200);
    expect(result.counters.packets).toBe(200);
    expect(rec.calls).toEqual([64, 64, 51, 21]);
  });

  it('retries ENOBUFS on the same frame, counts a refused frame once, and numbers it in the file', async () => {
    let tooBig: number | null = null;
    const rec = batchRecorder({
      refuse: (frame, calls) => (frame[0] === 1 ? 'sendmmsg: Message too long' : frame[0] === 2 && calls < 5 ? 'sendmmsg: No buffer space available' : null),
    });
    const result = await replay(syntheticFramesWithBatches(6), rec.sender, {
      pacing: { kind: 'topspeed' }, loops: 1, limit: 0, onTooBig: (n) => (tooBig = n),
    });
    expect(rec.sent.map((f) => f[0])).toEqual([0, 2, 3, 4, 5]);
    expect(result.counters).toMatchObject({ packets: 6, successful: 5, failed: 1, tooBig: 1, retriedEnobufs: 2, bytes: 250 });
    expect(tooBig).toBe(2);
  });
});

/** Six 50-byte frames whose first byte is their index, in a batch-capable window. */
function syntheticFramesWithBatches(n: number): ReplayFrames {
  const arena = Buffer.alloc(50 * n);
  for (let k = 0; k < n; k++) arena.fill(k, 50 * k, 50 * (k + 1));
  let pos = 0;
  return {
    ...syntheticFrames(n, 0, 50),
    nextBatch(b: FrameBatch, max: number) {
      const k = Math.min(max, b.off.length, n - pos);
      b.arena = arena;
      for (let j = 0; j < k; j++) {
        b.off[j] = 50 * (pos + j);
        b.len[j] = 50;
      }
      pos += k;
      return k;
    },
  };
}

describe('frames and clock', () => {
  it('hands out batches with the same frames as next(), through windows of any size', () => {
    const pre = loadFrames(TEST_PCAP);
    const want: Buffer[] = [];
    while (pre.next()) want.push(Buffer.from(pre.data));
    for (const bound of [1, 200, 3000, undefined]) {
      for (const size of [1, 7, 64]) {
        const w = loadFrames(TEST_PCAP, { preloadBytes: bound });
        const b = newFrameBatch(size);
        const got: Buffer[] = [];
        for (let pass = 0; pass < 2; pass++) {
          for (let k = w.nextBatch!(b, 64); k > 0; k = w.nextBatch!(b, 64)) {
            expect(k).toBeLessThanOrEqual(size);
            for (let j = 0; j < k; j++) got.push(Buffer.from(b.arena.subarray(b.off[j]!, b.off[j]! + b.len[j]!)));
          }
          w.rewind();
        }
        w.close();
        const bad = got.findIndex((f, i) => !f.equals(want[i % want.length]!));
        expect([bound, size, got.length, bad]).toEqual([bound, size, 2 * want.length, -1]);
      }
    }
  });


  it('preloads test.pcap with timestamps relative to the first frame', () => {
    const f = loadFrames(TEST_PCAP);
    expect(f.preloaded).toBe(true);
    expect(f.count).toBe(179);
    expect(f.next()).toBe(true);
    expect(f.tsNs).toBe(0);
    expect(f.data.length).toBe(93);
    let n = 1;
    while (f.next()) n++;
    expect(n).toBe(179);
  });

  it('streams a capture larger than the window, with the same frames, however prefetch interleaves', () => {
    const pre = loadFrames(TEST_PCAP);
    const streamed = loadFrames(TEST_PCAP, { preloadBytes: 1000 });
    expect(streamed.preloaded).toBe(false);
    expect(streamed.count).toBeNull();
    let n = 0;
    while (pre.next()) {
      expect(streamed.next()).toBe(true);
      // a read-ahead between next() and the send must not overwrite the current frame
      streamed.prefetch?.(n % 3 === 0 ? 100_000 : 700);
      expect(streamed.data.equals(pre.data)).toBe(true);
      expect(streamed.tsNs).toBe(pre.tsNs);
      n++;
    }
    expect(streamed.next()).toBe(false);
    streamed.rewind();
    pre.rewind();
    for (let k = 0; k < 179; k++) {
      expect(streamed.next() && pre.next()).toBe(true);
      expect(streamed.data.equals(pre.data)).toBe(true);
    }
    streamed.close();
    expect(n).toBe(179);
  });

  it('a window of a few frames still yields every frame in order (ring wrap, arena growth)', () => {
    const pre = loadFrames(TEST_PCAP);
    for (const bound of [1, 200, 3000]) {
      const w = loadFrames(TEST_PCAP, { preloadBytes: bound });
      pre.rewind();
      let n = 0;
      while (w.next()) {
        expect(pre.next()).toBe(true);
        expect([n, w.data.equals(pre.data), w.tsNs]).toEqual([n, true, pre.tsNs]);
        n++;
      }
      expect(n).toBe(179);
      w.close();
    }
  });

  it('spinUntil never returns before the due time, near or far', () => {
    for (const ahead of [0, 1_000, 5_000, 50_000, 300_000, 2_000_000]) {
      const due = nowNs() + ahead;
      const seen = spinUntil(due);
      expect(seen).toBeGreaterThanOrEqual(due);
      expect(nowNs()).toBeGreaterThanOrEqual(seen);
    }
  });

  it('maps a monotonic reading to wall time with nanosecond carry', () => {
    const out = { sec: 0, nsec: 0 };
    wallTimeOf({ wallSec: 100, wallNsec: 999_000_000, monoNs: 5_000 }, 5_000 + 2_500_000, out);
    expect(out).toEqual({ sec: 101, nsec: 1_500_000 });
  });
});

describe('command line', () => {
  it('requires -i: there is no default interface', async () => {
    await expect(runCommand(replayCommand, ['-r', TEST_PCAP])).rejects.toThrow(UsageError);
    await expect(runCommand(replayCommand, ['-r', TEST_PCAP])).rejects.toThrow(/no interface given/);
    await expect(runCommand(liveCommand, [])).rejects.toThrow(/no interface given/);
  });

  it('refuses two speeds, a bad map and a MAC pair', async () => {
    await expect(runCommand(replayCommand, ['-i', 'x', '-r', TEST_PCAP, '-t', '-p', '10'])).rejects.toThrow(/only one of/);
    await expect(runCommand(replayCommand, ['-i', 'x', '-r', TEST_PCAP, '--srcipmap', '10.0.0.0/8'])).rejects.toThrow(/FROM_CIDR:TO_CIDR/);
    await expect(runCommand(replayCommand, ['-i', 'x', '-r', TEST_PCAP, '--enet-dmac', '00:01:02:03:04:05,00:01:02:03:04:06'])).rejects.toThrow(/tcpprep cache/);
    await expect(runCommand(replayCommand, ['-i', 'x', '-r', TEST_PCAP, '--loop=-1'])).rejects.toThrow(/whole number/);
  });

  it('--dry-run replays without an interface and prints the statistics', async () => {
    const r = await runCommand(replayCommand, ['-i', 'nowhere', '-r', TEST_PCAP, '--dry-run', '-t', '--loop', '2']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Actual: 358 packets \(138000 bytes\) sent in /);
    expect(r.stdout).toContain('Statistics for network device: nowhere (dry run, nothing sent)\n\tSuccessful packets:        358\n');
  });

  it('names the file and offset of an unreadable capture, exit 2', async () => {
    const r = await runCommand(replayCommand, ['-i', 'nowhere', '-r', '/nonexistent.pcap', '--dry-run']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/lvscope replay: cannot replay \/nonexistent\.pcap: offset 0: cannot open/);
  });
});
