/**
 * Real-time priority for the thread that paces a replay. On a shared machine an ordinary thread
 * woken from its sleep before a due frame can wait for the CPU behind other work, and the frame
 * leaves late; a SCHED_FIFO thread runs as soon as it wakes. A 1x replay at 1,000 pps on a host
 * at load 9-11 had 3,000-3,800 of 10,000 sends more than 100 µs late at the default priority and
 * about 250 as SCHED_FIFO. The timer slack drops to 1 ns as well, so a sleep ends when asked
 * rather than up to 50 µs later.
 *
 * Only the calling thread changes (Node's helper threads keep their priority), children do not
 * inherit it (SCHED_RESET_ON_FORK), and everything is put back afterwards. Without koffi the same
 * is done with chrt(1) and /proc/self/timerslack_ns (the main thread's id is the pid). Without
 * permission (not root, no CAP_SYS_NICE, RLIMIT_RTPRIO 0) the replay runs at the priority it has:
 * no message, the timing figures show the difference.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { isMainThread } from 'node:worker_threads';
import { nowNs, sleepSyncNs, spinUntil } from './clock.js';
import type { Libc } from './libc.js';
import { placement, runTool } from './proc.js';

const SCHED_OTHER = 0;
const SCHED_FIFO = 1;
const SCHED_RESET_ON_FORK = 0x40000000;
/** Above every ordinary task, below the kernel's interrupt threads (50). */
export const FIFO_PRIORITY = 10;
const PR_SET_TIMERSLACK = 29;
const PR_GET_TIMERSLACK = 30;

export interface Priority {
  /** SCHED_FIFO was granted. */
  readonly raised: boolean;
  /** The thread runs at a real-time policy: raised here, or already (chrt before lvscope). */
  readonly realtime: boolean;
  /** Back to the policy and timer slack the thread had; safe to call more than once. */
  restore(): void;
}

const NONE: Priority = { raised: false, realtime: false, restore(): void {} };
const SCHED_RR = 2;

function isRealtime(policy: number): boolean {
  const p = policy & ~SCHED_RESET_ON_FORK;
  return p === SCHED_FIFO || p === SCHED_RR;
}

/** What raising the priority without koffi needs; replaced in tests. */
export interface PriorityTools {
  /** Runs a command; false when it could not run or failed. */
  run(cmd: string, args: readonly string[]): boolean;
  /** The main thread's scheduling policy (from /proc/self/stat), or -1. */
  policy(): number;
  /** The main thread's timer slack in ns, or -1. */
  slack(): number;
  setSlack(ns: number): boolean;
}

const SYSTEM: PriorityTools = {
  run: runTool,
  policy: () => placement('/proc/self')?.policy ?? -1,
  slack() {
    try {
      return Number(readFileSync('/proc/self/timerslack_ns', 'utf8'));
    } catch {
      return -1;
    }
  },
  setSlack(ns) {
    try {
      writeFileSync('/proc/self/timerslack_ns', String(ns));
      return true;
    } catch {
      return false;
    }
  },
};

/**
 * Raises the calling thread to SCHED_FIFO and a 1 ns timer slack where allowed: through libc when
 * koffi is there, else (main thread only) through chrt and /proc.
 */
export function raisePriority(libc: Libc | null, tools: PriorityTools = SYSTEM): Priority {
  if (libc === null) return process.platform === 'linux' ? raiseWithoutFfi(tools) : NONE;
  const slack = libc.prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  const slackSet = slack > 0 && libc.prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0) === 0;
  // A thread already given a real-time policy (chrt) keeps it, and keeps it afterwards.
  const policy = libc.sched_getscheduler(0);
  const raised =
    (policy & ~SCHED_RESET_ON_FORK) === SCHED_OTHER &&
    libc.sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, Int32Array.of(FIFO_PRIORITY)) === 0;
  return restoredOnce(raised, raised || isRealtime(policy), () => {
    if (raised) libc.sched_setscheduler(0, policy, Int32Array.of(0));
    if (slackSet) libc.prctl(PR_SET_TIMERSLACK, slack, 0, 0, 0);
  });
}

function raiseWithoutFfi(tools: PriorityTools): Priority {
  // chrt and /proc/self name the main thread only.
  if (!isMainThread) return NONE;
  const slack = tools.slack();
  const slackSet = slack > 0 && tools.setSlack(1);
  const pid = String(process.pid);
  const policy = tools.policy();
  const raised = policy === SCHED_OTHER && tools.run('chrt', ['--fifo', '--reset-on-fork', '--pid', String(FIFO_PRIORITY), pid]);
  return restoredOnce(raised, raised || isRealtime(policy), () => {
    if (raised) tools.run('chrt', ['--other', '--pid', '0', pid]);
    if (slackSet) tools.setSlack(slack);
  });
}

/** A raise undone at most once, however many paths (end, error, signal) call restore. */
function restoredOnce(raised: boolean, realtime: boolean, undo: () => void): Priority {
  let done = false;
  return {
    raised,
    realtime,
    restore(): void {
      if (done) return;
      done = true;
      undo();
    },
  };
}

/**
 * Just before a paced replay's clock starts: a full garbage collection, and the spin and sleep
 * run until compiled and calibrated. Without them the first second of a 1x replay carried the
 * process's start-up: a scavenge of what loading left behind (7-41 ms on a busy host) and a
 * mark-compact (7-18 ms) landed in the first frames, each making a run of sends late, and the first
 * spins ran uncompiled. A gc() is not exposed without --expose-gc; the flag can be set at run
 * time and then a new context has it. If that fails the replay starts as it would have.
 */
export function settleBeforePacing(): void {
  try {
    setFlagsFromString('--expose-gc');
    (runInNewContext('gc') as () => void)();
  } catch {
    // no gc(): the first frames may meet a collection, nothing worse
  }
  for (let k = 0; k < 20; k++) {
    sleepSyncNs(20_000);
    spinUntil(nowNs() + 50_000);
  }
}
