/**
 * TCP (RFC 9293) with the options an LVS capture shows: MSS, window scale, SACK-permitted, SACK
 * blocks, timestamps, TFO (RFC 7413, kind 34) and TOA (kind 254, length 8: the client's port and
 * IPv4 address that Alibaba's FULLNAT inserts so the real server can learn who the client is).
 */
import { formatIpv4At, hexOf } from './address.js';
import type { TcpOption, TcpRecord } from './records.js';
import { exactCopy } from './exact-copy.js';
import { HeaderView, readU32 } from './view.js';

export const TCP_FLAG = { FIN: 0x01, SYN: 0x02, RST: 0x04, PSH: 0x08, ACK: 0x10, URG: 0x20, ECE: 0x40, CWR: 0x80, NS: 0x100 } as const;

export const TCP_OPTION_KIND = { EOL: 0, NOP: 1, MSS: 2, WSCALE: 3, SACK_PERMITTED: 4, SACK: 5, TIMESTAMP: 8, TFO: 34, TOA: 254 } as const;

/** RFC 6994 experiment identifiers seen in option 254. */
const EXID_TFO = 0xf989;
const EXID_ACCECN0 = 0xacc0;
const EXID_ACCECN1 = 0xacc1;

const field = { SRC_PORT: 0, DST_PORT: 2, SEQ: 4, ACK: 8, FLAGS: 12, WINDOW: 14, CHECKSUM: 16, URGENT: 18 } as const;
export const TCP_HEADER_LEN = field.URGENT + 2;

/** Flag letters in the order C E U A P R S F, as lvscope's records print them. */
const FLAG_TEXT: string[] = [];
for (let bits = 0; bits < 256; bits++) {
  let s = '';
  if (bits & TCP_FLAG.CWR) s += 'C';
  if (bits & TCP_FLAG.ECE) s += 'E';
  if (bits & TCP_FLAG.URG) s += 'U';
  if (bits & TCP_FLAG.ACK) s += 'A';
  if (bits & TCP_FLAG.PSH) s += 'P';
  if (bits & TCP_FLAG.RST) s += 'R';
  if (bits & TCP_FLAG.SYN) s += 'S';
  if (bits & TCP_FLAG.FIN) s += 'F';
  FLAG_TEXT.push(s);
}
export function tcpFlagsText(bits: number): string {
  return FLAG_TEXT[bits & 0xff]!;
}

/** Bytes one option takes on the wire. */
export function tcpOptionLength(o: TcpOption): number {
  switch (o.kind) {
    case 'eol': case 'nop': return 1;
    case 'mss': return 4;
    case 'wscale': return 3;
    case 'sackOk': return 2;
    case 'sack': return 2 + 8 * o.blocks.length;
    case 'ts': return 10;
    case 'tfo': return 2 + (o.cookie.length >> 1);
    case 'toa': return 8;
    case 'unknown': return 2 + (o.data.length >> 1);
  }
}

/** Bytes the options take before padding to a multiple of 4. */
export function tcpOptionsLength(options: readonly TcpOption[] | null | undefined): number {
  if (options === null || options === undefined) return 0;
  let n = 0;
  for (const o of options) n += tcpOptionLength(o);
  return n;
}

const NO_OPTIONS: readonly TcpOption[] = Object.freeze([]);
const EOL: TcpOption = Object.freeze({ kind: 'eol' });
const NOP: TcpOption = Object.freeze({ kind: 'nop' });
const SACK_OK: TcpOption = Object.freeze({ kind: 'sackOk' });

export class TcpView extends HeaderView {
  /** Options of the current header, reused: options() returns an exact-size copy. */
  private readonly scratch: TcpOption[] = [];


  check(): readonly ['truncated' | 'bad-header-length', string] | null {
    const short = this.tooShort('TCP header', TCP_HEADER_LEN);
    if (short !== null) return ['truncated', short];
    const hl = this.headerLen;
    if (hl < TCP_HEADER_LEN) return ['bad-header-length', `TCP data offset ${hl >> 2} (${hl} bytes) < 5`];
    if (hl > this.len) return ['truncated', `TCP header length ${hl}, ${this.len} bytes captured`];
    return null;
  }

  get srcPort(): number { return this.u16(field.SRC_PORT); }
  get dstPort(): number { return this.u16(field.DST_PORT); }
  get seqNumber(): number { return this.u32(field.SEQ); }
  get ackNumber(): number { return this.u32(field.ACK); }
  get headerLen(): number { return (this.buf[this.off + field.FLAGS]! >>> 4) * 4; }
  /** NS..FIN as 9 bits. */
  get flagBits(): number { return ((this.buf[this.off + field.FLAGS]! & 1) << 8) | this.buf[this.off + field.FLAGS + 1]!; }
  get windowLen(): number { return this.u16(field.WINDOW); }
  get checksum(): number { return this.u16(field.CHECKSUM); }
  get urgentPointer(): number { return this.u16(field.URGENT); }

  /**
   * Options between the fixed header and the data offset. A malformed option (length < 2 or
   * running past the header) ends parsing and is reported through `onBad` with its offset.
   */
  options(onBad: (offsetInHeader: number, message: string) => void): readonly TcpOption[] {
    const hl = this.headerLen;
    if (hl <= TCP_HEADER_LEN) return NO_OPTIONS;
    const b = this.buf;
    const o = this.off;
    // What Linux puts on every segment after the handshake: NOP, NOP, timestamps (RFC 7323 appendix A).
    if (hl === TCP_HEADER_LEN + 12 && b[o + 20] === 1 && b[o + 21] === 1 && b[o + 22] === 8 && b[o + 23] === 10) {
      return [NOP, NOP, { kind: 'ts', tsval: readU32(b, o + 24), tsecr: readU32(b, o + 28) }];
    }
    const end = o + hl;
    const out = this.scratch;
    let n = 0;
    let i = this.off + TCP_HEADER_LEN;
    while (i < end) {
      const kind = b[i]!;
      if (kind === TCP_OPTION_KIND.EOL) { out[n++] = EOL; break; }
      if (kind === TCP_OPTION_KIND.NOP) { out[n++] = NOP; i++; continue; }
      if (i + 1 >= end) { onBad(i - this.off, `TCP option kind ${kind} has no length byte`); break; }
      const olen = b[i + 1]!;
      if (olen < 2 || i + olen > end) { onBad(i - this.off, `TCP option kind ${kind} length ${olen} runs past the header`); break; }
      const d = i + 2;
      const dlen = olen - 2;
      switch (kind) {
        case TCP_OPTION_KIND.MSS:
          out[n++] = dlen === 2 ? { kind: 'mss', value: (b[d]! << 8) | b[d + 1]! } : bad(kind, b, d, dlen, i - this.off, onBad);
          break;
        case TCP_OPTION_KIND.WSCALE:
          out[n++] = dlen === 1 ? { kind: 'wscale', value: b[d]! } : bad(kind, b, d, dlen, i - this.off, onBad);
          break;
        case TCP_OPTION_KIND.SACK_PERMITTED:
          out[n++] = dlen === 0 ? SACK_OK : bad(kind, b, d, dlen, i - this.off, onBad);
          break;
        case TCP_OPTION_KIND.SACK: {
          if (dlen % 8 !== 0) { out[n++] = bad(kind, b, d, dlen, i - this.off, onBad); break; }
          const blocks: (readonly [number, number])[] = [];
          for (let k = 0; k < dlen; k += 8) blocks.push([readU32(b, d + k), readU32(b, d + k + 4)]);
          out[n++] = { kind: 'sack', blocks };
          break;
        }
        case TCP_OPTION_KIND.TIMESTAMP:
          out[n++] = dlen === 8 ? { kind: 'ts', tsval: readU32(b, d), tsecr: readU32(b, d + 4) } : bad(kind, b, d, dlen, i - this.off, onBad);
          break;
        case TCP_OPTION_KIND.TFO:
          out[n++] = { kind: 'tfo', cookie: hexOf(b, d, dlen) };
          break;
        case TCP_OPTION_KIND.TOA: {
          // Kind 254 is also RFC 6994's shared experimental option, tagged by a 16-bit ExID: Linux
          // sent TFO that way before kind 34 (ExID 0xF989, what tcpdump prints as exp-tfo), and
          // AccECN drafts use 0xACC0/0xACC1. A TFO with a 4-byte cookie is 8 bytes long too, so
          // the ExID must be checked before the bytes are read as a client port and address.
          const exid = dlen >= 2 ? (b[d]! << 8) | b[d + 1]! : -1;
          if (exid === EXID_TFO) out[n++] = { kind: 'tfo', cookie: hexOf(b, d + 2, dlen - 2) };
          else if (dlen === 6 && exid !== EXID_ACCECN0 && exid !== EXID_ACCECN1) out[n++] = { kind: 'toa', port: exid, addr: formatIpv4At(b, d + 2) };
          else out[n++] = { kind: 'unknown', code: kind, data: hexOf(b, d, dlen) };
          break;
        }
        default:
          out[n++] = { kind: 'unknown', code: kind, data: hexOf(b, d, dlen) };
      }
      i += olen;
    }
    return exactCopy(out, n);
  }

  toRecord(frameOffset: number, options: readonly TcpOption[], payloadLength: number, checksumOk: boolean | null): TcpRecord {
    // Fields read straight from the bytes: the getters each re-read buf and off.
    const b = this.buf, o = this.off;
    const bits = ((b[o + field.FLAGS]! & 1) << 8) | b[o + field.FLAGS + 1]!;
    return {
      type: 'tcp', srcPort: (b[o]! << 8) | b[o + 1]!, dstPort: (b[o + 2]! << 8) | b[o + 3]!,
      seq: readU32(b, o + field.SEQ), ack: readU32(b, o + field.ACK),
      flags: FLAG_TEXT[bits & 0xff]!, flagBits: bits, window: (b[o + field.WINDOW]! << 8) | b[o + field.WINDOW + 1]!,
      checksum: (b[o + field.CHECKSUM]! << 8) | b[o + field.CHECKSUM + 1]!, checksumOk,
      urgentPointer: (b[o + field.URGENT]! << 8) | b[o + field.URGENT + 1]!, headerLength: (b[o + field.FLAGS]! >>> 4) * 4,
      options, payloadLength, offset: frameOffset,
    };
  }
}

function bad(kind: number, b: Uint8Array, d: number, dlen: number, at: number, onBad: (o: number, m: string) => void): TcpOption {
  onBad(at, `TCP option kind ${kind} has length ${dlen + 2}, not its fixed length`);
  return { kind: 'unknown', code: kind, data: hexOf(b, d, dlen) };
}
