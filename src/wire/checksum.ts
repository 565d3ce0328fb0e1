/**
 * The Internet checksum (RFC 1071) and the IPv4 pseudo-header, as one small module the decoder
 * (verify) and the emitter (fill) share, like smoltcp's `wire::ip::checksum`.
 */

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** 32-bit view of the last ArrayBuffer summed: capture chunks are long-lived, so it is rarely rebuilt. */
let wordsOf: ArrayBufferLike | null = null;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);

/**
 * One's-complement sum of buf[off..off+len) as big-endian 16-bit words, folded to 16 bits,
 * starting from `initial`.
 *
 * Checksum verification is most of the decoder's per-byte work, so long runs are summed as
 * aligned native 32-bit words (RFC 1071 section 2: the sum is independent of byte order up to a
 * final swap, and 65536 is 1 modulo 65535, so a 32-bit word adds what its two halves would).
 */
export function sum16(buf: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  const end = off + len;
  let i = off;
  if (len >= 64 && LITTLE_ENDIAN) {
    // Head bytes up to a 4-byte boundary of the underlying buffer, weighted by their parity.
    while (((buf.byteOffset + i) & 3) !== 0) {
      sum += (i - off) & 1 ? buf[i]! : buf[i]! << 8;
      i++;
    }
    if (wordsOf !== buf.buffer) {
      wordsOf = buf.buffer;
      words = new Uint32Array(buf.buffer, 0, buf.buffer.byteLength >>> 2);
    }
    const w = words;
    const first = (buf.byteOffset + i) >>> 2;
    const n = (end - i) >>> 2;
    // Two accumulators of up to 2^16 words each stay exact in a double.
    let a = 0;
    let b = 0;
    let k = first;
    const last = first + n;
    for (; k + 1 < last; k += 2) { a += w[k]!; b += w[k + 1]!; }
    if (k < last) a += w[k]!;
    let body = a + b;
    while (body > 0xffff) body = (body & 0xffff) + Math.floor(body / 0x10000);
    // Native little-endian words pair bytes low-first: when the body starts on an even offset
    // from `off` its sum is the byte-swap of the big-endian one; on an odd offset it is already it.
    sum += ((i - off) & 1) === 0 ? ((body & 0xff) << 8) | (body >>> 8) : body;
    const tailStart = i + n * 4;
    for (let j = tailStart; j < end; j++) sum += (j - off) & 1 ? buf[j]! : buf[j]! << 8;
    while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
    return sum;
  }
  for (; i + 1 < end; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (i < end) sum += buf[i]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

/** The checksum field value for data whose sum (with the field zeroed) is `sum`. */
export function finish(sum: number): number {
  return ~sum & 0xffff;
}

/** Sum of the IPv4 pseudo-header for TCP/UDP: source, destination, zero+protocol, length. */
export function pseudoHeaderSum(buf: Uint8Array, srcOff: number, dstOff: number, proto: number, length: number): number {
  let sum = 0;
  sum += (buf[srcOff]! << 8) | buf[srcOff + 1]!;
  sum += (buf[srcOff + 2]! << 8) | buf[srcOff + 3]!;
  sum += (buf[dstOff]! << 8) | buf[dstOff + 1]!;
  sum += (buf[dstOff + 2]! << 8) | buf[dstOff + 3]!;
  sum += proto;
  sum += length;
  return sum;
}

/** True when data including its checksum field sums to 0xffff (the RFC 1071 verification). */
export function verifies(buf: Uint8Array, off: number, len: number, initial = 0): boolean {
  return sum16(buf, off, len, initial) === 0xffff;
}
