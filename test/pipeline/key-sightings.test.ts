/**
 * The packet memory's shortcut (Packet.srcKeySeen/dstKeySeen, worked out on the reading thread by
 * KeySightings) must never change what the memory answers: driven as hops.ts drives it, a memory
 * given the sightings and one without answer every lookup alike, through growth, eviction by age
 * and by count, keys repeated within a frame, and frames that remember nothing.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Packet, PROTO_TCP, PROTO_UDP } from '../../src/model/packet.js';
import { RecentPackets } from '../../src/model/recent.js';
import { KeySightings } from '../../src/pipeline/key-sightings.js';

interface Frame { src: number; sport: number; dst: number; dport: number; udp: boolean; id: number; dt: number; remember: boolean }

/** Both memories over the frames; the lookups that differ (none expected) and how many lookups the sightings spared. */
function drive(frames: readonly Frame[]): { differ: string[]; spared: number; lookups: number } {
  const sightings = new KeySightings();
  const plain = new RecentPackets();
  const hinted = new RecentPackets();
  const p = new Packet();
  p.kind = 'ip';
  const differ: string[] = [];
  let spared = 0;
  let lookups = 0;
  let t = 0;
  frames.forEach((f, i) => {
    t += f.dt;
    p.n = i + 1; p.t = t; p.proto = f.udp ? PROTO_UDP : PROTO_TCP; p.ipId = f.id; p.seq = 1000;
    p.sport = f.sport; p.dport = f.dport; p.src = `10.0.0.${f.src}`; p.dst = `10.0.0.${f.dst}`;
    sightings.mark(p, f.src, f.dst);
    const keys: [number, number, number][] = [[f.src, f.sport, p.srcKeySeen], [f.dst, f.dport, p.dstKeySeen]];
    for (const [addr, port, seen] of keys) {
      lookups++;
      const a = plain.get(addr, port, p.proto, p.ipId, p.seq | 0);
      const b = hinted.get(addr, port, p.proto, p.ipId, p.seq | 0, seen);
      if (a === undefined && seen >= 0) spared++;
      if (a?.n !== b?.n || a?.t !== b?.t) differ.push(`frame ${p.n} key ${addr}:${port}: ${a?.n} vs ${b?.n}`);
    }
    if (f.remember) {
      for (const [addr, port, seen] of keys) {
        plain.set(addr, port, p.proto, p.ipId, p.seq | 0, p);
        hinted.set(addr, port, p.proto, p.ipId, p.seq | 0, p, seen);
      }
    }
    if (plain.size !== hinted.size) differ.push(`frame ${p.n}: size ${plain.size} vs ${hinted.size}`);
  });
  return { differ, spared, lookups };
}

const frame = (addrs: number, ports: number, ids: number, maxGap: number) => fc.record({
  src: fc.nat(addrs), sport: fc.nat(ports), dst: fc.nat(addrs), dport: fc.nat(ports), udp: fc.boolean(),
  id: fc.nat(ids), dt: fc.double({ min: 0, max: maxGap, noNaN: true }), remember: fc.boolean(),
});

describe('KeySightings and the packet memory', () => {
  it('answers every lookup as the memory without sightings does (random frames, many repeated keys)', () => {
    fc.assert(fc.property(fc.array(frame(3, 2, 40, 0.3), { minLength: 1, maxLength: 3000 }), (frames) => {
      expect(drive(frames).differ).toEqual([]);
    }), { numRuns: 60 });
  });

  it('a frame whose destination key is its source key finds what the same frame remembered', () => {
    const same = { src: 1, sport: 80, dst: 1, dport: 80, udp: false, id: 7, dt: 0.001, remember: true };
    const r = drive([same, { ...same, id: 8 }, same]);
    expect(r.differ).toEqual([]);
  });

  it('spares most lookups on packets new to the memory, past growth and eviction by count', () => {
    const frames: Frame[] = [];
    for (let i = 0; i < 100_000; i++) frames.push({ src: i % 4, sport: 1000 + (i % 4), dst: 100, dport: 80, udp: false, id: i & 0xffff, dt: 1e-5, remember: true });
    const r = drive(frames);
    expect(r.differ).toEqual([]);
    expect(r.spared / r.lookups).toBeGreaterThan(0.9);
  });
});
