/** Byte sinks for the writers: a buffered file (or stdout) and a growable memory buffer. */
import { closeSync, openSync, writeSync } from 'node:fs';
import type { ByteSink } from './types.js';
import { systemErrorWords } from './errors.js';

export type { ByteSink } from './types.js';

const FILE_BUFFER = 1024 * 1024;
const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Writes to path through a 1 MiB buffer with fs.writeSync; '-' is standard output. Refuses to
 * replace an existing file unless overwrite is set, so a capture is never lost by a typo.
 */
export function fileSink(path: string, opts: { overwrite?: boolean } = {}): ByteSink {
  let fd: number;
  if (path === '-') {
    fd = 1;
  } else {
    try {
      fd = openSync(path, opts.overwrite === true ? 'w' : 'wx');
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'EEXIST') {
        throw new Error(`${path}: file exists; refusing to overwrite it (pass overwrite: true, e.g. --force)`, { cause: err });
      }
      throw new Error(`${path}: cannot create: ${systemErrorWords(e)}`, { cause: err });
    }
  }
  return new FileSink(path, fd);
}

class FileSink implements ByteSink {
  private readonly buf = new Uint8Array(FILE_BUFFER);
  private used = 0;
  private fd: number;
  private readonly path: string;

  constructor(path: string, fd: number) {
    this.path = path;
    this.fd = fd;
  }

  write(bytes: Uint8Array): void {
    if (this.fd < 0) throw new Error(`${this.path}: write after close`);
    if (this.used + bytes.length > this.buf.length) {
      this.flush();
      if (bytes.length >= this.buf.length) {
        this.writeAll(bytes);
        return;
      }
    }
    this.buf.set(bytes, this.used);
    this.used += bytes.length;
  }

  close(): void {
    if (this.fd < 0) return;
    try {
      this.flush();
    } finally {
      const fd = this.fd;
      this.fd = -1;
      if (fd !== 1) closeSync(fd);
    }
  }

  private flush(): void {
    if (this.used === 0) return;
    this.writeAll(this.buf.subarray(0, this.used));
    this.used = 0;
  }

  private writeAll(bytes: Uint8Array): void {
    let done = 0;
    while (done < bytes.length) {
      try {
        done += writeSync(this.fd, bytes, done, bytes.length - done);
      } catch (err) {
        // Standard output may be a non-blocking pipe: wait for the reader instead of failing.
        if ((err as NodeJS.ErrnoException).code === 'EAGAIN') {
          Atomics.wait(sleepCell, 0, 0, 2);
          continue;
        }
        if ((err as NodeJS.ErrnoException).code === 'EPIPE') throw new OutputClosedError(this.path);
        throw new Error(`${this.path}: write failed: ${systemErrorWords(err)}`, { cause: err });
      }
    }
  }
}

/**
 * The reader of standard output went away (`lvscope synth -w - | head -c 100`): not a failure,
 * the command ends quietly with status 0 as tcpdump and cat do.
 */
export class OutputClosedError extends Error {
  override readonly name = 'OutputClosedError';
  constructor(path: string) {
    super(`${path}: the reader closed the pipe`);
  }
}

/** Collects written bytes in memory; bytes() returns what was written so far. */
export function memorySink(): ByteSink & { bytes(): Uint8Array } {
  let buf = new Uint8Array(64 * 1024);
  let used = 0;
  return {
    write(bytes: Uint8Array): void {
      if (used + bytes.length > buf.length) {
        const grown = new Uint8Array(Math.max(buf.length * 2, used + bytes.length));
        grown.set(buf.subarray(0, used));
        buf = grown;
      }
      buf.set(bytes, used);
      used += bytes.length;
    },
    close(): void {},
    bytes(): Uint8Array {
      return buf.slice(0, used);
    },
  };
}
