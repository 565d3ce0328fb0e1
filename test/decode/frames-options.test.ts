/** openFrames passes `comments` to every reader: the model's pass gets frames without the text. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PcapngWriter, memorySink } from '../../src/capture/index.js';
import { openFrames } from '../../src/decode/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-frames-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

// Ethernet / ARP who-has 192.168.23.80, so the frame decodes to two layers either way.
const ARP = Uint8Array.from(Buffer.from('ffffffffffff000c290613ea0806' + '0001080006040001000c290613ea c0a81764 000000000000 c0a81750'.replace(/ /g, '') + '00'.repeat(18), 'hex'));

function write(name: string, notes: (string | null)[], t0: number): string {
  const sink = memorySink();
  const w = new PcapngWriter(sink);
  w.addInterface({ linkType: 1 });
  notes.forEach((note, i) => w.writePacket(0, ARP, t0 + i * 2, 0, note === null ? undefined : { comment: note }));
  w.close();
  const path = join(dir, name);
  writeFileSync(path, sink.bytes());
  return path;
}

describe('openFrames comments option', () => {
  const a = write('a.pcapng', ['who has .80', null], 100);
  const b = write('b.pcapng', ['second file'], 101);
  const view = (opts?: { comments: boolean }) => {
    const s = openFrames([a, b], opts);
    try {
      return Array.from(s, (f) => [f.n, f.file, f.fileFrame, f.layers.map((l) => l.type).join('/'), f.comment ?? null]);
    } finally {
      s.close();
    }
  };

  it('keeps comments by default, across a merge', () => {
    expect(view()).toEqual([[1, 0, 1, 'eth/arp', 'who has .80'], [2, 1, 1, 'eth/arp', 'second file'], [3, 0, 2, 'eth/arp', null]]);
  });

  it('drops them with comments: false, frames otherwise the same', () => {
    expect(view({ comments: false })).toEqual([[1, 0, 1, 'eth/arp', null], [2, 1, 1, 'eth/arp', null], [3, 0, 2, 'eth/arp', null]]);
    const s = openFrames([a], { comments: false });
    try {
      const frames = [...s];
      expect(frames.map((f) => 'comment' in f)).toEqual([false, false]);
    } finally {
      s.close();
    }
  });
});
