/**
 * Network namespaces for tests that send or capture frames. Hard rule: traffic only ever flows
 * inside a namespace the test created itself, over a veth pair whose both ends live in it; the
 * namespace is never connected to the host and is deleted afterwards (even when a test fails:
 * call `ns.delete()` from afterAll; it is also registered for process exit).
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';

let counter = 0;
const live = new Set<string>();

process.on('exit', () => {
  for (const name of live) {
    try {
      execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
    } catch {
      // already gone
    }
  }
});

/** null when namespaces can be used here, else the reason to skip. */
export function netnsUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'needs root (network namespaces and raw sockets)';
  const probe = `lvprobe-${process.pid}-${Date.now() % 100000}`;
  try {
    execFileSync('ip', ['netns', 'add', probe], { stdio: 'pipe' });
  } catch (err) {
    return `ip netns add failed: ${((err as { stderr?: Buffer }).stderr ?? '').toString().trim() || (err as Error).message}`;
  }
  try {
    execFileSync('ip', ['netns', 'delete', probe], { stdio: 'ignore' });
  } catch {
    // ignore
  }
  return null;
}

export interface Netns {
  readonly name: string;
  /** Runs a command inside the namespace; returns stdout. Throws on a non-zero exit. */
  run(cmd: string, args: readonly string[], opts?: { input?: string; timeoutMs?: number }): string;
  /** Like run, but never throws: status, stdout, stderr. */
  try(cmd: string, args: readonly string[], opts?: { timeoutMs?: number; env?: NodeJS.ProcessEnv }): { status: number; stdout: string; stderr: string };
  /** Starts a long-running command inside the namespace. */
  spawn(cmd: string, args: readonly string[]): ChildProcess;
  /** A veth pair with both ends inside the namespace, up, no addresses. */
  addVethPair(a: string, b: string): void;
  delete(): void;
}

/** A fresh namespace with a unique name, loopback up, IPv6 off (no autoconf chatter on the veths). */
export function createNetns(prefix = 'lvt'): Netns {
  const name = `${prefix}-${process.pid}-${++counter}`;
  execFileSync('ip', ['netns', 'add', name]);
  live.add(name);
  const exec = (cmd: string, args: readonly string[]): string[] => ['netns', 'exec', name, cmd, ...args];
  const ns: Netns = {
    name,
    run(cmd, args, opts = {}) {
      return execFileSync('ip', exec(cmd, args), { input: opts.input, timeout: opts.timeoutMs ?? 60_000, encoding: 'utf8', stdio: ['pipe', 'pipe', 'pipe'] });
    },
    try(cmd, args, opts = {}) {
      try {
        const stdout = execFileSync('ip', exec(cmd, args), {
          timeout: opts.timeoutMs ?? 60_000, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], env: opts.env ?? process.env,
        });
        return { status: 0, stdout, stderr: '' };
      } catch (err) {
        const e = err as { status?: number | null; stdout?: string; stderr?: string };
        return { status: e.status ?? -1, stdout: e.stdout ?? '', stderr: e.stderr ?? '' };
      }
    },
    spawn(cmd, args) {
      return spawn('ip', exec(cmd, args), { stdio: ['ignore', 'pipe', 'pipe'] });
    },
    addVethPair(a, b) {
      execFileSync('ip', ['-n', name, 'link', 'add', a, 'type', 'veth', 'peer', 'name', b]);
      for (const dev of [a, b]) {
        execFileSync('ip', ['netns', 'exec', name, 'sysctl', '-qw', `net.ipv6.conf.${dev}.disable_ipv6=1`], { stdio: 'ignore' });
        execFileSync('ip', ['-n', name, 'link', 'set', dev, 'up']);
      }
    },
    delete() {
      if (!live.has(name)) return;
      live.delete(name);
      try {
        execFileSync('ip', ['netns', 'delete', name], { stdio: 'ignore' });
      } catch {
        // already gone
      }
    },
  };
  ns.run('ip', ['link', 'set', 'lo', 'up']);
  ns.run('sysctl', ['-qw', 'net.ipv6.conf.all.disable_ipv6=1']);
  ns.run('sysctl', ['-qw', 'net.ipv6.conf.default.disable_ipv6=1']);
  return ns;
}

/**
 * tcpdump on `iface` inside ns writing nanosecond pcap to `file`; resolves once it is listening.
 * stop() sends SIGINT to that tcpdump (by its pid) and waits for it to exit.
 */
export async function startTcpdump(ns: Netns, iface: string, file: string, extra: readonly string[] = []): Promise<{ stop(): Promise<void> }> {
  const child = ns.spawn('tcpdump', ['-i', iface, '-w', file, '-U', '--immediate-mode', '-B', '65536', '-Z', 'root', '--time-stamp-precision=nano', '-s', '0', ...extra]);
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tcpdump did not start: ${err}`)), 10_000);
    child.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      if (err.includes('listening on')) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`tcpdump exited (${code}): ${err}`));
    });
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.removeAllListeners('exit');
        child.on('exit', () => resolve());
        // `ip netns exec` execs tcpdump, so this pid is tcpdump's own.
        child.kill('SIGINT');
      }),
  };
}
