/**
 * The kernel hash functions the hashing schedulers use, bit for bit.
 *
 * - hash_32 (include/linux/hash.h, kernels >= ~4.7): top `bits` of `v * GOLDEN_RATIO_32`.
 *   sh, dh, lblc and lblcr use it.
 * - hsiphash (lib/siphash.c): on 64-bit kernels it is SipHash-1-3 with 64-bit key words,
 *   truncated to u32. mh hashes a u32 as 4 little-endian bytes with fixed keys.
 *   We assume a little-endian 64-bit host, like the x86_64/arm64 directors in the field.
 */

export const GOLDEN_RATIO_32 = 0x61c88647;

/** hash_32(val, bits): `(val * 0x61C88647 mod 2^32) >> (32 - bits)`. */
export function hash32(val: number, bits: number): number {
  return (Math.imul(val >>> 0, GOLDEN_RATIO_32) >>> 0) >>> (32 - bits);
}

/**
 * The 3.x-era sh/dh hash, `(ntohl(addr) * 2654435761) & mask`. Kept for explaining old directors
 * (it depends only on the low bits of the address); the current schedulers use hash32.
 */
export function legacyMultiplicativeHash(val: number, mask: number): number {
  return (Math.imul(val >>> 0, 0x9e3779b1) >>> 0) & mask;
}

const M64 = (1n << 64n) - 1n;

function rotl(x: bigint, b: bigint): bigint {
  return ((x << b) | (x >> (64n - b))) & M64;
}

/** One SIPROUND over the state array v[0..3] (64-bit lanes). */
function sipRound(v: bigint[]): void {
  let [v0, v1, v2, v3] = v as [bigint, bigint, bigint, bigint];
  v0 = (v0 + v1) & M64; v1 = rotl(v1, 13n); v1 ^= v0; v0 = rotl(v0, 32n);
  v2 = (v2 + v3) & M64; v3 = rotl(v3, 16n); v3 ^= v2;
  v0 = (v0 + v3) & M64; v3 = rotl(v3, 21n); v3 ^= v0;
  v2 = (v2 + v1) & M64; v1 = rotl(v1, 17n); v1 ^= v2; v2 = rotl(v2, 32n);
  v[0] = v0; v[1] = v1; v[2] = v2; v[3] = v3;
}

/**
 * Generic SipHash-c-d over bytes with a 128-bit key given as two 64-bit little-endian words
 * (the kernel's `siphash_key_t.key[0..1]`). Returns the 64-bit result.
 * c = 1, d = 3 is what 64-bit kernels use for hsiphash; c = 2, d = 4 is classic SipHash.
 */
export function siphash(data: Uint8Array, k0: bigint, k1: bigint, cRounds = 2, dRounds = 4): bigint {
  const v = [
    0x736f6d6570736575n ^ k0,
    0x646f72616e646f6dn ^ k1,
    0x6c7967656e657261n ^ k0,
    0x7465646279746573n ^ k1,
  ];
  const len = data.length;
  const full = len - (len % 8);
  for (let off = 0; off < full; off += 8) {
    let m = 0n;
    for (let i = 7; i >= 0; i--) m = (m << 8n) | BigInt(data[off + i] ?? 0);
    v[3] = (v[3] as bigint) ^ m;
    for (let r = 0; r < cRounds; r++) sipRound(v);
    v[0] = (v[0] as bigint) ^ m;
  }
  let b = (BigInt(len) & 0xffn) << 56n;
  for (let i = len - 1; i >= full; i--) b |= BigInt(data[i] ?? 0) << BigInt((i - full) * 8);
  v[3] = (v[3] as bigint) ^ b;
  for (let r = 0; r < cRounds; r++) sipRound(v);
  v[0] = (v[0] as bigint) ^ b;
  v[2] = (v[2] as bigint) ^ 0xffn;
  for (let r = 0; r < dRounds; r++) sipRound(v);
  return ((v[0] as bigint) ^ (v[1] as bigint) ^ (v[2] as bigint) ^ (v[3] as bigint)) & M64;
}

/** The kernel's `hsiphash_key_t` on 64-bit: two unsigned longs. */
export interface HsiphashKey {
  readonly k0: bigint;
  readonly k1: bigint;
}

/**
 * Key words as 32-bit halves (k0 high, k0 low, k1 high, k1 low), per key: hsiphashU32 runs on
 * 32-bit lanes. BigInt SipHash cost about a microsecond a call, and scheduler inference hashes
 * every observed connection through mh (with mh-port, every one a new input).
 */
const keyWords = new WeakMap<HsiphashKey, Uint32Array>();

function wordsOf(key: HsiphashKey): Uint32Array {
  let w = keyWords.get(key);
  if (w === undefined) {
    w = Uint32Array.of(Number((key.k0 >> 32n) & 0xffffffffn), Number(key.k0 & 0xffffffffn), Number((key.k1 >> 32n) & 0xffffffffn), Number(key.k1 & 0xffffffffn));
    keyWords.set(key, w);
  }
  return w;
}

/** The SipHash state, four 64-bit lanes as (high, low) pairs: v0h v0l v1h v1l v2h v2l v3h v3l. */
const lane = new Uint32Array(8);

/** lane[a] += lane[b], 64-bit (a and b index the high halves). */
function add64(a: number, b: number): void {
  const lo = lane[a + 1]! + lane[b + 1]!;
  lane[a] = lane[a]! + lane[b]! + (lo > 0xffffffff ? 1 : 0);
  lane[a + 1] = lo;
}

/** lane[a] rotated left by n (0 < n < 32). */
function rotl64(a: number, n: number): void {
  const h = lane[a]!;
  const l = lane[a + 1]!;
  lane[a] = (h << n) | (l >>> (32 - n));
  lane[a + 1] = (l << n) | (h >>> (32 - n));
}

/** lane[a] rotated by 32: its halves swapped. */
function swap64(a: number): void {
  const h = lane[a]!;
  lane[a] = lane[a + 1]!;
  lane[a + 1] = h;
}

/** lane[a] ^= lane[b]. */
function xor64(a: number, b: number): void {
  lane[a] = lane[a]! ^ lane[b]!;
  lane[a + 1] = lane[a + 1]! ^ lane[b + 1]!;
}

const V0 = 0;
const V1 = 2;
const V2 = 4;
const V3 = 6;

/** SIPROUND on the 32-bit lanes, step for step as sipRound does it on BigInts. */
function sipRound32(): void {
  add64(V0, V1); rotl64(V1, 13); xor64(V1, V0); swap64(V0);
  add64(V2, V3); rotl64(V3, 16); xor64(V3, V2);
  add64(V0, V3); rotl64(V3, 21); xor64(V3, V0);
  add64(V2, V1); rotl64(V1, 17); xor64(V1, V2); swap64(V2);
}

/** `hsiphash(&v, sizeof(u32), key)` on a little-endian 64-bit kernel: SipHash-1-3, low 32 bits. */
export function hsiphashU32(v: number, key: HsiphashKey): number {
  const k = wordsOf(key);
  lane[0] = 0x736f6d65 ^ k[0]!; lane[1] = 0x70736575 ^ k[1]!;
  lane[2] = 0x646f7261 ^ k[2]!; lane[3] = 0x6e646f6d ^ k[3]!;
  lane[4] = 0x6c796765 ^ k[0]!; lane[5] = 0x6e657261 ^ k[1]!;
  lane[6] = 0x74656462 ^ k[2]!; lane[7] = 0x79746573 ^ k[3]!;
  // Four bytes, no whole 8-byte block: the last block is the length (4) in its top byte, v in its low four bytes.
  const bHigh = 0x04000000;
  const bLow = v >>> 0;
  lane[6] ^= bHigh; lane[7] ^= bLow;
  sipRound32();
  lane[0] ^= bHigh; lane[1] ^= bLow;
  lane[5] ^= 0xff;
  sipRound32(); sipRound32(); sipRound32();
  return (lane[1]! ^ lane[3]! ^ lane[5]! ^ lane[7]!) >>> 0;
}

export function gcd(a: number, b: number): number {
  let x = Math.abs(a);
  let y = Math.abs(b);
  while (y !== 0) {
    const t = x % y;
    x = y;
    y = t;
  }
  return x;
}

/** fls(): 1-based index of the most significant set bit, 0 for 0. */
export function fls(x: number): number {
  return x === 0 ? 0 : 32 - Math.clz32(x);
}
