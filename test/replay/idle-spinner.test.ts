/**
 * The idle spinner of a paced replay, on this machine's kernel: a SCHED_IDLE process on the pacing
 * thread's CPU, with the pacing thread pinned there while it runs; it spins only when told, and
 * stopping ends it and gives the pacing thread its CPUs back. Needs chrt and taskset (util-linux).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { startIdleSpinner } from '../../src/replay/idle-spinner.js';
import { placement } from '../../src/replay/proc.js';

const SCHED_IDLE = 5;

function has(cmd: string): boolean {
  try {
    execFileSync(cmd, ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const skipReason = process.platform !== 'linux' ? 'not Linux' : !has('chrt') || !has('taskset') ? 'chrt or taskset (util-linux) is not installed' : null;
if (skipReason !== null) console.warn(`idle spinner tests skipped: ${skipReason}`);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Waits up to 2 s for the spinner to show one of `states` ('gone' once it has ended). */
async function until(pid: number, states: readonly string[]): Promise<string> {
  let seen = '';
  for (let i = 0; i < 200; i++) {
    seen = placement(`/proc/${pid}`)?.state ?? 'gone';
    // A killed child stays a zombie until reaped: ended all the same.
    if (seen === 'Z') seen = 'gone';
    if (states.includes(seen)) return seen;
    await sleep(10);
  }
  return seen;
}

describe.skipIf(skipReason !== null)('idle spinner (chrt and taskset)', () => {
  it('pins the pacing thread and a SCHED_IDLE spinner to one CPU, and puts the pacing thread back', async () => {
    const before = placement('/proc/thread-self')!.cpus;
    const spinner = await startIdleSpinner();
    expect(spinner).not.toBeNull();
    try {
      const p = placement(`/proc/${spinner!.pid}`)!;
      expect(p.policy).toBe(SCHED_IDLE);
      expect(p.cpus).toBe(String(spinner!.cpu));
      expect(placement('/proc/thread-self')!.cpus).toBe(String(spinner!.cpu));
    } finally {
      spinner!.stop();
    }
    expect(placement('/proc/thread-self')!.cpus).toBe(before);
    expect(await until(spinner!.pid, ['gone'])).toBe('gone');
  });

  it('rests until told to spin, and rests again when parked', async () => {
    const spinner = (await startIdleSpinner())!;
    const pid = spinner.pid;
    try {
      expect(await until(pid, ['T'])).toBe('T');
      spinner.spin();
      // Runnable (it may wait for the CPU this thread holds, so R rather than CPU time).
      expect(await until(pid, ['R'])).toBe('R');
      spinner.park();
      expect(await until(pid, ['T'])).toBe('T');
      spinner.spin();
      expect(await until(pid, ['R'])).toBe('R');
    } finally {
      spinner.stop();
    }
    expect(await until(pid, ['gone'])).toBe('gone');
  });
});
