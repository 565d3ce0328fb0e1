/**
 * The Internet checksum's byte loop as WebAssembly SIMD, over byte buffers that live inside a
 * WebAssembly.Memory (the capture reader's chunk buffer), so checksum verification, most of the
 * decoder's per-byte work, reads 16 bytes per instruction without copying the frame anywhere.
 *
 * No wat2wasm here (and no package for it), so the module is assembled below from named opcodes.
 * Its text form:
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

// Locals: 0 $p, 1 $n (params), then $end, $s, $w (i32), $acc, $acc2, $flip, $ones (v128).
const P = 0, N = 1, END = 2, S = 3, W = 4, ACC = 5, ACC2 = 6, FLIP = 7, ONES = 8;
const I32 = 0x7f, V128 = 0x7b, VOID = 0x40;

/** Unsigned LEB128 (indices, sizes, SIMD sub-opcodes, memarg). */
function uleb(v: number): number[] {
  const out: number[] = [];
  do {
    let byte = v & 0x7f;
    v >>>= 7;
    if (v !== 0) byte |= 0x80;
    out.push(byte);
  } while (v !== 0);
  return out;
}

/** Signed LEB128 (i32.const immediates). */
function sleb(v: number): number[] {
  const out: number[] = [];
  for (;;) {
    const byte = v & 0x7f;
    v >>= 7;
    if ((v === 0 && (byte & 0x40) === 0) || (v === -1 && (byte & 0x40) !== 0)) { out.push(byte); return out; }
    out.push(byte | 0x80);
  }
}

const op = {
  block: [0x02, VOID], loop: [0x03, VOID], if: [0x04, VOID], end: [0x0b],
  br: (depth: number) => [0x0c, ...uleb(depth)],
  brIf: (depth: number) => [0x0d, ...uleb(depth)],
  get: (i: number) => [0x20, ...uleb(i)],
  set: (i: number) => [0x21, ...uleb(i)],
  i32Load: (offset: number) => [0x28, 0, ...uleb(offset)], i32Load8U: [0x2d, 0, 0], i32Load16U: [0x2f, 0, 0],
  i32Const: (v: number) => [0x41, ...sleb(v)],
  call: (f: number) => [0x10, ...uleb(f)],
  i32GeU: [0x4f], i32Add: [0x6a], i32And: [0x71], i32Or: [0x72], i32Shl: [0x74], i32ShrU: [0x76],
  v128Load: (offset: number) => [0xfd, ...uleb(0x00), 0, ...uleb(offset)],
  i16x8Splat: [0xfd, ...uleb(0x10)],
  i32x4ExtractLane: (lane: number) => [0xfd, ...uleb(0x1b), lane],
  v128Xor: [0xfd, ...uleb(0x51)],
  i32x4Add: [0xfd, ...uleb(0xae)],
  i32x4DotI16x8S: [0xfd, ...uleb(0xba)],
} as const;

/** acc += dot_i16x8_s(load(p + offset) ^ flip, ones) */
function addBlock(acc: number, offset: number): number[] {
  return [
    ...op.get(acc), ...op.get(P), ...op.v128Load(offset), ...op.get(FLIP), ...op.v128Xor,
    ...op.get(ONES), ...op.i32x4DotI16x8S, ...op.i32x4Add, ...op.set(acc),
  ];
}

function advance(by: number): number[] {
  return [...op.get(P), ...op.i32Const(by), ...op.i32Add, ...op.set(P)];
}

/** s += (x & 0xffff) + (x >>> 16), x being what `load` leaves on the stack. */
function addHalves(load: number[]): number[] {
  return [
    ...load, ...op.set(W), ...op.get(S),
    ...op.get(W), ...op.i32Const(0xffff), ...op.i32And, ...op.get(W), ...op.i32Const(16), ...op.i32ShrU, ...op.i32Add,
    ...op.i32Add, ...op.set(S),
  ];
}

/** if (n & bit) { ...then } */
function ifBit(bit: number, then: number[]): number[] {
  return [...op.get(N), ...op.i32Const(bit), ...op.i32And, ...op.if, ...then, ...op.end];
}

function body(): number[] {
  const lane = (i: number): number[] => [...op.get(ACC), ...op.i32x4ExtractLane(i)];
  const code: number[] = [
    ...op.i32Const(0x8000), ...op.i16x8Splat, ...op.set(FLIP),
    ...op.i32Const(1), ...op.i16x8Splat, ...op.set(ONES),
    ...op.get(P), ...op.get(N), ...op.i32Const(-32), ...op.i32And, ...op.i32Add, ...op.set(END),
    ...op.block, ...op.loop,
    ...op.get(P), ...op.get(END), ...op.i32GeU, ...op.brIf(1),
    ...addBlock(ACC, 0), ...addBlock(ACC2, 16), ...advance(32),
    ...op.br(0), ...op.end, ...op.end,
    ...ifBit(16, [...addBlock(ACC, 0), ...advance(16)]),
    ...op.get(ACC), ...op.get(ACC2), ...op.i32x4Add, ...op.set(ACC),
    ...lane(0), ...lane(1), ...op.i32Add, ...lane(2), ...lane(3), ...op.i32Add, ...op.i32Add, ...op.set(S),
    ...op.get(S), ...op.get(N), ...op.i32Const(-16), ...op.i32And, ...op.i32Const(14), ...op.i32Shl, ...op.i32Add, ...op.set(S),
    ...ifBit(8, [...addHalves([...op.get(P), ...op.i32Load(0)]), ...addHalves([...op.get(P), ...op.i32Load(4)]), ...advance(8)]),
    ...ifBit(4, [...addHalves([...op.get(P), ...op.i32Load(0)]), ...advance(4)]),
    ...ifBit(2, [...op.get(S), ...op.get(P), ...op.i32Load16U, ...op.i32Add, ...op.set(S), ...advance(2)]),
    ...ifBit(1, [...op.get(S), ...op.get(P), ...op.i32Load8U, ...op.i32Add, ...op.set(S)]),
    ...foldS(), ...foldS(), ...op.get(S), ...op.end,
  ];
  // Locals after the params: three i32 ($end, $s, $w), four v128 ($acc, $acc2, $flip, $ones).
  const withLocals = [2, 3, I32, 4, V128, ...code];
  return [...uleb(withLocals.length), ...withLocals];
}

function foldS(): number[] {
  return [...op.get(S), ...op.i32Const(0xffff), ...op.i32And, ...op.get(S), ...op.i32Const(16), ...op.i32ShrU, ...op.i32Add, ...op.set(S)];
}

function body2(): number[] {
  const code = [
    ...op.get(0), ...op.get(1), ...op.call(0),
    ...op.get(2), ...op.get(3), ...op.call(0), ...op.i32Const(16), ...op.i32Shl,
    ...op.i32Or, ...op.end,
  ];
  return [...uleb(code.length + 1), 0, ...code]; // no locals
}

function section(id: number, content: number[]): number[] {
  return [id, ...uleb(content.length), ...content];
}

function name(text: string): number[] {
  return [...uleb(text.length), ...Array.from(text, (c) => c.charCodeAt(0))];
}

function moduleBytes(): Uint8Array {
  return Uint8Array.from([
    0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
    // type 0: (i32, i32) -> i32; type 1: (i32, i32, i32, i32) -> i32
    ...section(1, [2, 0x60, 2, I32, I32, 1, I32, 0x60, 4, I32, I32, I32, I32, 1, I32]),
    ...section(2, [1, ...name('env'), ...name('mem'), 0x02, 0x00, 1]), // memory import, min 1 page
    ...section(3, [2, 0, 1]), // function 0 has type 0, function 1 type 1
    ...section(7, [2, ...name('sum'), 0x00, 0, ...name('sum2'), 0x00, 1]), // exports
    ...section(10, [2, ...body(), ...body2()]),
  ]);
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
    return new WebAssembly.Module(moduleBytes());
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
