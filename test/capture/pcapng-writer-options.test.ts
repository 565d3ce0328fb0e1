/** The writer options the explained export relies on: any decimal resolution, no snaplen, long and several comments. */
import { describe, expect, it } from 'vitest';
import { CaptureReader, PcapngWriter, memorySink } from '../../src/capture/index.js';

function written(build: (w: PcapngWriter) => void, sectionComment?: string | string[]): CaptureReader {
  const sink = memorySink();
  const w = new PcapngWriter(sink, sectionComment === undefined ? {} : { sectionComment });
  build(w);
  w.close();
  return CaptureReader.fromBytes(sink.bytes());
}

describe('PcapngWriter options', () => {
  it.each([1, 1e3, 1e6, 1e7, 1e9])('keeps %d ticks per second', (res) => {
    const r = written((w) => {
      const i = w.addInterface({ linkType: 1, tsResolution: res });
      w.writePacket(i, new Uint8Array(60), 1_795_249_410, 961_526_789);
    });
    expect(r.next()).toBe(true);
    expect(r.info.interfaces[0]!.tsResolution).toBe(res);
    expect(r.tsSec).toBe(1_795_249_410);
    const step = 1e9 / res;
    expect(r.tsNsec).toBe(Math.floor(961_526_789 / step) * step);
  });

  it('snaplen 0 cuts nothing', () => {
    const r = written((w) => w.writePacket(w.addInterface({ linkType: 1, snaplen: 0 }), new Uint8Array(1500).fill(7), 1, 0));
    expect(r.next()).toBe(true);
    expect(r.caplen).toBe(1500);
  });

  it('writes several packet comments, the first read back first', () => {
    const r = written((w) => w.writePacket(w.addInterface({ linkType: 1 }), new Uint8Array(61), 1, 0, { comments: ['theirs', 'ours'] }));
    expect(r.next()).toBe(true);
    expect(r.comment).toBe('theirs');
  });

  it('splits a section comment over 65535 bytes at a line end, never inside a character', () => {
    const line = '连接 192.168.23.80:80 ESTABLISHED\n';
    const text = line.repeat(4000);
    const r = written(() => {}, text);
    r.next();
    // The reader keeps the first opt_comment; it ends on a whole line.
    const first = r.info.sectionComment!;
    expect(Buffer.byteLength(first)).toBeLessThanOrEqual(65535);
    expect(first.endsWith('\n')).toBe(true);
    expect(text.startsWith(first)).toBe(true);
  });
});
