/**
 * One expectation table over every container variant of the same content (gopacket's be/le
 * fixtures): pcap and pcapng, little and big endian, micro and nanosecond. The variants come from
 * our writers, and four of them are also written out by hand from the format specs, so the writers
 * are checked against the specs and not only against the reader.
 */
import { describe, expect, it } from 'vitest';
import { CaptureReader, PcapWriter, PcapngWriter, memorySink, type CapturedPacket } from '../../src/capture/index.js';

const hex = (s: string): Uint8Array => Uint8Array.from(Buffer.from(s.replace(/\s+|#[^\n]*/g, ''), 'hex'));

interface Frame {
  data: string;
  tsSec: number;
  tsNsec: number;
  len: number;
  comment?: string;
}

const FRAMES: readonly Frame[] = [
  { data: 'deadbeef01', tsSec: 1700000000, tsNsec: 123456789, len: 60 },
  { data: '', tsSec: 1700000001, tsNsec: 999, len: 0 },
  { data: 'ffffffffffff000c290613ea0806' + '00'.repeat(46), tsSec: 4000000000, tsNsec: 999999999, len: 60, comment: 'arp ✓' },
];

interface Variant {
  format: 'pcap' | 'pcapng';
  byteOrder: 'le' | 'be';
  nanosecond: boolean;
}

const VARIANTS: Variant[] = [];
for (const format of ['pcap', 'pcapng'] as const)
  for (const byteOrder of ['le', 'be'] as const)
    for (const nanosecond of [false, true]) VARIANTS.push({ format, byteOrder, nanosecond });

function write(v: Variant, frames: readonly Frame[] = FRAMES): Uint8Array {
  const sink = memorySink();
  if (v.format === 'pcap') {
    const w = new PcapWriter(sink, { linkType: 1, nanosecond: v.nanosecond, byteOrder: v.byteOrder });
    for (const f of frames) w.writePacket(hex(f.data), f.tsSec, f.tsNsec, f.len);
    w.close();
  } else {
    const w = new PcapngWriter(sink, { byteOrder: v.byteOrder });
    const i = w.addInterface({ linkType: 1, name: 'eth0', nanosecond: v.nanosecond });
    for (const f of frames) w.writePacket(i, hex(f.data), f.tsSec, f.tsNsec, { origLen: f.len, ...(f.comment !== undefined && { comment: f.comment }) });
    w.close();
  }
  return sink.bytes();
}

const brief = (p: CapturedPacket) => ({
  n: p.n,
  tsSec: p.tsSec,
  tsNsec: p.tsNsec,
  caplen: p.caplen,
  len: p.len,
  iface: p.iface,
  linkType: p.linkType,
  data: Buffer.from(p.data).toString('hex'),
  comment: p.comment,
});

describe.each(VARIANTS)('$format $byteOrder nanosecond=$nanosecond', (v) => {
  const bytes = write(v);
  const reader = CaptureReader.fromBytes(bytes, `variant.${v.format}`);
  const packets = Array.from(reader.packets());

  it('describes the file', () => {
    expect(reader.info).toMatchObject({
      file: `variant.${v.format}`,
      format: v.format,
      byteOrder: v.byteOrder,
      nanosecond: v.nanosecond,
      versionMajor: v.format === 'pcap' ? 2 : 1,
      versionMinor: v.format === 'pcap' ? 4 : 0,
    });
    expect(reader.info.interfaces).toEqual([
      {
        linkType: 1,
        snaplen: 262144,
        name: v.format === 'pcapng' ? 'eth0' : null,
        description: null,
        tsResolution: v.nanosecond ? 1e9 : 1e6,
      },
    ]);
  });

  it('delivers the frames with exact timestamps (microsecond files keep whole microseconds)', () => {
    expect(packets.map(brief)).toEqual([
      { n: 1, tsSec: 1700000000, tsNsec: v.nanosecond ? 123456789 : 123456000, caplen: 5, len: 60, iface: 0, linkType: 1, data: 'deadbeef01', comment: null },
      { n: 2, tsSec: 1700000001, tsNsec: v.nanosecond ? 999 : 0, caplen: 0, len: 0, iface: 0, linkType: 1, data: '', comment: null },
      {
        n: 3,
        tsSec: 4000000000,
        tsNsec: v.nanosecond ? 999999999 : 999999000,
        caplen: 60,
        len: 60,
        iface: 0,
        linkType: 1,
        data: FRAMES[2]!.data,
        comment: v.format === 'pcapng' ? 'arp ✓' : null,
      },
    ]);
  });

  it('reports the empty record, and nothing else', () => {
    expect(reader.issues.map((i) => [i.code, i.frame])).toEqual([['zero-length-record', 2]]);
    expect(reader.issues[0]?.message).toMatch(/^variant\.pcap(ng)?: frame 2 at offset \d+: /);
  });

  it('gives file offsets that point at each record', () => {
    const first = v.format === 'pcap' ? 24 : 44 + 32 + (v.nanosecond ? 8 : 0);
    expect(packets[0]?.fileOffset).toBe(first);
    expect(packets[1]?.fileOffset).toBe(first + (v.format === 'pcap' ? 16 + 5 : 28 + 8 + 4));
  });
});

/** The first frame of the table, written from the specs by hand. */
const HAND_WRITTEN: Array<{ variant: Variant; bytes: string }> = [
  {
    variant: { format: 'pcap', byteOrder: 'le', nanosecond: false },
    bytes: `
      d4c3b2a1 0200 0400 00000000 00000000 00000400 01000000  # magic, 2.4, zone, sigfigs, snaplen 262144, ETHERNET
      00f15365 40e20100 05000000 3c000000 deadbeef01           # 1700000000 s, 123456 us, caplen 5, len 60`,
  },
  {
    variant: { format: 'pcap', byteOrder: 'be', nanosecond: true },
    bytes: `
      a1b23c4d 0002 0004 00000000 00000000 00040000 00000001
      6553f100 075bcd15 00000005 0000003c deadbeef01           # 123456789 ns`,
  },
  {
    variant: { format: 'pcapng', byteOrder: 'le', nanosecond: false },
    bytes: `
      0a0d0d0a 2c000000 4d3c2b1a 0100 0000 ffffffffffffffff    # SHB, 44 bytes, v1.0, section length -1
        0400 0700 6c7673636f706500 00000000 2c000000           # shb_userappl "lvscope", end
      01000000 20000000 0100 0000 00000400                     # IDB, 32 bytes, ETHERNET, snaplen
        0200 0400 65746830 00000000 20000000                   # if_name "eth0", end
      06000000 28000000 00000000 240a0600 40222018             # EPB, 40 bytes, iface 0, ts 1700000000123456 us
        05000000 3c000000 deadbeef01000000 28000000`,
  },
  {
    variant: { format: 'pcapng', byteOrder: 'be', nanosecond: true },
    bytes: `
      0a0d0d0a 0000002c 1a2b3c4d 0001 0000 ffffffffffffffff
        0004 0007 6c7673636f706500 00000000 0000002c
      00000001 00000028 0001 0000 00040000
        0002 0004 65746830 0009 0001 09000000 00000000 00000028 # if_name, if_tsresol 9
      00000006 00000028 00000000 17979cfe 3d85cd15             # ts 1700000000123456789 ns
        00000005 0000003c deadbeef01000000 00000028`,
  },
];

describe('hand-written files', () => {
  it.each(HAND_WRITTEN)('$variant.format $variant.byteOrder ns=$variant.nanosecond: the writer produces exactly these bytes', ({ variant, bytes }) => {
    const first = FRAMES.slice(0, 1).map((f) => ({ ...f, comment: undefined }) as Frame);
    expect(Buffer.from(write(variant, first)).toString('hex')).toBe(Buffer.from(hex(bytes)).toString('hex'));
  });

  it.each(HAND_WRITTEN)('$variant.format $variant.byteOrder ns=$variant.nanosecond: the reader reads them', ({ variant, bytes }) => {
    const r = CaptureReader.fromBytes(hex(bytes));
    const packets = Array.from(r.packets()).map(brief);
    expect(r.info.byteOrder).toBe(variant.byteOrder);
    expect(r.info.nanosecond).toBe(variant.nanosecond);
    expect(packets).toEqual([
      { n: 1, tsSec: 1700000000, tsNsec: variant.nanosecond ? 123456789 : 123456000, caplen: 5, len: 60, iface: 0, linkType: 1, data: 'deadbeef01', comment: null },
    ]);
    expect(r.issues).toEqual([]);
  });

  it('EPB with opt_comment, big endian, by hand', () => {
    const bytes = hex(`
      0a0d0d0a 0000001c 1a2b3c4d 0001 0000 ffffffffffffffff 0000001c   # SHB without options
      00000001 00000014 0001 0000 00000000 00000014                     # IDB, snaplen 0 (unlimited), no options
      00000006 00000034 00000000 00060a24 18202240 00000005 0000003c    # EPB, 52 bytes
        deadbeef01000000 0001 0002 68690000 00000000 00000034           # opt_comment "hi", end`);
    const r = CaptureReader.fromBytes(bytes);
    expect(Array.from(r.packets()).map(brief)).toEqual([
      { n: 1, tsSec: 1700000000, tsNsec: 123456000, caplen: 5, len: 60, iface: 0, linkType: 1, data: 'deadbeef01', comment: 'hi' },
    ]);
    expect(r.info.interfaces[0]?.snaplen).toBe(0);
    expect(r.issues).toEqual([]);
  });
});
