/**
 * The kernel the microVM boots: a Debian `linux-image-*-amd64` package (it ships IPVS, every
 * scheduler, ipip, fou, ip_gre, veth and bridge as uncompressed modules), downloaded once with
 * `apt-get download`, unpacked with `dpkg-deb -x`, indexed with `depmod -b`, and kept with its
 * initramfs under the user's cache directory.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { LabError } from '../host.js';
import { buildInitramfs, INITRAMFS_MODULES, initramfsVersion } from './initramfs.js';

export interface GuestKernel {
  /** `uname -r` inside the guest, e.g. 6.1.0-57-amd64. */
  readonly version: string;
  /** The Debian package it came from, e.g. linux-image-6.1.0-57-amd64 6.1.192-3. */
  readonly source: string;
  readonly vmlinuz: string;
  /** lib/modules/VERSION, with modules.dep. */
  readonly moduleDir: string;
  readonly initramfs: string;
}

const META = 'kernel.json';
const BUSYBOX = ['/bin/busybox', '/usr/bin/busybox'];
/** Modules the lab's guest needs besides the initramfs's own. */
export const LAB_MODULES: readonly string[] = [
  'net/netfilter/ipvs/ip_vs.ko', 'net/netfilter/ipvs/ip_vs_rr.ko', 'net/ipv4/ipip.ko', 'net/ipv4/fou.ko',
  'net/ipv4/ip_gre.ko', 'drivers/net/veth.ko', 'net/bridge/bridge.ko',
];

export function cacheRoot(env: NodeJS.ProcessEnv = process.env): string {
  const xdg = env['XDG_CACHE_HOME'];
  return join(xdg && xdg !== '' ? xdg : join(env['HOME'] ?? homedir(), '.cache'), 'lvscope');
}

function sh(cmd: string, args: readonly string[], cwd?: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 64 << 20 });
  } catch (e) {
    const err = e as { stderr?: string; message?: string; code?: string };
    if (err.code === 'ENOENT') throw new LabError(`the microVM needs ${cmd}, which is not installed`);
    throw new LabError(`${cmd} ${args.join(' ')} failed: ${String(err.stderr ?? err.message).trim()}`);
  }
}

/** `linux-image-amd64`'s dependency: the versioned image package, e.g. linux-image-6.1.0-57-amd64. */
export function imagePackage(dependsOutput: string): string | null {
  const m = /Depends:\s*(linux-image-[0-9][^\s]*)/.exec(dependsOutput);
  return m ? (m[1] as string) : null;
}

/**
 * Module folders (under lib/modules/VERSION/kernel) a lab can need: networking, its libraries
 * and crypto, the virtio/9p/overlay stack, and the plain network devices (veth, dummy, tun).
 * The rest of a distribution kernel's tree (GPU, sound, wireless, Ethernet NICs: about 300 MB)
 * is not kept in the cache.
 */
export const KEPT_MODULE_DIRS: readonly string[] = [
  'net', 'lib', 'crypto', 'arch', 'mm', 'virt', 'fs/9p', 'fs/netfs', 'fs/fscache', 'fs/overlayfs', 'drivers/virtio', 'drivers/net',
];

/** Deletes what KEPT_MODULE_DIRS does not keep; of drivers/net only its top-level modules stay. */
export function pruneModules(moduleDir: string): void {
  const base = join(moduleDir, 'kernel');
  const keep = (rel: string): boolean => KEPT_MODULE_DIRS.some((k) => k === rel || k.startsWith(`${rel}/`) || rel.startsWith(`${k}/`));
  const walk = (rel: string): void => {
    for (const e of readdirSync(join(base, rel), { withFileTypes: true })) {
      const r = rel === '' ? e.name : `${rel}/${e.name}`;
      if (e.isDirectory() && rel === 'drivers/net') rmSync(join(base, r), { recursive: true, force: true });
      else if (!keep(r)) rmSync(join(base, r), { recursive: true, force: true });
      else if (e.isDirectory() && (!KEPT_MODULE_DIRS.includes(r) || r === 'drivers/net')) walk(r);
    }
  };
  walk('');
}

/** Why a module tree cannot serve the lab, or null. */
export function missingModules(moduleDir: string): string | null {
  const missing = [...INITRAMFS_MODULES, ...LAB_MODULES].filter((m) => !existsSync(join(moduleDir, 'kernel', m)));
  return missing.length > 0 ? `${moduleDir} lacks ${missing.join(', ')} (compressed or missing modules)` : null;
}

function findBusybox(): string {
  const b = BUSYBOX.find((p) => existsSync(p));
  if (!b) throw new LabError('the microVM needs a static busybox (Debian package busybox-static)');
  // A dynamically linked binary names its loader (/lib64/ld-linux-x86-64.so.2); the initramfs has none.
  if (readFileSync(b).includes('/ld-linux')) {
    throw new LabError(`${b} is not statically linked: install busybox-static`);
  }
  return b;
}

/** The initramfs for this lvscope's init script, built beside the kernel when missing. */
function ensureInitramfs(dir: string, moduleDir: string): string {
  const path = join(dir, `initramfs-${initramfsVersion()}.gz`);
  if (!existsSync(path)) {
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, buildInitramfs(findBusybox(), moduleDir));
    renameSync(tmp, path);
  }
  return path;
}

/** The cached kernel, if a complete one is there. */
export function cachedKernel(root: string): GuestKernel | null {
  const dir = join(root, 'kernel');
  if (!existsSync(dir)) return null;
  for (const name of readdirSync(dir).sort().reverse()) {
    const meta = join(dir, name, META);
    if (!existsSync(meta)) continue;
    try {
      const k = JSON.parse(readFileSync(meta, 'utf8')) as GuestKernel;
      if (![k.vmlinuz, k.moduleDir].every((p) => existsSync(p))) continue;
      return { ...k, initramfs: ensureInitramfs(join(dir, name), k.moduleDir) };
    } catch { /* a damaged entry is rebuilt */ }
  }
  return null;
}

/**
 * Unpacks a kernel image .deb into the cache and builds the initramfs. The entry appears only
 * once complete (built in a temporary directory, then renamed), so an interrupted run leaves
 * nothing half made behind.
 */
export function installKernelDeb(root: string, deb: string, progress: (m: string) => void): GuestKernel {
  const kdir = join(root, 'kernel');
  mkdirSync(kdir, { recursive: true });
  const tmp = mkdtempSync(join(kdir, '.unpack-'));
  try {
    progress(`unpacking ${deb}`);
    sh('dpkg-deb', ['-x', deb, tmp]);
    const info = sh('dpkg-deb', ['-f', deb, 'Package', 'Version']).trim().split('\n').map((l) => l.replace(/^[^:]+:\s*/, ''));
    const modulesBase = ['lib/modules', 'usr/lib/modules'].map((p) => join(tmp, p)).find((p) => existsSync(p));
    if (!modulesBase) throw new LabError(`${deb} has no lib/modules: not a kernel image package`);
    const version = readdirSync(modulesBase)[0];
    if (!version) throw new LabError(`${deb} has an empty lib/modules`);
    const vmlinuzTmp = join(tmp, 'boot', `vmlinuz-${version}`);
    if (!existsSync(vmlinuzTmp)) throw new LabError(`${deb} has no boot/vmlinuz-${version}`);
    const moduleTmp = join(modulesBase, version);
    const missing = missingModules(moduleTmp);
    if (missing) throw new LabError(`kernel ${version} cannot run the lab: ${missing}`);
    pruneModules(moduleTmp);
    progress(`depmod ${version}`);
    sh('depmod', ['-b', moduleTmp.slice(0, -`lib/modules/${version}`.length) || '/', version]);
    const final = join(kdir, version);
    rmSync(final, { recursive: true, force: true });
    renameSync(tmp, final);
    const rel = moduleTmp.slice(tmp.length);
    const kernel: GuestKernel = {
      version,
      source: `${info[0] ?? 'package'} ${info[1] ?? ''}`.trim(),
      vmlinuz: join(final, 'boot', `vmlinuz-${version}`),
      moduleDir: join(final, rel),
      initramfs: '',
    };
    writeFileSync(join(final, META), `${JSON.stringify(kernel, null, 2)}\n`);
    progress('building the initramfs');
    return { ...kernel, initramfs: ensureInitramfs(final, kernel.moduleDir) };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Downloads Debian's current amd64 kernel image with apt-get (no root needed for the download). */
export function downloadKernelDeb(root: string, progress: (m: string) => void): string {
  const pkg = imagePackage(sh('apt-cache', ['depends', 'linux-image-amd64']));
  if (!pkg) {
    throw new LabError('apt knows no linux-image-amd64 package: run apt-get update, or give a kernel package with --kernel-deb FILE');
  }
  const dl = join(root, 'download');
  mkdirSync(dl, { recursive: true });
  for (const f of readdirSync(dl)) rmSync(join(dl, f), { force: true });
  progress(`downloading ${pkg} (about 70 MB, once)`);
  sh('apt-get', ['download', '-q', pkg], dl);
  const deb = readdirSync(dl).find((f) => f.startsWith(`${pkg}_`) && f.endsWith('.deb'));
  if (!deb) throw new LabError(`apt-get download ${pkg} left no .deb in ${dl}`);
  return join(dl, deb);
}

/** The cached kernel, or a freshly downloaded (or given) one. */
export function ensureKernel(env: NodeJS.ProcessEnv, progress: (m: string) => void, deb?: string): GuestKernel {
  const root = cacheRoot(env);
  if (deb === undefined) {
    const cached = cachedKernel(root);
    if (cached) return cached;
  }
  const file = deb ?? downloadKernelDeb(root, progress);
  const kernel = installKernelDeb(root, file, progress);
  if (deb === undefined) rmSync(join(root, 'download'), { recursive: true, force: true });
  return kernel;
}
