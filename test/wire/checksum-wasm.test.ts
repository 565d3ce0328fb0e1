/**
 * The WebAssembly SIMD checksum must give exactly what the plain RFC 1071 byte loop gives, at
 * every alignment and length, including the carries out of either byte of a word.
 */
import { describe, expect, it } from 'vitest';
import { fold16, sum16, sum16Pair } from '../../src/wire/checksum.js';
import { WASM_SUM_MAX, checksumBuffer, wasmChecksumAvailable, wasmSumOf } from '../../src/wire/checksum-wasm.js';

/** The plain RFC 1071 loop, big-endian words, a lone last byte as a high byte. */
function reference(b: Uint8Array, off: number, len: number, initial: number): number {
  let s = initial;
  let i = off;
  for (; i + 1 < off + len; i += 2) s += (b[i]! << 8) | b[i + 1]!;
  if (i < off + len) s += b[i]! << 8;
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
  return s;
}

function random(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) { x = (Math.imul(x, 1103515245) + 12345) >>> 0; out[i] = x >>> 24; }
  return out;
}

/** Byte patterns whose sums carry out of the high byte, the low byte, or both. */
const PATTERNS: readonly [string, (i: number) => number][] = [
  ['all 0xff', () => 0xff],
  ['0xff 0x00', (i) => (i & 1 ? 0x00 : 0xff)],
  ['0x00 0xff', (i) => (i & 1 ? 0xff : 0x00)],
  ['0xfe 0xff', (i) => (i & 1 ? 0xff : 0xfe)],
  ['0x80 0x01', (i) => (i & 1 ? 0x01 : 0x80)],
];

/** A WebAssembly-backed array holding `data` at byteOffset `shift`, and a plain copy. */
function both(data: Uint8Array, shift: number): { wasm: Uint8Array; plain: Uint8Array } {
  const wasm = checksumBuffer(data.length + shift + 16).subarray(shift, shift + data.length);
  wasm.set(data);
  return { wasm, plain: Uint8Array.from(data) };
}

describe('checksumBuffer', () => {
  it('is backed by a WebAssembly.Memory on this runtime, zeroed, of the asked size', () => {
    expect(wasmChecksumAvailable).toBe(true);
    const b = checksumBuffer(1000);
    expect(b.length).toBe(1000);
    expect(b.byteOffset).toBe(0);
    expect(b.every((x) => x === 0)).toBe(true);
    expect(wasmSumOf(b.buffer)).toBeDefined();
    expect(wasmSumOf(new Uint8Array(1000).buffer)).toBeUndefined();
  });

  it('gives every buffer its own memory (a capture reader never shares or grows one)', () => {
    const a = checksumBuffer(70_000);
    const b = checksumBuffer(70_000);
    expect(a.buffer).not.toBe(b.buffer);
    a.fill(1);
    expect(b[0]).toBe(0);
  });
});

describe('sum16 over WebAssembly memory', () => {
  it('equals the byte loop on random bytes at every alignment and every length 0..2000', () => {
    const data = random(2100, 7);
    for (let shift = 0; shift < 16; shift++) {
      const { wasm, plain } = both(data, shift);
      for (let len = 0; len <= 2000; len++) {
        const off = (len * 7) % 17; // every start parity and 4/16-byte phase, with every shift
        const want = reference(plain, off, len, 77);
        if (sum16(wasm, off, len, 77) !== want || sum16(plain, off, len, 77) !== want) {
          expect([shift, off, len, sum16(wasm, off, len, 77), sum16(plain, off, len, 77)]).toEqual([shift, off, len, want, want]);
        }
      }
    }
  });

  it('equals the byte loop where words carry out of either byte, and with large initial sums', () => {
    for (const [name, byte] of PATTERNS) {
      const data = Uint8Array.from({ length: 2100 }, (_, i) => byte(i));
      for (const shift of [0, 1, 2, 3]) {
        const { wasm, plain } = both(data, shift);
        for (let len = 0; len <= 2000; len++) {
          for (const off of [0, 1]) {
            for (const initial of [0, 0xffff, 0x1fffe]) {
              const want = reference(plain, off, len, initial);
              const got = sum16(wasm, off, len, initial);
              if (got !== want) expect([name, shift, off, len, initial, got]).toEqual([name, shift, off, len, initial, want]);
            }
          }
        }
      }
    }
    // Named values: 1500 bytes of 0xff sum to 0xffff; 16 bytes of 0x80 0x01 to 8 * 0x8001 = 0x40008, folded 0x000c.
    expect(sum16(both(new Uint8Array(1500).fill(0xff), 1).wasm, 0, 1500)).toBe(0xffff);
    expect(sum16(both(Uint8Array.from({ length: 16 }, (_, i) => (i & 1 ? 1 : 0x80)), 0).wasm, 0, 16)).toBe(0x000c);
    expect(sum16(both(new Uint8Array(64), 3).wasm, 0, 64)).toBe(0);
  });

  it('splits runs longer than one WebAssembly call sums exactly', () => {
    const n = 4 * WASM_SUM_MAX + 37;
    const ones = both(new Uint8Array(n).fill(0xff), 1);
    const rnd = both(random(n, 99), 2);
    for (const len of [WASM_SUM_MAX - 1, WASM_SUM_MAX, WASM_SUM_MAX + 1, 2 * WASM_SUM_MAX + 3, 262_144, n - 3]) {
      for (const off of [0, 3]) {
        expect(sum16(ones.wasm, off, len, 5)).toBe(reference(ones.plain, off, len, 5));
        expect(sum16(rnd.wasm, off, len, 5)).toBe(reference(rnd.plain, off, len, 5));
      }
    }
  });

  it('falls back to JS (no trap) for a range past the end of the array', () => {
    const { wasm, plain } = both(random(100, 3), 0);
    expect(sum16(wasm, 90, 40)).toBe(sum16(plain, 90, 40));
    expect(() => sum16Pair(wasm, 0, 20, 90, 40)).not.toThrow();
  });
});

describe('sum16Pair', () => {
  it('packs two sums that each equal sum16 into an int32, on both kinds of buffer', () => {
    const data = random(3000, 11);
    for (const shift of [0, 1, 2, 3]) {
      const { wasm, plain } = both(data, shift);
      for (const [a, aLen, b, bLen] of [[14, 20, 34, 1480], [15, 24, 39, 0], [0, 0, 1, 2999], [100, 61, 161, 1]] as const) {
        const first = sum16(plain, a, aLen);
        const second = sum16(plain, b, bLen);
        for (const pair of [sum16Pair(wasm, a, aLen, b, bLen), sum16Pair(plain, a, aLen, b, bLen)]) {
          expect(pair & 0xffff).toBe(first);
          expect(pair >>> 16).toBe(second);
          expect(pair).toBe((second << 16) | first); // an int32, not a double
        }
        // Folding an initial into a half is sum16 with that initial.
        expect(fold16(0x2_3456 + second)).toBe(sum16(plain, b, bLen, 0x2_3456));
      }
    }
  });
});
