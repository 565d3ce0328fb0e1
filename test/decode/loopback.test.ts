/**
 * The BSD loopback link types (LINKTYPE_NULL 0, LINKTYPE_LOOP 108): macOS and BSD captures of
 * lo0 and utun. The family's byte order depends on the capturing host (NULL) or is network order
 * (LOOP); tcpdump tells them apart by the upper 16 bits, and so do the decoder and the filter.
 */
import { describe, expect, it } from 'vitest';
import { compileCaptureFilter, FrameDecoder, LINKTYPE } from '../../src/decode/index.js';
import { formatFrameLine } from '../../src/present/frame-summary.js';
import { loopbackFamily } from '../../src/wire/loopback.js';
import type { DecodedFrame } from '../../src/wire/records.js';

const hex = (...rows: string[]): Uint8Array => Uint8Array.from(Buffer.from(rows.join('').replace(/\s+/g, ''), 'hex'));
const types = (f: DecodedFrame): string => f.layers.map((l) => l.type).join('/');

// IPv4 / TCP SYN from a client to the VIP (checksums valid): the SYN of decoder.test.ts without its Ethernet header.
const IPV4_SYN = hex(
  '45 00 003c 1234 4000 40 06 4574 0a010107 c0a81764',
  'a93c 0050 6de79a1b 00000000 a0 02 faf0 d629 0000',
  '020405b4 0402 080a0001e24000000000 01 030307',
);
// IPv6 / UDP ::1.5353 -> ::1.53, 4 bytes of payload.
const IPV6_UDP = hex(
  '60000000 000c 11 40', '00000000000000000000000000000001', '00000000000000000000000000000001',
  '14e9 0035 000c 0000', 'deadbeef',
);
const cat = (a: Uint8Array, b: Uint8Array): Uint8Array => Uint8Array.from([...a, ...b]);

describe('BSD loopback link types', () => {
  const d = new FrameDecoder({ verifyChecksums: false });

  it('reads the family in either byte order, as tcpdump does', () => {
    expect(loopbackFamily(2, 0, 0, 0)).toBe(2); // NULL from a little-endian host (x86, arm64)
    expect(loopbackFamily(0, 0, 0, 2)).toBe(2); // NULL from a big-endian host, and LOOP
    expect(loopbackFamily(30, 0, 0, 0)).toBe(30);
    expect(loopbackFamily(0, 0, 0, 24)).toBe(24);
  });

  it('NULL from a little-endian host: loopback, then IPv4 and TCP', () => {
    const f = d.decodeBytes(cat(hex('02000000'), IPV4_SYN), LINKTYPE.NULL);
    expect(types(f)).toBe('loopback/ipv4/tcp');
    expect(f.layers[0]).toEqual({ type: 'loopback', family: 2, offset: 0 });
    expect(f.layers[1]).toMatchObject({ src: '10.1.1.7', dst: '192.168.23.100', offset: 4 });
    expect(f.issues).toEqual([]);
    expect(formatFrameLine(f)).toMatch(/^AF IPv4 \(2\), length 64: IP 10\.1\.1\.7\.43324 > 192\.168\.23\.100\.80: Flags \[S\]/);
  });

  it('LOOP (network byte order) and every BSD\'s AF_INET6 carry IPv6', () => {
    for (const fam of [24, 28, 30]) {
      const f = d.decodeBytes(cat(Uint8Array.of(0, 0, 0, fam), IPV6_UDP), LINKTYPE.LOOP);
      expect(types(f), String(fam)).toBe('loopback/ipv6/udp');
      expect(formatFrameLine(f)).toMatch(new RegExp(`^AF IPv6 \\(${fam}\\), length 56: IP6 ::1\\.5353 > ::1\\.53`));
    }
  });

  it('another family is named, not decoded and not an error; a cut header is', () => {
    const other = d.decodeBytes(hex('17000000', 'ffffffff'), LINKTYPE.NULL);
    expect(types(other)).toBe('loopback');
    expect(other.issues).toEqual([]);
    expect(formatFrameLine(other)).toBe('AF IPX (23), length 8: length 8');
    const cut = d.decodeBytes(hex('0200'), LINKTYPE.NULL);
    expect(types(cut)).toBe('');
    expect(cut.issues.map((i) => `${i.layer}:${i.code}`)).toEqual(['loopback:truncated']);
  });

  it('the capture filter finds the network header behind either header', () => {
    const tcp80 = compileCaptureFilter('tcp dst port 80 and src host 10.1.1.7');
    const udp53 = compileCaptureFilter('ip6 and udp port 53');
    const v4 = cat(hex('02000000'), IPV4_SYN);
    const v6 = cat(Uint8Array.of(0, 0, 0, 30), IPV6_UDP);
    expect(tcp80(v4, 0, v4.length, v4.length, LINKTYPE.NULL)).toBe(true);
    expect(tcp80(v4, 0, v4.length, v4.length, LINKTYPE.LOOP)).toBe(true);
    expect(udp53(v6, 0, v6.length, v6.length, LINKTYPE.LOOP)).toBe(true);
    expect(udp53(v4, 0, v4.length, v4.length, LINKTYPE.NULL)).toBe(false);
  });
});
