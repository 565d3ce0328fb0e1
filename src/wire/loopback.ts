/**
 * The BSD loopback header (https://www.tcpdump.org/linktypes/LINKTYPE_NULL.html): 4 bytes holding
 * the payload's address family. LINKTYPE_NULL (0) writes it in the byte order of the host that
 * captured, LINKTYPE_LOOP (108, OpenBSD) in network order. What macOS and the BSDs write for lo0,
 * utun and their other tunnel interfaces: a capture an operator takes on a laptop or a BSD box.
 */
import type { LoopbackRecord } from './records.js';
import { HeaderView } from './view.js';

export const LOOPBACK_HEADER_LEN = 4;

/**
 * The BSD AF_ values tcpdump names (print-null.c). AF_INET6 differs between the BSDs, so every
 * one of its values is IPv6.
 */
export const BSD_AF = { INET: 2, NS: 6, ISO: 7, APPLETALK: 16, IPX: 23, INET6_BSD: 24, INET6_FREEBSD: 28, INET6_DARWIN: 30 } as const;

const FAMILY_NAMES: Readonly<Record<number, string>> = {
  [BSD_AF.INET]: 'IPv4', [BSD_AF.NS]: 'NS', [BSD_AF.ISO]: 'ISO', [BSD_AF.APPLETALK]: 'Appletalk', [BSD_AF.IPX]: 'IPX',
  [BSD_AF.INET6_BSD]: 'IPv6', [BSD_AF.INET6_FREEBSD]: 'IPv6', [BSD_AF.INET6_DARWIN]: 'IPv6',
};

/** tcpdump's name for a family ("Unknown" for the rest). */
export function bsdFamilyName(family: number): string {
  return FAMILY_NAMES[family] ?? 'Unknown';
}

export function isBsdInet6(family: number): boolean {
  return family === BSD_AF.INET6_BSD || family === BSD_AF.INET6_FREEBSD || family === BSD_AF.INET6_DARWIN;
}

/**
 * The family in the header's four bytes b0..b3. The header may come from a host of either byte
 * order (NULL) or be big-endian (LOOP); a family is a small number, so when the upper 16 bits of
 * the little-endian reading are set the big-endian one is right (tcpdump decides the same way).
 */
export function loopbackFamily(b0: number, b1: number, b2: number, b3: number): number {
  const little = (b0 | (b1 << 8) | (b2 << 16) | (b3 << 24)) >>> 0;
  return (little & 0xffff0000) !== 0 ? ((b0 << 24) | (b1 << 16) | (b2 << 8) | b3) >>> 0 : little;
}

export class LoopbackView extends HeaderView {
  check(): string | null {
    return this.tooShort('loopback header', LOOPBACK_HEADER_LEN);
  }

  /** The payload's address family (loopbackFamily). */
  get family(): number {
    const b = this.buf;
    const o = this.off;
    return loopbackFamily(b[o]!, b[o + 1]!, b[o + 2]!, b[o + 3]!);
  }

  toRecord(frameOffset: number): LoopbackRecord {
    return { type: 'loopback', family: this.family, offset: frameOffset };
  }
}
