/**
 * The Internet checksum (RFC 1071) and the IPv4 pseudo-header, as one small module the decoder
 * (verify) and the emitter (fill) share, like smoltcp's `wire::ip::checksum`.
 */

/** One's-complement sum of buf[off..off+len) folded to 16 bits, starting from `initial`. */
export function sum16(buf: Uint8Array, off: number, len: number, initial = 0): number {
  let sum = initial;
  const end = off + len;
  let i = off;
  // Add 16-bit words; folding every 32K words keeps `sum` exact in a double.
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
