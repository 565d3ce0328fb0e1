/**
 * What replay's scheduling code reads of a thread or process in /proc, and how it runs the
 * util-linux tools it falls back on (chrt, taskset): once, for realtime.ts and idle-spinner.ts.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

/** A thread's or process's state letter, policy, CPU and allowed CPUs, from its /proc directory. */
export interface Placement {
  readonly state: string;
  readonly policy: number;
  readonly cpu: number;
  readonly cpus: string;
}

export function placement(dir: string): Placement | null {
  try {
    const stat = readFileSync(`${dir}/stat`, 'utf8');
    // Fields counted after the command name, which may hold spaces: 3 state, 39 CPU, 41 policy.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    const cpus = /^Cpus_allowed_list:\s*(\S+)/m.exec(readFileSync(`${dir}/status`, 'utf8'))?.[1] ?? '';
    return { state: f[0]!, cpu: Number(f[36]), policy: Number(f[38]), cpus };
  } catch {
    return null;
  }
}

/** Runs a command quietly; false when it could not run, failed, or took over 5 s. */
export function runTool(cmd: string, args: readonly string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 5000 });
    return true;
  } catch {
    return false;
  }
}
