/** Writes pcapng: one section (SHB with shb_userappl), IDBs, and EPBs with optional comments. */
import type { ByteSink } from './types.js';
import { BlockType, BYTE_ORDER_MAGIC, OptionCode } from './pcapng-reader.js';
import { DEFAULT_SNAPLEN, checkTime } from './pcap-writer.js';
import { timeToTicks } from './timestamps.js';

export interface PcapngWriterOptions {
  /** One opt_comment per string; a string over 65535 bytes is split at line ends across several. */
  readonly sectionComment?: string | readonly string[];
  /** shb_userappl; default 'lvscope'. */
  readonly userAppl?: string;
  /** Default 'le'. */
  readonly byteOrder?: 'le' | 'be';
}

export interface PcapngInterfaceOptions {
  readonly linkType: number;
  readonly name?: string;
  readonly description?: string;
  /** Default 262144; frames longer than this are cut to it (0: no limit, as pcapng defines). */
  readonly snaplen?: number;
  /** Nanosecond timestamps (if_tsresol 9) instead of the default microseconds. */
  readonly nanosecond?: boolean;
  /**
   * Ticks per second as a power of ten up to 1e9 (if_tsresol 0..9), to keep a capture's own
   * resolution; wins over `nanosecond`. Other resolutions are written as nanoseconds.
   */
  readonly tsResolution?: number;
}

const utf8 = new TextEncoder();
const EPB_HEADER = 28;

interface Option {
  readonly code: number;
  readonly value: Uint8Array;
}

const pad4 = (n: number): number => (n + 3) & ~3;

export class PcapngWriter {
  private readonly sink: ByteSink;
  private readonly le: boolean;
  private readonly ifaces: Array<{ resolution: number; snaplen: number }> = [];
  private readonly head = new Uint8Array(EPB_HEADER);
  private readonly headView = new DataView(this.head.buffer);
  private readonly tail = new Uint8Array(4 + 3);
  private readonly tailView = new DataView(this.tail.buffer);
  private readonly ticks = { hi: 0, lo: 0 };
  private closed = false;

  constructor(sink: ByteSink, opts: PcapngWriterOptions = {}) {
    this.sink = sink;
    this.le = (opts.byteOrder ?? 'le') === 'le';
    const options: Option[] = [];
    const comments = opts.sectionComment === undefined ? [] : typeof opts.sectionComment === 'string' ? [opts.sectionComment] : opts.sectionComment;
    for (const c of comments) for (const part of splitOption(utf8.encode(c))) options.push({ code: OptionCode.comment, value: part });
    options.push({ code: OptionCode.shb_userappl, value: utf8.encode(opts.userAppl ?? 'lvscope') });
    const fixed = new Uint8Array(16);
    const v = new DataView(fixed.buffer);
    v.setUint32(0, BYTE_ORDER_MAGIC, this.le);
    v.setUint16(4, 1, this.le);
    v.setUint16(6, 0, this.le);
    // Section length -1: not known in advance, readers must walk the blocks.
    v.setInt32(8, -1, this.le);
    v.setInt32(12, -1, this.le);
    this.block(BlockType.SHB, fixed, options);
  }

  /** Writes an IDB; returns the interface index to pass to writePacket. */
  addInterface(opts: PcapngInterfaceOptions): number {
    if (this.closed) throw new Error('PcapngWriter: addInterface after close');
    const snaplen = opts.snaplen ?? DEFAULT_SNAPLEN;
    const resolution = decimalResolution(opts.tsResolution) ?? (opts.nanosecond === true || opts.tsResolution !== undefined ? 1e9 : 1e6);
    const options: Option[] = [];
    if (opts.name !== undefined) options.push({ code: OptionCode.if_name, value: utf8.encode(opts.name) });
    if (opts.description !== undefined) options.push({ code: OptionCode.if_description, value: utf8.encode(opts.description) });
    if (resolution !== 1e6) options.push({ code: OptionCode.if_tsresol, value: Uint8Array.of(Math.round(Math.log10(resolution))) });
    const fixed = new Uint8Array(8);
    const v = new DataView(fixed.buffer);
    v.setUint16(0, opts.linkType, this.le);
    v.setUint16(2, 0, this.le);
    v.setUint32(4, snaplen, this.le);
    this.block(BlockType.IDB, fixed, options);
    this.ifaces.push({ resolution, snaplen });
    return this.ifaces.length - 1;
  }

  /**
   * Writes an EPB; tsNsec is nanoseconds (a microsecond interface keeps whole microseconds).
   * `comments` are written as several opt_comment options, after `comment`.
   */
  writePacket(iface: number, data: Uint8Array, tsSec: number, tsNsec: number, opts?: { origLen?: number; comment?: string; comments?: readonly string[] }): void {
    if (this.closed) throw new Error('PcapngWriter: writePacket after close');
    const ifc = this.ifaces[iface];
    if (ifc === undefined) throw new RangeError(`PcapngWriter: interface ${iface} was not added (${this.ifaces.length} interface(s))`);
    checkTime(tsSec, tsNsec);
    const caplen = ifc.snaplen === 0 ? data.length : Math.min(data.length, ifc.snaplen);
    const len = Math.max(opts?.origLen ?? data.length, caplen);
    const comment = opts?.comment !== undefined ? utf8.encode(opts.comment) : null;
    const more = opts?.comments === undefined || opts.comments.length === 0 ? null : opts.comments.map((c) => utf8.encode(c));
    let optionsLen = comment === null ? 0 : 4 + pad4(comment.length);
    if (more !== null) for (const c of more) optionsLen += 4 + pad4(c.length);
    if (optionsLen > 0) optionsLen += 4;
    const total = EPB_HEADER + pad4(caplen) + optionsLen + 4;
    const le = this.le;
    const ticks = this.ticks;
    timeToTicks(tsSec, tsNsec, ifc.resolution, ticks);
    const h = this.headView;
    h.setUint32(0, BlockType.EPB, le);
    h.setUint32(4, total, le);
    h.setUint32(8, iface, le);
    h.setUint32(12, ticks.hi, le);
    h.setUint32(16, ticks.lo, le);
    h.setUint32(20, caplen, le);
    h.setUint32(24, len, le);
    this.sink.write(this.head);
    this.sink.write(caplen === data.length ? data : data.subarray(0, caplen));
    const padding = pad4(caplen) - caplen;
    if (optionsLen === 0) {
      this.tail.fill(0, 0, padding);
      this.tailView.setUint32(padding, total, le);
      this.sink.write(this.tail.subarray(0, padding + 4));
      return;
    }
    const rest = new Uint8Array(padding + optionsLen + 4);
    const v = new DataView(rest.buffer);
    let at = padding;
    if (comment !== null) at = writeOption(v, rest, at, OptionCode.comment, comment, le);
    if (more !== null) for (const c of more) at = writeOption(v, rest, at, OptionCode.comment, c, le);
    at += 4; // opt_endofopt: code 0, length 0
    v.setUint32(at, total, le);
    this.sink.write(rest);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.sink.close();
  }

  /** A whole block: type, length, fixed body, options then opt_endofopt, length again. */
  private block(type: number, fixed: Uint8Array, options: readonly Option[]): void {
    let optionsLen = 0;
    for (const o of options) optionsLen += 4 + pad4(o.value.length);
    if (options.length > 0) optionsLen += 4;
    const total = 8 + fixed.length + optionsLen + 4;
    const bytes = new Uint8Array(total);
    const v = new DataView(bytes.buffer);
    const le = this.le;
    v.setUint32(0, type, le);
    v.setUint32(4, total, le);
    bytes.set(fixed, 8);
    let at = 8 + fixed.length;
    for (const o of options) at = writeOption(v, bytes, at, o.code, o.value, le);
    v.setUint32(total - 4, total, le);
    this.sink.write(bytes);
  }
}

function writeOption(v: DataView, bytes: Uint8Array, at: number, code: number, value: Uint8Array, le: boolean): number {
  if (value.length > 0xffff) throw new RangeError(`pcapng option ${code} of ${value.length} bytes exceeds 65535`);
  v.setUint16(at, code, le);
  v.setUint16(at + 2, value.length, le);
  bytes.set(value, at + 4);
  return at + 4 + pad4(value.length);
}

/** 10^k for k in 0..9, else null. */
function decimalResolution(res: number | undefined): number | null {
  if (res === undefined) return null;
  for (let k = 0, p = 1; k <= 9; k++, p *= 10) if (res === p) return p;
  return null;
}

const MAX_OPTION = 0xffff;

/** UTF-8 text as option values of at most 65535 bytes, cut after a newline where one is near, never inside a character. */
function splitOption(bytes: Uint8Array): Uint8Array[] {
  const parts: Uint8Array[] = [];
  let at = 0;
  while (bytes.length - at > MAX_OPTION) {
    let end = at + MAX_OPTION;
    const nl = bytes.lastIndexOf(0x0a, end - 1);
    if (nl >= at + MAX_OPTION / 2) end = nl + 1;
    else while ((bytes[end]! & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(at, end));
    at = end;
  }
  parts.push(bytes.subarray(at));
  return parts;
}
