/**
 * `lab capture` in the microVM: the guest runs this same lvscope with `--backend host-ipvs`
 * (the namespace and ipvsadm code a host with IPVS runs), writing its capture and truth to the
 * writable share; the host then moves them where the user asked.
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LabError } from '../host.js';
import { GUEST_OUT, JOB_SCRIPT } from './initramfs.js';
import { ensureKernel, type GuestKernel } from './kernel.js';
import { bootGuest, type BootResult } from './qemu.js';

/** The package root (holds package.json and bin/lvscope), from this module's own path. */
export function packageRoot(from: string = fileURLToPath(import.meta.url)): string {
  let dir = dirname(from);
  for (;;) {
    if (existsSync(join(dir, 'package.json')) && existsSync(join(dir, 'bin', 'lvscope'))) return dir;
    const up = dirname(dir);
    if (up === dir) throw new LabError('cannot find the lvscope package root (bin/lvscope) from the running code');
    dir = up;
  }
}

/** Single-quoted for sh. */
export function shQuote(s: string): string {
  return `'${s.replace(/'/g, `'\\''`)}'`;
}

export interface GuestRun {
  readonly boot: BootResult;
  readonly kernel: GuestKernel;
  /** The job's stdout (written to the share). */
  readonly stdout: string;
  /** The host directory the guest wrote to; removed by the caller. */
  readonly outDir: string;
}

export interface GuestOptions {
  readonly env: NodeJS.ProcessEnv;
  readonly progress: (m: string) => void;
  /** Console lines of the guest, as they come (its progress). */
  readonly onLine?: (l: string) => void;
  readonly timeoutMs: number;
  readonly kernelDeb?: string;
}

/**
 * Boots the microVM once and runs `commands` (sh lines) in it, in order; their stdout goes to the
 * share's `stdout` file. Every command sees the host's files read-only and GUEST_OUT writable.
 */
export async function runInGuest(commands: readonly string[], o: GuestOptions): Promise<GuestRun> {
  const kernel = ensureKernel(o.env, o.progress, o.kernelDeb);
  const outDir = mkdtempSync(join(tmpdir(), 'lvscope-vm-'));
  const script = [
    'set -e',
    `exec > ${GUEST_OUT}/stdout`,
    'modprobe ip_vs',
    ...commands,
  ].join('\n');
  writeFileSync(join(outDir, JOB_SCRIPT), `${script}\n`);
  o.progress(`booting kernel ${kernel.version} in a microVM (QEMU, no network device)`);
  try {
    const boot = await bootGuest({ kernel, outDir, timeoutMs: o.timeoutMs, ...(o.onLine ? { onLine: o.onLine } : {}) });
    const stdoutFile = join(outDir, 'stdout');
    const stdout = existsSync(stdoutFile) ? readFileSync(stdoutFile, 'utf8') : '';
    return { boot, kernel, stdout, outDir };
  } catch (e) {
    rmSync(outDir, { recursive: true, force: true });
    throw e;
  }
}

/** The guest's lvscope command line: `node …/bin/lvscope ARGS`. */
export function guestLvscope(args: readonly string[], root: string = packageRoot()): string {
  if (!existsSync(join(root, 'dist', 'cli', 'main.js'))) {
    throw new LabError(`${root}/dist is missing: run npm run build first (the microVM runs the built lvscope)`);
  }
  return [process.execPath, join(root, 'bin', 'lvscope'), ...args].map(shQuote).join(' ');
}

export interface VmCapture {
  readonly exitStatus: number;
  readonly stdout: string;
  readonly boot: BootResult;
  readonly kernel: GuestKernel;
}

/**
 * `lab capture ARGS` in the guest. `args` must not hold -w/--truth: the guest writes to the
 * share, and the results move to `out` and `truth` afterwards.
 */
export async function captureInVm(args: readonly string[], out: string, truth: string | undefined, o: GuestOptions): Promise<VmCapture> {
  const guestOut = `${GUEST_OUT}/result`;
  const guestTruth = `${GUEST_OUT}/truth.json`;
  const line = guestLvscope(['lab', 'capture', ...args, '--backend', 'host-ipvs', '-w', guestOut, ...(truth ? ['--truth', guestTruth] : [])]);
  const run = await runInGuest([`${line} || echo $? > ${GUEST_OUT}/lab.status`], o);
  try {
    const statusFile = join(run.outDir, 'lab.status');
    const exitStatus = existsSync(statusFile) ? Number(readFileSync(statusFile, 'utf8').trim()) : run.boot.status;
    const result = join(run.outDir, 'result');
    if (existsSync(result)) {
      mkdirSync(dirname(resolve(out)), { recursive: true });
      cpSync(result, out, { recursive: true });
    }
    const guestTruthFile = join(run.outDir, 'truth.json');
    if (truth && existsSync(guestTruthFile)) {
      // The truth names its capture files by the guest's paths; give them the user's.
      const text = readFileSync(guestTruthFile, 'utf8').split(JSON.stringify(guestOut).slice(1, -1)).join(JSON.stringify(out).slice(1, -1));
      writeFileSync(truth, text);
    }
    const stdout = run.stdout.split(guestOut).join(out).split(guestTruth).join(truth ?? '');
    return { exitStatus, stdout, boot: run.boot, kernel: run.kernel };
  } finally {
    rmSync(run.outDir, { recursive: true, force: true });
  }
}
