/**
 * Classic libpcap files (pcap-savefile(5)): a 24-byte file header, then records of a 16-byte header
 * and caplen bytes. Records carry no length check of their own, so after a damaged record header
 * there is no safe way to find the next one: reading stops there with an issue.
 *
 * Decisions: a record with caplen 0 and len 0 is delivered (pcap allows empty frames) with a
 * 'zero-length-record' issue, because a run of zero bytes reads exactly that way. A microsecond
 * (or nanosecond) field at or above one second is carried into the seconds, so tsNsec < 1e9.
 * When a record cannot be read, the issue code says what it looks like: 'truncated-record' for a
 * plausible header cut short, 'bad-caplen' for an otherwise plausible header with caplen > 256 KiB,
 * 'trailing-garbage' when the header itself is implausible (bad fraction, caplen > len, a jump of
 * more than ten years).
 */
import type { ChunkSource } from './source.js';
import type { FrameCursor, FrameParser, MutableCaptureInfo } from './cursor.js';
import { MAX_CAPLEN } from './cursor.js';
import { frameCount, type IssueLog } from './issues.js';
import { CaptureFormatError } from './errors.js';
import { LINKTYPE_MASK, describeLinkType, linkTypeName } from './link-types.js';

export const PCAP_MAGIC_USEC = 0xa1b2c3d4;
export const PCAP_MAGIC_NSEC = 0xa1b23c4d;
/** Alexey Kuznetzov's patched libpcap: 8 more bytes per record header (ifindex, protocol, pkt_type). */
export const PCAP_MAGIC_KUZNETZOV = 0xa1b2cd34;

export const PCAP_FILE_HEADER_LEN = 24;

/** Ten years: a "next record" this far in time from the previous one is not a record. */
const IMPLAUSIBLE_GAP_SEC = 10 * 365 * 86400;

export class PcapParser implements FrameParser {
  readonly info: MutableCaptureInfo;
  /** The FCS length bits from the header's link-type word (0 when absent). */
  readonly fcsBits: number;
  private readonly src: ChunkSource;
  private readonly cur: FrameCursor;
  private readonly log: IssueLog;
  private readonly le: boolean;
  private readonly recordHeaderLen: number;
  private readonly fracLimit: number;
  private readonly fracToNs: number;
  private readonly snaplen: number;
  private count = 0;
  private prevSec = -1;
  private stopped = false;

  /** src.start is at the magic; throws CaptureFormatError when the file header is unusable. */
  constructor(src: ChunkSource, cur: FrameCursor, log: IssueLog) {
    this.src = src;
    this.cur = cur;
    this.log = log;
    const file = log.file;
    const at = src.position;
    if (!src.ensure(PCAP_FILE_HEADER_LEN)) {
      throw new CaptureFormatError(file, at, `pcap file header cut short: ${src.available} of ${PCAP_FILE_HEADER_LEN} bytes`);
    }
    const p = src.start;
    const view = src.view;
    const magicLe = view.getUint32(p, true);
    const magicBe = view.getUint32(p, false);
    const le = magicLe === PCAP_MAGIC_USEC || magicLe === PCAP_MAGIC_NSEC || magicLe === PCAP_MAGIC_KUZNETZOV;
    const magic = le ? magicLe : magicBe;
    if (!le && magic !== PCAP_MAGIC_USEC && magic !== PCAP_MAGIC_NSEC && magic !== PCAP_MAGIC_KUZNETZOV) {
      throw new CaptureFormatError(file, at, `not a pcap file (magic 0x${magicBe.toString(16).padStart(8, '0')})`);
    }
    this.le = le;
    const nanosecond = magic === PCAP_MAGIC_NSEC;
    const versionMajor = view.getUint16(p + 4, le);
    const versionMinor = view.getUint16(p + 6, le);
    if (versionMajor !== 2) {
      throw new CaptureFormatError(file, at + 4, `unsupported pcap version ${versionMajor}.${versionMinor} (only 2.x is defined)`);
    }
    this.snaplen = view.getUint32(p + 16, le);
    const linkWord = view.getUint32(p + 20, le);
    const linkType = linkWord & LINKTYPE_MASK;
    // Bit 28 says the FCS length in bits 29-31 is meaningful.
    this.fcsBits = (linkWord & 0x10000000) !== 0 ? (linkWord >>> 29) * 16 : 0;
    this.recordHeaderLen = magic === PCAP_MAGIC_KUZNETZOV ? 24 : 16;
    this.fracLimit = nanosecond ? 1e9 : 1e6;
    this.fracToNs = nanosecond ? 1 : 1000;
    this.info = {
      file,
      format: 'pcap',
      byteOrder: le ? 'le' : 'be',
      nanosecond,
      interfaces: [
        { linkType, snaplen: this.snaplen, name: null, description: null, tsResolution: nanosecond ? 1e9 : 1e6 },
      ],
      sectionComment: null,
      versionMajor,
      versionMinor,
    };
    src.start = p + PCAP_FILE_HEADER_LEN;
    if (linkTypeName(linkType) === null) {
      log.report('unsupported-link-type', at + 20, null, `file header names ${describeLinkType(linkType)}, which lvscope does not know`);
    }
    cur.iface = 0;
    cur.linkType = linkType;
    cur.comment = null;
  }

  stop(): void {
    this.stopped = true;
  }

  next(): boolean {
    if (this.stopped) return false;
    const src = this.src;
    const hlen = this.recordHeaderLen;
    if (!src.ensure(hlen)) {
      this.atEnd();
      return false;
    }
    let p = src.start;
    let view = src.view;
    const le = this.le;
    const sec = view.getUint32(p, le);
    const frac = view.getUint32(p + 4, le);
    const caplen = view.getUint32(p + 8, le);
    const len = view.getUint32(p + 12, le);
    if (caplen > MAX_CAPLEN || !src.ensure(hlen + caplen)) {
      this.damagedRecord(sec, frac, caplen, len);
      return false;
    }
    p = src.start;
    const cur = this.cur;
    const n = ++this.count;
    cur.buf = src.buf;
    cur.offset = p + hlen;
    cur.caplen = caplen;
    cur.len = len;
    cur.n = n;
    cur.fileOffset = src.base + p;
    if (frac < this.fracLimit) {
      cur.tsSec = sec;
      cur.tsNsec = frac * this.fracToNs;
    } else {
      // An out-of-range fraction (tcpdump's timestamp_invalid_* tests) still names an instant: carry it.
      const carry = Math.floor(frac / this.fracLimit);
      cur.tsSec = sec + carry;
      cur.tsNsec = (frac - carry * this.fracLimit) * this.fracToNs;
    }
    this.prevSec = sec;
    src.start = p + hlen + caplen;
    if (caplen > this.snaplen && this.snaplen !== 0) {
      this.log.report('caplen-exceeds-snaplen', cur.fileOffset, n, `caplen ${caplen} exceeds the file's snaplen ${this.snaplen}; frame delivered`);
    }
    if (caplen === 0 && len === 0) {
      this.log.report('zero-length-record', cur.fileOffset, n, 'record with caplen 0 and length 0 (legal but empty, or a run of zero bytes); delivered as an empty frame');
    }
    return true;
  }

  /** The input ended at a record boundary, or inside a record header. */
  private atEnd(): void {
    this.stopped = true;
    const left = this.src.available;
    if (left === 0) return;
    this.log.report(
      'truncated-header',
      this.src.position,
      this.count + 1,
      `${left} byte${left === 1 ? '' : 's'} after the last record, too few for a ${this.recordHeaderLen}-byte record header (file cut short, or trailing garbage); ${frameCount(this.count)} read`,
    );
  }

  /** caplen is absurd, or the input ends inside the record: stop, and say which it looks like. */
  private damagedRecord(sec: number, frac: number, caplen: number, len: number): void {
    this.stopped = true;
    const at = this.src.position;
    const frame = this.count + 1;
    const left = this.src.available;
    const looksLikeGarbage =
      frac >= this.fracLimit ||
      (len !== 0 && caplen > len) ||
      (this.prevSec >= 0 && Math.abs(sec - this.prevSec) > IMPLAUSIBLE_GAP_SEC);
    const kept = `${frameCount(this.count)} before it ${this.count === 1 ? 'was' : 'were'} read`;
    if (looksLikeGarbage) {
      this.log.report(
        'trailing-garbage',
        at,
        frame,
        `bytes after the last good record are not a record (ts ${sec}.${frac}, caplen ${caplen}, len ${len}); ignored from here to the end; ${kept}`,
      );
    } else if (caplen > MAX_CAPLEN) {
      this.log.report(
        'bad-caplen',
        at,
        frame,
        `record caplen ${caplen} exceeds ${MAX_CAPLEN}: damaged record header; pcap cannot resynchronise, so reading stops here; ${kept}`,
      );
    } else {
      this.log.report(
        'truncated-record',
        at,
        frame,
        `record of caplen ${caplen} needs ${this.recordHeaderLen + caplen} bytes but only ${left} remain: file cut short; ${kept}`,
      );
    }
  }
}
