/**
 * The Internet checksum (RFC 1071) and the IPv4 pseudo-header, as one small module the decoder
 * (verify) and the emitter (fill) share, like smoltcp's `wire::ip::checksum`.
 */
import { WASM_SUM_MAX, wasmSumOf, type WasmSum, type WasmSum2 } from './checksum-wasm.js';

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;
/** 32-bit view of the last ArrayBuffer summed: capture chunks are long-lived, so it is rarely rebuilt. */
let wordsOf: ArrayBufferLike | null = null;
let words: Uint32Array<ArrayBufferLike> = new Uint32Array(0);
/**
 * The last array sum16 looked up for a SIMD sum, and what it found (null: none). Keyed by the
 * array, not its `buffer`: reading `.buffer` costs more than a short sum, and the capture reader
 * hands the decoder the same array for every frame of a chunk. Its byteOffset and length are kept
 * too (fixed: a checksumBuffer() memory is never grown, so never detached), because V8 does not
 * inline those getters for arrays over WebAssembly memory.
 */
let wasmOf: Uint8Array | null = null;
let wasmSum: WasmSum | null = null;
let wasmSum2: WasmSum2 | null = null;
let wasmBase = 0;
let wasmLength = 0;
/** Below this the JS loop is as fast as crossing into WebAssembly. */
const WASM_MIN_LEN = 16;

/**
 * One's-complement sum of buf[off..off+len) as big-endian 16-bit words, folded to 16 bits,
 * starting from `initial`.
 *
 * Checksum verification is most of the decoder's per-byte work. Over a buffer from
 * checksumBuffer() (the capture reader's chunks) the sum runs as WebAssembly SIMD in place;
 * elsewhere long runs are summed as aligned native 32-bit words (RFC 1071 section 2: the sum is
 * independent of byte order up to a final swap, and 65536 is 1 modulo 65535, so a 32-bit word
 * adds what its two halves would). Every path returns exactly what the plain byte loop would.
 */
export function sum16(buf: Uint8Array, off: number, len: number, initial = 0): number {
  // Small on purpose, so it inlines into callers and only the chosen path is a call.
  if (len >= WASM_MIN_LEN) {
    if (buf !== wasmOf) lookUpWasm(buf);
    // Out-of-range requests stay in JS, which reads undefined rather than trapping.
    if (wasmSum !== null && off >= 0 && off + len <= wasmLength) return sumWasm(wasmSum, wasmBase + off, len, initial);
  }
  return sumJs(buf, off, len, initial);
}

function lookUpWasm(buf: Uint8Array): void {
  const sums = wasmSumOf(buf.buffer);
  wasmOf = buf;
  wasmSum = sums?.sum ?? null;
  wasmSum2 = sums?.sum2 ?? null;
  wasmBase = buf.byteOffset;
  wasmLength = buf.length;
}

/**
 * sum16(buf, a, aLen) and sum16(buf, b, bLen) (an IPv4 header's and its segment's) in one
 * crossing into WebAssembly, packed as the int32 `(second << 16) | first`: read them with
 * `& 0xffff` and `>>> 16`. An int32 stays a small integer in V8, so the pair costs no allocation.
 * Each half folds exactly as sum16 does, so fold16(initial + half) equals sum16 with that initial.
 */
export function sum16Pair(buf: Uint8Array, a: number, aLen: number, b: number, bLen: number): number {
  if (buf !== wasmOf) lookUpWasm(buf);
  if (wasmSum2 !== null && a >= 0 && b >= 0 && a + aLen <= wasmLength && b + bLen <= wasmLength && aLen <= WASM_SUM_MAX && bLen <= WASM_SUM_MAX) {
    const packed = wasmSum2(wasmBase + a, aLen, wasmBase + b, bLen);
    // Little-endian sums to big-endian ones: a byte swap of each folded half (see sumWasm).
    return ((packed & 0x00ff00ff) << 8) | ((packed >>> 8) & 0x00ff00ff);
  }
  return (sum16(buf, b, bLen) << 16) | sum16(buf, a, aLen);
}

/** `sum` folded to 16 bits with end-around carries, as sum16 folds. */
export function fold16(sum: number): number {
  while (sum > 0xffff) sum = (sum & 0xffff) + Math.floor(sum / 0x10000);
  return sum;
}

function sumJs(buf: Uint8Array, off: number, len: number, initial: number): number {
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

/**
 * The SIMD sum pairs bytes little-endian from `at`; RFC 1071's byte-order independence makes
 * the big-endian sum its byte swap (mod 65535, which the fold preserves exactly).
 */
function sumWasm(f: WasmSum, at: number, len: number, initial: number): number {
  let le = 0;
  // WASM_SUM_MAX is even, so every piece starts on the same byte parity as the first.
  while (len > WASM_SUM_MAX) {
    le += f(at, WASM_SUM_MAX);
    at += WASM_SUM_MAX;
    len -= WASM_SUM_MAX;
  }
  le += f(at, len);
  while (le > 0xffff) le = (le & 0xffff) + (le >>> 16);
  let sum = initial + (((le & 0xff) << 8) | (le >>> 8));
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

/**
 * Sum of the IPv6 pseudo-header (RFC 8200 §8.1) of the IPv6 header at ip6Off: addresses, length,
 * next header. With a routing header the destination is the final one (`dstOff`).
 */
export function pseudoHeaderSum6(buf: Uint8Array, ip6Off: number, proto: number, length: number, dstOff = ip6Off + 24): number {
  let sum = 0;
  for (let i = ip6Off + 8; i < ip6Off + 24; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  for (let i = dstOff; i < dstOff + 16; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  return sum + (length >>> 16) + (length & 0xffff) + proto;
}

/** True when data including its checksum field sums to 0xffff (the RFC 1071 verification). */
export function verifies(buf: Uint8Array, off: number, len: number, initial = 0): boolean {
  return sum16(buf, off, len, initial) === 0xffff;
}
