/**
 * GUE and GRE as IPVS builds them (ipvs_gue_encap, ipvs_gre_encap): decoded with the inner packet
 * kept as its own layers; GUE recognised on any port by its payload, never invented in random UDP.
 * tshark cross-checks the synthesized captures: clean with every checksum check on, GRE field by
 * field, and GUE's inner packet (tshark 4.0 has no GUE dissector) by decoding the very bytes the
 * decoder says the inner packet starts at.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink } from '../../src/capture/index.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { FrameDecoder, openFrames } from '../../src/decode/index.js';
import { loadCommonFrame } from '../../src/pipeline/fast-packet.js';
import { Packet } from '../../src/model/packet.js';
import { adjustRules, preset, synthesize } from '../../src/simulate/index.js';
import { buildFrame, type LayerSpec } from '../../src/wire/emit.js';
import type { DecodedFrame, GreRecord, GueRecord, Ipv4Record, UdpRecord } from '../../src/wire/records.js';
import { haveTshark } from './reference.js';

const ETH = { type: 'eth', src: '02:00:00:00:00:01', dst: '02:00:00:00:00:02' } as const;
const OUTER = { type: 'ipv4', src: '10.0.0.1', dst: '10.0.0.2' } as const;
const INNER: LayerSpec[] = [{ type: 'ipv4', src: '192.0.2.7', dst: '198.51.100.10' }, { type: 'tcp', srcPort: 40000, dstPort: 80, flags: 'S' }];
const decoder = new FrameDecoder();
const types = (f: DecodedFrame): string[] => f.layers.map((l) => l.type);

describe('GUE', () => {
  it('variant 0 on an unconfigured port is recognised by its payload, inner packet kept', () => {
    const f = decoder.decodeBytes(buildFrame([ETH, OUTER, { type: 'udp', srcPort: 45123, dstPort: 5555, checksum: 0 }, { type: 'gue' }, ...INNER]));
    expect(types(f)).toEqual(['eth', 'ipv4', 'udp', 'gue', 'ipv4', 'tcp']);
    const g = f.layers[3] as GueRecord;
    expect(g).toMatchObject({ variant: 0, control: false, headerLength: 4, protocol: 4, flags: 0, recognisedBy: 'payload', offset: 42 });
    const inner = f.layers[4] as Ipv4Record;
    expect(inner).toMatchObject({ src: '192.0.2.7', dst: '198.51.100.10', inner: true, checksumOk: true });
    expect(f.issues).toEqual([]);
  });

  it('variant 1 (direct IP) and the remote checksum offload fields', () => {
    const direct = decoder.decodeBytes(buildFrame([ETH, OUTER, { type: 'udp', srcPort: 1, dstPort: 6080 }, { type: 'gue', variant: 1 }, ...INNER]));
    expect(types(direct)).toEqual(['eth', 'ipv4', 'udp', 'gue', 'ipv4', 'tcp']);
    expect(direct.layers[3]).toMatchObject({ variant: 1, headerLength: 0, protocol: 4 });
    const rem = decoder.decodeBytes(buildFrame([ETH, OUTER, { type: 'udp', srcPort: 1, dstPort: 6080 },
      { type: 'gue', privateFlags: 0x80000000, remcsumStart: 20, remcsumOffset: 36 }, ...INNER]));
    expect(rem.layers[3]).toMatchObject({ headerLength: 12, flags: 1, privateFlags: 0x80000000, remcsumStart: 20, remcsumOffset: 36 });
    expect(types(rem)).toEqual(['eth', 'ipv4', 'udp', 'gue', 'ipv4', 'tcp']);
  });

  it('random UDP, or a GUE-looking header with an inconsistent inner packet, is only UDP', () => {
    const payloads = [
      Uint8Array.from([0x00, 0x04, 0x00, 0x00, 0x45, 0x00, 0x00, 0x99, ...new Array(40).fill(0)]), // length disagrees
      Uint8Array.from([0x12, 0x34, 0x01, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00]), // a DNS query header
      Uint8Array.from([0x08, 0x00, 0x00, 0x00, 0x00, 0x00, 0x64, 0x00, ...new Array(40).fill(0)]), // VXLAN
    ];
    for (const bytes of payloads) {
      const f = decoder.decodeBytes(buildFrame([ETH, OUTER, { type: 'udp', srcPort: 53, dstPort: 6080 }, { type: 'payload', bytes }]));
      expect(types(f)).toEqual(['eth', 'ipv4', 'udp']);
    }
  });

  it('an inner IPv4 header with a wrong checksum is GUE only on a configured port', () => {
    const specs: LayerSpec[] = [ETH, OUTER, { type: 'udp', srcPort: 1, dstPort: 6080 }, { type: 'gue' }, { ...INNER[0] as object, checksum: 0x1234 } as LayerSpec, INNER[1]!];
    const bytes = buildFrame(specs);
    expect(types(decoder.decodeBytes(bytes))).toEqual(['eth', 'ipv4', 'udp']);
    const byPort = new FrameDecoder({ guePorts: [6080] }).decodeBytes(bytes);
    expect(types(byPort)).toEqual(['eth', 'ipv4', 'udp', 'gue', 'ipv4', 'tcp']);
    expect((byPort.layers[3] as GueRecord).recognisedBy).toBe('port');
    expect(byPort.issues.map((i) => `${i.layer}:${i.code}`)).toEqual(['ipv4:bad-checksum']);
  });

  it('the model sees a GUE tunnel: the fast path leaves it to the full decoder, Packet names it', () => {
    const bytes = buildFrame([ETH, OUTER, { type: 'udp', srcPort: 45123, dstPort: 6080, checksum: 0 }, { type: 'gue' }, ...INNER]);
    const p = new Packet();
    expect(loadCommonFrame(p, bytes, 0, bytes.length, 1, 1, 0, 0)).toBe(false);
    p.load(decoder.decodeBytes(bytes));
    expect({ tunnel: p.tunnel, outerSrc: p.outerSrc, outerDst: p.outerDst, src: p.src, dst: p.dst, dport: p.dport, proto: p.proto })
      .toEqual({ tunnel: 'gue', outerSrc: '10.0.0.1', outerDst: '10.0.0.2', src: '192.0.2.7', dst: '198.51.100.10', dport: 80, proto: 6 });
    const plain = buildFrame([ETH, OUTER, { type: 'udp', srcPort: 45123, dstPort: 6080 }, { type: 'payload', length: 24 }]);
    expect(loadCommonFrame(p, plain, 0, plain.length, 1, 1, 0, 0)).toBe(true);
  });
});

describe('GRE', () => {
  it('checksum (C bit) verified over header and payload; key and sequence read', () => {
    const good = decoder.decodeBytes(buildFrame([ETH, OUTER, { type: 'gre', checksumPresent: true, key: 7, seq: 9 }, ...INNER]));
    expect(types(good)).toEqual(['eth', 'ipv4', 'gre', 'ipv4', 'tcp']);
    expect(good.layers[2]).toMatchObject({ checksumPresent: true, checksumOk: true, key: 7, seq: 9, protocol: 0x0800 });
    const bytes = buildFrame([ETH, OUTER, { type: 'gre', checksumPresent: true }, ...INNER]);
    bytes[14 + 20 + 4] = bytes[14 + 20 + 4]! ^ 0xff;
    const bad = decoder.decodeBytes(bytes);
    expect((bad.layers[2] as GreRecord).checksumOk).toBe(false);
    expect(bad.issues.map((i) => `${i.layer}:${i.code}@${i.offset}`)).toEqual(['gre:bad-checksum@38']);
    const plain = decoder.decodeBytes(buildFrame([ETH, OUTER, { type: 'gre' }, ...INNER]));
    expect(plain.layers[2]).toMatchObject({ checksum: null, checksumOk: null, key: null, seq: null });
  });
});

const dir = mkdtempSync(join(tmpdir(), 'lvscope-tunnels-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function synthTun(tunType: 'gue' | 'gre', tunCsum: boolean): { path: string; frames: DecodedFrame[] } {
  const path = join(dir, `tun-${tunType}${tunCsum ? '-csum' : ''}.pcap`);
  synthesize(preset('tun', { realServers: 3, clients: 2, requests: 6 }), fileSink(path, { overwrite: true }), {
    seed: 3, format: 'pcap', fileName: path, adjustRules: adjustRules({ tunType, tunCsum, ...(tunType === 'gue' ? { tunPort: 6080 } : {}) }),
  });
  const src = openFrames([path]);
  try {
    return { path, frames: [...src] };
  } finally {
    src.close();
  }
}

function tshark(path: string, fields: readonly string[], extra: readonly string[] = []): string[][] {
  const out = execFileSync('tshark', ['-n', '-r', path, ...extra, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

const CHECKS = ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE'];

describe('synth --tun-type gue|gre', () => {
  for (const csum of [false, true]) {
    it(`GUE${csum ? ' with --tun-csum' : ''}: ipvs_gue_encap's header, one UDP source port per flow`, () => {
      const { frames } = synthTun('gue', csum);
      const tunnelled = frames.filter((f) => f.layers.some((l) => l.type === 'gue'));
      expect(tunnelled.length).toBeGreaterThan(10);
      const portOf = new Map<string, number>();
      for (const f of tunnelled) {
        expect(f.issues).toEqual([]);
        const udp = f.layers.find((l): l is UdpRecord => l.type === 'udp')!;
        const gue = f.layers.find((l): l is GueRecord => l.type === 'gue')!;
        const inner = f.layers.filter((l): l is Ipv4Record => l.type === 'ipv4')[1]!;
        const tcp = f.layers.find((l) => l.type === 'tcp')!;
        expect(udp.dstPort).toBe(6080);
        expect(udp.srcPort).toBeGreaterThanOrEqual(32768);
        expect(udp.srcPort).toBeLessThan(60999);
        expect(udp.checksum === 0).toBe(!csum);
        if (csum) expect(udp.checksumOk).toBe(true);
        expect(gue).toMatchObject({ variant: 0, control: false, headerLength: 4, protocol: 4, flags: 0 });
        expect(inner.checksumOk).toBe(true);
        const flow = `${inner.src}:${tcp.type === 'tcp' ? tcp.srcPort : 0}`;
        expect(portOf.get(flow) ?? udp.srcPort).toBe(udp.srcPort);
        portOf.set(flow, udp.srcPort);
      }
      expect(new Set(portOf.values()).size).toBeGreaterThan(1);
    });

    it(`GRE${csum ? ' with --tun-csum' : ''}: protocol 0x0800, C bit only with a checksum`, () => {
      const { frames } = synthTun('gre', csum);
      const tunnelled = frames.filter((f) => f.layers.some((l) => l.type === 'gre'));
      expect(tunnelled.length).toBeGreaterThan(10);
      for (const f of tunnelled) {
        expect(f.issues).toEqual([]);
        expect(f.layers.find((l) => l.type === 'gre')).toMatchObject({ protocol: 0x0800, checksumPresent: csum, checksumOk: csum ? true : null, keyPresent: false, seqPresent: false });
        expect(types(f).slice(-3)).toEqual(['gre', 'ipv4', 'tcp']);
      }
    });
  }

  describe.skipIf(!haveTshark())('tshark agrees', () => {
    it('no expert warnings or errors, every checksum good, GRE fields equal', () => {
      for (const [type, csum] of [['gue', false], ['gue', true], ['gre', false], ['gre', true]] as const) {
        const { path, frames } = synthTun(type, csum);
        const rows = tshark(path, ['_ws.expert.severity', 'ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'gre.proto', 'ip.src', 'ip.dst'], CHECKS);
        expect(rows.length).toBe(frames.length);
        rows.forEach((r, i) => {
          const f = frames[i]!;
          // tshark's severity field lists expert infos; "chat" notes (SYN, FIN) are not problems.
          expect((r[0] ?? '').split(',').filter((s) => s !== '' && s !== '2097152' && s !== '4194304'), `frame ${i + 1}`).toEqual([]);
          for (const cell of [r[1], r[2], r[3]]) expect((cell ?? '').split(',').filter((s) => s === '0'), `frame ${i + 1}`).toEqual([]);
          if (type === 'gre') {
            const ips = f.layers.filter((l): l is Ipv4Record => l.type === 'ipv4');
            expect(r[5]).toBe(ips.map((l) => l.src).join(','));
            expect(r[6]).toBe(ips.map((l) => l.dst).join(','));
            const gre = f.layers.find((l): l is GreRecord => l.type === 'gre');
            expect(r[4]).toBe(gre === undefined ? '' : `0x${gre.protocol.toString(16).padStart(4, '0')}`);
          }
        });
      }
    });

    it('GUE: the bytes after the GUE header are the inner packet tshark decodes', () => {
      const { frames, path } = synthTun('gue', false);
      const raw = join(dir, 'gue-inner.pcap');
      const w = new PcapWriter(fileSink(raw, { overwrite: true }), { linkType: 101 });
      const bytes = readFrames(path);
      const expected: string[] = [];
      frames.forEach((f, i) => {
        const gue = f.layers.find((l): l is GueRecord => l.type === 'gue');
        if (gue === undefined) return;
        const inner = f.layers.filter((l): l is Ipv4Record => l.type === 'ipv4')[1]!;
        expect(inner.offset).toBe(gue.offset + gue.headerLength);
        w.writePacket(bytes[i]!.subarray(inner.offset), 0, 0);
        const tcp = f.layers[f.layers.length - 1]!;
        expected.push([inner.src, inner.dst, inner.totalLength, tcp.type === 'tcp' ? tcp.srcPort : '', tcp.type === 'tcp' ? tcp.seq : ''].join('\t'));
      });
      w.close();
      const rows = tshark(raw, ['ip.src', 'ip.dst', 'ip.len', 'tcp.srcport', 'tcp.seq_raw', 'ip.checksum.status', 'tcp.checksum.status'], CHECKS);
      expect(rows.map((r) => r.slice(0, 5).join('\t'))).toEqual(expected);
      expect(rows.every((r) => r[5] === '1' && r[6] === '1')).toBe(true);
    });
  });
});

/** Each frame's bytes, in order (a tiny classic-pcap walk: the synth writes little-endian pcap). */
function readFrames(path: string): Uint8Array[] {
  const b = readFileSync(path);
  const out: Uint8Array[] = [];
  for (let off = 24; off + 16 <= b.length;) {
    const incl = b.readUInt32LE(off + 8);
    out.push(new Uint8Array(b.buffer, b.byteOffset + off + 16, incl));
    off += 16 + incl;
  }
  return out;
}
