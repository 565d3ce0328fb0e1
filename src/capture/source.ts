/**
 * A forward-only byte window over a file descriptor or an in-memory array.
 *
 * Parsers ask for `ensure(n)` bytes at `start`; the window is refilled with fs.readSync into one
 * reusable buffer (grown only when a single record is larger than it), so files larger than memory
 * and pipes work and the per-record path allocates nothing. After ensure() the buffer may have been
 * replaced: read `buf`/`view` again.
 */
import { readSync } from 'node:fs';
import { checksumBuffer } from '../wire/checksum-wasm.js';
import { CaptureFormatError, systemErrorWords } from './errors.js';

export const DEFAULT_CHUNK_SIZE = 4 * 1024 * 1024;

export class ChunkSource {
  buf: Uint8Array;
  view: DataView;
  /** First unconsumed byte in buf. */
  start = 0;
  /** End of valid bytes in buf. */
  end = 0;
  /** File offset of buf[0]. */
  base = 0;
  /** The underlying file has no more bytes. */
  eof = false;
  private readonly fd: number;
  private readonly chunkSize: number;
  private readonly file: string;

  private constructor(file: string, fd: number, buf: Uint8Array, end: number, chunkSize: number) {
    this.file = file;
    this.fd = fd;
    this.buf = buf;
    this.end = end;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
    this.chunkSize = chunkSize;
    this.eof = fd < 0;
  }

  /** `file` names the input in read-error messages. */
  static fromFd(file: string, fd: number, chunkSize: number = DEFAULT_CHUNK_SIZE): ChunkSource {
    const size = Math.max(16, Math.floor(chunkSize));
    // Inside a WebAssembly.Memory, so the decoder's checksums run as SIMD over the frames in place.
    return new ChunkSource(file, fd, checksumBuffer(size), 0, size);
  }

  static fromBytes(file: string, bytes: Uint8Array): ChunkSource {
    return new ChunkSource(file, -1, bytes, bytes.length, Math.max(bytes.length, 16));
  }

  /** File offset of buf[start]. */
  get position(): number {
    return this.base + this.start;
  }

  /** Bytes available at start without reading. */
  get available(): number {
    return this.end - this.start;
  }

  /** Makes n bytes available at start; false when the input ends first (what is left stays available). */
  ensure(n: number): boolean {
    return this.end - this.start >= n || this.fill(n);
  }

  private fill(n: number): boolean {
    if (this.eof) return false;
    if (this.start > 0) {
      this.buf.copyWithin(0, this.start, this.end);
      this.base += this.start;
      this.end -= this.start;
      this.start = 0;
    }
    if (n > this.buf.length) {
      // Grow to a whole number of chunks, so small test chunk sizes still split records at odd places.
      // A new Memory rather than memory.grow(), which would detach the buffer under live views.
      const grown = checksumBuffer(Math.ceil(n / this.chunkSize) * this.chunkSize);
      grown.set(this.buf.subarray(0, this.end));
      this.buf = grown;
      this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
    }
    while (this.end < n) {
      let got: number;
      try {
        got = readRetrying(this.fd, this.buf, this.end, this.buf.length - this.end);
      } catch (err) {
        throw new CaptureFormatError(this.file, this.base + this.end, `cannot read: ${systemErrorWords(err)}`, { cause: err });
      }
      if (got === 0) {
        this.eof = true;
        return false;
      }
      this.end += got;
    }
    return true;
  }

  /**
   * Consumes n bytes without keeping them (blocks nobody needs, of any size); false when the input
   * ends first, with everything up to the end consumed.
   */
  skip(n: number): boolean {
    let left = n;
    for (;;) {
      const have = this.end - this.start;
      if (have >= left) {
        this.start += left;
        return true;
      }
      left -= have;
      this.start = this.end;
      if (!this.fill(Math.min(left, this.buf.length))) {
        this.start = this.end;
        return false;
      }
    }
  }
}

const sleepCell = new Int32Array(new SharedArrayBuffer(4));

/**
 * Bytes already taken from standard input to look at its first bytes (capture/input.ts), given
 * back before anything more is read from it. Standard input is one per process, so is this.
 */
let stdinHead: Uint8Array | null = null;

export function unreadStdin(bytes: Uint8Array): void {
  stdinHead = stdinHead === null ? bytes : Buffer.concat([bytes, stdinHead]);
}

/** readSync that waits out EAGAIN: standard input may be a non-blocking pipe. */
export function readRetrying(fd: number, buf: Uint8Array, offset: number, length: number): number {
  if (fd === 0 && stdinHead !== null && length > 0) {
    const n = Math.min(length, stdinHead.length);
    buf.set(stdinHead.subarray(0, n), offset);
    stdinHead = n === stdinHead.length ? null : stdinHead.subarray(n);
    return n;
  }
  for (;;) {
    try {
      return readSync(fd, buf, offset, length, null);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN') {
        Atomics.wait(sleepCell, 0, 0, 2);
        continue;
      }
      if (code === 'EOF') return 0;
      throw err;
    }
  }
}
