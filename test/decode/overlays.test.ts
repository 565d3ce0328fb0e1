/**
 * VXLAN as a real kernel sends it (test/fixtures/vxlan: a veth underlay, VNI 42, ports 4789 and
 * 8472): the overlay's Ethernet frame is decoded behind the VXLAN header, and the checksums the
 * sending kernel left to offload are called offloaded, not wrong.
 */
import { readFileSync, writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, LINKTYPE, openFrames } from '../../src/decode/index.js';
import { formatFrameLine } from '../../src/present/frame-summary.js';
import { isVxlanPayload } from '../../src/wire/vxlan.js';
import type { DecodedFrame } from '../../src/wire/records.js';
import { REPO_ROOT } from '../helpers/paths.js';

const fixture = (port: number): string => join(REPO_ROOT, `test/fixtures/vxlan/kernel-vxlan-${port}.pcap`);
const types = (f: DecodedFrame): string => f.layers.map((l) => l.type).join('/');

describe('VXLAN from a real kernel', () => {
  for (const port of [4789, 8472]) {
    it(`port ${port}: the overlay's frames, with the offloaded checksums named as such`, () => {
      const frames = [...openFrames([fixture(port)])];
      const vxlan = frames.filter((f) => f.layers.some((l) => l.type === 'vxlan'));
      expect(vxlan.length).toBeGreaterThan(30);
      for (const f of vxlan) {
        expect(types(f), `frame ${f.n}`).toMatch(/^eth\/ipv4\/udp\/vxlan\/eth\//);
        expect(f.layers[3]).toMatchObject({ type: 'vxlan', flags: 0x08, vni: 42 });
      }
      const tcp = vxlan.filter((f) => f.layers.some((l) => l.type === 'tcp'));
      const syn = tcp.find((f) => f.layers.some((l) => l.type === 'tcp' && l.flags === 'S'))!;
      expect(formatFrameLine(syn)).toMatch(new RegExp(`^[0-9a-f:]{17} > [0-9a-f:]{17}, ethertype IPv4 \\(0x0800\\), length \\d+: IP 10\\.99\\.0\\.1\\.\\d+ > 10\\.99\\.0\\.2\\.${port}: VXLAN, flags \\[I\\] \\(0x08\\), vni 42: 02:00:00:00:42:01 > 02:00:00:00:42:02, ethertype IPv4 \\(0x0800\\), length 74: IP 192\\.168\\.50\\.1\\.\\d+ > 192\\.168\\.50\\.2\\.80: Flags \\[S\\]`));
      // Every datagram carrying a TCP segment left to offload: both checksums offloaded, none wrong.
      const issues = frames.flatMap((f) => f.issues.map((i) => `${i.layer}:${i.code}`));
      expect(issues).not.toContain('udp:bad-checksum');
      expect(issues).not.toContain('tcp:bad-checksum');
      expect(tcp.every((f) => f.issues.some((i) => i.layer === 'udp' && i.code === 'checksum-offloaded' && /local checksum offload/.test(i.message)))).toBe(true);
    });
  }

  it('an outer checksum that is wrong for any inner value stays wrong', () => {
    // Change the VNI of a frame whose outer checksum was computed over the offloaded inner one.
    const bytes = new Uint8Array(readFileSync(fixture(4789)));
    const frames = [...openFrames([fixture(4789)])];
    const target = frames.find((f) => f.issues.some((i) => /local checksum offload/.test(i.message)))!;
    const dir = mkdtempSync(join(tmpdir(), 'lvscope-vxlan-'));
    // pcap: 24-byte file header, then 16 bytes before each frame; the VNI's last byte is 14+20+8+6 into it.
    let at = 24;
    for (const f of frames) {
      if (f.n === target.n) break;
      at += 16 + f.caplen;
    }
    bytes[at + 16 + 48] = bytes[at + 16 + 48]! ^ 0x01;
    const path = join(dir, 'vni-changed.pcap');
    writeFileSync(path, bytes);
    const changed = [...openFrames([path])].find((f) => f.n === target.n)!;
    expect(changed.layers[3]).toMatchObject({ type: 'vxlan', vni: 43 });
    expect(changed.issues.map((i) => `${i.layer}:${i.code}`)).toContain('udp:bad-checksum');
  });

  it('port 8472 is VXLAN only when the payload looks the part; 4789 always', () => {
    const vxlan = Uint8Array.from([0x08, 0, 0, 0, 0, 0, 42, 0, ...Array(12).fill(2), 0x08, 0x00]);
    expect(isVxlanPayload(vxlan, 0, vxlan.length, vxlan.length, 8472)).toBe(true);
    const notVxlan = Uint8Array.from(vxlan);
    notVxlan[0] = 0x0c; // another flag set: some other protocol on the port
    expect(isVxlanPayload(notVxlan, 0, notVxlan.length, notVxlan.length, 8472)).toBe(false);
    expect(isVxlanPayload(notVxlan, 0, notVxlan.length, notVxlan.length, 4789)).toBe(true);
    expect(isVxlanPayload(vxlan, 0, vxlan.length, vxlan.length, 4790)).toBe(false);
    // A cut VXLAN header on 4789 is reported, not thrown.
    const cut = new FrameDecoder().decodeBytes(Uint8Array.from([
      ...Array(12).fill(0), 0x08, 0x00,
      0x45, 0, 0, 31, 0, 0, 0, 0, 64, 17, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2,
      0x30, 0x39, 0x12, 0xb5, 0, 11, 0, 0, 0x08, 0, 0,
    ]), LINKTYPE.ETHERNET);
    expect(types(cut)).toBe('eth/ipv4/udp');
    expect(cut.issues.map((i) => `${i.layer}:${i.code}`)).toContain('vxlan:truncated');
  });
});

describe('Geneve (port 6081) and GRE carrying Ethernet', () => {
  const d = new FrameDecoder({ verifyChecksums: false });
  // Ethernet, IPv4 (proto as given, 10.99.0.1 > 10.99.0.2), then `rest`.
  const underlay = (proto: number, rest: number[]): Uint8Array => {
    const total = 20 + rest.length;
    return Uint8Array.from([
      2, 0, 0, 0, 0x99, 2, 2, 0, 0, 0, 0x99, 1, 0x08, 0x00,
      0x45, 0, total >> 8, total & 0xff, 0, 1, 0x40, 0, 64, proto, 0, 0, 10, 99, 0, 1, 10, 99, 0, 2,
      ...rest,
    ]);
  };
  // An overlay's ARP request for 192.168.50.2 from 192.168.50.1.
  const arp = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0x42, 1, 0x08, 0x06,
    0, 1, 0x08, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0x42, 1, 192, 168, 50, 1, 0, 0, 0, 0, 0, 0, 192, 168, 50, 2,
  ];
  const udp = (payload: number[]): number[] => [0xc0, 1, 0x17, 0xc1, 0, 8 + payload.length, 0, 0, ...payload];

  it('Geneve with an option: the overlay\'s frame after the options', () => {
    // One option: class 0x0102, type 0x80, 1 word of data (8 bytes with its header).
    const geneve = [0x02, 0x00, 0x65, 0x58, 0, 0, 42, 0, 0x01, 0x02, 0x80, 0x01, 0, 0, 0, 7];
    const f = d.decodeBytes(underlay(17, udp([...geneve, ...arp])));
    expect(types(f)).toBe('eth/ipv4/udp/geneve/eth/arp');
    expect(f.layers[3]).toMatchObject({ type: 'geneve', version: 0, optionsLength: 8, oam: false, vni: 42, protocol: 0x6558 });
    expect(formatFrameLine(f)).toMatch(/IP 10\.99\.0\.1\.49153 > 10\.99\.0\.2\.6081: Geneve, Flags \[none\], vni 0x2a, proto TEB \(0x6558\), options 8 bytes: 02:00:00:00:42:01 > ff:ff:ff:ff:ff:ff, ethertype ARP \(0x0806\), length 42: ARP, Request who-has 192\.168\.50\.2 tell 192\.168\.50\.1/);
  });

  it('a Geneve header of another version or cut inside its options is reported, not followed', () => {
    const v1 = d.decodeBytes(underlay(17, udp([0x40, 0, 0x65, 0x58, 0, 0, 42, 0, ...arp])));
    expect(v1.issues.map((i) => `${i.layer}:${i.code}`)).toEqual(['geneve:bad-version']);
    const cut = d.decodeBytes(underlay(17, udp([0x04, 0, 0x65, 0x58, 0, 0, 42, 0, 1, 2, 3])));
    expect(types(cut)).toBe('eth/ipv4/udp');
    expect(cut.issues.map((i) => `${i.layer}:${i.code}`)).toEqual(['geneve:truncated']);
  });

  it('gretap: GRE with protocol TEB leads into an Ethernet frame', () => {
    const f = d.decodeBytes(underlay(47, [0, 0, 0x65, 0x58, ...arp]));
    expect(types(f)).toBe('eth/ipv4/gre/eth/arp');
    expect(formatFrameLine(f)).toMatch(/IP 10\.99\.0\.1 > 10\.99\.0\.2: GREv0, proto TEB \(0x6558\): 02:00:00:00:42:01 > ff:ff:ff:ff:ff:ff, ethertype ARP/);
  });
});

describe('MPLS labels and ERSPAN mirrors', () => {
  const d = new FrameDecoder({ verifyChecksums: false });
  const eth = (ethertype: number, rest: number[]): Uint8Array =>
    Uint8Array.from([2, 0, 0, 0, 0x99, 2, 2, 0, 0, 0, 0x99, 1, ethertype >> 8, ethertype & 0xff, ...rest]);
  // IPv4 / UDP 192.168.50.1.1000 > 192.168.50.2.53, no payload.
  const ipUdp = [0x45, 0, 0, 28, 0, 1, 0, 0, 64, 17, 0, 0, 192, 168, 50, 1, 192, 168, 50, 2, 0x03, 0xe8, 0, 53, 0, 8, 0, 0];
  // An overlay's ARP request, as a mirrored frame.
  const arp = [
    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0x42, 1, 0x08, 0x06,
    0, 1, 0x08, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0x42, 1, 192, 168, 50, 1, 0, 0, 0, 0, 0, 0, 192, 168, 50, 2,
  ];
  const gre = (flags: number, proto: number, rest: number[]): number[] => {
    const inner = [flags, 0, proto >> 8, proto & 0xff, ...rest];
    const total = 20 + inner.length;
    return [0x45, 0, total >> 8, total & 0xff, 0, 1, 0, 0, 64, 47, 0, 0, 10, 99, 0, 1, 10, 99, 0, 2, ...inner];
  };

  it('a two-label stack, then the IPv4 packet under the bottom one', () => {
    const f = d.decodeBytes(eth(0x8847, [0x00, 0x06, 0x40, 0x40, 0x00, 0x0c, 0x81, 0x3f, ...ipUdp]));
    expect(types(f)).toBe('eth/mpls/mpls/ipv4/udp');
    expect(f.layers[1]).toMatchObject({ label: 100, tc: 0, bottom: false, ttl: 64 });
    expect(f.layers[2]).toMatchObject({ label: 200, tc: 0, bottom: true, ttl: 63 });
    expect(formatFrameLine(f)).toMatch(/ethertype MPLS \(0x8847\), length 50: MPLS \(label 100, tc 0, ttl 64\) MPLS \(label 200, tc 0, \[S\], ttl 63\) IP 192\.168\.50\.1\.1000 > 192\.168\.50\.2\.53: UDP/);
  });

  it('a stack with no bottom is reported after 16 entries', () => {
    const f = d.decodeBytes(eth(0x8847, Array(20).fill([0x00, 0x06, 0x40, 0x40]).flat()));
    expect(f.layers.filter((l) => l.type === 'mpls')).toHaveLength(16);
    expect(f.issues.map((i) => `${i.layer}:${i.code}`)).toEqual(['mpls:malformed']);
  });

  it('ERSPAN type II, type III with its platform subheader, and type I lead into the mirrored frame', () => {
    const two = d.decodeBytes(eth(0x0800, gre(0x10, 0x88be, [0, 0, 0, 9, 0x10, 0x05, 0x20, 0x07, 0, 0, 0, 0, ...arp])));
    expect(types(two)).toBe('eth/ipv4/gre/erspan/eth/arp');
    expect(two.layers[3]).toMatchObject({ erspanType: 2, vlan: 5, cos: 1, session: 7 });
    expect(formatFrameLine(two)).toMatch(/GREv0, proto ERSPAN \(0x88be\): ERSPAN type II, session 7, vlan 5, cos 1: 02:00:00:00:42:01 > ff:ff:ff:ff:ff:ff, ethertype ARP/);
    const three = d.decodeBytes(eth(0x0800, gre(0x10, 0x22eb, [0, 0, 0, 9, 0x20, 0x00, 0x00, 0x03, 1, 2, 3, 4, 0, 0, 0, 0x01, ...Array(8).fill(0xee), ...arp])));
    expect(types(three)).toBe('eth/ipv4/gre/erspan/eth/arp');
    expect(three.layers[3]).toMatchObject({ erspanType: 3, session: 3 });
    const one = d.decodeBytes(eth(0x0800, gre(0x00, 0x88be, arp)));
    expect(types(one)).toBe('eth/ipv4/gre/erspan/eth/arp');
    expect(one.layers[3]).toMatchObject({ erspanType: 1, session: 0 });
    const bad = d.decodeBytes(eth(0x0800, gre(0x10, 0x88be, [0, 0, 0, 9, 0x70, 0, 0, 7, 0, 0, 0, 0, ...arp])));
    expect(bad.issues.map((i) => `${i.layer}:${i.code}`)).toEqual(['erspan:bad-version']);
  });
});
