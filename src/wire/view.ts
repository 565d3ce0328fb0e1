/**
 * What every header view shares. Contract (smoltcp's, restated): a view's getters may only be
 * trusted after `check()` returned null; `check()` returns the reason the bytes cannot hold this
 * header. Views never allocate and never throw; they are re-pointed with `reset()` so the decoder
 * keeps one of each.
 */

/** Big-endian 32 bits at buf[off], unsigned. */
export function readU32(buf: Uint8Array, off: number): number {
  return ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>> 0;
}

const EMPTY = new Uint8Array(0);

export abstract class HeaderView {
  buf: Uint8Array = EMPTY;
  off = 0;
  /** Bytes captured from the start of this header. */
  len = 0;

  reset(buf: Uint8Array, off: number, len: number): this {
    this.buf = buf; this.off = off; this.len = len;
    return this;
  }

  /** Big-endian 16 bits at `at` bytes into the header. */
  protected u16(at: number): number { return (this.buf[this.off + at]! << 8) | this.buf[this.off + at + 1]!; }
  protected u32(at: number): number { return readU32(this.buf, this.off + at); }

  /** "`what` needs `need` bytes, N captured" when fewer were captured, else null. */
  protected tooShort(what: string, need: number): string | null {
    return this.len < need ? `${what} needs ${need} bytes, ${this.len} captured` : null;
  }
}
