/**
 * The checksum module's bytes (src/wire/checksum-wasm.ts keeps them written out, so that no start
 * pays for assembling them) are the module its text form describes, assembled here from named
 * opcodes.
 */
import { describe, expect, it } from 'vitest';
import { checksumModuleBytes } from '../../src/wire/checksum-wasm.js';

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

describe('the checksum module', () => {
  it('is, byte for byte, the module the text form describes', () => {
    expect(Buffer.from(checksumModuleBytes()).toString('hex')).toBe(Buffer.from(moduleBytes()).toString('hex'));
  });
});
