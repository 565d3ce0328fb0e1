/**
 * Acceptance: "Feeding 10,000 randomly mutated or truncated versions of the conformance captures
 * never throws, hangs or loses the frames before the damage."
 *
 * Frame level: a conformance frame, mutated (bytes flipped/overwritten) or truncated, is decoded;
 * decoding must return, and a truncated frame's layers must be a prefix of the intact frame's
 * layers (same type and offset; the cut layer itself may be missing) with a 'truncated' issue
 * whenever a layer was lost.
 * File level: a whole conformance capture, damaged at some offset, read through
 * CaptureReader.fromBytes and decoded: every frame wholly before the damage comes out unchanged.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/index.js';
import { FrameDecoder } from '../../src/decode/index.js';
import type { DecodedFrame } from '../../src/wire/records.js';
import { listConformanceCaptures } from './reference.js';
import { REPO_ROOT } from '../helpers/paths.js';

interface Sample { readonly bytes: Uint8Array; readonly linkType: number; readonly len: number }

const captures = listConformanceCaptures();
// With the real kernel's VXLAN (overlays nest a whole Ethernet frame inside UDP) and NFLOG (TLVs).
const paths = [
  ...captures.map((c) => c.path),
  ...[4789, 8472].map((port) => join(REPO_ROOT, `test/fixtures/vxlan/kernel-vxlan-${port}.pcap`)),
  join(REPO_ROOT, 'test/fixtures/nflog/kernel-nflog.pcap'),
];
const samples: Sample[] = [];
for (const path of paths) {
  const r = CaptureReader.open(path);
  // A few frames from each capture keep the pool varied (every link type, IPIP, GRE, ARP, VLAN).
  let taken = 0;
  while (r.next() && taken < 12) {
    if (r.n % 3 !== 1) continue;
    samples.push({ bytes: r.buf.slice(r.offset, r.offset + r.caplen), linkType: r.linkType, len: r.len });
    taken++;
  }
  r.close();
}

const decoder = new FrameDecoder();
const decode = (s: Sample, bytes: Uint8Array, len = s.len): DecodedFrame =>
  decoder.decode(bytes, 0, bytes.length, s.linkType, 1, 0, 0, Math.max(len, bytes.length), 0, null);

/** A layer's identity for prefix checks: type and where it starts. */
const ids = (f: DecodedFrame): string[] => f.layers.map((l) => `${l.type}@${l.offset}`);

describe('fuzzing the decoder with damaged conformance frames', () => {
  it('has a varied pool of frames', () => {
    expect(samples.length).toBeGreaterThan(500);
    const linkTypes = new Set(samples.map((s) => s.linkType));
    for (const t of [1, 101, 113, 228, 276]) expect(linkTypes.has(t)).toBe(true);
  });

  it('5,000 mutated frames: decoding returns, layers stay inside the frame, issues name real layers', () => {
    fc.assert(
      fc.property(
        fc.nat(samples.length - 1),
        fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 8 }),
        (i, edits) => {
          const s = samples[i]!;
          const bytes = s.bytes.slice();
          if (bytes.length === 0) return;
          for (const [at, v] of edits) bytes[at % bytes.length] = v;
          const f = decode(s, bytes, bytes.length);
          for (const l of f.layers) {
            expect(l.offset).toBeGreaterThanOrEqual(0);
            expect(l.offset).toBeLessThan(bytes.length);
          }
          for (const is of f.issues) {
            expect(is.offset).toBeGreaterThanOrEqual(0);
            expect(is.offset).toBeLessThanOrEqual(bytes.length);
            expect(typeof is.message).toBe('string');
          }
          JSON.stringify(f);
        },
      ),
      { numRuns: 5_000, seed: 20240602 },
    );
  });

  it('3,000 truncated frames: the layers are a prefix of the intact frame, and loss says truncated', () => {
    fc.assert(
      fc.property(fc.nat(samples.length - 1), fc.nat(), (i, cutSeed) => {
        const s = samples[i]!;
        const whole = ids(decode(s, s.bytes));
        const cut = cutSeed % (s.bytes.length + 1);
        // Copy: a view would let the decoder see past the cut through the shared buffer.
        const f = decode(s, s.bytes.slice(0, cut), s.len);
        const got = ids(f);
        expect(whole.slice(0, got.length)).toEqual(got);
        if (got.length < whole.length) {
          expect(f.issues.map((x) => x.code)).toContain('truncated');
        }
      }),
      { numRuns: 3_000, seed: 7 },
    );
  });

  it('2,000 damaged capture files: every frame before the damage comes out unchanged', () => {
    const files = captures
      .map((c) => ({ name: c.name, bytes: new Uint8Array(readFileSync(c.path)) }))
      .filter((f) => f.bytes.length < 400_000);
    const intact = new Map(files.map((f) => [f.name, readAll(f.bytes).frames]));
    fc.assert(
      fc.property(
        fc.nat(files.length - 1), fc.nat(), fc.constantFrom('truncate', 'overwrite', 'insert'), fc.uint8Array({ minLength: 1, maxLength: 16 }),
        (i, atSeed, kind, junk) => {
          const file = files[i]!;
          const at = atSeed % (file.bytes.length + 1);
          let damaged: Uint8Array;
          if (kind === 'truncate') damaged = file.bytes.slice(0, at);
          else if (kind === 'overwrite') { damaged = file.bytes.slice(); damaged.set(junk.subarray(0, Math.max(0, damaged.length - at)), at); }
          else damaged = concat(file.bytes.subarray(0, at), junk, file.bytes.subarray(at));
          let got: ReturnType<typeof readAll>;
          try {
            got = readAll(damaged);
          } catch (err) {
            // Only the file header itself may be refused, with a typed error.
            expect(at).toBeLessThan(64);
            expect((err as Error).name).toBe('CaptureFormatError');
            return;
          }
          const before = intact.get(file.name)!.filter((f) => f.end <= at);
          expect(got.frames.length).toBeGreaterThanOrEqual(before.length);
          for (let k = 0; k < before.length; k++) expect(got.frames[k]!.json).toBe(before[k]!.json);
        },
      ),
      { numRuns: 2_000, seed: 99 },
    );
  });
});

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}

/** Every frame of a capture in memory, decoded, with the file offset where its record ends. */
function readAll(bytes: Uint8Array): { frames: { json: string; end: number }[] } {
  const r = CaptureReader.fromBytes(bytes, 'fuzz');
  const d = new FrameDecoder();
  const frames: { json: string; end: number }[] = [];
  let guard = 0;
  while (r.next()) {
    // A hang would show as a frame count far beyond what the bytes can hold.
    expect(++guard).toBeLessThanOrEqual(bytes.length / 16 + 1);
    const f = d.decode(r.buf, r.offset, r.caplen, r.linkType, r.n, r.tsSec, r.tsNsec, r.len, r.iface, r.comment);
    frames.push({ json: JSON.stringify(f), end: recordEnd(bytes, r.fileOffset, r.info.format, r.info.byteOrder, r.caplen) });
  }
  return { frames };
}

/** Where a record (pcap) or block (pcapng, its total length field) ends in the file. */
function recordEnd(bytes: Uint8Array, at: number, format: 'pcap' | 'pcapng', order: 'le' | 'be', caplen: number): number {
  if (format === 'pcap') return at + 16 + caplen;
  return at + new DataView(bytes.buffer, bytes.byteOffset).getUint32(at + 4, order === 'le');
}
