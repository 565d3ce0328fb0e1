/**
 * `Packet`'s fields are written in three places: `Packet.load` (the full decoder's path), the
 * fast path (`pipeline/fast-packet.ts`, which must leave nothing stale) and the slot code that
 * carries a Packet from the reading thread (`pipeline/packet-slots.ts`, written and read back).
 * A field added to one and not the others fails here; test/pipeline/packet-feed.test.ts then
 * holds their values equal, field by field, over a corpus of captures.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Packet } from '../../src/model/packet.js';
import { REPO_ROOT } from '../helpers/paths.js';

const read = (f: string): string => readFileSync(join(REPO_ROOT, 'src', f), 'utf8');
const packetTs = read('model/packet.ts');
const loadBody = packetTs.slice(packetTs.indexOf('  load(f: DecodedFrame)'));
const fast = read('pipeline/fast-packet.ts');
const slots = read('pipeline/packet-slots.ts');
const count = (text: string, re: RegExp): number => text.match(re)?.length ?? 0;

describe('Packet fields in packet.ts, fast-packet.ts and packet-slots.ts', () => {
  const fields = Object.keys(new Packet());

  it('finds the fields and the load method', () => {
    expect(fields.length).toBeGreaterThan(30);
    expect(loadBody.length).toBeGreaterThan(0);
  });

  for (const f of fields) {
    it(f, () => {
      expect(count(loadBody, new RegExp(`\\bthis\\.${f}\\s*=`, 'g')), `Packet.load sets ${f}`).toBeGreaterThan(0);
      expect(count(fast, new RegExp(`\\bp\\.${f}\\s*=`, 'g')), `loadCommonFrame sets ${f}`).toBeGreaterThan(0);
      expect(count(slots, new RegExp(`\\.${f}\\b`, 'g')), `packet-slots writes and reads ${f}`).toBeGreaterThanOrEqual(2);
    });
  }
});
