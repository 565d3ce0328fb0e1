/**
 * Everything that touches the machine: `ip`, `nft`, `tcpdump` and `node` inside the lab's
 * namespaces. Nothing here creates an interface in the host's namespace: veth pairs are created
 * straight into lab namespaces, and every capture runs inside one.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';

export class LabError extends Error {
  override readonly name = 'LabError';
}

/**
 * How many times longer than on a host everything takes: in the microVM (emulated CPU, TCG) a
 * node program takes seconds to start, so waits for programs, captures and answers stretch.
 */
export function patience(env: NodeJS.ProcessEnv = process.env): number {
  return env['LVSCOPE_IN_VM'] === '1' ? 8 : 1;
}

function errText(e: unknown): string {
  const err = e as { stderr?: Buffer | string; message?: string };
  const stderr = err.stderr ? String(err.stderr).trim() : '';
  return stderr !== '' ? stderr : String(err.message ?? e);
}

function run(cmd: string, args: readonly string[], input?: string): string {
  try {
    return execFileSync(cmd, args, { input, stdio: ['pipe', 'pipe', 'pipe'], encoding: 'utf8' });
  } catch (e) {
    throw new LabError(`${cmd} ${args.slice(0, 4).join(' ')}…: ${errText(e)}`);
  }
}

function which(cmd: string): boolean {
  for (const dir of (process.env['PATH'] ?? '/usr/sbin:/usr/bin:/sbin:/bin').split(':')) {
    if (dir !== '' && existsSync(`${dir}/${cmd}`)) return true;
  }
  return ['/usr/sbin', '/sbin'].some((d) => existsSync(`${d}/${cmd}`));
}

const CAP_NET_ADMIN = 12n;
const CAP_SYS_ADMIN = 21n;

/** Why this process cannot build a lab, or null if it can. */
export function labUnavailable(): string | null {
  const uid = process.getuid?.() ?? -1;
  if (uid !== 0) {
    let caps = 0n;
    try {
      const m = /^CapEff:\s*([0-9a-f]+)/m.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) caps = BigInt(`0x${m[1]}`);
    } catch { /* not Linux */ }
    const has = (c: bigint): boolean => ((caps >> c) & 1n) === 1n;
    if (!has(CAP_NET_ADMIN) || !has(CAP_SYS_ADMIN)) {
      return 'lvscope lab needs root (or CAP_SYS_ADMIN+CAP_NET_ADMIN) to create network namespaces';
    }
  }
  for (const tool of ['ip', 'nft', 'tcpdump']) {
    if (!which(tool)) return `lvscope lab needs ${tool} (${tool === 'ip' ? 'iproute2' : tool === 'nft' ? 'nftables' : 'tcpdump'} package)`;
  }
  try {
    execFileSync('ip', ['netns', 'list'], { stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    return `lvscope lab needs network namespace support (ip netns list failed: ${errText(e)})`;
  }
  return null;
}

/**
 * True when the kernel has IPVS (loaded, or loadable with modprobe) and ipvsadm is installed.
 */
export function hasIpvs(): boolean {
  if (!which('ipvsadm')) return false;
  if (existsSync('/proc/net/ip_vs')) return true;
  try {
    execFileSync('modprobe', ['-q', 'ip_vs'], { stdio: 'ignore', timeout: 10_000 });
  } catch { /* no modprobe, or no module */ }
  return existsSync('/proc/net/ip_vs');
}

/** `cmd args` inside `ns`: its stdout. */
export function nsRun(ns: string, cmd: string, args: readonly string[]): string {
  return run('ip', ['netns', 'exec', ns, cmd, ...args]);
}

/**
 * `cmd args` inside `ns`, without blocking the event loop: for polls that run while other
 * programs' output is being timed line by line (an HA lab's keepalived logs).
 */
export function nsRunAsync(ns: string, cmd: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8' }, (e, stdout, stderr) => {
      if (e) reject(new LabError(`${cmd} ${args.slice(0, 4).join(' ')}…: ${stderr.trim() !== '' ? stderr.trim() : e.message}`));
      else resolve(stdout);
    });
  });
}

export function ipBatch(lines: readonly string[]): void {
  if (lines.length > 0) run('ip', ['-batch', '-'], `${lines.join('\n')}\n`);
}

export function nsScript(ns: string, script: string): void {
  run('ip', ['netns', 'exec', ns, 'sh', '-ec', script]);
}

/** Whether `ip link add … type ipip` works in `ns` (the kernel may lack the ipip module). */
export function canIpip(ns: string): boolean {
  try {
    execFileSync('ip', ['-n', ns, 'link', 'add', 'name', 'lvprobe', 'type', 'ipip', 'local', '192.0.2.1', 'remote', '192.0.2.2'], { stdio: 'pipe' });
    execFileSync('ip', ['-n', ns, 'link', 'del', 'lvprobe'], { stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

export function listNetns(): string[] {
  try {
    const out = execFileSync('ip', ['netns', 'list'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
    return out.split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n !== '');
  } catch {
    return [];
  }
}

/**
 * Kills every process inside the namespaces, then deletes them. Synchronous, so it can run from
 * an exit handler; never throws. Returns how many namespaces were deleted.
 */
export function teardown(namespaces: readonly string[]): number {
  const existing = new Set(listNetns());
  let deleted = 0;
  for (const ns of namespaces) {
    if (!existing.has(ns)) continue;
    try {
      const pids = execFileSync('ip', ['netns', 'pids', ns], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
        .split('\n').map((p) => Number(p)).filter((p) => Number.isInteger(p) && p > 1 && p !== process.pid);
      for (const pid of pids) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
      }
    } catch { /* no pids */ }
  }
  for (const ns of namespaces) {
    if (!existing.has(ns)) continue;
    try {
      execFileSync('ip', ['netns', 'del', ns], { stdio: 'ignore' });
      deleted++;
    } catch { /* already gone */ }
  }
  return deleted;
}

/** Waits for a line on a stream that satisfies `test`, or fails after `ms`. */
function waitForLine(child: ChildProcess, stream: NodeJS.ReadableStream, test: (l: string) => boolean, ms: number, what: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: stream });
    let tail = '';
    const done = (err: Error | null): void => {
      clearTimeout(timer);
      rl.removeAllListeners('line');
      child.removeListener('exit', onExit);
      if (err) reject(err); else resolve();
    };
    const timer = setTimeout(() => done(new LabError(`${what} did not start within ${ms} ms${tail ? `: ${tail}` : ''}`)), ms);
    const onExit = (code: number | null): void => done(new LabError(`${what} exited (${code})${tail ? `: ${tail}` : ''}`));
    rl.on('line', (l) => {
      tail = l;
      if (test(l)) done(null);
    });
    child.on('exit', onExit);
  });
}

export interface CaptureHandle {
  readonly pid: number;
  /** Stops tcpdump (SIGINT), waits until it has flushed and exited; returns its summary line. */
  stop(): Promise<string>;
}

/**
 * Starts tcpdump inside `ns` and resolves once it is listening. --immediate-mode matters: with
 * TPACKET_V3 libpcap hands packets over a block at a time, and the block still open when SIGINT
 * arrives is lost, which for a short lab run can be every packet.
 */
export async function startCapture(ns: string, iface: string, out: string): Promise<CaptureHandle> {
  const child = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-i', iface, '-w', out, '--time-stamp-precision=nano', '--immediate-mode', '-B', '8192', '-U', '-n', '-Z', 'root'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const lines: string[] = [];
  const stderr = child.stderr;
  if (!stderr) throw new LabError('tcpdump: no stderr');
  stderr.setEncoding('utf8');
  stderr.on('data', (d: string) => lines.push(...d.split('\n').filter((l) => l !== '')));
  await waitForLine(child, stderr, (l) => l.includes('listening on'), 5000 * patience(), `tcpdump -i ${iface} in ${ns}`);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    pid: child.pid ?? -1,
    async stop(): Promise<string> {
      child.kill('SIGINT');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000 * patience());
      await exited;
      clearTimeout(timer);
      return lines.filter((l) => /packets (captured|received|dropped)/.test(l)).join(', ');
    },
  };
}

/**
 * Starts a node program in `ns` and resolves with its pid once it printed "ready". Detached
 * programs outlive this process (for `lab up`); `lab down` kills them with the namespace.
 */
export async function startProgram(ns: string, source: string, args: readonly string[], detached: boolean, what: string): Promise<ChildProcess> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', source, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached,
  });
  const stdout = child.stdout;
  if (!stdout) throw new LabError(`${what}: no stdout`);
  await waitForLine(child, stdout, (l) => l.trim() === 'ready', 10_000 * patience(), what);
  if (detached) {
    child.stdout?.destroy();
    child.stderr?.destroy();
    child.unref();
  }
  return child;
}

export interface LineChannel {
  request(line: string): Promise<string>;
  close(): Promise<void>;
}

/** A node program in `ns` answering one stdout line per stdin line. */
export function startChannel(ns: string, source: string): LineChannel {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '-e', source], { stdio: ['pipe', 'pipe', 'pipe'] });
  const waiting: Array<(l: string) => void> = [];
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => { stderr += d; });
  if (child.stdout) createInterface({ input: child.stdout }).on('line', (l) => waiting.shift()?.(l));
  const exited = new Promise<void>((resolve) => child.once('exit', () => {
    for (const w of waiting.splice(0)) w(JSON.stringify({ ok: false, error: `client exited: ${stderr.trim()}` }));
    resolve();
  }));
  return {
    request(line: string): Promise<string> {
      return new Promise((resolve) => {
        waiting.push(resolve);
        child.stdin?.write(`${line}\n`);
      });
    },
    async close(): Promise<void> {
      child.stdin?.end();
      const timer = setTimeout(() => child.kill('SIGKILL'), 3000 * patience());
      await exited;
      clearTimeout(timer);
    },
  };
}
