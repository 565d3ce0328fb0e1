/**
 * Address text <-> numbers. Formatting is cached: a capture has few distinct addresses and many
 * frames, and building "192.168.23.100" from four bytes on every frame would dominate decoding.
 * Caches are bounded (cleared when full) so memory stays flat on captures with millions of hosts.
 */
import type { Ipv4Addr, MacAddr } from './records.js';

const CACHE_LIMIT = 1 << 16;

const ipv4Text = new Map<number, string>();
const ipv4Value = new Map<string, number>();
const macText = new Map<number, string>();
const macValue = new Map<string, Uint8Array>();

const HEX2: string[] = [];
for (let i = 0; i < 256; i++) HEX2.push(i.toString(16).padStart(2, '0'));

/** The IPv4 address at buf[off..off+4) as dotted text. */
export function formatIpv4At(buf: Uint8Array, off: number): Ipv4Addr {
  // As a signed 32-bit value: an unsigned one above 2^31 is a double, boxed when passed on.
  return formatIpv4Int((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!);
}

/**
 * Small array caches (a probe or two, no hashing of a boxed key) before the Maps: the decoder
 * formats three to five addresses per frame, and a Map lookup each was a tenth of its time. Keys
 * are stored as doubles so an impossible value (-1 for a MAC, NaN for IPv4) marks an empty slot. Slots come from a multiplicative
 * (Fibonacci) hash: clients of one /24 differ only in the low byte, and an XOR of shifted halves
 * sent whole /24s of different networks onto the same 256 slots. IPv4 addresses are many (every
 * client), so their cache is two-way: a pair of clients sharing a slot would otherwise evict
 * each other on every frame.
 */
const SLOT_BITS = 12;
const SLOTS = 1 << SLOT_BITS;
/** Way 0 of set k is slot 2k (the newer entry), way 1 is 2k + 1; the key is the signed 32-bit value. */
const ipv4SlotKey = new Float64Array(2 * SLOTS).fill(Number.NaN);
const ipv4SlotText: string[] = new Array<string>(2 * SLOTS).fill('');
const macSlotKey = new Float64Array(SLOTS).fill(-1);
const macSlotText: string[] = new Array<string>(SLOTS).fill('');

/** A 32-bit address value as dotted text. */
export function formatIpv4(v: number): Ipv4Addr {
  return formatIpv4Int(v | 0);
}

/** The same for the value as a signed 32-bit integer. */
function formatIpv4Int(v: number): Ipv4Addr {
  const slot = (Math.imul(v, 0x9e3779b1) >>> (32 - SLOT_BITS)) << 1;
  if (ipv4SlotKey[slot] === v) return ipv4SlotText[slot]!;
  if (ipv4SlotKey[slot + 1] === v) return ipv4SlotText[slot + 1]!;
  const text = formatIpv4Slow(v >>> 0);
  ipv4SlotKey[slot + 1] = ipv4SlotKey[slot]!;
  ipv4SlotText[slot + 1] = ipv4SlotText[slot]!;
  ipv4SlotKey[slot] = v;
  ipv4SlotText[slot] = text;
  return text;
}

function formatIpv4Slow(v: number): Ipv4Addr {
  let s = ipv4Text.get(v);
  if (s === undefined) {
    s = `${v >>> 24}.${(v >>> 16) & 255}.${(v >>> 8) & 255}.${v & 255}`;
    if (ipv4Text.size >= CACHE_LIMIT) ipv4Text.clear();
    ipv4Text.set(v, s);
  }
  return s;
}

/** Dotted text to a 32-bit value; NaN when the text is not an IPv4 address. */
export function parseIpv4(text: string): number {
  let v = ipv4Value.get(text);
  if (v !== undefined) return v;
  v = ipv4FromQuad(text);
  if (Number.isNaN(v)) return NaN;
  if (ipv4Value.size >= CACHE_LIMIT) ipv4Value.clear();
  ipv4Value.set(text, v);
  return v;
}

/**
 * A dotted quad (four parts of one to three digits, each at most 255) to its 32-bit value, NaN
 * for anything else; uncached, character by character (no strings made: sorting a report's tens
 * of thousands of clients reads each once).
 */
export function ipv4FromQuad(text: string): number {
  let v = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x30 && c <= 0x39 && digits < 3) {
      part = part * 10 + (c - 0x30);
      digits++;
    } else if (c === 0x2e && digits > 0 && dots < 3 && part <= 255) {
      v = v * 256 + part;
      part = 0;
      digits = 0;
      dots++;
    } else {
      return NaN;
    }
  }
  return dots === 3 && digits > 0 && part <= 255 ? v * 256 + part : NaN;
}

export function isIpv4(text: string): boolean {
  return !Number.isNaN(parseIpv4(text));
}

export function writeIpv4(buf: Uint8Array, off: number, text: Ipv4Addr): void {
  const v = parseIpv4(text);
  if (Number.isNaN(v)) throw new TypeError(`not an IPv4 address: ${JSON.stringify(text)}`);
  buf[off] = v >>> 24;
  buf[off + 1] = (v >>> 16) & 255;
  buf[off + 2] = (v >>> 8) & 255;
  buf[off + 3] = v & 255;
}

/** The 6-byte MAC address at buf[off..off+6) as lower-case colon text. */
export function formatMacAt(buf: Uint8Array, off: number): MacAddr {
  const hi = (buf[off]! << 8) | buf[off + 1]!;
  const lo = ((buf[off + 2]! << 24) | (buf[off + 3]! << 16) | (buf[off + 4]! << 8) | buf[off + 5]!) >>> 0;
  const key = hi * 0x100000000 + lo;
  const slot = Math.imul(lo ^ Math.imul(hi, 0x85ebca6b), 0x9e3779b1) >>> (32 - SLOT_BITS);
  if (macSlotKey[slot] === key) return macSlotText[slot]!;
  let s = macText.get(key);
  if (s === undefined) {
    s = `${HEX2[buf[off]!]}:${HEX2[buf[off + 1]!]}:${HEX2[buf[off + 2]!]}:${HEX2[buf[off + 3]!]}:${HEX2[buf[off + 4]!]}:${HEX2[buf[off + 5]!]}`;
    if (macText.size >= CACHE_LIMIT) macText.clear();
    macText.set(key, s);
  }
  macSlotKey[slot] = key;
  macSlotText[slot] = s;
  return s;
}

/** Colon (or dash) separated MAC text to 6 bytes; null when it is not a MAC address. */
export function parseMac(text: string): Uint8Array | null {
  const cached = macValue.get(text);
  if (cached !== undefined) return cached;
  const parts = text.split(/[:-]/);
  if (parts.length !== 6) return null;
  const out = new Uint8Array(6);
  for (let i = 0; i < 6; i++) {
    const p = parts[i]!;
    if (!/^[0-9a-fA-F]{1,2}$/.test(p)) return null;
    out[i] = parseInt(p, 16);
  }
  if (macValue.size >= CACHE_LIMIT) macValue.clear();
  macValue.set(text, out);
  return out;
}

export function writeMac(buf: Uint8Array, off: number, text: MacAddr): void {
  const mac = parseMac(text);
  if (mac === null) throw new TypeError(`not a MAC address: ${JSON.stringify(text)}`);
  buf.set(mac, off);
}

export const BROADCAST_MAC: MacAddr = 'ff:ff:ff:ff:ff:ff';
export const ZERO_MAC: MacAddr = '00:00:00:00:00:00';

/** RFC 5952 text of the IPv6 address at buf[off..off+16): lower case, longest zero run as "::". */
export function formatIpv6At(buf: Uint8Array, off: number): string {
  const words: number[] = [];
  for (let i = 0; i < 8; i++) words.push((buf[off + 2 * i]! << 8) | buf[off + 2 * i + 1]!);
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) { i++; continue; }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLen) { bestStart = i; bestLen = j - i; }
    i = j;
  }
  const hex = (a: number, b: number): string => words.slice(a, b).map((w) => w.toString(16)).join(':');
  if (bestStart < 0) return hex(0, 8);
  return `${hex(0, bestStart)}::${hex(bestStart + bestLen, 8)}`;
}

/** Lower-case hex of buf[off..off+len). */
export function hexOf(buf: Uint8Array, off: number, len: number): string {
  let s = '';
  for (let i = 0; i < len; i++) s += HEX2[buf[off + i]!];
  return s;
}

export function hexToBytes(hex: string): Uint8Array {
  const clean = hex.replace(/[^0-9a-fA-F]/g, '');
  const out = new Uint8Array(clean.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(clean.substr(i * 2, 2), 16);
  return out;
}
