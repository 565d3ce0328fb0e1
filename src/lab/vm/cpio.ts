/**
 * A `cpio -H newc` archive writer: enough for an initramfs (directories, regular files,
 * symlinks), so building one needs no cpio binary and tests can check the bytes.
 */

export interface CpioEntry {
  /** Path inside the archive, without a leading slash. */
  readonly path: string;
  readonly kind: 'dir' | 'file' | 'symlink';
  /** Permission bits (0o755, …). */
  readonly mode: number;
  /** File contents, or the link target for a symlink. */
  readonly data?: Uint8Array | string;
}

const TYPE_BITS = { dir: 0o040000, file: 0o100000, symlink: 0o120000 } as const;
const TRAILER = 'TRAILER!!!';

function hex8(n: number): string {
  return (n >>> 0).toString(16).padStart(8, '0');
}

function pad4(n: number): number {
  return (4 - (n % 4)) % 4;
}

/** The newc archive of `entries`, in order, ending with the trailer record. */
export function cpioNewc(entries: readonly CpioEntry[]): Buffer {
  const parts: Buffer[] = [];
  let ino = 1;
  const record = (path: string, mode: number, data: Buffer, nlink: number): void => {
    const name = Buffer.from(`${path}\0`, 'utf8');
    const header = '070701' + [
      ino++, mode, 0, 0, nlink, 0, data.length, 0, 0, 0, 0, name.length, 0,
    ].map(hex8).join('');
    parts.push(Buffer.from(header, 'ascii'), name, Buffer.alloc(pad4(110 + name.length)), data, Buffer.alloc(pad4(data.length)));
  };
  for (const e of entries) {
    const data = e.kind === 'dir' ? Buffer.alloc(0)
      : typeof e.data === 'string' ? Buffer.from(e.data, 'utf8') : Buffer.from(e.data ?? new Uint8Array(0));
    record(e.path.replace(/^\/+/, ''), TYPE_BITS[e.kind] | (e.mode & 0o7777), data, e.kind === 'dir' ? 2 : 1);
  }
  ino = 0;
  record(TRAILER, 0, Buffer.alloc(0), 1);
  return Buffer.concat(parts);
}
