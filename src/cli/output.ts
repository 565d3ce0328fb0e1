/**
 * Buffered synchronous output for commands that print a line per frame: one write(2) per
 * 64 KiB instead of per line is most of the difference between 100k and 1M lines/s.
 * EPIPE (`lvscope decode … | head`) ends output quietly; EAGAIN on a non-blocking pipe is retried.
 */
import { writeSync } from 'node:fs';

export class LineWriter {
  private parts: string[] = [];
  private size = 0;
  private closed = false;
  /** fd output: lines are encoded straight into this buffer (no join, no second copy). */
  private bytes: Buffer | null = null;
  private used = 0;

  private readonly target: { fd: number } | { stream: NodeJS.WritableStream };
  private readonly limit: number;

  /** `fd` for real stdout; `stream` for tests and in-process callers. */
  constructor(target: { fd: number } | { stream: NodeJS.WritableStream }, limit = 1 << 16) {
    this.target = target;
    this.limit = limit;
    if ('fd' in target) this.bytes = Buffer.allocUnsafe(limit);
  }

  get broken(): boolean {
    return this.closed;
  }

  line(text: string): void {
    if (this.closed) return;
    if (this.bytes !== null) {
      // UTF-8 needs at most 3 bytes per UTF-16 unit; a line that might not fit goes after a flush.
      if (this.used + text.length * 3 + 1 > this.bytes.length) {
        this.flush();
        if (text.length * 3 + 1 > this.bytes.length) this.bytes = Buffer.allocUnsafe(text.length * 3 + 1);
      }
      this.used += this.bytes.write(text, this.used);
      this.bytes[this.used++] = 0x0a;
      return;
    }
    this.parts.push(text);
    this.size += text.length + 1;
    if (this.size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.closed) return;
    if ('stream' in this.target) {
      if (this.parts.length === 0) return;
      const text = this.parts.join('\n') + '\n';
      this.parts = [];
      this.size = 0;
      this.target.stream.write(text);
      return;
    }
    const bytes = this.bytes;
    if (bytes === null || this.used === 0) return;
    const end = this.used;
    this.used = 0;
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
