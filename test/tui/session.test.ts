import { afterAll, describe, expect, test } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PcapWriter, PcapngWriter, fileSink, readAllPackets } from '../../src/capture/index.js';
import { openFrames } from '../../src/decode/index.js';
import { buildFrameIndex } from '../../src/tui/data/frame-index.js';
import { FrameStore } from '../../src/tui/data/frame-store.js';
import { SEED, seedSession } from './fixtures.js';

const tmp = mkdtempSync(join(tmpdir(), 'lvscope-tui-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function sameAsStreaming(paths: string[], chunkSize?: number): void {
  const index = buildFrameIndex(paths, chunkSize === undefined ? {} : { chunkSize });
  const store = new FrameStore(index, 4);
  const source = openFrames(paths);
  let n = 0;
  for (const f of source) {
    n++;
    const got = store.get(f.n)!;
    expect(got.frame.layers).toEqual(f.layers);
    expect([got.frame.tsSec, got.frame.tsNsec, got.frame.len]).toEqual([f.tsSec, f.tsNsec, f.len]);
  }
  source.close();
  expect(index.count).toBe(n);
  store.close();
}

describe('frame index and on-demand decode', () => {
  test('pcap: every frame read back by offset decodes as the streaming pass does', () => {
    const index = buildFrameIndex([SEED]);
    expect(index.count).toBe(86);
    expect(index.dataOffset[0]).toBe(24 + 16);
    expect(index.caplen[5]).toBe(74);
    sameAsStreaming([SEED], 256);
  });

  test('pcapng (EPB), and two files merged by timestamp, match openFrames', () => {
    const { packets } = readAllPackets(SEED);
    const a = join(tmp, 'a.pcapng');
    const b = join(tmp, 'b.pcapng');
    for (const [path, keep] of [[a, 0], [b, 1]] as const) {
      const w = new PcapngWriter(fileSink(path));
      const iface = w.addInterface({ linkType: 1 });
      packets.filter((p) => p.n % 2 === keep).forEach((p) => w.writePacket(iface, p.data, p.tsSec, p.tsNsec, { origLen: p.len, ...(p.n === 6 ? { comment: 'six' } : {}) }));
      w.close();
    }
    sameAsStreaming([a]);
    sameAsStreaming([a, b]);
    const merged = buildFrameIndex([a, b]);
    expect(merged.count).toBe(86);
    expect([merged.file[0], merged.file[1], merged.fileFrame[1]]).toEqual([1, 0, 1]);
  });

  test('a file longer than the first arrays, its frames growing past the size estimate, and its comments', () => {
    // 4,096 short frames first (the estimate of the whole file is made from them), then 6,000
    // of the seed's longest: the columns must still grow, and every frame land where it was.
    const { packets } = readAllPackets(SEED);
    const short = packets.reduce((a, p) => (p.data.length < a.data.length ? p : a));
    const long = packets.reduce((a, p) => (p.data.length > a.data.length ? p : a));
    const path = join(tmp, 'long.pcap');
    const w = new PcapWriter(fileSink(path), { linkType: 1 });
    for (let i = 0; i < 10_096; i++) w.writePacket((i < 4096 ? short : long).data, 1_700_000_000 + i, 0);
    w.close();
    const index = buildFrameIndex([path]);
    expect(index.count).toBe(10_096);
    expect([index.caplen[4095], index.caplen[4096], index.caplen[10_095]]).toEqual([short.data.length, long.data.length, long.data.length]);
    expect(index.dataOffset[10_095]).toBe(24 + 4096 * (16 + short.data.length) + 6000 * (16 + long.data.length) - long.data.length);
    expect([index.fileFrame[0], index.fileFrame[10_095], index.file[10_095]]).toEqual([1, 10_096, 0]);
    sameAsStreaming([path]);

    const a = join(tmp, 'commented.pcapng');
    const ng = new PcapngWriter(fileSink(a));
    const iface = ng.addInterface({ linkType: 1 });
    packets.forEach((p) => ng.writePacket(iface, p.data, p.tsSec, p.tsNsec, { origLen: p.len, ...(p.n === 6 ? { comment: 'six' } : {}) }));
    ng.close();
    expect([...buildFrameIndex([a]).comments]).toEqual([[6, 'six']]);
  });

  test('standard input is refused: frames are re-read on demand', () => {
    expect(() => buildFrameIndex(['-'])).toThrow(/standard input/);
  });
});

describe('CaptureSession over the DR walkthrough', () => {
  const s = seedSession();

  test('rows name sender and receiver by role, and mark the director\'s rewrite', () => {
    const r6 = s.row(6);
    expect([r6.from, r6.to, r6.conn, r6.rewrite]).toEqual(['director', 'WEB1', 1, 'dMAC→WEB1']);
    expect([s.row(1).from, s.row(1).to, s.row(1).toActor]).toEqual(['gateway', 'broadcast', -1]);
    expect(s.row(28).rewrite).toBe('dMAC→WEB2');
    expect(s.actors().map((a) => a.label)).toEqual(['client', 'gateway', 'director', 'WEB1', 'WEB2']);
  });

  test('frame 6 explained in both languages, with the full destination MAC', () => {
    const en = s.detail(6, 'en')!;
    expect(en.explanation).toContain('rewrote only the destination MAC to WEB1');
    expect(en.hop).toBe("director's hop: dst MAC → 02:aa:00:00:01:01 (WEB1's), src MAC → 00:0c:29:06:13:ea (the director's); IP addresses and ports unchanged");
    expect(s.detail(6, 'zh')!.hop).toContain('目的 MAC → 02:aa:00:00:01:01（WEB1）');
    expect(en.layers.map((l) => l.title)).toEqual(['Ethernet II', 'IPv4', 'TCP', 'Issues']);
    expect(en.bytes.length).toBe(74);
  });

  test('the cluster as of a frame: ipvsadm counters and the connection table at that moment', () => {
    const at13 = s.cluster(13);
    expect(at13.ipvsadm).toContain('  -> 192.168.23.80:80             Route   ~1     1          0');
    expect(at13.conns.map((c) => [c.conn, c.state, c.realServer])).toEqual([[1, 'ESTABLISHED', '192.168.23.80:80']]);
    const at2 = s.cluster(2);
    expect(at2.conns).toEqual([]);
    const atEnd = s.cluster(86);
    expect(atEnd.conns.length).toBe(4);
    expect(atEnd.conns.every((c) => c.state !== 'ESTABLISHED')).toBe(true);
  });

  test('filters: connection, host name, role, address; n/p within a connection', () => {
    const c2 = s.filter('#2');
    expect([c2.count, c2.at(0)]).toEqual([20, 25]);
    expect(s.filter('web2').at(0)).toBe(27);
    expect(s.filter('c2 director').count).toBeLessThan(c2.count);
    expect(s.filter('172.16.0.100:44954').count).toBe(20);
    expect(s.filter('no-such-thing').count).toBe(0);
    expect(s.stepInConn(25, 2, 1)).toBe(28);
    expect(s.stepInConn(28, 2, -1)).toBe(25);
    expect(s.stepInConn(25, 2, -1)).toBeNull();
  });

  test('status: file, counts, method', () => {
    const st = s.status();
    expect([st.frames, st.method, st.progress, st.degraded]).toEqual([86, 'DR', 1, null]);
  });
});
