/**
 * pcapng (draft-ietf-opsawg-pcapng): a sequence of blocks, each framed by the same total length at
 * its start and end. Sections (SHB) set the byte order and own their interfaces (IDB); packets come
 * in EPB, SPB and the obsolete PB. Everything else is skipped by its length. A block whose framing
 * is broken stops reading: the next block boundary cannot be trusted.
 */
import type { ChunkSource } from './source.js';
import type { FrameCursor, FrameParser, MutableCaptureInfo } from './cursor.js';
import { MAX_CAPLEN } from './cursor.js';
import { frameCount, type IssueLog } from './issues.js';
import type { CaptureInterface } from './types.js';
import { CaptureFormatError } from './errors.js';
import { describeLinkType, linkTypeName } from './link-types.js';
import { MICROSECOND_SCALE, tickScale, ticksToTime, type TickScale } from './timestamps.js';

export const BlockType = {
  SHB: 0x0a0d0d0a,
  IDB: 1,
  PB: 2,
  SPB: 3,
  NRB: 4,
  ISB: 5,
  EPB: 6,
  DSB: 0x0000000a,
} as const;

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;

export const OptionCode = {
  endofopt: 0,
  comment: 1,
  shb_hardware: 2,
  shb_os: 3,
  shb_userappl: 4,
  if_name: 2,
  if_description: 3,
  if_tsresol: 9,
  if_fcslen: 13,
  if_tsoffset: 14,
} as const;

/** Packet, interface and section blocks bigger than this are damage, not data. */
const MAX_HEADER_BLOCK = 16 * 1024 * 1024;
const SHB_MIN_LEN = 28;
const BLOCK_NAMES: Readonly<Record<number, string>> = {
  [BlockType.SHB]: 'SHB',
  [BlockType.IDB]: 'IDB',
  [BlockType.PB]: 'PB',
  [BlockType.SPB]: 'SPB',
  [BlockType.EPB]: 'EPB',
};

const utf8 = new TextDecoder('utf-8');

export class PcapngParser implements FrameParser {
  readonly info: MutableCaptureInfo;
  private readonly src: ChunkSource;
  private readonly cur: FrameCursor;
  private readonly log: IssueLog;
  private le = true;
  /** Per interface of the current section, indexed like info.interfaces. */
  private scales: TickScale[] = [];
  private tsOffsets: number[] = [];
  /** False until a packet arrives on an interface whose link type is not in the LinkType table. */
  private linkTypeChecked: boolean[] = [];
  private count = 0;
  private stopped = false;
  /** False: packet comments are not decoded (cur.comment stays null), though their options are still checked. */
  private readonly comments: boolean;
  /** The option option() last found. */
  private optionCode = 0;
  private optionLen = 0;

  /** src.start is at the first SHB; throws CaptureFormatError when it is unusable. */
  constructor(src: ChunkSource, cur: FrameCursor, log: IssueLog, comments = true) {
    this.src = src;
    this.cur = cur;
    this.log = log;
    this.comments = comments;
    this.info = {
      file: log.file,
      format: 'pcapng',
      byteOrder: 'le',
      nanosecond: false,
      interfaces: [],
      sectionComment: null,
      versionMajor: 1,
      versionMinor: 0,
    };
    this.readSectionHeader(true);
  }

  stop(): void {
    this.stopped = true;
  }

  next(): boolean {
    const src = this.src;
    for (;;) {
      if (this.stopped) return false;
      if (!src.ensure(8)) {
        this.atEnd();
        return false;
      }
      let p = src.start;
      let view = src.view;
      const le = this.le;
      const type = view.getUint32(p, le);
      if (type === BlockType.SHB) {
        this.readSectionHeader(false);
        continue;
      }
      const blen = view.getUint32(p + 4, le);
      if (blen < 12 || (blen & 3) !== 0) {
        this.badBlock(type, `block length ${blen} is ${blen < 12 ? 'below the 12-byte minimum' : 'not a multiple of 4'}`);
        return false;
      }
      if (!isKnownBlockType(type) && (blen > MAX_HEADER_BLOCK || !src.ensure(blen))) {
        // Neither a block type anyone writes nor a whole block: bytes appended after the capture.
        this.stopped = true;
        this.log.report('trailing-garbage', src.position, this.count + 1, `bytes after the last block are not a block (type 0x${type.toString(16)}, length ${blen}, ${src.available} bytes left); ignored; ${frameCount(this.count)} read`);
        return false;
      }
      const isPacket = type === BlockType.EPB || type === BlockType.SPB || type === BlockType.PB;
      if (!isPacket && type !== BlockType.IDB) {
        if (!this.skipBlock(type, blen)) return false;
        continue;
      }
      if (blen > MAX_HEADER_BLOCK) {
        this.badBlock(type, `block length ${blen} is too large for a ${blockName(type)}`);
        return false;
      }
      if (!src.ensure(blen)) {
        this.truncated(type, blen);
        return false;
      }
      p = src.start;
      view = src.view;
      const trailer = view.getUint32(p + blen - 4, le);
      if (trailer !== blen) {
        this.badBlock(type, `block length ${blen} at the start but ${trailer} at the end`);
        return false;
      }
      src.start = p + blen;
      if (type === BlockType.EPB) {
        if (this.enhancedPacket(p, blen)) return true;
      } else if (type === BlockType.IDB) {
        this.interfaceDescription(p, blen);
      } else if (type === BlockType.SPB) {
        if (this.simplePacket(p, blen)) return true;
      } else if (this.obsoletePacket(p, blen)) {
        return true;
      }
    }
  }

  private enhancedPacket(p: number, blen: number): boolean {
    return this.timedPacket(p, blen, this.src.view.getUint32(p + 8, this.le));
  }

  /** The obsolete Packet Block: an EPB but for a 16-bit interface id (and a drops count after it). */
  private obsoletePacket(p: number, blen: number): boolean {
    return this.timedPacket(p, blen, this.src.view.getUint16(p + 8, this.le));
  }

  /** EPB and PB from the timestamp on: high, low, captured length, original length, data at 28. */
  private timedPacket(p: number, blen: number, iface: number): boolean {
    const view = this.src.view;
    const le = this.le;
    return this.deliver(p, blen, 28, iface, view.getUint32(p + 12, le), view.getUint32(p + 16, le), view.getUint32(p + 20, le), view.getUint32(p + 24, le), true);
  }

  private simplePacket(p: number, blen: number): boolean {
    const len = this.src.view.getUint32(p + 8, this.le);
    const ifc = this.info.interfaces[0];
    // The SPB's captured length is implied: the original length cut to the snaplen and to the block.
    let caplen = Math.min(len, blen - 16);
    if (ifc !== undefined && ifc.snaplen !== 0 && caplen > ifc.snaplen) caplen = ifc.snaplen;
    return this.deliver(p, blen, 12, 0, -1, 0, caplen, len, false);
  }

  /** Common tail of the packet blocks; tsHi -1 means "no timestamp" (SPB). */
  private deliver(
    p: number,
    blen: number,
    dataAt: number,
    iface: number,
    tsHi: number,
    tsLo: number,
    caplen: number,
    len: number,
    hasOptions: boolean,
  ): boolean {
    const fileOffset = this.src.base + p;
    const frame = this.count + 1;
    const interfaces = this.info.interfaces;
    if (iface >= interfaces.length) {
      this.log.report(
        'unknown-interface',
        fileOffset,
        frame,
        `${blockName(this.src.view.getUint32(p, this.le))} names interface ${iface} but the section has ${interfaces.length}; packet skipped`,
      );
      return false;
    }
    const padded = (caplen + 3) & ~3;
    if (caplen > MAX_CAPLEN || dataAt + padded + 4 > blen) {
      this.log.report('bad-caplen', fileOffset, frame, `caplen ${caplen} does not fit in a block of ${blen} bytes; packet skipped`);
      return false;
    }
    const cur = this.cur;
    const n = ++this.count;
    cur.buf = this.src.buf;
    cur.offset = p + dataAt;
    cur.caplen = caplen;
    cur.len = len;
    cur.iface = iface;
    cur.n = n;
    cur.fileOffset = fileOffset;
    const ifc = interfaces[iface]!;
    cur.linkType = ifc.linkType;
    if (!this.linkTypeChecked[iface]) this.reportLinkType(iface, fileOffset, n);
    if (tsHi < 0) {
      cur.tsSec = 0;
      cur.tsNsec = 0;
    } else {
      ticksToTime(tsHi, tsLo, this.scales[iface]!, cur);
      const shift = this.tsOffsets[iface]!;
      if (shift !== 0) cur.tsSec += shift;
    }
    const optAt = dataAt + padded;
    cur.comment = hasOptions && optAt + 4 < blen ? this.packetComment(p + optAt, p + blen - 4, fileOffset, n) : null;
    if (caplen > ifc.snaplen && ifc.snaplen !== 0) {
      this.log.report('caplen-exceeds-snaplen', fileOffset, n, `caplen ${caplen} exceeds interface ${iface}'s snaplen ${ifc.snaplen}; frame delivered`);
    }
    if (caplen === 0 && len === 0) {
      this.log.report('zero-length-record', fileOffset, n, 'packet with caplen 0 and length 0; delivered as an empty frame');
    }
    return true;
  }

  /** The first opt_comment of a packet block, or null. No callback: this runs per packet. */
  private packetComment(from: number, to: number, fileOffset: number, n: number): string | null {
    for (let q = this.option(from, to, fileOffset, n); q >= 0; q = this.option(q + 4 + ((this.optionLen + 3) & ~3), to, fileOffset, n)) {
      if (this.optionCode === OptionCode.comment) return this.comments ? this.text(q + 4, this.optionLen) : null;
    }
    return null;
  }

  private interfaceDescription(p: number, blen: number): void {
    const view = this.src.view;
    const le = this.le;
    const fileOffset = this.src.base + p;
    if (blen < 20) {
      this.log.report('bad-block', fileOffset, this.count + 1, `IDB of ${blen} bytes is shorter than its 20-byte minimum; skipped`);
      return;
    }
    const linkType = view.getUint16(p + 8, le);
    const snaplen = view.getUint32(p + 12, le);
    let name: string | null = null;
    let description: string | null = null;
    let scale = MICROSECOND_SCALE;
    let tsOffset = 0;
    const index = this.info.interfaces.length;
    this.eachOption(p + 16, p + blen - 4, fileOffset, null, (code, at, olen) => {
      if (code === OptionCode.if_name) name = this.text(at, olen);
      else if (code === OptionCode.if_description) description = this.text(at, olen);
      else if (code === OptionCode.if_tsresol && olen >= 1) {
        const r = this.src.buf[at]!;
        const exponent = r & 0x7f;
        if ((r & 0x80) === 0 ? exponent > 19 : exponent > 63) {
          this.log.report('bad-option', fileOffset, null, `interface ${index}: if_tsresol 0x${r.toString(16)} is out of range; using microseconds`);
        } else if ((r & 0x80) === 0) {
          scale = tickScale(10 ** exponent, 10n ** BigInt(exponent));
        } else {
          scale = tickScale(2 ** exponent, 1n << BigInt(exponent));
        }
      } else if (code === OptionCode.if_tsoffset && olen >= 8) {
        tsOffset = Number(this.src.view.getBigInt64(at, le));
      }
    });
    const ifc: CaptureInterface = { linkType, snaplen, name, description, tsResolution: scale.resolution };
    this.info.interfaces.push(ifc);
    this.scales.push(scale);
    this.tsOffsets.push(tsOffset);
    this.linkTypeChecked.push(linkTypeName(linkType) !== null);
    if (scale.resolution > 1e6) this.info.nanosecond = true;
  }

  /** Reported at the first packet that needs it: files often describe interfaces they never use. */
  private reportLinkType(iface: number, fileOffset: number, n: number): void {
    this.linkTypeChecked[iface] = true;
    const linkType = this.info.interfaces[iface]!.linkType;
    this.log.report('unsupported-link-type', fileOffset, n, `interface ${iface} has ${describeLinkType(linkType)}, which lvscope does not know; frame delivered`);
  }

  /**
   * Reads an SHB at src.start: sets the byte order, starts a new set of interfaces. The first one
   * throws when unusable; a later one that is damaged stops reading.
   */
  private readSectionHeader(first: boolean): void {
    const src = this.src;
    const at = src.position;
    const fail = (code: 'bad-block' | 'truncated-record', detail: string): void => {
      this.log.report(code, at, this.count + 1, `${detail}; reading stops; ${frameCount(this.count)} read`);
      this.stopped = true;
    };
    if (!src.ensure(16)) {
      if (first) throw new CaptureFormatError(this.log.file, at, `pcapng section header cut short: ${src.available} of 16 bytes`);
      fail('truncated-record', `section header block cut short: ${src.available} bytes left`);
      return;
    }
    let p = src.start;
    const bom = src.view.getUint32(p + 8, true);
    let le: boolean;
    if (bom === BYTE_ORDER_MAGIC) le = true;
    else if (src.view.getUint32(p + 8, false) === BYTE_ORDER_MAGIC) le = false;
    else {
      const detail = `section header byte-order magic is 0x${src.view.getUint32(p + 8, false).toString(16).padStart(8, '0')}, not 1a2b3c4d`;
      if (first) throw new CaptureFormatError(this.log.file, at + 8, detail);
      fail('bad-block', detail);
      return;
    }
    const major = src.view.getUint16(p + 12, le);
    const minor = src.view.getUint16(p + 14, le);
    if (major !== 1) {
      const detail = `unsupported pcapng version ${major}.${minor} (only 1.x is defined)`;
      if (first) throw new CaptureFormatError(this.log.file, at + 12, detail);
      fail('bad-block', detail);
      return;
    }
    const blen = src.view.getUint32(p + 4, le);
    if (blen < SHB_MIN_LEN || (blen & 3) !== 0 || blen > MAX_HEADER_BLOCK) {
      fail('bad-block', `section header block length ${blen} is invalid`);
      return;
    }
    if (!src.ensure(blen)) {
      fail('truncated-record', `section header block of ${blen} bytes is cut short (${src.available} left)`);
      return;
    }
    p = src.start;
    const trailer = src.view.getUint32(p + blen - 4, le);
    if (trailer !== blen) {
      fail('bad-block', `SHB length ${blen} at the start but ${trailer} at the end`);
      return;
    }
    this.le = le;
    const info = this.info;
    info.byteOrder = le ? 'le' : 'be';
    info.versionMajor = major;
    info.versionMinor = minor;
    info.sectionComment = null;
    if (!first) info.interfaces = [];
    this.scales = [];
    this.tsOffsets = [];
    this.linkTypeChecked = [];
    let comment: string | null = null;
    this.eachOption(p + 24, p + blen - 4, at, null, (code, vat, olen) => {
      if (code === OptionCode.comment && comment === null) comment = this.text(vat, olen);
    });
    info.sectionComment = comment;
    src.start = p + blen;
  }

  /** Calls fn for each option in [from, to) of the current buffer; a malformed list is reported and cut. */
  private eachOption(
    from: number,
    to: number,
    fileOffset: number,
    frame: number | null,
    fn: (code: number, at: number, len: number) => void,
  ): void {
    for (let q = this.option(from, to, fileOffset, frame); q >= 0; q = this.option(q + 4 + ((this.optionLen + 3) & ~3), to, fileOffset, frame)) {
      fn(this.optionCode, q + 4, this.optionLen);
    }
  }

  /**
   * The option at q, if the list goes on there: its offset, with its code and length in optionCode
   * and optionLen; -1 at the end of the list or of [q, to), or (reported) where an option runs past it.
   */
  private option(q: number, to: number, fileOffset: number, frame: number | null): number {
    if (q + 4 > to) return -1;
    const view = this.src.view;
    const code = view.getUint16(q, this.le);
    const olen = view.getUint16(q + 2, this.le);
    if (code === OptionCode.endofopt) return -1;
    if (q + 4 + olen > to) {
      this.log.report('bad-option', fileOffset, frame, `option ${code} of ${olen} bytes runs past the end of its block; remaining options ignored`);
      return -1;
    }
    this.optionCode = code;
    this.optionLen = olen;
    return q;
  }

  private text(at: number, len: number): string {
    return utf8.decode(this.src.buf.subarray(at, at + len));
  }

  /** Blocks nobody reads (NRB, ISB, DSB, custom...) are passed over without holding them in memory. */
  private skipBlock(type: number, blen: number): boolean {
    const src = this.src;
    if (blen <= src.buf.length && src.ensure(blen)) {
      const trailer = src.view.getUint32(src.start + blen - 4, this.le);
      if (trailer !== blen) {
        this.badBlock(type, `block length ${blen} at the start but ${trailer} at the end`);
        return false;
      }
      src.start += blen;
      return true;
    }
    if (src.eof && src.available < blen) {
      this.truncated(type, blen);
      return false;
    }
    const at = src.position;
    if (!src.skip(blen - 4) || !src.ensure(4)) {
      this.stopped = true;
      this.log.report('truncated-record', at, this.count + 1, `block type 0x${type.toString(16)} of ${blen} bytes is cut short by the end of the file`);
      return false;
    }
    const trailer = src.view.getUint32(src.start, this.le);
    if (trailer !== blen) {
      this.stopped = true;
      this.log.report('bad-block', at, this.count + 1, `block type 0x${type.toString(16)}: length ${blen} at the start but ${trailer} at the end`);
      return false;
    }
    src.start += 4;
    return true;
  }

  private badBlock(type: number, detail: string): void {
    this.stopped = true;
    if (!isKnownBlockType(type)) {
      this.log.report('trailing-garbage', this.src.position, this.count + 1, `bytes after the last good block are not a block (type 0x${type.toString(16)}: ${detail}); ignored from here to the end; ${frameCount(this.count)} read`);
      return;
    }
    this.log.report('bad-block', this.src.position, this.count + 1, `${blockName(type)}: ${detail}; reading stops (the next block cannot be found safely); ${frameCount(this.count)} read`);
  }

  private truncated(type: number, blen: number): void {
    this.stopped = true;
    this.log.report(
      'truncated-record',
      this.src.position,
      this.count + 1,
      `${blockName(type)} of ${blen} bytes is cut short: only ${this.src.available} bytes remain; ${frameCount(this.count)} read`,
    );
  }

  private atEnd(): void {
    this.stopped = true;
    const left = this.src.available;
    if (left === 0) return;
    this.log.report('truncated-header', this.src.position, this.count + 1, `${left} byte${left === 1 ? '' : 's'} after the last block, too few for a block header (file cut short, or trailing garbage); ${frameCount(this.count)} read`);
  }
}

/**
 * Block types in the pcapng registry (1-10, custom 0xBAD/0x40000BAD) or its local-use range (high
 * bit set). Anything else with a broken length is taken for appended garbage, not a damaged block.
 */
function isKnownBlockType(type: number): boolean {
  return (type >= 1 && type <= 10) || type === 0x00000bad || type === 0x40000bad || type >= 0x80000000 || type === BlockType.SHB;
}

function blockName(type: number): string {
  return BLOCK_NAMES[type] ?? `block type 0x${type.toString(16)}`;
}
