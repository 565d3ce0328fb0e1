/**
 * Address helpers in the kernel's terms: IPv4 as a host-order u32 (what `ntohl(addr)` yields),
 * IPv6 as four host-order u32 words, and the XOR fold the hashing schedulers apply to IPv6
 * (`addr->ip6[0] ^ ... ^ addr->ip6[3]`, then ntohl; XOR commutes with the byte swap).
 */
import { ipv4FromQuad } from '../wire/address.js';

export function isIPv6(addr: string): boolean {
  return addr.includes(':');
}

/** Host-order u32 of a dotted quad, or null when it is not one. */
export function parseIPv4(addr: string): number | null {
  const v = ipv4FromQuad(addr);
  return Number.isNaN(v) ? null : v;
}

/** Four host-order u32 words of an IPv6 address (with `::` and a trailing dotted quad), or null. */
export function parseIPv6(addr: string): [number, number, number, number] | null {
  let text = addr;
  const pct = text.indexOf('%');
  if (pct >= 0) text = text.slice(0, pct);
  const groups: number[] = [];
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const parseSide = (side: string): number[] | null => {
    if (side === '') return [];
    const out: number[] = [];
    const items = side.split(':');
    for (let i = 0; i < items.length; i++) {
      const item = items[i] ?? '';
      if (i === items.length - 1 && item.includes('.')) {
        const v4 = parseIPv4(item);
        if (v4 === null) return null;
        out.push(v4 >>> 16, v4 & 0xffff);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(item)) return null;
        out.push(parseInt(item, 16));
      }
    }
    return out;
  };
  const head = parseSide(halves[0] ?? '');
  if (head === null) return null;
  if (halves.length === 2) {
    const tail = parseSide(halves[1] ?? '');
    if (tail === null) return null;
    const fill = 8 - head.length - tail.length;
    if (fill < 0) return null;
    groups.push(...head, ...new Array<number>(fill).fill(0), ...tail);
  } else {
    groups.push(...head);
  }
  if (groups.length !== 8) return null;
  const w = (i: number): number => (((groups[i] ?? 0) << 16) | (groups[i + 1] ?? 0)) >>> 0;
  return [w(0), w(2), w(4), w(6)];
}

/**
 * The u32 the hashing schedulers feed to hash_32/hsiphash: `ntohl(addr_fold)`.
 * Unparseable text folds to 0 (schedulers never throw on odd input).
 */
export function foldAddress(addr: string): number {
  let v = foldMemo.get(addr);
  if (v === undefined) {
    v = foldUncached(addr);
    if (foldMemo.size >= FOLD_MEMO_LIMIT) foldMemo.clear();
    foldMemo.set(addr, v);
  }
  return v;
}

/** Bounded: scheduler inference replays the same few client addresses through every hashing scheduler. */
const foldMemo = new Map<string, number>();
const FOLD_MEMO_LIMIT = 4096;

function foldUncached(addr: string): number {
  if (isIPv6(addr)) {
    const w = parseIPv6(addr);
    if (w === null) return 0;
    return (w[0] ^ w[1] ^ w[2] ^ w[3]) >>> 0;
  }
  return parseIPv4(addr) ?? 0;
}

/** Dotted quad of a host-order u32 (e.g. a fwmark shown as the template's vaddr, 1 -> 0.0.0.1). */
export function formatIPv4(v: number): string {
  const u = v >>> 0;
  return `${u >>> 24}.${(u >>> 16) & 255}.${(u >>> 8) & 255}.${u & 255}`;
}

/** `a.b.c.d:port` or `[v6]:port`, as ipvsadm -n prints (addrport_to_anyname). */
export function formatAddrPort(addr: string, port: number): string {
  return isIPv6(addr) ? `[${addr}]:${port}` : `${addr}:${port}`;
}

/** `saddr & netmask` for persistence templates; IPv6 netmask is a prefix length. */
export function maskAddress(addr: string, netmask: string | number): string {
  if (isIPv6(addr)) {
    const prefix = typeof netmask === 'number' ? netmask : 128;
    const w = parseIPv6(addr);
    if (w === null || prefix >= 128) return addr;
    const out = w.map((word, i) => {
      const bits = Math.max(0, Math.min(32, prefix - i * 32));
      const mask = bits === 0 ? 0 : bits === 32 ? 0xffffffff : (0xffffffff << (32 - bits)) >>> 0;
      return (word & mask) >>> 0;
    });
    const groups: string[] = [];
    for (const word of out) groups.push((word >>> 16).toString(16), (word & 0xffff).toString(16));
    return compressIPv6(groups);
  }
  const a = parseIPv4(addr);
  const m = typeof netmask === 'number' ? prefixToMask(netmask) : parseIPv4(netmask);
  if (a === null || m === null) return addr;
  return formatIPv4((a & m) >>> 0);
}

function prefixToMask(prefix: number): number {
  if (prefix <= 0) return 0;
  if (prefix >= 32) return 0xffffffff;
  return (0xffffffff << (32 - prefix)) >>> 0;
}

function compressIPv6(groups: string[]): string {
  let bestStart = -1;
  let bestLen = 0;
  for (let i = 0; i < groups.length; ) {
    if (groups[i] !== '0') { i++; continue; }
    let j = i;
    while (j < groups.length && groups[j] === '0') j++;
    if (j - i > bestLen && j - i > 1) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  if (bestStart < 0) return groups.join(':');
  return `${groups.slice(0, bestStart).join(':')}::${groups.slice(bestStart + bestLen).join(':')}`;
}

/**
 * libipvs's comparison: `int r = ntohl(a) - ntohl(b)`. The unsigned difference converted to int
 * makes addresses 2^31 or more apart sort backwards (192.168.0.1 before 10.0.0.1); kept on purpose.
 */
export function compareAddrLikeLibipvs(a: string, b: string): number {
  if (isIPv6(a) || isIPv6(b)) {
    if (isIPv6(a) !== isIPv6(b)) return isIPv6(a) ? 1 : -1; // AF_INET (2) < AF_INET6 (10)
    const wa = parseIPv6(a) ?? [0, 0, 0, 0];
    const wb = parseIPv6(b) ?? [0, 0, 0, 0];
    for (let i = 0; i < 4; i++) {
      const x = wa[i] ?? 0;
      const y = wb[i] ?? 0;
      if (x !== y) return x < y ? -1 : 1; // memcmp over network-order bytes
    }
    return 0;
  }
  const x = parseIPv4(a) ?? 0;
  const y = parseIPv4(b) ?? 0;
  return (x - y) | 0;
}
