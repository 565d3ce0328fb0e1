/**
 * The microVM's initramfs: a static busybox and the few modules it takes to mount 9p shares
 * and an overlay. The guest mounts the host's root read-only (so node, ipvsadm, tcpdump and this
 * checkout are there), puts a tmpfs over it, mounts the downloaded kernel's modules from a second
 * share and a writable third share for results, then runs the job script in a chroot.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { cpioNewc, type CpioEntry } from './cpio.js';

/** 9p mount tags the guest looks for. */
export const SHARE = { root: 'hostroot', modules: 'modules', out: 'out' } as const;
/** Where the writable share appears inside the guest's chroot. */
export const GUEST_OUT = '/lvscope-out';
/** The job script on the writable share; the guest runs it and writes its status beside it. */
export const JOB_SCRIPT = 'job.sh';
export const JOB_STATUS = 'job.status';
/** Serial-console markers, so the host can tell a boot problem from a job's failure. */
export const MARK = { up: 'lvscope-vm: up', exit: 'lvscope-vm: exit', fail: 'lvscope-vm: failed' } as const;

/** Modules to insmod, in dependency order, relative to lib/modules/VERSION/kernel. */
export const INITRAMFS_MODULES: readonly string[] = [
  'drivers/virtio/virtio_ring.ko',
  'drivers/virtio/virtio.ko',
  'drivers/virtio/virtio_pci_modern_dev.ko',
  'drivers/virtio/virtio_pci_legacy_dev.ko',
  'drivers/virtio/virtio_pci.ko',
  'fs/netfs/netfs.ko',
  'fs/fscache/fscache.ko',
  'net/9p/9pnet.ko',
  'net/9p/9pnet_virtio.ko',
  'fs/9p/9p.ko',
  'fs/overlayfs/overlay.ko',
];

function baseName(path: string): string {
  return path.slice(path.lastIndexOf('/') + 1);
}

/**
 * /init. Every failure prints a `lvscope-vm: failed` line and powers off, so a broken boot ends
 * at once with its reason instead of hanging until the host's timeout.
 */
export function initScript(modules: readonly string[] = INITRAMFS_MODULES): string {
  const opts = 'trans=virtio,version=9p2000.L,msize=262144,cache=none';
  return `#!/bin/busybox sh
/bin/busybox --install -s /bin
export PATH=/bin
fail() { echo "${MARK.fail}: $*"; poweroff -f; }
mount -t proc proc /proc
mount -t sysfs sys /sys
mount -t devtmpfs dev /dev
for m in ${modules.map(baseName).join(' ')}; do insmod /modules/$m || fail "insmod $m"; done
mount -t 9p -o ${opts},ro ${SHARE.root} /lower || fail "mount the host root (9p ${SHARE.root})"
mount -t tmpfs -o size=75% tmpfs /upper || fail "tmpfs"
mkdir -p /upper/u /upper/w
mount -t overlay -o lowerdir=/lower,upperdir=/upper/u,workdir=/upper/w overlay /newroot || fail "overlay"
R=$(uname -r)
mkdir -p /newroot/lib/modules/$R /newroot${GUEST_OUT}
mount -t 9p -o ${opts},ro ${SHARE.modules} /newroot/lib/modules/$R || fail "mount the modules (9p ${SHARE.modules})"
mount -t 9p -o ${opts},rw ${SHARE.out} /newroot${GUEST_OUT} || fail "mount the results share (9p ${SHARE.out})"
mount -t proc proc /newroot/proc
mount -t sysfs sys /newroot/sys
mount -t devtmpfs dev /newroot/dev
mkdir -p /newroot/dev/pts /newroot/dev/shm
mount -t devpts devpts /newroot/dev/pts
mount -t tmpfs tmpfs /newroot/dev/shm
mount -t tmpfs tmpfs /newroot/run
mkdir -p /newroot/run/netns
# /tmp stays the host's, through the overlay (writes land in the tmpfs upper): a checkout that
# lives under /tmp (CI clones there) must be visible to the chroot to run lvscope.
# The kernel loads modules on demand (rtnl-link-veth, nft_nat, ip_vs_wlc…) with the modprobe at
# this path, run outside the chroot: point it into the chroot, where modprobe and the modules are.
echo /bin/modprobe-chroot > /proc/sys/kernel/modprobe
echo "${MARK.up} $(cut -d' ' -f1 /proc/uptime) s $R"
chroot /newroot /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb LVSCOPE_IN_VM=1 /bin/sh ${GUEST_OUT}/${JOB_SCRIPT}
s=$?
echo $s > /newroot${GUEST_OUT}/${JOB_STATUS}
sync
echo "${MARK.exit} $s"
poweroff -f
`;
}

const MODPROBE_CHROOT = '#!/bin/busybox sh\nexec /bin/busybox chroot /newroot /sbin/modprobe "$@"\n';

/** Changes whenever the initramfs's own scripts or module list change, so a cached one is rebuilt. */
export function initramfsVersion(): string {
  return createHash('sha256').update(initScript()).update(MODPROBE_CHROOT).update(INITRAMFS_MODULES.join(',')).digest('hex').slice(0, 12);
}

/** The gzip'd newc initramfs, with busybox and the modules from `moduleDir` (lib/modules/VERSION). */
export function buildInitramfs(busybox: string, moduleDir: string): Buffer {
  const entries: CpioEntry[] = ['bin', 'dev', 'proc', 'sys', 'lower', 'upper', 'newroot', 'modules']
    .map((d) => ({ path: d, kind: 'dir' as const, mode: 0o755 }));
  entries.push({ path: 'bin/busybox', kind: 'file', mode: 0o755, data: readFileSync(busybox) });
  for (const m of INITRAMFS_MODULES) {
    entries.push({ path: `modules/${baseName(m)}`, kind: 'file', mode: 0o644, data: readFileSync(join(moduleDir, 'kernel', m)) });
  }
  entries.push({ path: 'init', kind: 'file', mode: 0o755, data: initScript() });
  entries.push({ path: 'bin/modprobe-chroot', kind: 'file', mode: 0o755, data: MODPROBE_CHROOT });
  return gzipSync(cpioNewc(entries), { level: 1 });
}
