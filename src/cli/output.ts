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

  private readonly target: { fd: number } | { stream: NodeJS.WritableStream };
  private readonly limit: number;

  /** `fd` for real stdout; `stream` for tests and in-process callers. */
  constructor(target: { fd: number } | { stream: NodeJS.WritableStream }, limit = 1 << 16) {
    this.target = target;
    this.limit = limit;
  }

  get broken(): boolean {
    return this.closed;
  }

  line(text: string): void {
    if (this.closed) return;
    this.parts.push(text);
    this.size += text.length + 1;
    if (this.size >= this.limit) this.flush();
  }

  flush(): void {
    if (this.parts.length === 0 || this.closed) return;
    const text = this.parts.join('\n') + '\n';
    this.parts = [];
    this.size = 0;
    if ('stream' in this.target) {
      this.target.stream.write(text);
      return;
    }
    const bytes = Buffer.from(text);
    let off = 0;
    while (off < bytes.length) {
      try {
        off += writeSync(this.target.fd, bytes, off, bytes.length - off);
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
