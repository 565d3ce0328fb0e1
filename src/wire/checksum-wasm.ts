/**
 * The Internet checksum's byte loop as WebAssembly SIMD, over byte buffers that live inside a
 * WebAssembly.Memory (the capture reader's chunk buffer), so checksum verification, most of the
 * decoder's per-byte work, reads 16 bytes per instruction without copying the frame anywhere.
 *
 * No wat2wasm here (and no package for it): the module's bytes are written below, and its test
 * assembles them from named opcodes (it used to be assembled here, at every start, which cost more
 * than compiling it). Its text form:
 *
 *   (module
 *     (import "env" "mem" (memory 1))
 *     ;; Sum of buf[p..p+n) as little-endian 16-bit words (a lone last byte is a low byte),
 *     ;; folded to 16 bits; n <= 65536.
 *     (func (export "sum") (param $p i32) (param $n i32) (result i32)
 *       (local $end i32) (local $s i32) (local $w i32)
 *       (local $acc v128) (local $acc2 v128) (local $flip v128) (local $ones v128)
 *       ;; i32x4.dot_i16x8_s (one pmaddwd) adds word pairs, but signed: flipping each word's top
 *       ;; bit makes it u - 32768, and the 32768s are added back once at the end.
 *       (local.set $flip (i16x8.splat (i32.const 0x8000)))
 *       (local.set $ones (i16x8.splat (i32.const 1)))
 *       (local.set $end (i32.add (local.get $p) (i32.and (local.get $n) (i32.const -32))))
 *       (block $done (loop $wide                      ;; 32 bytes a turn, two accumulators
 *         (br_if $done (i32.ge_u (local.get $p) (local.get $end)))
 *         (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s
 *           (v128.xor (v128.load offset=0 (local.get $p)) (local.get $flip)) (local.get $ones))))
 *         (local.set $acc2 (i32x4.add (local.get $acc2) (i32x4.dot_i16x8_s
 *           (v128.xor (v128.load offset=16 (local.get $p)) (local.get $flip)) (local.get $ones))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 32)))
 *         (br $wide)))
 *       (if (i32.and (local.get $n) (i32.const 16)) (then
 *         (local.set $acc (i32x4.add (local.get $acc) (i32x4.dot_i16x8_s
 *           (v128.xor (v128.load (local.get $p)) (local.get $flip)) (local.get $ones))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 16)))))
 *       (local.set $acc (i32x4.add (local.get $acc) (local.get $acc2)))
 *       (local.set $s (i32.add
 *         (i32.add (i32x4.extract_lane 0 (local.get $acc)) (i32x4.extract_lane 1 (local.get $acc)))
 *         (i32.add (i32x4.extract_lane 2 (local.get $acc)) (i32x4.extract_lane 3 (local.get $acc)))))
 *       ;; + 32768 per word summed above: (n & -16) / 2 words. The true sum is below
 *       ;; 32768 * 0xffff < 2^31, so the wrapping i32 additions land on it exactly.
 *       (local.set $s (i32.add (local.get $s) (i32.shl (i32.and (local.get $n) (i32.const -16)) (i32.const 14))))
 *       (if (i32.and (local.get $n) (i32.const 8)) (then     ;; the last 0..15 bytes, by halving
 *         (local.set $w (i32.load (local.get $p)))
 *         (local.set $s (i32.add (local.get $s) (i32.add (i32.and (local.get $w) (i32.const 0xffff)) (i32.shr_u (local.get $w) (i32.const 16)))))
 *         (local.set $w (i32.load offset=4 (local.get $p)))
 *         (local.set $s (i32.add (local.get $s) (i32.add (i32.and (local.get $w) (i32.const 0xffff)) (i32.shr_u (local.get $w) (i32.const 16)))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 8)))))
 *       (if (i32.and (local.get $n) (i32.const 4)) (then
 *         (local.set $w (i32.load (local.get $p)))
 *         (local.set $s (i32.add (local.get $s) (i32.add (i32.and (local.get $w) (i32.const 0xffff)) (i32.shr_u (local.get $w) (i32.const 16)))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 4)))))
 *       (if (i32.and (local.get $n) (i32.const 2)) (then
 *         (local.set $s (i32.add (local.get $s) (i32.load16_u (local.get $p))))
 *         (local.set $p (i32.add (local.get $p) (i32.const 2)))))
 *       (if (i32.and (local.get $n) (i32.const 1)) (then
 *         (local.set $s (i32.add (local.get $s) (i32.load8_u (local.get $p))))))
 *       ;; s < 2^32 (unsigned): two end-around folds bring it to 16 bits.
 *       (local.set $s (i32.add (i32.and (local.get $s) (i32.const 0xffff)) (i32.shr_u (local.get $s) (i32.const 16))))
 *       (local.set $s (i32.add (i32.and (local.get $s) (i32.const 0xffff)) (i32.shr_u (local.get $s) (i32.const 16))))
 *       (local.get $s))
 *     ;; Two sums for one crossing from JS (an IPv4 header and its TCP segment): the first in the
 *     ;; low 16 bits, the second in the high.
 *     (func (export "sum2") (param i32 i32 i32 i32) (result i32)
 *       (i32.or (call 0 (local.get 0) (local.get 1))
 *               (i32.shl (call 0 (local.get 2) (local.get 3)) (i32.const 16)))))
 *
 * Lanes cannot overflow: each 16-byte block moves a lane by at most 65536, at most 2049 times.
 */

/** Largest length one call sums exactly (see the module text); longer runs are split by the caller. */
export const WASM_SUM_MAX = 1 << 16;

/** The module above as wasm bytes, in hex (test/wire/checksum-wasm-module.test.ts assembles them). */
const MODULE_HEX =
  '0061736d01000000010f0260027f7f017f60047f7f7f7f017f020c0103656e76036d656d0200010303020001070e0203' +
  '73756d00000473756d3200010afe0202e80202037f047b41808002fd1021074101fd102108200020014160716a210202' +
  '400340200020024f0d0120052000fd0000002007fd512008fdba01fdae01210520062000fd0000102007fd512008fdba' +
  '01fdae012106200041206a21000c000b0b2001411071044020052000fd0000002007fd512008fdba01fdae0121052000' +
  '41106a21000b20052006fdae0121052005fd1b002005fd1b016a2005fd1b022005fd1b036a6a21032003200141707141' +
  '0e746a210320014108710440200028000021042003200441ffff037120044110766a6a21032000280004210420032004' +
  '41ffff037120044110766a6a2103200041086a21000b20014104710440200028000021042003200441ffff0371200441' +
  '10766a6a2103200041046a21000b20014102710440200320002f00006a2103200041026a21000b200141017104402003' +
  '20002d00006a21030b200341ffff037120034110766a2103200341ffff037120034110766a210320030b120020002001' +
  '1000200220031000411074720b';

/** The module's bytes (a fresh copy). */
export function checksumModuleBytes(): Uint8Array {
  const out = new Uint8Array(MODULE_HEX.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(MODULE_HEX.slice(2 * i, 2 * i + 2), 16);
  return out;
}

export type WasmSum = (at: number, len: number) => number;
export type WasmSum2 = (at: number, len: number, at2: number, len2: number) => number;
/** The functions of one Memory's instance. */
export interface WasmSums {
  readonly sum: WasmSum;
  readonly sum2: WasmSum2;
}

/** The little of the WebAssembly JS API used here (lib ES2023 without DOM does not type it). */
interface WasmModule { readonly __brand?: 'WebAssembly.Module' }
interface WasmMemory { readonly buffer: ArrayBuffer }
declare const WebAssembly: {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (descriptor: { initial: number; maximum?: number }) => WasmMemory;
  Instance: new (module: WasmModule, imports: Record<string, Record<string, unknown>>) => { readonly exports: Record<string, unknown> };
};

/** null where WebAssembly or its SIMD is unavailable: callers keep their JS path. */
const compiled: WasmModule | null = (() => {
  try {
    return new WebAssembly.Module(checksumModuleBytes());
  } catch {
    return null;
  }
})();

/** The summing functions bound to each Memory's buffer: found by sum16 from a Uint8Array's `buffer`. */
const sums = new WeakMap<ArrayBufferLike, WasmSums>();

/** The wasm sums over `buffer` when it is a WebAssembly.Memory allocated by checksumBuffer(), else undefined. */
export function wasmSumOf(buffer: ArrayBufferLike): WasmSums | undefined {
  return sums.get(buffer);
}

/**
 * A zeroed byte buffer of `size` bytes whose checksums sum16 computes with SIMD. Falls back to a
 * plain Uint8Array when WebAssembly is unavailable or the Memory cannot be reserved. Never grown
 * in place (a grown Memory detaches its old buffer): allocate a new one instead.
 */
export function checksumBuffer(size: number): Uint8Array {
  if (compiled !== null) {
    try {
      const memory = new WebAssembly.Memory({ initial: Math.max(1, Math.ceil(size / 65536)) });
      const instance = new WebAssembly.Instance(compiled, { env: { mem: memory } });
      sums.set(memory.buffer, { sum: instance.exports['sum'] as WasmSum, sum2: instance.exports['sum2'] as WasmSum2 });
      return new Uint8Array(memory.buffer, 0, size);
    } catch {
      // Address space for another Memory may be exhausted; the JS sum is slower, not wrong.
    }
  }
  return new Uint8Array(size);
}

/** True when this runtime runs the SIMD module (tests use it to know the wasm path is exercised). */
export const wasmChecksumAvailable: boolean = compiled !== null;
