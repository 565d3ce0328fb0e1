/**
 * The send loop. Every frame has an absolute due time, measured on the monotonic clock from the
 * first frame's send. Far-off frames are waited for with an event-loop timer (until ~10 ms before,
 * more when timers are seen waking late), the rest with a blocking futex sleep until 100-200 µs
 * before (as far as this machine's wake-ups need, see WakeMargin), and the last stretch by
 * spinning; then it sends and records how late the send was against the schedule. Nothing is
 * accumulated per packet, so a long file cannot drift. The inner loop is synchronous (no promise
 * per packet); it hands back to the event loop to sleep, and at least every 50 ms so Ctrl-C and
 * the progress bar are served.
 *
 * A paced loop makes no Buffer or BigInt per frame (the clock is read through the FFI, the frame
 * is sent from the window's arena) and keeps its clock readings in object fields, not closure
 * variables: a scavenge started by its own garbage lands in a spin, just before a send. What is
 * left (numbers boxed for calls, about 0.5 KB a frame at 1x) starts a scavenge of under 1 ms every
 * 1-2 s at 1,000 pps, about a third as often as before.
 */
import { nextTick, nowNs, sleepMs, sleepSyncNs, spinUntil, WakeMargin } from './clock.js';
import { newFrameBatch, type FrameBatch, type ReplayFrames } from './frames.js';
import type { CpuKeeper } from './idle-spinner.js';
import { LatenessLog, newCounters, type SendCounters } from './stats.js';

/** How frames are paced; tcpreplay's --multiplier / --pps / --mbps / --topspeed. */
export type Pacing =
  | { readonly kind: 'multiplier'; readonly factor: number }
  | { readonly kind: 'pps'; readonly pps: number }
  | { readonly kind: 'mbps'; readonly mbps: number }
  | { readonly kind: 'topspeed' };

/** Where frames go: a packet socket, cap's send(), or nothing for --dry-run. Throws on a failed send. */
export interface FrameSender {
  send(frame: Buffer, length: number): void;
  /** Sends arena[offset .. offset + length) without a Buffer of its own (paced replays use it). */
  sendAt?(arena: Buffer, offset: number, length: number): void;
  /**
   * Sends batch frames from, from + 1, … (up to count) in one call; returns how many went (≥ 1).
   * Throws, as send() does, when frame `from` itself was refused.
   */
  sendMany?(batch: FrameBatch, from: number, count: number): number;
}

export interface ReplayOptions {
  readonly pacing: Pacing;
  /** Passes over the file; 0 = until --limit or Ctrl-C (tcpreplay's --loop 0). */
  readonly loops: number;
  /** Stop after this many packets (all loops together); 0 = no limit. */
  readonly limit: number;
  /** Called about ten times a second with packets sent so far. */
  readonly onProgress?: (sent: number, elapsedNs: number) => void;
  /** The first frame the interface refused as too big (once, so the user learns why early). */
  readonly onTooBig?: (frameNumber: number, length: number, message: string) => void;
  /** Polled between frames: true stops the replay cleanly (Ctrl-C). */
  readonly shouldStop?: () => boolean;
  /**
   * Called once if a paced schedule turns out dense: its gaps over a stretch of 50 ms or more are
   * so short that the loop would spin more than half of the time. A real-time thread should step
   * down then, or it would keep a CPU from everything else.
   */
  readonly onDense?: () => void;
  /**
   * Keeps the pacing thread's CPU from going idle (idle-spinner.ts): told to spin while the loop
   * paces, and to park while it waits on an event-loop timer.
   */
  readonly keeper?: CpuKeeper;
}

export interface ReplayResult {
  readonly counters: SendCounters;
  /** From just before the first send to just after the last; paced schedules count from the first send. */
  readonly elapsedNs: number;
  /** Send lateness against the schedule; empty for --topspeed. */
  readonly lateness: LatenessLog;
  readonly loopsDone: number;
  readonly interrupted: boolean;
}

const YIELD_EVERY_NS = 50_000_000;
/** Only yield when the next frame is at least this far away (a yield costs tens of µs). */
const YIELD_SLACK_NS = 300_000;
const PROGRESS_EVERY_NS = 100_000_000;
const MAX_RETRIES = 100_000;
/** Frames due further off than this are waited for on the event loop (a timer). */
const TIMER_HANDOVER_NS = 10_000_000;
const MAX_HANDOVER_NS = 30_000_000;
/** With this much time before a due frame, read ahead a little (one read costs well under this). */
const PREFETCH_SLACK_NS = 1_000_000;
const PREFETCH_SMALL = 64 * 1024;
/** Before an event-loop sleep (at least 10 ms of slack), read ahead more. */
const PREFETCH_LARGE = 1024 * 1024;
/** Frames taken at once at top speed when the sender can send several in one call. */
const TOP_BATCH = 64;
/** A schedule that has the loop spin more than this share of a stretch (at least DENSE_WINDOW_NS) is dense. */
const DENSE_SPIN_SHARE = 0.5;
const DENSE_WINDOW_NS = 50_000_000;

/** The schedule: offset (ns from the replay start) of the next frame. */
class Schedule {
  private readonly pacing: Pacing;
  private loopBase = 0;
  private lastOffset = 0;
  private index = 0;
  private bits = 0;

  constructor(pacing: Pacing) {
    this.pacing = pacing;
  }

  /** Due offset for a frame with file time tsNs (relative to the file's first frame) and length. */
  offset(tsNs: number, length: number): number {
    const p = this.pacing;
    let off: number;
    switch (p.kind) {
      case 'multiplier': off = this.loopBase + Math.max(0, tsNs) / p.factor; break;
      case 'pps': off = (this.index * 1e9) / p.pps; break;
      case 'mbps': off = (this.bits * 1e3) / p.mbps; break;
      case 'topspeed': off = 0; break;
    }
    this.index++;
    this.bits += length * 8;
    if (off > this.lastOffset) this.lastOffset = off;
    return off;
  }

  /** The next pass starts where this one's last frame was due, as tcpreplay's loops do. */
  newLoop(): void {
    this.loopBase = this.lastOffset;
  }
}

export async function replay(frames: ReplayFrames, sender: FrameSender, opts: ReplayOptions): Promise<ReplayResult> {
  const counters = newCounters();
  const lateness = new LatenessLog();
  const schedule = new Schedule(opts.pacing);
  const timed = opts.pacing.kind !== 'topspeed';
  const stop = opts.shouldStop ?? (() => false);
  let loopsDone = 0;
  let interrupted = false;
  let frameInLoop = 0;
  let pending = false;
  let started = !timed;
  let exhausted = false;
  let denseTold = false;
  let untimed = 0;
  const wake = new WakeMargin();

  const t0 = nowNs();
  // Clock readings as fields of one object, where V8 updates a double in place (a closure
  // variable would get a new heap number on every store).
  const t = {
    /** The schedule's origin: the replay start at top speed, the first frame's send when paced. */
    start: t0,
    due: t0,
    lastYield: t0,
    lastProgress: t0,
    // The event-loop timer hands over this long before a due time. It grows when timers wake late
    // (a loaded machine: setTimeout(1) was seen taking 4-12 ms here) and decays back.
    handoverNs: TIMER_HANDOVER_NS,
    timerLate: 0.5,
    /** The previous frame's offset in the schedule. */
    lastOffset: 0.5,
    /**
     * The dense-schedule check, since windowStart: the schedule's gaps, and the part of them a
     * paced loop spins (each gap up to the wake margin). Measured on the schedule, not on what the
     * loop did: a loop catching up after a stall sleeps little without the schedule being dense.
     */
    gaps: 0.5,
    spun: 0.5,
    windowStart: t0,
  };

  /** At the end of a pass: false when the replay is done, else the next pass starts. */
  const nextPass = (): boolean => {
    loopsDone++;
    if (frameInLoop === 0 || (opts.loops > 0 && loopsDone >= opts.loops)) {
      exhausted = true;
      return false;
    }
    frames.rewind();
    schedule.newLoop();
    frameInLoop = 0;
    return true;
  };

  /** Sends what is due now; returns ns to sleep before the next frame (0 = just yield), or -1 when done. */
  const batch = (): number => {
    for (;;) {
      if (!pending) {
        if (opts.limit > 0 && counters.packets >= opts.limit) return -1;
        if (!frames.next()) {
          if (!nextPass()) return -1;
          continue;
        }
        frameInLoop++;
        pending = true;
        const offset = schedule.offset(frames.tsNs, frames.frameLength);
        if (!started) {
          // The first frame is due now: the time spent opening and loading is nobody's gap.
          started = true;
          t.start = nowNs() - offset;
          t.lastOffset = offset;
        }
        t.due = t.start + offset;
        const gap = offset - t.lastOffset;
        t.lastOffset = offset;
        if (gap > 0) {
          t.gaps += gap;
          t.spun += gap < wake.marginNs ? gap : wake.marginNs;
        }
      }
      if (timed) {
        let now = nowNs();
        let ahead = t.due - now;
        if (ahead > t.handoverNs) return ahead - t.handoverNs;
        if (now - t.lastYield > YIELD_EVERY_NS && ahead > YIELD_SLACK_NS) return 0;
        if (ahead > PREFETCH_SLACK_NS && frames.prefetch !== undefined) {
          frames.prefetch(PREFETCH_SMALL);
          now = nowNs();
          ahead = t.due - now;
        }
        const margin = wake.marginNs;
        if (ahead > margin) {
          sleepSyncNs(ahead - margin);
          now = nowNs();
          wake.add(t.due - margin, now);
        }
        now = spinUntil(t.due, now);
        lateness.add(now - t.due);
        pending = false;
        sendOne(frameInLoop);
        if (now - t.lastYield > 4 * YIELD_EVERY_NS) return 0; // dense schedule: still serve signals
      } else {
        // Top speed: read the clock only every 256 frames, it costs more than a send's bookkeeping.
        if ((++untimed & 0xff) === 0 && nowNs() - t.lastYield > YIELD_EVERY_NS) return 0;
        pending = false;
        sendOne(frameInLoop);
      }
    }
  };

  /** A send refused: true to try the same frame again, false when it is counted as failed. */
  const refused = (err: unknown, attempt: number, n: number, length: number): boolean => {
    const msg = (err as Error).message ?? '';
    if (attempt < MAX_RETRIES && /No buffer space/i.test(msg)) {
      counters.retriedEnobufs++;
      return true;
    }
    if (attempt < MAX_RETRIES && /temporarily unavailable|EAGAIN/i.test(msg)) {
      counters.retriedEagain++;
      return true;
    }
    counters.failed++;
    if (/too long|EMSGSIZE/i.test(msg)) {
      counters.tooBig++;
      if (counters.tooBig === 1) opts.onTooBig?.(n, length, msg);
    }
    return false;
  };

  // Paced sends go from the arena (no Buffer per frame); top speed keeps send(), which a libpcap
  // sender takes without copying.
  const sendAt = timed && sender.sendAt !== undefined;
  const sendOne = (n: number): void => {
    counters.packets++;
    const length = frames.frameLength;
    for (let attempt = 0; ; attempt++) {
      try {
        if (sendAt) sender.sendAt!(frames.arena, frames.frameOffset, length);
        else sender.send(frames.data, length);
        counters.successful++;
        counters.bytes += length;
        return;
      } catch (err) {
        if (!refused(err, attempt, n, length)) return;
      }
    }
  };

  // Top speed with a sender that takes several frames per call: the frames are taken from the
  // window in batches, without a Buffer per frame, and leave in one system call per batch.
  const many = !timed && frames.nextBatch !== undefined && sender.sendMany !== undefined ? newFrameBatch(TOP_BATCH) : null;

  /** Sends batches until done (-1) or it is time to serve the event loop (0). */
  const topBatches = (fb: FrameBatch): number => {
    for (;;) {
      const max = opts.limit > 0 ? Math.min(TOP_BATCH, opts.limit - counters.packets) : TOP_BATCH;
      if (max <= 0) return -1;
      const k = frames.nextBatch!(fb, max);
      if (k === 0) {
        if (!nextPass()) return -1;
        continue;
      }
      const first = frameInLoop + 1;
      frameInLoop += k;
      counters.packets += k;
      let i = 0;
      let attempt = 0;
      while (i < k) {
        let sent: number;
        try {
          sent = sender.sendMany!(fb, i, k - i);
        } catch (err) {
          if (refused(err, attempt++, first + i, fb.len[i]!)) continue;
          i++;
          attempt = 0;
          continue;
        }
        for (let j = i; j < i + sent; j++) counters.bytes += fb.len[j]!;
        counters.successful += sent;
        i += sent;
        attempt = 0;
      }
      if ((++untimed & 0x3) === 0 && nowNs() - t.lastYield > YIELD_EVERY_NS) return 0;
    }
  };

  const keeper = timed ? opts.keeper : undefined;
  keeper?.spin();
  for (;;) {
    if (stop()) {
      interrupted = true;
      break;
    }
    const wait = many !== null ? topBatches(many) : batch();
    if (wait < 0) break;
    const now = nowNs();
    if (opts.onProgress !== undefined && now - t.lastProgress >= PROGRESS_EVERY_NS) {
      t.lastProgress = now;
      opts.onProgress(counters.packets, now - t.start);
    }
    if (timed && !denseTold && now - t.windowStart >= DENSE_WINDOW_NS) {
      if (t.spun > t.gaps * DENSE_SPIN_SHARE && opts.onDense !== undefined) {
        denseTold = true;
        opts.onDense();
      }
      t.windowStart = now;
      t.gaps = 0;
      t.spun = 0;
    }
    if (wait >= 1_000_000) {
      frames.prefetch?.(PREFETCH_LARGE);
      const ms = Math.max(0, Math.floor((wait - (nowNs() - now)) / 1_000_000));
      const before = nowNs();
      keeper?.park();
      await sleepMs(ms);
      keeper?.spin();
      const late = nowNs() - before - ms * 1_000_000;
      t.timerLate = Math.max(t.timerLate * 0.9, late);
      t.handoverNs = Math.min(MAX_HANDOVER_NS, Math.max(TIMER_HANDOVER_NS, t.timerLate * 1.5));
    } else {
      await nextTick();
    }
    t.lastYield = nowNs();
  }
  keeper?.park();
  const end = nowNs();
  if (!exhausted && !interrupted && stop()) interrupted = true;
  return { counters, elapsedNs: started ? end - t.start : 0, lateness, loopsDone, interrupted };
}
