/**
 * Frames read by CaptureReader sit in a WebAssembly.Memory and are checksummed with SIMD (one
 * call for an IPv4 header and its TCP segment); frames handed over as plain arrays take the JS
 * path. Both must give the same records, including every checksum verdict and issue.
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/index.js';
import { FrameDecoder } from '../../src/decode/index.js';
import { wasmSumOf } from '../../src/wire/checksum-wasm.js';
import type { DecodedFrame } from '../../src/wire/records.js';
import { CONFORMANCE_ROOT } from './reference.js';

function capturesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...capturesUnder(p));
    else if (/\.(pcap|pcapng|cap)$/.test(name)) out.push(p);
  }
  return out;
}

/** Every frame decoded in place from the reader's buffer, and again from a plain copy of its bytes. */
function decodeBothWays(path: string, chunkSize?: number): { inPlace: DecodedFrame[]; copied: DecodedFrame[]; wasmFrames: number } {
  const inPlace: DecodedFrame[] = [];
  const copied: DecodedFrame[] = [];
  let wasmFrames = 0;
  let r: CaptureReader;
  try {
    r = CaptureReader.open(path, chunkSize === undefined ? {} : { chunkSize });
  } catch {
    return { inPlace, copied, wasmFrames }; // not a readable capture: the capture tests cover that
  }
  const a = new FrameDecoder();
  const b = new FrameDecoder();
  try {
    while (r.next()) {
      if (wasmSumOf(r.buf.buffer) !== undefined) wasmFrames++;
      inPlace.push(a.decode(r.buf, r.offset, r.caplen, r.linkType, r.n, r.tsSec, r.tsNsec, r.len, r.iface, r.comment));
      const copy = r.buf.slice(r.offset, r.offset + r.caplen);
      copied.push(b.decode(copy, 0, r.caplen, r.linkType, r.n, r.tsSec, r.tsNsec, r.len, r.iface, r.comment));
    }
  } finally {
    r.close();
  }
  return { inPlace, copied, wasmFrames };
}

describe('checksums over the capture chunk buffer', () => {
  it('give the same records as over plain arrays, for every conformance capture', () => {
    let frames = 0;
    let verdicts = 0;
    let bad = 0;
    for (const path of capturesUnder(CONFORMANCE_ROOT)) {
      const { inPlace, copied, wasmFrames } = decodeBothWays(path);
      expect(wasmFrames, path).toBe(inPlace.length);
      expect(inPlace, path).toStrictEqual(copied);
      frames += inPlace.length;
      for (const f of inPlace) {
        for (const l of f.layers) if ('checksumOk' in l && l.checksumOk !== null) verdicts++;
        bad += f.issues.filter((i) => i.code === 'bad-checksum' || i.code === 'checksum-offloaded').length;
      }
    }
    // The corpus exercises both verdicts: thousands of good sums, and some wrong or offloaded ones.
    expect(frames).toBeGreaterThan(1000);
    expect(verdicts).toBeGreaterThan(1000);
    expect(bad).toBeGreaterThan(0);
  });

  it('stay in WebAssembly memory when a tiny chunk size makes the reader grow its buffer', () => {
    const path = join(CONFORMANCE_ROOT, 'glb-director/1k_pkts.pcap');
    const { inPlace, copied, wasmFrames } = decodeBothWays(path, 64);
    expect(inPlace.length).toBe(1000);
    expect(wasmFrames).toBe(1000);
    expect(inPlace).toStrictEqual(copied);
    const verdicts = inPlace.flatMap((f) => f.layers).map((l) => ('checksumOk' in l ? `${l.type}:${l.checksumOk}` : l.type));
    expect(verdicts.filter((v) => v === 'ipv4:true')).toHaveLength(1000);
    expect(verdicts.filter((v) => v === 'tcp:true')).toHaveLength(1000);
  });

  it('find a corrupted payload byte in the reader buffer as the JS path does', () => {
    const path = join(CONFORMANCE_ROOT, 'pcapplusplus/one_tcp_stream_fin_rst_close_packet.pcap');
    const r = CaptureReader.open(path);
    const d = new FrameDecoder();
    try {
      let found = false;
      while (r.next() && !found) {
        const f = d.decode(r.buf, r.offset, r.caplen, r.linkType, r.n, r.tsSec, r.tsNsec, r.len, r.iface, r.comment);
        const tcp = f.layers.find((l) => l.type === 'tcp');
        if (tcp === undefined || tcp.type !== 'tcp' || tcp.payloadLength < 1 || tcp.checksumOk !== true) continue;
        // Flip the last payload byte in place (the reader's own buffer), then decode again.
        const last = r.offset + r.caplen - 1;
        const ip = f.layers.find((l) => l.type === 'ipv4');
        if (ip === undefined || ip.type !== 'ipv4' || ip.offset + ip.totalLength !== r.caplen) continue;
        r.buf[last] = r.buf[last]! ^ 0x5a;
        const bad = d.decode(r.buf, r.offset, r.caplen, r.linkType, r.n, r.tsSec, r.tsNsec, r.len, r.iface, r.comment);
        const copy = d.decodeBytes(r.buf.slice(r.offset, r.offset + r.caplen), r.linkType, r.n);
        expect(bad.issues.map((i) => `${i.layer}:${i.code}@${i.offset}`)).toEqual([`tcp:bad-checksum@${tcp.offset + 16}`]);
        expect(copy.issues).toStrictEqual(bad.issues);
        expect(bad.layers.find((l) => l.type === 'ipv4')).toMatchObject({ checksumOk: true });
        found = true;
      }
      expect(found).toBe(true);
    } finally {
      r.close();
    }
  });
});
