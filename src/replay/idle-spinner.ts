/**
 * Keeps the CPU that paces a replay from going idle while the pacing thread sleeps between frames.
 * An idle CPU halts; a halted virtual CPU goes back to its host, and the timer interrupt that ends
 * the pacing thread's sleep can then reach it milliseconds late. On this project's virtual
 * machines that came in episodes of 0.1-0.2 s with wake-ups 0.4-2.9 ms late, at real-time
 * priority: 12-525 of 10,000 sends at 1,000 pps more than 200 µs late (a median of 30), against
 * 8-20 with this spinner (nine runs each, interleaved). tcpreplay never sleeps (its default timer
 * spins), which is why it did not see them.
 *
 * The spinner is a shell loop started through chrt(1) and taskset(1) (util-linux): SCHED_IDLE, so
 * it runs only when nothing else wants the CPU and takes nothing from other work, and pinned to
 * the pacing thread's CPU, where the pacing thread is pinned too for the replay. The timer
 * interrupt then lands on a running CPU. A process rather than a worker thread: a shell is about
 * 1 MB where a Node worker added 8 MB to replay's peak. It is stopped (SIGSTOP) while the replay
 * waits on an event-loop timer (10 ms or more from the next frame) and at the end, and it ends
 * itself when lvscope is gone. The price is that CPU's idle time while the replay paces short gaps.
 *
 * Where a step fails (no chrt or taskset, not Linux) there is no spinner and the replay runs as
 * before. Lowering a process's own priority and pinning its own threads need no privilege; run.ts
 * starts it only for a real-time pacing thread.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync, readlinkSync } from 'node:fs';
import { placement, runTool } from './proc.js';

const SCHED_IDLE = 5;
/** The shell loop: spins while its parent (lvscope) lives. */
const LOOP = 'while kill -0 $PPID 2>/dev/null; do :; done';
/** The spinner shows itself as the shell, at SCHED_IDLE on the CPU, within this, or there is none. */
const START_LIMIT_MS = 2_000;

/** The spinner as the send loop sees it. */
export interface CpuKeeper {
  /** The pacing thread is about to pace frames: keep its CPU busy. */
  spin(): void;
  /** The pacing thread is handing over to the event loop for a while: stop spinning. */
  park(): void;
}

export interface IdleSpinner extends CpuKeeper {
  /** The CPU the spinner and the pacing thread are pinned to. */
  readonly cpu: number;
  /** The spinner's process id. */
  readonly pid: number;
  /** Ends the spinner and gives the pacing thread its CPUs back; safe to call more than once. */
  stop(): void;
}

/**
 * Starts the spinner on the calling thread's CPU and pins the calling thread there; null when it
 * cannot.
 */
export async function startIdleSpinner(): Promise<IdleSpinner | null> {
  if (process.platform !== 'linux') return null;
  let tid: string;
  try {
    tid = /\/task\/(\d+)$/.exec(readlinkSync('/proc/thread-self'))?.[1] ?? '';
  } catch {
    return null;
  }
  const self = placement('/proc/thread-self');
  if (tid === '' || self === null || !(self.cpu >= 0) || self.cpus === '') return null;
  const cpu = self.cpu;
  let child: ChildProcess;
  try {
    child = spawn('chrt', ['--idle', '0', 'taskset', '--cpu-list', String(cpu), 'sh', '-c', LOOP], { stdio: 'ignore' });
  } catch {
    return null;
  }
  child.on('error', () => {}); // no chrt: seen below as a spinner that never shows
  child.unref();
  const pid = child.pid ?? -1;
  const kill = (): void => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  };
  if (pid <= 0 || !(await shows(pid, cpu)) || !runTool('taskset', ['--pid', '--cpu-list', String(cpu), tid])) {
    kill();
    return null;
  }
  let stopped = false;
  // Sent every time, not only on a change: a job-control stop and continue (Ctrl-Z, fg) of the
  // process group would otherwise leave it spinning while parked. They come at most every 10 ms.
  // Through the child's handle, which sends nothing once it has ended (Ctrl-C ends it too): its
  // pid may belong to another process by then.
  const signal = (spin: boolean): void => {
    if (!stopped) child.kill(spin ? 'SIGCONT' : 'SIGSTOP');
  };
  signal(false);
  const onExit = (): void => kill();
  process.once('exit', onExit);
  return {
    cpu,
    pid,
    spin: () => signal(true),
    park: () => signal(false),
    stop(): void {
      if (stopped) return;
      stopped = true;
      process.off('exit', onExit);
      kill();
      runTool('taskset', ['--pid', '--cpu-list', self.cpus, tid]);
    },
  };
}

/** Whether the spinner became the shell, at SCHED_IDLE and on `cpu` only (chrt and taskset did their part). */
async function shows(pid: number, cpu: number): Promise<boolean> {
  const end = Date.now() + START_LIMIT_MS;
  while (Date.now() < end) {
    let comm = '';
    try {
      comm = readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
    } catch {
      return false; // it ended: chrt or taskset refused, or is missing
    }
    if (comm === 'sh') {
      const p = placement(`/proc/${pid}`);
      return p !== null && p.policy === SCHED_IDLE && p.cpus === String(cpu);
    }
    await new Promise((r) => setTimeout(r, 2));
  }
  return false;
}
