/**
 * Real-time priority for the thread that paces a replay. On a shared machine an ordinary thread
 * woken from its sleep before a due frame can wait for the CPU behind other work, and the frame
 * leaves late; a SCHED_FIFO thread runs as soon as it wakes. A 1x replay at 1,000 pps on a host
 * at load 9-11 had 3,000-3,800 of 10,000 sends more than 100 µs late at the default priority and
 * about 250 as SCHED_FIFO. The timer slack drops to 1 ns as well, so a sleep ends when asked
 * rather than up to 50 µs later.
 *
 * Only the calling thread changes (Node's helper threads keep their priority), children do not
 * inherit it (SCHED_RESET_ON_FORK), and everything is put back afterwards. Without permission
 * (not root, no CAP_SYS_NICE, RLIMIT_RTPRIO 0) the replay runs at the priority it has: no message,
 * the timing figures show the difference.
 */
import type { Libc } from './libc.js';

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
  /** Back to the policy and timer slack the thread had; safe to call more than once. */
  restore(): void;
}

const NONE: Priority = { raised: false, restore(): void {} };

/** Raises the calling thread to SCHED_FIFO and a 1 ns timer slack where allowed. */
export function raisePriority(libc: Libc | null): Priority {
  if (libc === null) return NONE;
  const slack = libc.prctl(PR_GET_TIMERSLACK, 0, 0, 0, 0);
  const slackSet = slack > 0 && libc.prctl(PR_SET_TIMERSLACK, 1, 0, 0, 0) === 0;
  // A thread already given a real-time policy (chrt) keeps it, and keeps it afterwards.
  const policy = libc.sched_getscheduler(0);
  const raised =
    (policy & ~SCHED_RESET_ON_FORK) === SCHED_OTHER &&
    libc.sched_setscheduler(0, SCHED_FIFO | SCHED_RESET_ON_FORK, Int32Array.of(FIFO_PRIORITY)) === 0;
  let done = false;
  return {
    raised,
    restore(): void {
      if (done) return;
      done = true;
      if (raised) libc.sched_setscheduler(0, policy, Int32Array.of(0));
      if (slackSet) libc.prctl(PR_SET_TIMERSLACK, slack, 0, 0, 0);
    },
  };
}
