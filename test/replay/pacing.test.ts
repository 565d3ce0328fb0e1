/**
 * What keeps a paced (1x) replay on time, without a network and without timing assertions: the
 * wake-up margin, the real-time priority (through a fake libc), the allocation-free clock, sends
 * from the window's arena, the schedule's origin, the dense-schedule step-down and when the idle
 * spinner is told to spin or rest.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { nowNs, useFfiClock, WakeMargin } from '../../src/replay/clock.js';
import { loadFrames, type ReplayFrames } from '../../src/replay/frames.js';
import type { Libc } from '../../src/replay/libc.js';
import { FIFO_PRIORITY, raisePriority, settleBeforePacing, type PriorityTools } from '../../src/replay/realtime.js';
import { replay, type FrameSender } from '../../src/replay/replayer.js';
import { CONFORMANCE } from '../helpers/paths.js';

const TEST_PCAP = `${CONFORMANCE}/tcpreplay/test.pcap`;

/** Feeds `n` wake-ups that ended `lateNs` after they were meant to. */
function feed(m: WakeMargin, n: number, lateNs: number): void {
  for (let i = 0; i < n; i++) m.add(1_000_000, 1_000_000 + lateNs);
}

describe('wake-up margin', () => {
  it('keeps its first guess until it has seen enough wake-ups', () => {
    const m = new WakeMargin(150_000);
    feed(m, 150, 5_000);
    expect(m.marginNs).toBe(150_000);
  });

  it('covers the 99.5th percentile of the delays plus a pad, within 100-200 µs', () => {
    const quiet = new WakeMargin();
    feed(quiet, 1000, 20_000);
    expect(quiet.marginNs).toBe(100_000); // 30 µs + pad, raised to the floor

    const tail = new WakeMargin();
    feed(tail, 20, 145_000); // 2 % at 145 µs: the 99.5th percentile is in the 140-150 µs bucket
    feed(tail, 1004, 50_000);
    expect(tail.marginNs).toBe(150_000 + 30_000);

    const rare = new WakeMargin();
    feed(rare, 3, 2_000_000); // 0.3 %: beyond the quantile, not worth spinning for
    feed(rare, 1021, 50_000);
    expect(rare.marginNs).toBe(100_000);

    const busy = new WakeMargin();
    feed(busy, 1000, 900_000);
    expect(busy.marginNs).toBe(200_000);
  });

  it('follows the machine back down as old wake-ups are halved away', () => {
    const m = new WakeMargin();
    feed(m, 1000, 150_000);
    expect(m.marginNs).toBe(190_000);
    feed(m, 40_000, 20_000);
    expect(m.marginNs).toBe(100_000);
  });
});

/** A libc that records the scheduling calls; `allow` decides whether SCHED_FIFO is granted. */
function fakeLibc(opts: { allow: boolean; policy?: number; slack?: number }) {
  const calls: string[] = [];
  let policy = opts.policy ?? 0;
  let slack = opts.slack ?? 50_000;
  const libc = {
    sched_getscheduler: () => policy,
    sched_setscheduler: (_pid: number, p: number, param: Int32Array) => {
      calls.push(`sched ${p} ${param[0]}`);
      if (!opts.allow) return -1;
      policy = p;
      return 0;
    },
    prctl: (option: number, arg: number) => {
      if (option === 30) return slack;
      calls.push(`slack ${arg}`);
      slack = arg;
      return 0;
    },
  } as unknown as Libc;
  return { libc, calls, policy: () => policy, slack: () => slack };
}

describe('real-time priority', () => {
  it('raises the thread to SCHED_FIFO with a 1 ns timer slack and puts both back once', () => {
    const f = fakeLibc({ allow: true });
    const p = raisePriority(f.libc);
    expect([p.raised, p.realtime]).toEqual([true, true]);
    expect(f.calls).toEqual(['slack 1', `sched ${1 | 0x40000000} ${FIFO_PRIORITY}`]);
    p.restore();
    p.restore();
    expect(f.calls.slice(2)).toEqual(['sched 0 0', 'slack 50000']);
    expect([f.policy(), f.slack()]).toEqual([0, 50_000]);
  });

  it('goes on at the priority it has when not allowed, and still restores the slack', () => {
    const f = fakeLibc({ allow: false });
    const p = raisePriority(f.libc);
    expect([p.raised, p.realtime]).toEqual([false, false]);
    p.restore();
    expect(f.calls).toEqual(['slack 1', `sched ${1 | 0x40000000} ${FIFO_PRIORITY}`, 'slack 50000']);
  });

  it('leaves a thread already real-time (chrt) as it is', () => {
    const f = fakeLibc({ allow: true, policy: 2 });
    const p = raisePriority(f.libc);
    p.restore();
    expect([p.raised, p.realtime]).toEqual([false, true]);
    expect(f.calls.filter((c) => c.startsWith('sched'))).toEqual([]);
    expect(f.policy()).toBe(2);
  });

  it('without koffi, uses chrt on the main thread and the slack in /proc, and puts both back', () => {
    const calls: string[] = [];
    let slack = 50_000;
    const tools = (policy: number, chrtWorks: boolean): PriorityTools => ({
      run: (cmd, args) => (calls.push(`${cmd} ${args.join(' ')}`), chrtWorks),
      policy: () => policy,
      slack: () => slack,
      setSlack: (ns) => ((slack = ns), true),
    });
    const p = raisePriority(null, tools(0, true));
    expect(p.raised).toBe(true);
    expect(slack).toBe(1);
    p.restore();
    expect(calls).toEqual([`chrt --fifo --reset-on-fork --pid ${FIFO_PRIORITY} ${process.pid}`, `chrt --other --pid 0 ${process.pid}`]);
    expect(slack).toBe(50_000);

    calls.length = 0;
    const refused = raisePriority(null, tools(0, false)); // no chrt, or not allowed
    expect([refused.raised, refused.realtime]).toEqual([false, false]);
    const already = raisePriority(null, tools(1, true)); // already real-time: left alone
    expect([already.raised, already.realtime]).toEqual([false, true]);
    expect(calls).toEqual([`chrt --fifo --reset-on-fork --pid ${FIFO_PRIORITY} ${process.pid}`]);
  });

  it('settles the heap before the clock starts without leaving gc() in the program', () => {
    const had = 'gc' in globalThis;
    settleBeforePacing();
    expect('gc' in globalThis).toBe(had);
  });
});

describe('clock through clock_gettime', () => {
  afterEach(() => useFfiClock(null));

  it('reads the FFI clock once it agrees with process.hrtime', () => {
    let calls = 0;
    const real = (_id: number, ts: Uint32Array): number => {
      calls++;
      const ns = process.hrtime.bigint();
      const sec = ns / 1_000_000_000n;
      ts[0] = Number(sec & 0xffffffffn);
      ts[1] = Number(sec >> 32n);
      ts[2] = Number(ns % 1_000_000_000n);
      return 0;
    };
    useFfiClock(real);
    const before = calls;
    const a = nowNs();
    const b = nowNs();
    expect(calls - before).toBe(2);
    expect(b).toBeGreaterThanOrEqual(a);
  });

  it('refuses a clock that disagrees (another clock id, a broken binding) and keeps hrtime', () => {
    let calls = 0;
    useFfiClock((_id, ts) => {
      calls++;
      ts[0] = 12;
      ts[1] = 0;
      ts[2] = 0;
      return 0;
    });
    const before = calls;
    nowNs();
    expect(calls).toBe(before);
  });
});

/** Records what a paced replay sent and through which call. */
function arenaRecorder() {
  const sent: Buffer[] = [];
  const via: string[] = [];
  const times: number[] = [];
  const sender: FrameSender = {
    send(frame, length) {
      via.push('send');
      times.push(nowNs());
      sent.push(Buffer.from(frame.subarray(0, length)));
    },
    sendAt(arena, offset, length) {
      via.push('sendAt');
      times.push(nowNs());
      sent.push(Buffer.from(arena.subarray(offset, offset + length)));
    },
  };
  return { sender, sent, via, times };
}

describe('paced sends', () => {
  it('go from the arena with the same bytes as the file; top speed keeps send()', async () => {
    const want: Buffer[] = [];
    const pre = loadFrames(TEST_PCAP);
    while (pre.next()) want.push(Buffer.from(pre.data));
    for (const preloadBytes of [undefined, 3000]) {
      const rec = arenaRecorder();
      await replay(loadFrames(TEST_PCAP, { preloadBytes }), rec.sender, { pacing: { kind: 'pps', pps: 1e7 }, loops: 1, limit: 0 });
      expect(new Set(rec.via)).toEqual(new Set(['sendAt']));
      expect(rec.sent.findIndex((f, i) => !f.equals(want[i]!))).toBe(-1);
      expect(rec.sent.length).toBe(want.length);
    }
    const top = arenaRecorder();
    await replay(loadFrames(TEST_PCAP), top.sender, { pacing: { kind: 'topspeed' }, loops: 1, limit: 0 });
    expect(new Set(top.via)).toEqual(new Set(['send']));
  });

  it('count from the first send: a slow first read does not squeeze the next gap', async () => {
    // Frames 10 ms apart in the file; handing out the first one takes 30 ms (opening, loading).
    let i = -1;
    const data = Buffer.alloc(60);
    const frames: ReplayFrames = {
      data, arena: data, frameOffset: 0, frameLength: 60, tsNs: 0, count: 3, linkType: 1, preloaded: true, issues: [],
      next() {
        if (++i >= 3) return false;
        if (i === 0) {
          const until = nowNs() + 30_000_000;
          while (nowNs() < until);
        }
        this.tsNs = i * 10_000_000;
        return true;
      },
      rewind() {},
      close() {},
    };
    const rec = arenaRecorder();
    const result = await replay(frames, rec.sender, { pacing: { kind: 'multiplier', factor: 1 }, loops: 1, limit: 0 });
    // Counted from before the first read, frame 2 would leave at once (it was due 10 ms in).
    expect(rec.times[1]! - rec.times[0]!).toBeGreaterThan(9_000_000);
    expect(result.elapsedNs).toBeLessThan(rec.times[2]! - rec.times[0]! + 10_000_000);
  });

  it('step down from real time (onDense) only when the schedule would keep the loop spinning', async () => {
    const dense = { told: 0 };
    // 20,000 pps: 50 µs gaps, all inside the wake margin, for 300 ms.
    await replay(loadFrames(TEST_PCAP), { send() {}, sendAt() {} }, {
      pacing: { kind: 'pps', pps: 20_000 }, loops: 0, limit: 6000, onDense: () => dense.told++,
    });
    expect(dense.told).toBe(1);

    const sparse = { told: 0 };
    // 200 pps: 5 ms gaps, mostly asleep, for 300 ms.
    await replay(loadFrames(TEST_PCAP), { send() {}, sendAt() {} }, {
      pacing: { kind: 'pps', pps: 200 }, loops: 0, limit: 60, onDense: () => sparse.told++,
    });
    expect(sparse.told).toBe(0);
  });

  it('keep the CPU busy (the idle spinner) while pacing, and let it rest on event-loop waits and at the end', async () => {
    const said: string[] = [];
    const keeper = { spin: () => said.push('spin'), park: () => said.push('park') };
    // 10 pps: 100 ms gaps, each waited for mostly on an event-loop timer (it hands over at most 30 ms before).
    await replay(loadFrames(TEST_PCAP), { send() {}, sendAt() {} }, { pacing: { kind: 'pps', pps: 10 }, loops: 1, limit: 4, keeper });
    expect(said[0]).toBe('spin');
    expect(said.at(-1)).toBe('park');
    expect(said.filter((w) => w === 'park').length).toBeGreaterThanOrEqual(3);
    // Strictly alternating: each wait parks once and spins once after it.
    expect(said.every((w, i) => w === (i % 2 === 0 ? 'spin' : 'park'))).toBe(true);

    const top: string[] = [];
    await replay(loadFrames(TEST_PCAP), { send() {}, sendAt() {} }, {
      pacing: { kind: 'topspeed' }, loops: 1, limit: 0, keeper: { spin: () => top.push('spin'), park: () => top.push('park') },
    });
    expect(top).toEqual([]);
  });
});
