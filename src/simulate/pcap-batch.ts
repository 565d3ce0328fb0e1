/** Classic pcap output for synth: records written straight into 1 MiB chunks handed to the sink whole. */
import type { ByteSink } from '../capture/index.js';

export class PcapBatch {
  readonly buf = new Uint8Array(1 << 20);
  private readonly view = new DataView(this.buf.buffer);
  used = 0;
  private readonly sink: ByteSink;

  constructor(sink: ByteSink) {
    this.sink = sink;
  }

  /** Room for a record of `n` bytes (header included); returns where it starts. */
  reserve(n: number): number {
    if (this.used + n > this.buf.length) this.flush();
    return this.used;
  }

  header(at: number, sec: number, nsec: number, len: number): void {
    const v = this.view;
    v.setUint32(at, sec, true);
    v.setUint32(at + 4, nsec, true);
    v.setUint32(at + 8, len, true);
    v.setUint32(at + 12, len, true);
  }

  /** A frame built elsewhere (the full simulation's). */
  write(data: Uint8Array, sec: number, nsec: number): void {
    const at = this.reserve(16 + data.length);
    this.header(at, sec, nsec, data.length);
    this.buf.set(data, at + 16);
    this.used = at + 16 + data.length;
  }

  flush(): void {
    if (this.used === 0) return;
    this.sink.write(this.buf.subarray(0, this.used));
    this.used = 0;
  }
}
