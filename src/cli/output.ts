/**
 * Buffered synchronous output for commands that print a line per frame: one write(2) per
 * 64 KiB instead of per line is most of the difference between 100k and 1M lines/s.
 * EPIPE (`lvscope decode … | head`) ends output quietly; EAGAIN on a non-blocking pipe is retried.
 */
import { writeSync } from 'node:fs';
import type { ByteSink } from '../present/byte-sink.js';

export class LineWriter implements ByteSink {
  /** Lines are encoded straight into this buffer (no join, no second copy); see ByteSink. */
  bytes: Buffer;
  at = 0;
  private closed = false;

  private readonly target: { fd: number } | { stream: NodeJS.WritableStream };

  /** `fd` for real stdout; `stream` for tests and in-process callers (given the text the fd would get). */
  constructor(target: { fd: number } | { stream: NodeJS.WritableStream }, limit = 1 << 16) {
    this.target = target;
    this.bytes = Buffer.allocUnsafe(limit);
  }

  get broken(): boolean {
    return this.closed;
  }

  line(text: string): void {
    if (this.closed) return;
    // UTF-8 needs at most 3 bytes per UTF-16 unit.
    this.room(text.length * 3 + 1);
    this.at += this.bytes.write(text, this.at);
    this.bytes[this.at++] = 0x0a;
  }

  room(n: number): void {
    if (this.at + n <= this.bytes.length) return;
    this.flush();
    if (n > this.bytes.length) this.bytes = Buffer.allocUnsafe(n);
  }

  flush(): void {
    const end = this.at;
    this.at = 0;
    if (this.closed || end === 0) return;
    const bytes = this.bytes;
    if ('stream' in this.target) {
      // Whole lines or rows only (see room): no character is cut in two.
      this.target.stream.write(bytes.toString('utf8', 0, end));
      return;
    }
    let off = 0;
    while (off < end) {
      try {
        off += writeSync(this.target.fd, bytes, off, end - off);
      } catch (e) {
        const code = (e as NodeJS.ErrnoException).code;
        if (code === 'EAGAIN') continue;
        if (code === 'EPIPE') { this.closed = true; return; }
        throw e;
      }
    }
  }
}

/** Real process stdout goes through fd 1; anything else (tests) through its stream API. */
export function lineWriterFor(stream: NodeJS.WritableStream): LineWriter {
  return stream === process.stdout ? new LineWriter({ fd: 1 }) : new LineWriter({ stream });
}
