/**
 * Boots the microVM under QEMU and waits for its job. The guest has no network device
 * (`-nic none`): only three virtio-9p shares and a serial console, so nothing it does can reach
 * the host's network. A guest that does not finish in time is killed, with the reason.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { join } from 'node:path';
import { LabError } from '../host.js';
import type { GuestKernel } from './kernel.js';
import { JOB_STATUS, MARK, SHARE } from './initramfs.js';

export interface BootOptions {
  readonly kernel: GuestKernel;
  /** Host directory shared read-write as the guest's results directory (holds the job script). */
  readonly outDir: string;
  readonly memoryMb?: number;
  readonly cpus?: number;
  readonly timeoutMs: number;
  /** The emulator binary (tests stand in a script). */
  readonly qemu?: string;
  /** Each serial-console line, as it arrives (kernel noise filtered). */
  readonly onLine?: (line: string) => void;
}

export interface BootResult {
  /** The job script's exit status. */
  readonly status: number;
  /** Seconds from power-on to the job's start, as the guest measured it. */
  readonly bootSeconds: number | null;
  readonly elapsedMs: number;
  readonly console: readonly string[];
}

export const QEMU = 'qemu-system-x86_64';

function share(path: string, tag: string, readonly: boolean): string[] {
  return ['-virtfs', `local,path=${path},mount_tag=${tag},security_model=none${readonly ? ',readonly=on' : ''},multidevs=remap`];
}

/** QEMU's command line. TCG: it works everywhere; KVM is not assumed. */
export function qemuArgs(o: Pick<BootOptions, 'kernel' | 'outDir' | 'memoryMb' | 'cpus'>): string[] {
  return [
    '-M', 'pc', '-cpu', 'max', '-accel', 'tcg',
    '-m', String(o.memoryMb ?? 1024), '-smp', String(o.cpus ?? 1),
    '-nographic', '-no-reboot', '-nic', 'none', '-nodefaults', '-serial', 'stdio', '-monitor', 'none',
    '-kernel', o.kernel.vmlinuz, '-initrd', o.kernel.initramfs,
    '-append', 'console=ttyS0 quiet loglevel=1 panic=-1 mitigations=off',
    ...share('/', SHARE.root, true),
    ...share(o.kernel.moduleDir, SHARE.modules, true),
    ...share(o.outDir, SHARE.out, false),
  ];
}

/** A console line worth showing: not firmware escape codes or kernel log noise. */
export function consoleLine(raw: string): string | null {
  // A terminal reset (ESC c) starts the screen afresh: SeaBIOS's "Booting from ROM.." has no line
  // end, so the guest's first line follows it on the same line, after the reset the kernel sends.
  const reset = raw.lastIndexOf('\x1bc');
  // eslint-disable-next-line no-control-regex
  const l = (reset < 0 ? raw : raw.slice(reset + 2)).replace(/\x1b\[[0-9;?]*[a-zA-Z]|\r/g, '').trimEnd();
  if (l === '' || /^\[\s*\d+\.\d+\]/.test(l) || /^(SeaBIOS|Booting from|iPXE)/.test(l)) return null;
  return l;
}

const running = new Set<ReturnType<typeof spawn>>();
let exitHookInstalled = false;

/** No QEMU outlives lvscope, however it ends. */
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const c of running) {
      try { c.kill('SIGKILL'); } catch { /* gone */ }
    }
  });
}

export function bootGuest(o: BootOptions): Promise<BootResult> {
  installExitHook();
  const started = Date.now();
  const qemu = o.qemu ?? QEMU;
  const child = spawn(qemu, qemuArgs(o), { stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const lines: string[] = [];
  let bootSeconds: number | null = null;
  let failure: string | null = null;
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (d: string) => { stderr += d; });
  if (child.stdout) {
    createInterface({ input: child.stdout }).on('line', (raw) => {
      const l = consoleLine(raw);
      if (l === null) return;
      lines.push(l);
      if (lines.length > 400) lines.shift();
      if (l.startsWith(MARK.up)) bootSeconds = Number(/up ([\d.]+)/.exec(l)?.[1] ?? NaN);
      else if (l.startsWith(MARK.fail)) failure = l.slice(MARK.fail.length + 2);
      else if (!l.startsWith(MARK.exit)) o.onLine?.(l);
    });
  }
  return new Promise((resolve, reject) => {
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, o.timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      running.delete(child);
      const code = (e as NodeJS.ErrnoException).code;
      reject(new LabError(code === 'ENOENT' ? `the microVM needs ${qemu} (Debian package qemu-system-x86)` : `${qemu}: ${e.message}`));
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      const elapsedMs = Date.now() - started;
      const tail = lines.slice(-8).join('\n  ');
      if (timedOut) {
        reject(new LabError(`the microVM did not finish within ${Math.round(o.timeoutMs / 1000)} s and was killed${tail ? `; its console ended:\n  ${tail}` : ''}`));
        return;
      }
      if (failure !== null) {
        reject(new LabError(`the microVM could not start its job: ${failure}`));
        return;
      }
      const statusFile = join(o.outDir, JOB_STATUS);
      if (!existsSync(statusFile)) {
        const why = signal ? `killed by ${signal}` : `exit ${code}`;
        reject(new LabError(`the microVM stopped before its job ended (${qemu} ${why})${stderr.trim() ? `: ${stderr.trim()}` : ''}${tail ? `; console:\n  ${tail}` : ''}`));
        return;
      }
      const status = Number(readFileSync(statusFile, 'utf8').trim());
      resolve({ status: Number.isInteger(status) ? status : 1, bootSeconds, elapsedMs, console: lines });
    });
  });
}
