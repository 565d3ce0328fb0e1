/**
 * `comments: false` skips decoding pcapng packet comments (a pass that never shows them saves a
 * UTF-8 decode per packet) but reads everything else, damaged options included, the same way.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader, PcapngWriter, memorySink } from '../../src/capture/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-comments-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function commented(): Uint8Array {
  const sink = memorySink();
  const w = new PcapngWriter(sink, { sectionComment: 'section ✓' });
  w.addInterface({ linkType: 1, name: 'veth-dir' });
  w.writePacket(0, new Uint8Array([1, 2, 3]), 10, 5, { comment: 'first ✓' });
  w.writePacket(0, new Uint8Array([4]), 11, 6);
  w.writePacket(0, new Uint8Array([5, 6]), 12, 7, { comment: 'third' });
  w.close();
  return sink.bytes();
}

const rows = (r: CaptureReader) => Array.from(r.packets(), (p) => [p.n, p.tsSec, p.caplen, Array.from(p.data).join('.'), p.comment]);

describe('CaptureReader comments option', () => {
  it('decodes packet comments by default', () => {
    expect(rows(CaptureReader.fromBytes(commented()))).toEqual([[1, 10, 3, '1.2.3', 'first ✓'], [2, 11, 1, '4', null], [3, 12, 2, '5.6', 'third']]);
  });

  it('with comments: false every comment is null and the frames are unchanged', () => {
    const path = join(dir, 'c.pcapng');
    writeFileSync(path, commented());
    const r = CaptureReader.open(path, { comments: false });
    try {
      expect(rows(r)).toEqual([[1, 10, 3, '1.2.3', null], [2, 11, 1, '4', null], [3, 12, 2, '5.6', null]]);
      // The section comment is capture metadata, read once: still there.
      expect(r.info.sectionComment).toBe('section ✓');
      expect(r.issues).toEqual([]);
    } finally {
      r.close();
    }
    expect(rows(CaptureReader.fromBytes(commented(), 'mem', { comments: false })).map((x) => x[4])).toEqual([null, null, null]);
  });

  it('still reports an option running past its block', () => {
    const bytes = commented();
    // The first EPB (block type 6), found by walking the block lengths.
    const view = new DataView(bytes.buffer, bytes.byteOffset);
    let p = 0;
    while (view.getUint32(p, true) !== 6) p += view.getUint32(p + 4, true);
    // EPB: 28 bytes of header, 3 data bytes padded to 4, then the comment option.
    view.setUint16(p + 32 + 2, 200, true);
    const r = CaptureReader.fromBytes(bytes, 'mem', { comments: false });
    expect(r.next()).toBe(true);
    expect(r.comment).toBeNull();
    expect(r.issues.map((i) => [i.code, i.offset, i.frame])).toEqual([['bad-option', p, 1]]);
  });
});
