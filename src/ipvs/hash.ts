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

const u32Bytes = new Uint8Array(4);

/**
 * Results per key, bounded: scheduler inference replays mh over the same few client and server
 * addresses thousands of times, and BigInt SipHash costs microseconds a call.
 */
const hsiphashMemo = new WeakMap<HsiphashKey, Map<number, number>>();
const MEMO_LIMIT = 4096;

/** `hsiphash(&v, sizeof(u32), key)` on a little-endian 64-bit kernel: SipHash-1-3, low 32 bits. */
export function hsiphashU32(v: number, key: HsiphashKey): number {
  const u = v >>> 0;
  let memo = hsiphashMemo.get(key);
  if (memo === undefined) { memo = new Map(); hsiphashMemo.set(key, memo); }
  let h = memo.get(u);
  if (h === undefined) {
    h = hsiphashU32Uncached(u, key);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(u, h);
  }
  return h;
}

function hsiphashU32Uncached(u: number, key: HsiphashKey): number {
  u32Bytes[0] = u & 0xff;
  u32Bytes[1] = (u >>> 8) & 0xff;
  u32Bytes[2] = (u >>> 16) & 0xff;
  u32Bytes[3] = u >>> 24;
  return Number(siphash(u32Bytes, key.k0, key.k1, 1, 3) & 0xffffffffn);
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
