/** Damaged files: every issue names its code, file, frame and exact offset; good frames survive. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureFormatError, CaptureReader, PcapWriter, PcapngWriter, memorySink } from '../../src/capture/index.js';

const frame = (size: number, seed: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (i * 7 + seed) & 0xff);

/** Records at 24 (caplen 10), 50 (20), 86 (30); 132 bytes in all. */
function threeFramePcap(byteOrder: 'le' | 'be' = 'le'): Uint8Array {
  const sink = memorySink();
  const w = new PcapWriter(sink, { linkType: 1, byteOrder });
  w.writePacket(frame(10, 1), 1000, 1000);
  w.writePacket(frame(20, 2), 1001, 2000);
  w.writePacket(frame(30, 3), 1002, 3000);
  w.close();
  return sink.bytes();
}

/** SHB 0..44, IDB 44..76, EPBs at 76 (caplen 10, 44 bytes), 120 (20, 52 bytes), 172 (30, 64 bytes); 236 in all. */
function threeFramePcapng(byteOrder: 'le' | 'be' = 'le'): Uint8Array {
  const sink = memorySink();
  const w = new PcapngWriter(sink, { byteOrder });
  const i = w.addInterface({ linkType: 1, name: 'eth0' });
  w.writePacket(i, frame(10, 1), 1000, 1000);
  w.writePacket(i, frame(20, 2), 1001, 2000);
  w.writePacket(i, frame(30, 3), 1002, 3000);
  w.close();
  return sink.bytes();
}

function read(bytes: Uint8Array, name = 'damaged.pcap') {
  const r = CaptureReader.fromBytes(bytes, name);
  const frames: Array<{ n: number; caplen: number; fileOffset: number }> = [];
  while (r.next()) frames.push({ n: r.n, caplen: r.caplen, fileOffset: r.fileOffset });
  return { frames, issues: r.issues.map((i) => ({ code: i.code, offset: i.offset, frame: i.frame })), messages: r.issues.map((i) => i.message), reader: r };
}

const setU32 = (bytes: Uint8Array, at: number, value: number, le = true): void => new DataView(bytes.buffer, bytes.byteOffset).setUint32(at, value, le);

const concat = (...parts: Uint8Array[]): Uint8Array => Uint8Array.from(Buffer.concat(parts));

describe('pcap damage', () => {
  it('the fixture is what the offsets below assume', () => {
    const { frames, issues } = read(threeFramePcap());
    expect(frames).toEqual([
      { n: 1, caplen: 10, fileOffset: 24 },
      { n: 2, caplen: 20, fileOffset: 50 },
      { n: 3, caplen: 30, fileOffset: 86 },
    ]);
    expect(issues).toEqual([]);
  });

  it.each(['le', 'be'] as const)('truncated last record (%s): truncated-record at offset 86, frames 1-2 delivered', (order) => {
    const { frames, issues, messages } = read(threeFramePcap(order).subarray(0, 120));
    expect(frames.map((f) => f.n)).toEqual([1, 2]);
    expect(issues).toEqual([{ code: 'truncated-record', offset: 86, frame: 3 }]);
    expect(messages[0]).toBe(
      'damaged.pcap: frame 3 at offset 86: record of caplen 30 needs 46 bytes but only 34 remain: file cut short; 2 frames before it were read',
    );
  });

  it('cut inside a record header: truncated-header at offset 86', () => {
    const { frames, issues } = read(threeFramePcap().subarray(0, 93));
    expect(frames).toHaveLength(2);
    expect(issues).toEqual([{ code: 'truncated-header', offset: 86, frame: 3 }]);
  });

  it('caplen above 256 KiB: bad-caplen at offset 50, reading stops after frame 1', () => {
    const bytes = threeFramePcap();
    setU32(bytes, 50 + 8, 0x100000);
    setU32(bytes, 50 + 12, 0x100000);
    const { frames, issues, messages } = read(bytes);
    expect(frames.map((f) => f.n)).toEqual([1]);
    expect(issues).toEqual([{ code: 'bad-caplen', offset: 50, frame: 2 }]);
    expect(messages[0]).toContain('caplen 1048576 exceeds 262144');
  });

  it('garbage after the last record: trailing-garbage naming file, frame 4 and offset 132; all 3 frames kept', () => {
    const junk = new TextEncoder().encode('this is not a pcap record, just some junk\n');
    const { frames, issues, messages } = read(concat(threeFramePcap(), junk), 'tail.pcap');
    expect(frames.map((f) => f.n)).toEqual([1, 2, 3]);
    expect(issues).toEqual([{ code: 'trailing-garbage', offset: 132, frame: 4 }]);
    expect(messages[0]).toMatch(/^tail\.pcap: frame 4 at offset 132: bytes after the last good record are not a record/);
  });

  it('zero-length record (caplen 0, len 0) is delivered as an empty frame, with an issue', () => {
    const sink = memorySink();
    const w = new PcapWriter(sink, { linkType: 1 });
    w.writePacket(frame(10, 1), 1, 0);
    w.writePacket(new Uint8Array(0), 2, 0, 0);
    w.writePacket(frame(4, 1), 3, 0);
    w.close();
    const { frames, issues } = read(sink.bytes());
    expect(frames.map((f) => f.caplen)).toEqual([10, 0, 4]);
    expect(issues).toEqual([{ code: 'zero-length-record', offset: 50, frame: 2 }]);
  });

  it('caplen above the header snaplen: an issue per frame, frames still delivered', () => {
    const bytes = threeFramePcap();
    setU32(bytes, 16, 15);
    const { frames, issues } = read(bytes);
    expect(frames.map((f) => f.caplen)).toEqual([10, 20, 30]);
    expect(issues).toEqual([
      { code: 'caplen-exceeds-snaplen', offset: 50, frame: 2 },
      { code: 'caplen-exceeds-snaplen', offset: 86, frame: 3 },
    ]);
  });

  it('a run of one issue is listed up to 100 times and counted beyond', () => {
    const sink = memorySink();
    const w = new PcapWriter(sink, { linkType: 1 });
    for (let i = 0; i < 150; i++) w.writePacket(new Uint8Array(0), i, 0, 0);
    w.close();
    const { frames, reader } = read(sink.bytes());
    expect(frames).toHaveLength(150);
    expect(reader.issues).toHaveLength(100);
    expect(reader.issueCounts.get('zero-length-record')).toBe(150);
  });

  it('out-of-range microseconds (tcpdump timestamp_invalid_micro) carry into the seconds', () => {
    const bytes = threeFramePcap();
    setU32(bytes, 24 + 4, 2_500_000);
    const r = CaptureReader.fromBytes(bytes);
    expect(r.next()).toBe(true);
    expect([r.tsSec, r.tsNsec]).toEqual([1002, 500_000_000]);
  });
});

describe('pcapng damage', () => {
  it('the fixture is what the offsets below assume', () => {
    const { frames, issues } = read(threeFramePcapng());
    expect(frames.map((f) => f.fileOffset)).toEqual([76, 120, 172]);
    expect(issues).toEqual([]);
  });

  it.each(['le', 'be'] as const)('block length mismatch (%s): bad-block at offset 120, frame 1 kept', (order) => {
    const bytes = threeFramePcapng(order);
    setU32(bytes, 120 + 52 - 4, 56, order === 'le');
    const { frames, issues, messages } = read(bytes, 'x.pcapng');
    expect(frames.map((f) => f.n)).toEqual([1]);
    expect(issues).toEqual([{ code: 'bad-block', offset: 120, frame: 2 }]);
    expect(messages[0]).toBe(
      'x.pcapng: frame 2 at offset 120: EPB: block length 52 at the start but 56 at the end; reading stops (the next block cannot be found safely); 1 frame read',
    );
  });

  it('block length not a multiple of 4, or below 12: bad-block', () => {
    const a = threeFramePcapng();
    setU32(a, 120 + 4, 50);
    expect(read(a).issues).toEqual([{ code: 'bad-block', offset: 120, frame: 2 }]);
    const b = threeFramePcapng();
    setU32(b, 172 + 4, 8);
    expect(read(b).issues).toEqual([{ code: 'bad-block', offset: 172, frame: 3 }]);
    expect(read(b).frames).toHaveLength(2);
  });

  it('garbage after the last block: trailing-garbage naming file, frame 4 and offset 236; all 3 frames kept', () => {
    const junk = new TextEncoder().encode('this is not a pcapng block, only junk\n');
    const { frames, issues, messages } = read(concat(threeFramePcapng(), junk), 'tail.pcapng');
    expect(frames.map((f) => f.n)).toEqual([1, 2, 3]);
    expect(issues).toEqual([{ code: 'trailing-garbage', offset: 236, frame: 4 }]);
    expect(messages[0]).toMatch(/^tail\.pcapng: frame 4 at offset 236: bytes after the last (good )?block are not a block/);
  });

  it('truncated last block: truncated-record at offset 172', () => {
    const { frames, issues } = read(threeFramePcapng().subarray(0, 200));
    expect(frames).toHaveLength(2);
    expect(issues).toEqual([{ code: 'truncated-record', offset: 172, frame: 3 }]);
  });

  it('packet on an undeclared interface is skipped with unknown-interface; reading continues', () => {
    const bytes = threeFramePcapng();
    setU32(bytes, 120 + 8, 5);
    const { frames, issues } = read(bytes);
    expect(frames.map((f) => f.fileOffset)).toEqual([76, 172]);
    expect(issues).toEqual([{ code: 'unknown-interface', offset: 120, frame: 2 }]);
  });

  it('caplen larger than its block is bad-caplen; the packet is skipped, the block framing still holds', () => {
    const bytes = threeFramePcapng();
    setU32(bytes, 120 + 20, 200);
    const { frames, issues } = read(bytes);
    expect(frames.map((f) => f.fileOffset)).toEqual([76, 172]);
    expect(issues).toEqual([{ code: 'bad-caplen', offset: 120, frame: 2 }]);
  });

  it('an option running past its block is bad-option; the frame is still delivered without comment', () => {
    const sink = memorySink();
    const w = new PcapngWriter(sink);
    w.addInterface({ linkType: 1 });
    w.writePacket(0, frame(4, 0), 1, 0, { comment: 'abcd' });
    w.close();
    const bytes = sink.bytes();
    // SHB 44 + IDB 20: EPB at 64; its data 4 bytes, options at 64 + 32.
    new DataView(bytes.buffer).setUint16(64 + 32 + 2, 200, true);
    const r = CaptureReader.fromBytes(bytes);
    expect(r.next()).toBe(true);
    expect(r.comment).toBeNull();
    expect(r.issues.map((i) => [i.code, i.offset, i.frame])).toEqual([['bad-option', 64, 1]]);
  });

  it('unknown blocks (custom, NRB, ISB) are skipped by their length', () => {
    const g = threeFramePcapng();
    const custom = Uint8Array.from(Buffer.from('ad0b0000' + '14000000' + '01020304' + 'aabbccdd' + '14000000', 'hex'));
    const isb = Uint8Array.from(Buffer.from('05000000' + '18000000' + '00000000' + '00000000' + '00000000' + '18000000', 'hex'));
    const bytes = concat(g.subarray(0, 120), custom, isb, g.subarray(120));
    const { frames, issues } = read(bytes);
    expect(frames.map((f) => f.fileOffset)).toEqual([76, 120 + 20 + 24, 172 + 20 + 24]);
    expect(issues).toEqual([]);
  });

  it('a second section may switch byte order and resets the interfaces', () => {
    const sink = memorySink();
    const w = new PcapngWriter(sink, { byteOrder: 'be', sectionComment: 'second' });
    w.addInterface({ linkType: 101, name: 'tun0', nanosecond: true });
    w.writePacket(0, frame(8, 9), 5, 7);
    w.close();
    const r = CaptureReader.fromBytes(concat(threeFramePcapng('le'), sink.bytes()));
    const packets = Array.from(r.packets());
    expect(packets.map((p) => [p.n, p.linkType, p.tsSec, p.tsNsec])).toEqual([
      [1, 1, 1000, 1000],
      [2, 1, 1001, 2000],
      [3, 1, 1002, 3000],
      [4, 101, 5, 7],
    ]);
    expect(r.info.byteOrder).toBe('be');
    expect(r.info.sectionComment).toBe('second');
    expect(r.info.interfaces.map((i) => i.name)).toEqual(['tun0']);
    expect(r.issues).toEqual([]);
  });

  it('simple packet block: interface 0, no timestamp, length from the block', () => {
    const g = threeFramePcapng();
    const spb = Uint8Array.from(Buffer.from('03000000' + '18000000' + '3c000000' + 'c0ffee0102030405' + '18000000', 'hex'));
    const r = CaptureReader.fromBytes(concat(g.subarray(0, 76), spb));
    expect(r.next()).toBe(true);
    expect([r.n, r.iface, r.tsSec, r.tsNsec, r.caplen, r.len, r.fileOffset]).toEqual([1, 0, 0, 0, 8, 60, 76]);
    expect(Buffer.from(r.buf.subarray(r.offset, r.offset + r.caplen)).toString('hex')).toBe('c0ffee0102030405');
  });
});

describe('files that are not captures throw CaptureFormatError', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-capture-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('bad magic at offset 0', () => {
    const path = join(dir, 'notes.txt');
    writeFileSync(path, 'hello, this is text\n');
    expect(() => CaptureReader.open(path)).toThrow(CaptureFormatError);
    expect(() => CaptureReader.open(path)).toThrow(`${path}: offset 0: not a pcap or pcapng file (first bytes 68656c6c)`);
    try {
      CaptureReader.open(path);
    } catch (err) {
      expect(err).toMatchObject({ file: path, offset: 0, name: 'CaptureFormatError' });
    }
  });

  it('missing file, empty file, directory', () => {
    expect(() => CaptureReader.open(join(dir, 'missing.pcap'))).toThrow(/missing\.pcap: offset 0: cannot open: no such file$/);
    const empty = join(dir, 'empty.pcap');
    writeFileSync(empty, '');
    expect(() => CaptureReader.open(empty)).toThrow(/empty file, not a capture/);
    expect(() => CaptureReader.open(dir)).toThrow(CaptureFormatError);
  });

  it('unsupported major versions', () => {
    const pcap = threeFramePcap();
    new DataView(pcap.buffer).setUint16(4, 3, true);
    expect(() => CaptureReader.fromBytes(pcap, 'v3.pcap')).toThrow('v3.pcap: offset 4: unsupported pcap version 3.4 (only 2.x is defined)');
    const ng = threeFramePcapng();
    new DataView(ng.buffer).setUint16(12, 2, true);
    expect(() => CaptureReader.fromBytes(ng, 'v2.pcapng')).toThrow('v2.pcapng: offset 12: unsupported pcapng version 2.0');
  });

  it('pcap file header cut short, pcapng byte-order magic wrong', () => {
    expect(() => CaptureReader.fromBytes(threeFramePcap().subarray(0, 20), 'short.pcap')).toThrow('pcap file header cut short: 20 of 24 bytes');
    const ng = threeFramePcapng();
    setU32(ng, 8, 0x11223344);
    expect(() => CaptureReader.fromBytes(ng, 'bom.pcapng')).toThrow('bom.pcapng: offset 8: section header byte-order magic is 0x44332211');
  });
});
