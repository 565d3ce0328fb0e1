/** Streaming: records straddling chunk boundaries, buffer growth, skipping big blocks, and stdin. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CaptureReader, PcapWriter, PcapngWriter, fileSink, memorySink } from '../../src/capture/index.js';
import { buildCaptureJs } from './build-js.js';
import { CONFORMANCE } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-stream-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const SIZES = [0, 1, 13, 60, 64, 65, 100, 1500, 9000, 3, 47, 200_000, 2, 64];

const frame = (size: number, seed: number): Uint8Array => Uint8Array.from({ length: size }, (_, i) => (i * 31 + seed * 7) & 0xff);

function snapshot(r: CaptureReader): string[] {
  const rows: string[] = [];
  while (r.next()) {
    const data = Buffer.from(r.buf.subarray(r.offset, r.offset + r.caplen)).toString('base64');
    rows.push(`${r.n} ${r.tsSec}.${r.tsNsec} ${r.caplen}/${r.len} if${r.iface} lt${r.linkType} @${r.fileOffset} ${r.comment} ${data}`);
  }
  r.close();
  return rows;
}

describe('records across chunk boundaries', () => {
  const pcapPath = join(dir, 'sizes.pcap');
  const ngPath = join(dir, 'sizes.pcapng');

  beforeAll(() => {
    const w = new PcapWriter(fileSink(pcapPath), { linkType: 1, nanosecond: true });
    SIZES.forEach((s, i) => w.writePacket(frame(s, i), 1_700_000_000 + i, i * 1001, s + 4));
    w.close();
    const bytes = memorySink();
    const ng = new PcapngWriter(bytes, { sectionComment: 'sizes' });
    ng.addInterface({ linkType: 1, name: 'eth0' });
    ng.addInterface({ linkType: 113, name: 'any', nanosecond: true });
    SIZES.forEach((s, i) => ng.writePacket(i % 2, frame(s, i), 1_700_000_000 + i, i * 1001, i % 3 === 0 ? { comment: `c${i}` } : undefined));
    ng.close();
    // A custom block far larger than the test chunk, to be skipped without being buffered whole;
    // 172 = SHB 56 + IDBs 32 and 40 + the first EPB 44.
    const custom = Buffer.alloc(5000);
    custom.writeUInt32LE(0x40000bad, 0);
    custom.writeUInt32LE(5000, 4);
    custom.writeUInt32LE(5000, 4996);
    const all = Buffer.from(bytes.bytes());
    writeFileSync(ngPath, Buffer.concat([all.subarray(0, 172), custom, all.subarray(172)]));
  });

  it.each([16, 64, 100, 4096])('pcap with %i-byte chunks reads the same as from memory', (chunkSize) => {
    const expected = snapshot(CaptureReader.fromBytes(readFileSync(pcapPath)));
    expect(expected).toHaveLength(SIZES.length);
    expect(expected[7]).toMatch(/^8 1700000007\.7007 1500\/1504 if0 lt1 @/);
    expect(snapshot(CaptureReader.open(pcapPath, { chunkSize }))).toEqual(expected);
  });

  it.each([16, 64, 100, 4096])('pcapng with %i-byte chunks reads the same as from memory', (chunkSize) => {
    const expected = snapshot(CaptureReader.fromBytes(readFileSync(ngPath)));
    expect(expected).toHaveLength(SIZES.length);
    expect(expected[3]).toMatch(/^4 1700000003\.3003 60\/60 if1 lt113 @\d+ c3 /);
    expect(snapshot(CaptureReader.open(ngPath, { chunkSize }))).toEqual(expected);
  });

  it('skips a block bigger than the chunk without growing the buffer for it', () => {
    const r = CaptureReader.open(ngPath, { chunkSize: 64 });
    expect(r.next()).toBe(true);
    expect(r.next()).toBe(true);
    // Frame 2 comes after the 5000-byte custom block; its 36-byte EPB fits the 64-byte chunk.
    expect(r.fileOffset).toBe(172 + 5000);
    expect(r.buf.length).toBe(64);
    r.close();
  });

  it('a cut file read in small chunks reports the same issue at the same offset', () => {
    const cut = join(dir, 'cut.pcap');
    const bytes = readFileSync(pcapPath);
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const r = CaptureReader.open(cut, { chunkSize: 64 });
    const rows = snapshot(r);
    expect(rows).toHaveLength(SIZES.length - 1);
    const lastOffset = bytes.length - 16 - 64;
    expect(r.issues.map((i) => [i.code, i.offset, i.frame])).toEqual([['truncated-record', lastOffset, SIZES.length]]);
  });
});

describe('standard input', () => {
  let js = '';
  beforeAll(() => {
    js = buildCaptureJs();
  });
  afterAll(() => rmSync(js, { recursive: true, force: true }));

  it("'-' reads a capture piped into the process", () => {
    const path = `${CONFORMANCE}/wireshark/many_interfaces-1.pcapng`;
    const script = `
      import { CaptureReader } from ${JSON.stringify(join(js, 'capture/index.js'))};
      const r = CaptureReader.open('-', { chunkSize: 1000 });
      let n = 0, bytes = 0, last = '';
      while (r.next()) { n++; bytes += r.caplen; last = r.tsSec + '.' + r.tsNsec + ' if' + r.iface; }
      console.log(JSON.stringify({ file: r.info.file, n, bytes, last, interfaces: r.info.interfaces.length, issues: r.issues.length }));
    `;
    // A shell pipe, so standard input really is a pipe and not a file.
    const out = spawnSync('sh', ['-c', `cat ${path} | ${process.execPath} --input-type=module -e "$SCRIPT"`], {
      env: { ...process.env, SCRIPT: script },
      encoding: 'utf8',
    });
    expect(out.stderr).toBe('');
    const expected = snapshot(CaptureReader.open(path));
    const result = JSON.parse(out.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({ file: '-', n: 64, interfaces: 11, issues: 0 });
    expect(result['last']).toBe(expected[63]!.split(' ').slice(1, 2).join('') + ' if0');
  });

  it("fileSink('-') writes a capture to standard output", () => {
    const script = `
      import { PcapWriter, fileSink } from ${JSON.stringify(join(js, 'capture/index.js'))};
      const w = new PcapWriter(fileSink('-'), { linkType: 1 });
      for (let i = 0; i < 1000; i++) w.writePacket(new Uint8Array(1000).fill(i & 0xff), i, 0);
      w.close();
    `;
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { maxBuffer: 1 << 24 });
    expect(out.status).toBe(0);
    expect(out.stdout.length).toBe(24 + 1000 * 1016);
    const r = CaptureReader.fromBytes(out.stdout);
    expect(snapshot(r)).toHaveLength(1000);
  });
});

describe('fileSink', () => {
  it('refuses to overwrite an existing file unless told to', () => {
    const path = join(dir, 'exists.pcap');
    writeFileSync(path, 'keep me');
    expect(() => fileSink(path)).toThrow(`${path}: file exists; refusing to overwrite it`);
    expect(readFileSync(path, 'utf8')).toBe('keep me');
    const sink = fileSink(path, { overwrite: true });
    sink.write(new Uint8Array([1, 2, 3]));
    sink.close();
    expect([...readFileSync(path)]).toEqual([1, 2, 3]);
  });

  it('buffers small writes and passes big ones through, in order', () => {
    const path = join(dir, 'order.bin');
    const sink = fileSink(path);
    const parts = [100, 2 * 1024 * 1024, 5, 1024 * 1024 - 3, 7].map((n, i) => new Uint8Array(n).fill(i + 1));
    for (const p of parts) sink.write(p);
    sink.close();
    expect(readFileSync(path).equals(Buffer.concat(parts))).toBe(true);
  });
});
