/**
 * `lvscope replay` end to end: load (and rewrite) the frames, open the interface through libpcap,
 * pace and send, print tcpreplay's statistics plus our timing figures.
 */
import { CaptureFormatError } from '../capture/index.js';
import { loadCap, openInterface, type CapHandle } from './cap.js';
import { CAP_MISSING_HINT, ReplayError, SENDER_MISSING_HINT } from './errors.js';
import { loadFrames, type ReplayFrames } from './frames.js';
import { useFfiClock } from './clock.js';
import { startIdleSpinner } from './idle-spinner.js';
import { loadLibc } from './libc.js';
import { openPacketSocket } from './packet-socket.js';
import { raisePriority, settleBeforePacing } from './realtime.js';
import { replay, type FrameSender, type Pacing, type ReplayResult } from './replayer.js';
import { Rewriter, type RewriteOptions } from './rewrite.js';
import { formatDuration, formatTcpreplayStats, formatTiming } from './stats.js';
import { plural } from '../present/words.js';

export interface ReplayConfig {
  readonly iface: string;
  readonly file: string;
  readonly pacing: Pacing;
  readonly loops: number;
  readonly limit: number;
  readonly rewrite: RewriteOptions;
  readonly dryRun: boolean;
  readonly quiet: boolean;
  /** Progress bar on stderr (the CLI decides: a TTY and not --quiet). */
  readonly progress: boolean;
  readonly preloadBytes?: number;
  /** 'auto': a packet socket through koffi when installed, else libpcap; 'cap': libpcap. */
  readonly sender?: 'auto' | 'cap';
}

export interface ReplayIO {
  readonly stdout: NodeJS.WritableStream;
  readonly stderr: NodeJS.WritableStream & { columns?: number };
}

/** Exit status: 0 all sent, 1 some frames failed, 2 could not start, 130 stopped by Ctrl-C. */
export async function runReplay(cfg: ReplayConfig, io: ReplayIO, signal?: AbortSignal): Promise<{ code: number; result: ReplayResult | null }> {
  const rewriter = new Rewriter(cfg.rewrite);
  let frames: ReplayFrames;
  try {
    frames = loadFrames(cfg.file, { rewriter: rewriter.active ? rewriter : undefined, preloadBytes: cfg.preloadBytes });
  } catch (err) {
    if (err instanceof CaptureFormatError) {
      throw new ReplayError(`cannot replay ${err.message}; check the file with: lvscope validate ${cfg.file}`, 2, { cause: err });
    }
    throw err;
  }
  let handle: { close(): void } | null = null;
  try {
    if (frames.issues.length > 0) {
      io.stderr.write(`warning: ${frames.issues.length} damaged record(s) in ${cfg.file}, e.g. ${frames.issues[0]!.message}; replaying the readable frames\n`);
    }
    if (rewriter.editsEthernet && frames.linkType !== 1) {
      throw new ReplayError(`--enet-smac/--enet-dmac need Ethernet frames; ${cfg.file} has link type ${frames.linkType}`, 2);
    }
    let sender: FrameSender;
    if (cfg.dryRun) {
      sender = { send(): void {}, sendAt(): void {} };
    } else {
      const opened = openSender(cfg.iface, cfg.sender ?? 'auto');
      handle = opened;
      sender = opened;
      if (frames.linkType >= 0 && opened.linkType >= 0 && opened.linkType !== frames.linkType) {
        io.stderr.write(
          `warning: ${cfg.file} has link type ${frames.linkType} but ${cfg.iface} is ${opened.linkName}; frames are sent as they are\n`,
        );
      }
    }

    let stopping = false;
    const onSigint = (): void => {
      stopping = true;
    };
    process.on('SIGINT', onSigint);
    const total = frames.count !== null && cfg.loops > 0 ? frames.count * cfg.loops : null;
    const bound = cfg.limit > 0 ? (total === null ? cfg.limit : Math.min(total, cfg.limit)) : total;
    // Paced: the clock is read through the FFI, this thread runs as SCHED_FIFO where allowed (see
    // realtime.ts) and steps down if the schedule is so dense that it would spin most of the time.
    // Top speed needs neither (and through libpcap does not load koffi at all).
    const paced = cfg.pacing.kind !== 'topspeed';
    const libc = paced ? loadLibc() : null;
    useFfiClock(libc === null ? null : libc.clock_gettime);
    const priority = paced ? raisePriority(libc) : null;
    // A real-time pacing thread also has its CPU kept busy while it sleeps (idle-spinner.ts),
    // pinned there with the spinner: it preempts anything on that CPU, where an ordinary thread
    // would rather be free to move. Started before the heap is settled, so the start's garbage is
    // not left to the schedule.
    const spinner = priority?.realtime === true ? await startIdleSpinner() : null;
    if (priority !== null) settleBeforePacing();
    let result: ReplayResult;
    try {
      result = await replay(frames, sender, {
        pacing: cfg.pacing,
        loops: cfg.loops,
        limit: cfg.limit,
        shouldStop: () => stopping || signal?.aborted === true,
        onDense: () => {
          spinner?.stop();
          priority?.restore();
        },
        keeper: spinner ?? undefined,
        onProgress: cfg.progress ? (sent, ns) => drawProgress(io.stderr, sent, bound, ns) : undefined,
        onTooBig: (n, length, msg) => {
          io.stderr.write(
            `warning: frame ${n} (${length} bytes) is larger than ${cfg.iface} accepts (${msg}); counted as failed, ` +
              `replay goes on. Raise the MTU (ip link set ${cfg.iface} mtu ${Math.max(length - 14, 1500)}) or cut frames with tcprewrite --mtu-trunc\n`,
          );
        },
      });
    } finally {
      spinner?.stop();
      priority?.restore();
      useFfiClock(null);
      process.off('SIGINT', onSigint);
      if (cfg.progress) io.stderr.write('\r\x1b[K');
    }

    const c = result.counters;
    let text = '';
    if (result.interrupted) text += `Interrupted: statistics so far\n`;
    text += formatTcpreplayStats(c, result.elapsedNs, cfg.dryRun ? `${cfg.iface} (dry run, nothing sent)` : cfg.iface);
    text += formatTiming(result.lateness);
    if (!cfg.quiet) {
      text += replayNotes(c.tooBig, cfg.iface, rewriter.active ? rewriter.counts : null);
    }
    io.stdout.write(text);
    const code = result.interrupted ? 130 : c.failed > 0 ? 1 : 0;
    return { code, result };
  } finally {
    frames.close();
    handle?.close();
  }
}

/** A packet socket through koffi (sendmmsg at top speed) when koffi is installed, else libpcap through cap. */
function openSender(iface: string, which: 'auto' | 'cap'): FrameSender & { linkType: number; linkName: string; close(): void } {
  const libc = which === 'cap' ? null : loadLibc();
  if (libc !== null) return openPacketSocket(libc, iface);
  const cap = loadCap('lvscope replay', which === 'auto' ? SENDER_MISSING_HINT : CAP_MISSING_HINT);
  // A filter nothing matches: cap would otherwise copy every frame we send back to us.
  const opened = openInterface(cap, iface, 'less 1', Buffer.alloc(65536), 1024 * 1024);
  const h: CapHandle = opened.handle;
  // Paced sends copy the frame into one buffer: cap takes no offset, and a Buffer per frame is
  // garbage in the timing loop. A copy of a few hundred bytes costs less than a microsecond.
  const scratch = Buffer.allocUnsafe(65536);
  return {
    send: (frame, length) => h.send(frame, length),
    sendAt: (arena, offset, length) => {
      if (length > scratch.length) {
        h.send(arena.subarray(offset, offset + length), length);
        return;
      }
      for (let i = 0; i < length; i++) scratch[i] = arena[offset + i]!;
      h.send(scratch, length);
    },
    close: () => h.close(),
    linkType: opened.linkType,
    linkName: opened.linkName,
  };
}

function drawProgress(stderr: NodeJS.WritableStream & { columns?: number }, sent: number, total: number | null, ns: number): void {
  const rate = ns > 0 ? Math.round((sent * 1e9) / ns) : 0;
  const tail = ` ${sent}${total !== null ? `/${total}` : ''} packets, ${rate} pps, ${formatDuration(ns)}`;
  if (total === null || total === 0) {
    stderr.write(`\r\x1b[K${tail.trimStart()}`);
    return;
  }
  const width = Math.max(10, Math.min(40, (stderr.columns ?? 80) - tail.length - 10));
  const done = Math.min(width, Math.round((sent / total) * width));
  const pct = Math.min(100, Math.floor((sent / total) * 100));
  stderr.write(`\r\x1b[K[${'#'.repeat(done)}${'.'.repeat(width - done)}] ${String(pct).padStart(3)}%${tail}`);
}

/** What replay adds under tcpreplay's statistics: frames too big to send, what the rewrite changed. */
export function replayNotes(
  tooBig: number, iface: string,
  rewritten: { readonly framesChanged: number; readonly addressesMapped: number; readonly checksumsFixed: number } | null,
): string {
  let text = '';
  if (tooBig > 0) text += `${plural(tooBig, 'frame')} ${tooBig === 1 ? 'was' : 'were'} larger than ${iface} accepts and ${tooBig === 1 ? 'was' : 'were'} not sent\n`;
  if (rewritten !== null) {
    text += `Rewritten: ${plural(rewritten.framesChanged, 'frame')} changed, ${plural(rewritten.addressesMapped, 'address', 'addresses')} mapped, ${plural(rewritten.checksumsFixed, 'checksum')} fixed\n`;
  }
  return text;
}
