/**
 * LINKTYPE_NFLOG as a real kernel writes it (test/fixtures/nflog: iptables logging a server's
 * port 80 traffic at INPUT and OUTPUT to group 5, captured with tcpdump -i nflog:5).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compileCaptureFilter, FrameDecoder, LINKTYPE, openFrames } from '../../src/decode/index.js';
import { formatFrameLine } from '../../src/present/frame-summary.js';
import type { DecodedFrame } from '../../src/wire/records.js';
import { REPO_ROOT } from '../helpers/paths.js';

const FIXTURE = join(REPO_ROOT, 'test/fixtures/nflog/kernel-nflog.pcap');
const types = (f: DecodedFrame): string => f.layers.map((l) => l.type).join('/');

/** The first frame's bytes (pcap: 24-byte file header, 16 bytes before the frame). */
function firstFrame(): Uint8Array {
  const b = readFileSync(FIXTURE);
  const caplen = b.readUInt32LE(24 + 8);
  return new Uint8Array(b.subarray(40, 40 + caplen));
}

describe('NFLOG from a real kernel', () => {
  const frames = [...openFrames([FIXTURE])];

  it('every frame: the header, the rule\'s prefix and hook, then the logged IPv4 packet', () => {
    expect(frames.length).toBeGreaterThan(15);
    for (const f of frames) {
      expect(types(f), `frame ${f.n}`).toMatch(/^nflog\/ipv4\/tcp$/);
      const nflog = f.layers[0]!;
      if (nflog.type !== 'nflog') throw new Error('not nflog');
      const ip = f.layers[1]!;
      if (ip.type !== 'ipv4') throw new Error('not ipv4');
      expect([nflog.family, nflog.version, nflog.resourceId]).toEqual([2, 0, 5]);
      // Logged at INPUT on the way in, at OUTPUT on the way out.
      expect([nflog.prefix, nflog.hook, ip.src]).toEqual(ip.dst === '10.98.0.2' ? ['lvs-in', 1, '10.98.0.1'] : ['lvs-out', 3, '10.98.0.2']);
      expect(f.issues.every((i) => i.code === 'checksum-offloaded')).toBe(true);
    }
    expect(formatFrameLine(frames[0]!)).toMatch(/^version 0, resource ID 5, family IPv4 \(2\), prefix "lvs-in", hook INPUT, length \d+: IP 10\.98\.0\.1\.\d+ > 10\.98\.0\.2\.80: Flags \[S\]/);
  });

  it('reads TLVs written by a big-endian host the same', () => {
    const le = firstFrame();
    const be = Uint8Array.from(le);
    // Swap each TLV's length and type (the header's first 4 bytes stay: family, version, big-endian group).
    for (let at = 4; at + 4 <= be.length;) {
      const len = le[at]! | (le[at + 1]! << 8);
      be[at] = le[at + 1]!; be[at + 1] = le[at]!; be[at + 2] = le[at + 3]!; be[at + 3] = le[at + 2]!;
      at += (len + 3) & ~3;
    }
    const d = new FrameDecoder({ verifyChecksums: false });
    expect(d.decodeBytes(be, LINKTYPE.NFLOG).layers).toEqual(d.decodeBytes(le, LINKTYPE.NFLOG).layers);
  });

  it('a frame cut in a TLV header is reported by the NFLOG layer; one cut in the logged packet by the IP layer', () => {
    const whole = firstFrame();
    const d = new FrameDecoder({ verifyChecksums: false });
    const cutEarly = d.decodeBytes(whole.subarray(0, 6), LINKTYPE.NFLOG);
    expect(cutEarly.issues.map((i) => `${i.layer}:${i.code}`)).toEqual(['nflog:truncated']);
    const cutLate = d.decodeBytes(whole.subarray(0, whole.length - 10), LINKTYPE.NFLOG);
    expect(types(cutLate)).toMatch(/^nflog\/ipv4/);
    expect(cutLate.issues.map((i) => i.layer)).not.toContain('nflog');
  });

  it('the capture filter finds the logged packet\'s headers', () => {
    const inbound = compileCaptureFilter('tcp dst port 80 and src host 10.98.0.1');
    const b = firstFrame();
    expect(inbound(b, 0, b.length, b.length, LINKTYPE.NFLOG)).toBe(true);
    expect(compileCaptureFilter('udp')(b, 0, b.length, b.length, LINKTYPE.NFLOG)).toBe(false);
  });
});
