/**
 * Can this machine run the lab on a real IPVS kernel, and how? Used by `lab capture`'s choice of
 * backend and by tests that must say why they skip.
 */
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { hasIpvs, labUnavailable } from '../host.js';
import { packageRoot } from './backend.js';
import { cachedKernel, cacheRoot } from './kernel.js';
import { QEMU } from './qemu.js';

export type KernelLab = { readonly backend: 'host-ipvs' | 'microvm'; readonly why: null } | { readonly backend: null; readonly why: string };

function runs(cmd: string, args: readonly string[]): boolean {
  try {
    execFileSync(cmd, args, { stdio: 'ignore', timeout: 20_000 });
    return true;
  } catch {
    return false;
  }
}

/** Why the microVM cannot run here, or null. */
export function microVmUnavailable(env: NodeJS.ProcessEnv = process.env): string | null {
  const lab = labUnavailable();
  if (lab) return lab;
  if (!runs(QEMU, ['--version'])) return `${QEMU} is not installed (Debian package qemu-system-x86)`;
  if (!['/bin/busybox', '/usr/bin/busybox'].some((p) => existsSync(p))) return 'busybox is not installed (Debian package busybox-static)';
  if (!runs('depmod', ['--version'])) return 'depmod is not installed (Debian package kmod)';
  if (cachedKernel(cacheRoot(env)) === null && !runs('apt-cache', ['show', 'linux-image-amd64'])) {
    return 'no cached kernel and apt cannot fetch linux-image-amd64 (no apt, or apt-get update not run)';
  }
  try {
    if (!existsSync(join(packageRoot(), 'dist', 'cli', 'main.js'))) return 'dist/ is not built (npm run build): the microVM runs the built lvscope';
  } catch (e) {
    return (e as Error).message;
  }
  return null;
}

/** host-ipvs when this kernel has IPVS, else microvm when it can boot, else why neither. */
export function kernelLab(env: NodeJS.ProcessEnv = process.env): KernelLab {
  const lab = labUnavailable();
  if (lab) return { backend: null, why: lab };
  if (hasIpvs()) return { backend: 'host-ipvs', why: null };
  const vm = microVmUnavailable(env);
  return vm === null ? { backend: 'microvm', why: null } : { backend: null, why: `this kernel has no IPVS, and the microVM cannot run: ${vm}` };
}
