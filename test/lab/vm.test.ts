/**
 * The microVM's plumbing, without QEMU: the initramfs archive, its init script, QEMU's command
 * line (no network device, read-only host), the kernel cache, the guest's arguments, and how a
 * guest that hangs or dies is reported. A stand-in script plays QEMU.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { guestArgs } from '../../src/lab/command.js';
import { LabError } from '../../src/lab/host.js';
import { parseIpvsadmLnc } from '../../src/lab/kernel-truth.js';
import { shQuote } from '../../src/lab/vm/backend.js';
import { cpioNewc } from '../../src/lab/vm/cpio.js';
import { GUEST_OUT, initScript, INITRAMFS_MODULES, JOB_SCRIPT, JOB_STATUS, MARK, SHARE } from '../../src/lab/vm/initramfs.js';
import { cachedKernel, imagePackage, pruneModules, type GuestKernel } from '../../src/lab/vm/kernel.js';
import { bootGuest, consoleLine, qemuArgs } from '../../src/lab/vm/qemu.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-vm-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const hasCpio = (() => {
  try {
    execFileSync('cpio', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const KERNEL: GuestKernel = {
  version: '6.1.0-57-amd64', source: 'linux-image-6.1.0-57-amd64 6.1.192-3',
  vmlinuz: '/cache/vmlinuz', moduleDir: '/cache/lib/modules/6.1.0-57-amd64', initramfs: '/cache/initramfs.gz',
};

/** The newc records: name, mode, data. */
function readNewc(buf: Buffer): { name: string; mode: number; data: string }[] {
  const out: { name: string; mode: number; data: string }[] = [];
  let o = 0;
  const pad = (n: number): number => (n + 3) & ~3;
  for (;;) {
    expect(buf.toString('ascii', o, o + 6)).toBe('070701');
    const field = (i: number): number => parseInt(buf.toString('ascii', o + 6 + i * 8, o + 14 + i * 8), 16);
    const mode = field(1);
    const size = field(6);
    const nameSize = field(11);
    const name = buf.toString('utf8', o + 110, o + 110 + nameSize - 1);
    const dataAt = pad(o + 110 + nameSize);
    out.push({ name, mode, data: buf.toString('utf8', dataAt, dataAt + size) });
    o = pad(dataAt + size);
    if (name === 'TRAILER!!!') break;
  }
  expect(o).toBe(buf.length);
  return out;
}

describe('initramfs', () => {
  const archive = cpioNewc([
    { path: 'bin', kind: 'dir', mode: 0o755 },
    { path: '/bin/hello', kind: 'file', mode: 0o755, data: 'hi\n' },
    { path: 'bin/sh', kind: 'symlink', mode: 0o777, data: 'busybox' },
    { path: 'odd', kind: 'file', mode: 0o644, data: new Uint8Array([1, 2, 3, 4, 5]) },
  ]);

  it('writes newc records, 4-byte aligned, ending with the trailer', () => {
    const recs = readNewc(archive);
    expect(recs.map((r) => [r.name, (r.mode & 0o170000).toString(8), (r.mode & 0o7777).toString(8)])).toEqual([
      ['bin', '40000', '755'], ['bin/hello', '100000', '755'], ['bin/sh', '120000', '777'], ['odd', '100000', '644'], ['TRAILER!!!', '0', '0'],
    ]);
    expect(recs[1]?.data).toBe('hi\n');
    expect(recs[2]?.data).toBe('busybox');
  });

  it.skipIf(!hasCpio)(`GNU cpio reads it${hasCpio ? '' : ' (skipped: cpio is not installed)'}`, () => {
    const listed = execFileSync('cpio', ['-it', '--quiet'], { input: archive, encoding: 'utf8' });
    expect(listed.trim().split('\n')).toEqual(['bin', 'bin/hello', 'bin/sh', 'odd']);
  });

  it('init loads the modules in dependency order and mounts the three shares', () => {
    const s = initScript();
    const loads = /for m in ([^;]+); do insmod/.exec(s)?.[1]?.split(' ') ?? [];
    expect(loads).toEqual(INITRAMFS_MODULES.map((m) => m.slice(m.lastIndexOf('/') + 1)));
    const at = (m: string): number => loads.indexOf(`${m}.ko`);
    for (const [before, after] of [['virtio_ring', 'virtio'], ['virtio', 'virtio_pci'], ['fscache', '9p'], ['9pnet', '9pnet_virtio'], ['9pnet_virtio', '9p'], ['netfs', 'fscache']] as const) {
      expect(at(before), `${before} before ${after}`).toBeLessThan(at(after));
    }
    expect(s).toMatch(new RegExp(`mount -t 9p -o \\S+,ro ${SHARE.root} /lower`));
    expect(s).toMatch(new RegExp(`mount -t 9p -o \\S+,ro ${SHARE.modules} `));
    expect(s).toMatch(new RegExp(`mount -t 9p -o \\S+,rw ${SHARE.out} /newroot${GUEST_OUT}`));
    expect(s).toContain(`/bin/sh ${GUEST_OUT}/${JOB_SCRIPT}`);
    expect(s).toContain(`> /newroot${GUEST_OUT}/${JOB_STATUS}`);
    // Every failure reports itself and powers off rather than leaving a shell waiting.
    expect(s.match(/\|\| fail /g)?.length).toBeGreaterThanOrEqual(5);
    expect(s).toContain(`fail() { echo "${MARK.fail}: $*"; poweroff -f; }`);
    expect(s.trimEnd().endsWith('poweroff -f')).toBe(true);
  });
});

describe('QEMU command line', () => {
  const args = qemuArgs({ kernel: KERNEL, outDir: '/tmp/out' });
  const virtfs = args.filter((_, i) => args[i - 1] === '-virtfs');

  it('gives the guest no network device', () => {
    expect(args.join(' ')).toContain('-nic none');
    expect(args).toContain('-nodefaults');
    expect(args.some((a) => /netdev|-net\b|user,|tap/.test(a))).toBe(false);
  });

  it('shares the host read-only, the modules read-only and only the results directory writable', () => {
    expect(virtfs).toHaveLength(3);
    expect(virtfs[0]).toMatch(/^local,path=\/,mount_tag=hostroot,.*readonly=on/);
    expect(virtfs[1]).toMatch(new RegExp(`^local,path=${KERNEL.moduleDir},mount_tag=modules,.*readonly=on`));
    expect(virtfs[2]).toMatch(/^local,path=\/tmp\/out,mount_tag=out,/);
    expect(virtfs[2]).not.toContain('readonly');
  });

  it('boots the cached kernel and initramfs on a serial console, and never reboots', () => {
    expect(args.slice(args.indexOf('-kernel'), args.indexOf('-kernel') + 4)).toEqual(['-kernel', KERNEL.vmlinuz, '-initrd', KERNEL.initramfs]);
    expect(args).toContain('-no-reboot');
    expect(args[args.indexOf('-append') + 1]).toMatch(/console=ttyS0.*panic=-1/);
  });

  it('keeps the guest lines and drops firmware escapes and kernel log lines', () => {
    expect(consoleLine('\x1bc\x1b[?7l\x1b[2Jlvscope-vm: up 3.2 s 6.1.0')).toBe('lvscope-vm: up 3.2 s 6.1.0');
    // QEMU 7.2's SeaBIOS ends "Booting from ROM.." with no line end: the guest's first line follows it.
    expect(consoleLine('Booting from ROM..\x1bc\x1b[?7l\x1b[2Jlvscope-vm: up 2.84 s 6.1.0-57-amd64')).toBe('lvscope-vm: up 2.84 s 6.1.0-57-amd64');
    expect(consoleLine('Booting from ROM..')).toBeNull();
    expect(consoleLine('[    6.630667] reboot: Power down')).toBeNull();
    expect(consoleLine('SeaBIOS (version 1.16.2)')).toBeNull();
    expect(consoleLine('lab: request 1/4\r')).toBe('lab: request 1/4');
  });
});

describe('a guest that misbehaves', () => {
  function fakeQemu(name: string, body: string): string {
    const p = join(dir, name);
    writeFileSync(p, `#!/bin/sh\n${body}\n`);
    chmodSync(p, 0o755);
    return p;
  }
  const outDir = (name: string): string => {
    const d = join(dir, name);
    mkdirSync(d, { recursive: true });
    return d;
  };

  it('a hung guest is killed at the timeout, with the console it left', async () => {
    const qemu = fakeQemu('hang.sh', `echo '${MARK.up} 3.1 s'; echo 'lab: configuring'; exec sleep 60`);
    const started = Date.now();
    const p = bootGuest({ kernel: KERNEL, outDir: outDir('hang'), timeoutMs: 1500, qemu });
    await expect(p).rejects.toThrow(/did not finish within 2 s and was killed; its console ended:\n {2}lvscope-vm: up 3.1 s\n {2}lab: configuring/);
    expect(Date.now() - started).toBeLessThan(20_000);
  });

  it('a boot failure names what failed', async () => {
    const qemu = fakeQemu('fail.sh', `echo '${MARK.fail}: mount the host root (9p hostroot)'`);
    await expect(bootGuest({ kernel: KERNEL, outDir: outDir('fail'), timeoutMs: 10_000, qemu }))
      .rejects.toThrow('the microVM could not start its job: mount the host root (9p hostroot)');
  });

  it('a guest that stops without a job status is an error, not a success', async () => {
    const qemu = fakeQemu('die.sh', 'echo "Kernel panic"; exit 1');
    const err = await bootGuest({ kernel: KERNEL, outDir: outDir('die'), timeoutMs: 10_000, qemu }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(LabError);
    expect(String(err)).toMatch(/stopped before its job ended \(.*exit 1\)/);
  });

  it('the job status and the boot time come back', async () => {
    const out = outDir('ok');
    const qemu = fakeQemu('ok.sh', `echo '${MARK.up} 4.25 s'; echo 'lab: hello'; echo 3 > ${out}/${JOB_STATUS}; echo '${MARK.exit} 3'`);
    const lines: string[] = [];
    const r = await bootGuest({ kernel: KERNEL, outDir: out, timeoutMs: 10_000, qemu, onLine: (l) => lines.push(l) });
    expect(r.status).toBe(3);
    expect(r.bootSeconds).toBe(4.25);
    expect(lines).toEqual(['lab: hello']);
  });

  it('a missing emulator is named with its package', async () => {
    await expect(bootGuest({ kernel: KERNEL, outDir: outDir('none'), timeoutMs: 10_000, qemu: join(dir, 'no-such-qemu') }))
      .rejects.toThrow(/needs .*no-such-qemu \(Debian package qemu-system-x86\)/);
  });
});

describe('kernel cache and guest arguments', () => {
  it('finds the versioned image package behind linux-image-amd64', () => {
    expect(imagePackage('linux-image-amd64\n  Depends: linux-image-6.1.0-57-amd64\n')).toBe('linux-image-6.1.0-57-amd64');
    expect(imagePackage('linux-image-amd64\n  Depends: <linux-image-6.1.0-57-amd64>\n')).toBeNull();
  });

  it('keeps only the modules a lab can need', () => {
    const mods = join(dir, 'prune', 'lib', 'modules', '6.1.0-x');
    const files = ['net/netfilter/ipvs/ip_vs.ko', 'fs/9p/9p.ko', 'fs/ext4/ext4.ko', 'drivers/net/veth.ko', 'drivers/net/ethernet/intel/e1000.ko',
      'drivers/virtio/virtio.ko', 'drivers/gpu/drm/drm.ko', 'sound/core/snd.ko', 'lib/libcrc32c.ko'];
    for (const f of files) {
      mkdirSync(join(mods, 'kernel', f, '..'), { recursive: true });
      writeFileSync(join(mods, 'kernel', f), '');
    }
    pruneModules(mods);
    expect(files.filter((f) => existsSync(join(mods, 'kernel', f)))).toEqual([
      'net/netfilter/ipvs/ip_vs.ko', 'fs/9p/9p.ko', 'drivers/net/veth.ko', 'drivers/virtio/virtio.ko', 'lib/libcrc32c.ko',
    ]);
  });

  it('ignores a cache entry that is incomplete or damaged', () => {
    const root = join(dir, 'cache');
    mkdirSync(join(root, 'kernel', 'broken'), { recursive: true });
    writeFileSync(join(root, 'kernel', 'broken', 'kernel.json'), '{not json');
    mkdirSync(join(root, 'kernel', 'partial'), { recursive: true });
    writeFileSync(join(root, 'kernel', 'partial', 'kernel.json'), JSON.stringify({ ...KERNEL, vmlinuz: join(root, 'missing') }));
    expect(cachedKernel(root)).toBeNull();
    expect(cachedKernel(join(dir, 'no-cache'))).toBeNull();
  });

  it('the guest gets the user\'s lab arguments without the host-only ones', () => {
    expect(guestArgs(['dr', '--requests', '6', '-w', 'out.pcap', '--truth=t.json', '--backend', 'microvm', '--kernel-deb', 'k.deb', '--vm-timeout', '90', '-q', '--capture-at', 'all']))
      .toEqual(['dr', '--requests', '6', '--capture-at', 'all']);
    expect(guestArgs(['nat', '-wout.pcap', '--quiet', '--hold'])).toEqual(['nat', '--hold']);
  });

  it('quotes guest command lines for sh', () => {
    expect(shQuote("it's")).toBe(`'it'\\''s'`);
    expect(execFileSync('sh', ['-c', `printf %s ${shQuote("a b'c $HOME")}`], { encoding: 'utf8' })).toBe("a b'c $HOME");
  });
});

describe('ipvsadm -Lnc', () => {
  it('parses connections and persistence templates', () => {
    const text = [
      'IPVS connection entries',
      'pro expire state       source             virtual            destination',
      'TCP 01:54  FIN_WAIT    172.16.0.100:48049 192.168.23.100:80  192.168.23.80:80',
      'TCP 14:59  ESTABLISHED 172.16.0.101:40000 192.168.23.100:80  192.168.23.81:80',
      'TCP 04:58  NONE        172.16.0.100:0     192.168.23.100:80  192.168.23.80:80',
      '',
    ].join('\n');
    expect(parseIpvsadmLnc(text)).toEqual([
      { protocol: 'tcp', expire: 114, state: 'FIN_WAIT', client: '172.16.0.100:48049', virtual: '192.168.23.100:80', realServer: '192.168.23.80:80', template: false },
      { protocol: 'tcp', expire: 899, state: 'ESTABLISHED', client: '172.16.0.101:40000', virtual: '192.168.23.100:80', realServer: '192.168.23.81:80', template: false },
      { protocol: 'tcp', expire: 298, state: 'NONE', client: '172.16.0.100:0', virtual: '192.168.23.100:80', realServer: '192.168.23.80:80', template: true },
    ]);
  });
});
