/**
 * Property tests over damaged real captures: random byte flips, cuts and spliced garbage never
 * throw (except CaptureFormatError when the file header itself was hit), always terminate within
 * a bound set by the file size, and a cut never costs a frame that lay wholly before it.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureFormatError, CaptureReader } from '../../src/capture/index.js';
import { CONFORMANCE } from '../helpers/paths.js';

const ROOT = `${CONFORMANCE}`;
const SOURCES = [
  'wireshark/dhcp.pcap',
  'wireshark/dhcp-nanosecond.pcapng',
  'wireshark/dns+icmp.pcapng',
  'wireshark/many_interfaces-1.pcapng',
  'pcapplusplus/nanosecs_big_endian.pcap',
  'zeek/traces/pcapng-multi-interface.pcapng',
  'tcpdump/bgp-role.pcapng',
  'tcpdump/tcp-handshake-nano.pcap',
  'tcpreplay/test.rewrite_1ttl',
].map((name) => ({ name, bytes: new Uint8Array(readFileSync(join(ROOT, name))) }));

/** Bytes whose damage may legitimately make the file unreadable: pcap header, pcapng type + length + BOM + version. */
const headerLength = (bytes: Uint8Array): number => (bytes[0] === 0x0a && bytes[1] === 0x0d ? 16 : 24);

type Mutation =
  | { kind: 'flip'; at: number; xor: number }
  | { kind: 'cut'; at: number }
  | { kind: 'splice'; at: number; garbage: Uint8Array };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('flip' as const), at: fc.nat(), xor: fc.integer({ min: 1, max: 255 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), garbage: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);

/** Applies mutations in order; returns the damaged bytes, the lowest touched offset, and the cut (if any). */
function damage(original: Uint8Array, mutations: readonly Mutation[]): { bytes: Uint8Array; lowest: number; cut: number | null } {
  let bytes = original.slice();
  let lowest = Infinity;
  let cut: number | null = null;
  for (const m of mutations) {
    const at = m.at % (bytes.length + 1);
    lowest = Math.min(lowest, at);
    if (m.kind === 'flip') {
      if (at < bytes.length) bytes[at] = bytes[at]! ^ m.xor;
    } else if (m.kind === 'cut') {
      bytes = bytes.slice(0, at);
      cut = Math.min(cut ?? at, at);
    } else {
      bytes = Uint8Array.from([...bytes.subarray(0, at), ...m.garbage, ...bytes.subarray(at)]);
    }
  }
  return { bytes, lowest, cut };
}

interface Frame {
  key: string;
  /** File offset just past the record (pcap) or block (pcapng). */
  end: number;
}

/** Reads all frames with a bounded loop; returns null when the reader refused the file. */
function readFrames(bytes: Uint8Array, reader?: CaptureReader): { frames: Frame[]; issues: number } | null {
  let r: CaptureReader;
  try {
    r = reader ?? CaptureReader.fromBytes(bytes, 'fuzz');
  } catch (err) {
    if (err instanceof CaptureFormatError) return null;
    throw err;
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const le = r.info.byteOrder === 'le';
  const frames: Frame[] = [];
  // Every record or block is at least 12 bytes: more frames than that means the reader looped.
  const bound = bytes.length / 12 + 1;
  while (r.next()) {
    expect(frames.length).toBeLessThan(bound);
    expect(r.offset + r.caplen).toBeLessThanOrEqual(r.buf.length);
    expect(r.tsNsec).toBeGreaterThanOrEqual(0);
    expect(r.tsNsec).toBeLessThan(1e9);
    const data = Buffer.from(r.buf.subarray(r.offset, r.offset + r.caplen)).toString('base64');
    const end =
      r.info.format === 'pcap' ? r.fileOffset + 16 + r.caplen : r.fileOffset + view.getUint32(r.fileOffset + 4, le);
    frames.push({ key: `${r.n} ${r.tsSec}.${r.tsNsec} ${r.caplen}/${r.len} ${r.iface} ${r.linkType} ${r.comment} ${data}`, end });
  }
  r.close();
  return { frames, issues: r.issues.length };
}

/** Offsets where a record or block ends, walked independently of the reader (undamaged files only). */
function boundaries(bytes: Uint8Array): Set<number> {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const ends = new Set<number>();
  if (headerLength(bytes) === 24) {
    const le = view.getUint32(0, true) === 0xa1b2c3d4 || view.getUint32(0, true) === 0xa1b23c4d;
    for (let at = 24; at <= bytes.length; at += 16 + view.getUint32(at + 8, le)) {
      ends.add(at);
      if (at === bytes.length) break;
    }
  } else {
    const le = view.getUint32(8, true) === 0x1a2b3c4d;
    for (let at = 0; at < bytes.length; ) {
      at += view.getUint32(at + 4, le);
      ends.add(at);
    }
  }
  return ends;
}

const originals = new Map(SOURCES.map((s) => [s.name, readFrames(s.bytes)!]));

describe('fuzzed conformance captures', () => {
  it('sources read cleanly before damage', () => {
    for (const s of SOURCES) {
      const o = originals.get(s.name)!;
      expect(o.frames.length).toBeGreaterThan(0);
      expect(o.issues).toBe(0);
    }
  });

  it('2,000 mutations: no throw but CaptureFormatError on header damage, bounded, frames before a cut intact', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOURCES), fc.array(mutation, { minLength: 1, maxLength: 4 }), (source, mutations) => {
        const { bytes, lowest, cut } = damage(source.bytes, mutations);
        const result = readFrames(bytes);
        if (result === null) {
          expect(lowest).toBeLessThan(headerLength(source.bytes));
          return;
        }
        const onlyCut = mutations.every((m) => m.kind === 'cut');
        if (onlyCut && cut !== null) {
          const kept = originals.get(source.name)!.frames.filter((f) => f.end <= cut);
          expect(result.frames.map((f) => f.key)).toEqual(kept.map((f) => f.key));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('cuts only: every frame wholly before the cut, and nothing else, is delivered', () => {
    fc.assert(
      fc.property(fc.constantFrom(...SOURCES), fc.nat(), (source, n) => {
        const cut = n % (source.bytes.length + 1);
        const result = readFrames(source.bytes.subarray(0, cut));
        if (result === null) {
          expect(cut).toBeLessThan(headerLength(source.bytes));
          return;
        }
        const kept = originals.get(source.name)!.frames.filter((f) => f.end <= cut);
        expect(result.frames.map((f) => f.key)).toEqual(kept.map((f) => f.key));
        // A cut inside a record or block is always reported; a cut between two is a shorter valid file.
        expect(result.issues > 0).toBe(!boundaries(source.bytes).has(cut));
      }),
      { numRuns: 500 },
    );
  });

  it('damaged files read through a 37-byte chunk give the same frames as from memory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvscope-fuzz-'));
    const path = join(dir, 'damaged.cap');
    fc.assert(
      fc.property(fc.constantFrom(...SOURCES), fc.array(mutation, { minLength: 1, maxLength: 3 }), (source, mutations) => {
        const { bytes } = damage(source.bytes, mutations);
        writeFileSync(path, bytes);
        const fromMemory = readFrames(bytes);
        let streamed: CaptureReader | null = null;
        try {
          streamed = CaptureReader.open(path, { chunkSize: 37 });
        } catch (err) {
          expect(err).toBeInstanceOf(CaptureFormatError);
        }
        expect(streamed === null).toBe(fromMemory === null);
        if (streamed === null || fromMemory === null) return;
        const keys: string[] = [];
        while (streamed.next()) {
          const data = Buffer.from(streamed.buf.subarray(streamed.offset, streamed.offset + streamed.caplen)).toString('base64');
          keys.push(`${streamed.n} ${streamed.tsSec}.${streamed.tsNsec} ${streamed.caplen}/${streamed.len} ${streamed.iface} ${streamed.linkType} ${streamed.comment} ${data}`);
        }
        streamed.close();
        expect(keys).toEqual(fromMemory.frames.map((f) => f.key));
        expect(streamed.issues.length).toBe(fromMemory.issues);
      }),
      { numRuns: 200 },
    );
    rmSync(dir, { recursive: true, force: true });
  });
});
