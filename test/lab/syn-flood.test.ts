/**
 * `lab --syn-flood N`: the SYN frames the first client sends (checked without root: the frames are
 * written to a file and decoded back), the options it refuses, and the defences read from the
 * director's /proc.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readAllPackets } from '../../src/capture/index.js';
import { FrameDecoder } from '../../src/decode/index.js';
import type { Ipv4Record, TcpRecord } from '../../src/wire/records.js';
import { parseDefences } from '../../src/lab/kernel-truth.js';
import { LabConfigError, resolveOptions } from '../../src/lab/options.js';
import { planLab } from '../../src/lab/plan.js';
import { floodSource, inFloodRoute, writeSynFlood } from '../../src/lab/syn-flood.js';

const tmp = mkdtempSync(join(tmpdir(), 'lvscope-flood-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the flood\'s frames', () => {
  it('DR: N SYNs from the first client\'s MAC to the firewall\'s public address, each source its own, checksums right', () => {
    const plan = planLab(resolveOptions({ method: 'dr', synFlood: 300 }), 'lv0f10');
    const file = join(tmp, 'dr.pcap');
    writeSynFlood(plan, 300, file);
    const decoder = new FrameDecoder();
    const frames = readAllPackets(file).packets.map((p) => decoder.decodeBytes(p.data));
    expect(frames).toHaveLength(300);
    const sources = new Set<string>();
    for (const f of frames) {
      expect(f.issues).toEqual([]);
      const ip = f.layers.find((l): l is Ipv4Record => l.type === 'ipv4')!;
      const tcp = f.layers.find((l): l is TcpRecord => l.type === 'tcp')!;
      expect([ip.dst, tcp.dstPort, tcp.flags, tcp.checksumOk]).toEqual(['172.16.23.80', 80, 'S', true]);
      expect(inFloodRoute(ip.src)).toBe(true);
      sources.add(ip.src);
    }
    expect(sources.size).toBe(300);
    expect(floodSource(0).ip).toBe('172.16.200.1');
    expect(floodSource(250).ip).toBe('172.16.201.1');
    expect(floodSource(1999).ip).toBe('172.16.207.250');
    expect(inFloodRoute('172.16.208.1')).toBe(false);
    expect(inFloodRoute('172.16.0.100')).toBe(false);
  });

  it('NAT: straight to the VIP on the director\'s public side', () => {
    const plan = planLab(resolveOptions({ method: 'nat', synFlood: 100 }), 'lv0f11');
    const file = join(tmp, 'nat.pcap');
    writeSynFlood(plan, 100, file);
    const f = new FrameDecoder().decodeBytes(readAllPackets(file).packets[0]!.data);
    expect(f.layers.find((l): l is Ipv4Record => l.type === 'ipv4')!.dst).toBe('172.16.23.80');
  });
});

describe('--syn-flood options', () => {
  it('refuses a UDP service, an HA lab and more SYNs than made-up sources', () => {
    expect(() => resolveOptions({ method: 'dr', synFlood: 200, udp: true })).toThrow(LabConfigError);
    expect(() => resolveOptions({ method: 'dr', synFlood: 200, ha: true })).toThrow(LabConfigError);
    expect(() => resolveOptions({ method: 'dr', synFlood: 2001 })).toThrow(/1\.\.2000/);
    expect(resolveOptions({ method: 'tun', synFlood: 2000 }).synFlood).toBe(2000);
  });
});

describe('the drop defences as the director\'s /proc shows them', () => {
  it('parses the sysctls and turns MemFree + Buffers (kB) into pages', () => {
    const text = 'amemthresh:1024\nam_droprate:10\ndrop_entry:1\ndrop_packet:0\nsecure_tcp:3\nMemFree:          868000 kB\nBuffers:            1000 kB\n';
    expect(parseDefences(text)).toEqual({ amemthresh: 1024, amDroprate: 10, dropEntry: 1, dropPacket: 0, secureTcp: 3, availablePages: 217250 });
    expect(parseDefences('').amemthresh).toBe(-1);
  });
});
