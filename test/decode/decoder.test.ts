/**
 * FrameDecoder on literal frames (named cases of issue 2, item 4) and on the YANET balancer
 * captures against their expected-mapping.derived.tsv (outer/inner tunnel headers).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FrameDecoder, LINKTYPE, openFrames } from '../../src/decode/index.js';
import type { DecodedFrame, LayerRecord } from '../../src/wire/records.js';
import { CONFORMANCE_ROOT } from './reference.js';

const hex = (...rows: string[]): Uint8Array => Uint8Array.from(Buffer.from(rows.join('').replace(/\s+/g, ''), 'hex'));
const types = (f: DecodedFrame): string => f.layers.map((l) => l.type).join('/');
const codes = (f: DecodedFrame): string[] => f.issues.map((i) => `${i.layer}:${i.code}@${i.offset}`);
const layer = <T extends LayerRecord['type']>(f: DecodedFrame, t: T, nth = 0): Extract<LayerRecord, { type: T }> =>
  f.layers.filter((l) => l.type === t)[nth] as Extract<LayerRecord, { type: T }>;

// Ethernet / IPv4 / TCP SYN to the VIP with MSS, SACK-permitted, timestamps, NOP, wscale (checksums valid).
const SYN = hex(
  '000c29aa0011 000c29d10001 0800',
  '45 00 003c 1234 4000 40 06 4574 0a010107 c0a81764',
  'a93c 0050 6de79a1b 00000000 a0 02 faf0 d629 0000',
  '020405b4 0402 080a0001e24000000000 01 030307',
);
// IPIP (LVS-TUN): director 192.168.23.1 -> real server 192.168.23.11 carrying client -> VIP.
const IPIP = hex(
  '000c29aa0011 000c29d10001 0800',
  '45 00 003c 0007 0000 40 04 cb5a c0a81701 c0a8170b', // outer, proto 4
  '45 00 0028 0009 0000 3f 06 98b3 0a010107 c0a81764', // inner, ttl 63
  'a93c 0050 00000001 00000000 50 02 0400 1f41 0000',
);
// QinQ gratuitous ARP: 802.1ad tag 200 (PCP 3), 802.1Q tag 2001, VIP announcing itself.
const QINQ_GARP = hex(
  'ffffffffffff 000c29d10001 88a8',
  '60c8 8100', '07d1 0806',
  '0001 0800 06 04 0001 000c29d10001 c0a81764 000000000000 c0a81764',
);

describe('FrameDecoder, named cases', () => {
  const d = new FrameDecoder();

  it('a clean SYN: every layer, both checksums good, no issues', () => {
    const f = d.decodeBytes(SYN);
    expect(types(f)).toBe('eth/ipv4/tcp');
    expect(f.issues).toEqual([]);
    expect(layer(f, 'ipv4')).toMatchObject({ src: '10.1.1.7', dst: '192.168.23.100', ttl: 64, id: 0x1234, df: true, checksumOk: true, offset: 14 });
    expect(layer(f, 'tcp')).toMatchObject({ srcPort: 43324, dstPort: 80, seq: 0x6de79a1b, flags: 'S', window: 64240, checksumOk: true, payloadLength: 0, offset: 34 });
  });

  it('IPIP: outer and inner IPv4 kept as separate layers, the inner marked', () => {
    const f = d.decodeBytes(IPIP);
    expect(types(f)).toBe('eth/ipv4/ipv4/tcp');
    expect(f.issues).toEqual([]);
    expect(layer(f, 'ipv4', 0)).toMatchObject({ src: '192.168.23.1', dst: '192.168.23.11', proto: 4, ttl: 64, inner: false, checksumOk: true, totalLength: 60 });
    expect(layer(f, 'ipv4', 1)).toMatchObject({ src: '10.1.1.7', dst: '192.168.23.100', proto: 6, ttl: 63, inner: true, checksumOk: true, offset: 34 });
    expect(layer(f, 'tcp')).toMatchObject({ srcPort: 43324, dstPort: 80, flags: 'S', checksumOk: true, offset: 54 });
  });

  it('QinQ stacked tags and a gratuitous ARP', () => {
    const f = d.decodeBytes(QINQ_GARP);
    expect(types(f)).toBe('eth/vlan/vlan/arp');
    expect(layer(f, 'eth').ethertype).toBe(0x88a8);
    expect([layer(f, 'vlan', 0).id, layer(f, 'vlan', 0).pcp, layer(f, 'vlan', 0).tpid]).toEqual([200, 3, 0x88a8]);
    expect([layer(f, 'vlan', 1).id, layer(f, 'vlan', 1).tpid, layer(f, 'vlan', 1).ethertype]).toEqual([2001, 0x8100, 0x0806]);
    expect(layer(f, 'arp')).toMatchObject({ op: 1, sha: '00:0c:29:d1:00:01', spa: '192.168.23.100', tpa: '192.168.23.100', gratuitous: true, offset: 22 });
  });

  it('truncated in the TCP options: layers before it kept, a truncated issue at the TCP header', () => {
    const f = d.decodeBytes(SYN.subarray(0, 60));
    expect(types(f)).toBe('eth/ipv4');
    expect(codes(f)).toEqual(['ipv4:bad-length@16', 'tcp:truncated@34']);
    // Cut at the snapshot length instead (len says 74 were on the wire): a capture limit, not a lie.
    const snap = d.decode(SYN, 0, 60, LINKTYPE.ETHERNET, 1, 0, 0, 74, 0, null);
    expect(codes(snap)).toEqual(['ipv4:truncated@60', 'tcp:truncated@34']);
    expect(snap.issues[1]!.message).toBe('TCP header length 40, 26 bytes captured (frame cut at the snapshot length)');
  });

  it('IHL < 5 and a bad version stop at the IP layer with their own codes', () => {
    const ihl = SYN.slice(); ihl[14] = 0x44;
    expect(codes(d.decodeBytes(ihl))).toEqual(['ipv4:bad-header-length@14']);
    const v5 = SYN.slice(); v5[14] = 0x55;
    expect(codes(d.decodeBytes(v5))).toEqual(['ipv4:bad-version@14']);
  });

  it('total length larger than the frame: bad-length, payload counted from the bytes present', () => {
    const long = SYN.slice(); long[17] = 0x50; // total length 80 in a 74-byte frame; header checksum now wrong too
    const f = d.decodeBytes(long);
    expect(codes(f)).toEqual(['ipv4:bad-checksum@24', 'ipv4:bad-length@16']);
    expect(layer(f, 'ipv4')).toMatchObject({ totalLength: 80, checksumOk: false });
    expect(layer(f, 'tcp')).toMatchObject({ payloadLength: 0, checksumOk: null });
  });

  it('total length 0 (TSO / BIG TCP): the rest of the frame is presumed, as tcpdump and tshark do', () => {
    const data = new Uint8Array(SYN.length + 100);
    data.set(SYN);
    data[16] = 0; data[17] = 0; // total length 0
    const f = d.decodeBytes(data);
    expect(codes(f)).toContain('ipv4:bad-length@16');
    expect(layer(f, 'tcp').payloadLength).toBe(100);
  });

  it('checksum offloaded (the field holds only the pseudo-header sum) vs a corrupt checksum', () => {
    // Sender-side capture of a 40-byte TCP segment: field = folded pseudo-header sum.
    const offl = SYN.slice();
    const pseudo = 0x0a01 + 0x0107 + 0xc0a8 + 0x1764 + 6 + 40;
    const folded = (pseudo & 0xffff) + (pseudo >>> 16);
    offl[50] = folded >>> 8; offl[51] = folded & 0xff;
    const f = d.decodeBytes(offl);
    expect(layer(f, 'tcp').checksumOk).toBe(false);
    expect(codes(f)).toEqual(['tcp:checksum-offloaded@50']);
    const bad = SYN.slice(); bad[51] = 0x28;
    expect(codes(d.decodeBytes(bad))).toEqual(['tcp:bad-checksum@50']);
    expect(layer(new FrameDecoder({ verifyChecksums: false }).decodeBytes(bad), 'tcp').checksumOk).toBeNull();
  });

  it('ICMP fragmentation needed: MTU and the quoted header', () => {
    const f = d.decodeBytes(hex(
      '000c29d10001 000c29ee00fe 0800',
      '45 00 0038 0055 0000 ff 01 0abd c0a817fe c0a81764',
      '03 04 4da2 0000 05c8',
      '45 00 0030 0003 4000 40 06 57b1 c0a81764 0a010107 0050 a93c 00000005',
    ));
    expect(f.issues).toEqual([]);
    expect(layer(f, 'icmp')).toMatchObject({ icmpType: 3, code: 4, mtu: 1480, checksumOk: true, quoted: { src: '192.168.23.100', dst: '10.1.1.7', proto: 6, srcPort: 80, dstPort: 43324 } });
  });

  it('SLL and SLL2 link types', () => {
    const ip = SYN.subarray(14);
    const sll = new Uint8Array(16 + ip.length);
    sll.set(hex('0000 0001 0006 000c29d100010000 0800')); sll.set(ip, 16);
    const a = d.decodeBytes(sll, LINKTYPE.LINUX_SLL);
    expect(types(a)).toBe('sll/ipv4/tcp');
    expect(layer(a, 'sll')).toMatchObject({ pktType: 0, hatype: 1, src: '00:0c:29:d1:00:01', protocol: 0x0800 });
    const sll2 = new Uint8Array(20 + ip.length);
    sll2.set(hex('0800 0000 00000003 0001 04 06 000c29d100010000')); sll2.set(ip, 20);
    const b = d.decodeBytes(sll2, LINKTYPE.LINUX_SLL2);
    expect(types(b)).toBe('sll2/ipv4/tcp');
    expect(layer(b, 'sll2')).toMatchObject({ protocol: 0x0800, ifindex: 3, pktType: 4 });
    expect(layer(b, 'tcp').checksumOk).toBe(true);
  });

  it('raw IPv4 (101 and 228) and an unsupported link type', () => {
    expect(types(d.decodeBytes(SYN.subarray(14), LINKTYPE.RAW))).toBe('ipv4/tcp');
    expect(types(d.decodeBytes(SYN.subarray(14), LINKTYPE.IPV4))).toBe('ipv4/tcp');
    const f = d.decodeBytes(SYN, 105);
    expect(f.layers).toEqual([]);
    expect(f.issues).toEqual([{ layer: 'frame', code: 'unsupported-link-type', offset: 0, message: 'link type IEEE802_11 (105) is not decoded' }]);
  });

  it('records are plain JSON: no typed arrays, no references into the buffer', () => {
    const f = d.decodeBytes(IPIP);
    expect(JSON.parse(JSON.stringify(f))).toEqual(f);
  });
});

describe('YANET balancer captures: outer and inner headers match expected-mapping.derived.tsv', () => {
  const root = join(CONFORMANCE_ROOT, 'yanet');
  const units = existsSync(root) ? readdirSync(root).filter((u) => existsSync(join(root, u, 'expected-mapping.derived.tsv'))) : [];

  it('has the tunnel units', () => {
    expect(units).toContain('049_balancer_real_ipv4');
    expect(units).toContain('065_balancer_gre');
  });

  for (const unit of units) {
    it(unit, () => {
      const rows = readFileSync(join(root, unit, 'expected-mapping.derived.tsv'), 'utf8').trim().split('\n').slice(1).map((l) => l.split('\t'));
      const byFile = new Map<string, DecodedFrame[]>();
      let checked = 0;
      for (const [file = '', frame = '', encap = '', outerSrc = '', outerDst = '', client = '', sport = '', vip = '', vport = '', l4 = '', vlanOut = ''] of rows) {
        if (!byFile.has(file)) byFile.set(file, [...openFrames([join(root, unit, file)])]);
        const f = byFile.get(file)![Number(frame) - 1];
        expect(f, `${file} #${frame}`).toBeDefined();
        const where = `${unit}/${file} #${frame}`;
        expect(f!.layers.filter((l) => l.type === 'vlan').map((l) => (l.type === 'vlan' ? String(l.id) : '')).join(','), where).toBe(vlanOut);
        const v4 = f!.layers.filter((l) => l.type === 'ipv4');
        const v6 = f!.layers.filter((l) => l.type === 'ipv6');
        const inner = v4[v4.length - 1];
        if (encap !== 'none') {
          // Outer header: IPv4 (IPIP, GRE over IPv4) or IPv6 (4in6, GRE over IPv6).
          const outer = outerSrc.includes(':') ? v6[0] : v4[0];
          expect(outer && 'src' in outer ? [outer.src, outer.dst] : null, where).toEqual([outerSrc, outerDst]);
          if (encap.startsWith('GRE')) expect(f!.layers.some((l) => l.type === 'gre' && l.protocol === (client.includes(':') ? 0x86dd : 0x0800)), where).toBe(true);
          if (encap.startsWith('IPIP')) expect(v4.length >= 2 && v4[1]!.type === 'ipv4' && v4[1]!.inner, where).toBe(true);
        }
        // Inner (client -> VIP) header; IPv6 clients use the last ipv6 layer.
        const innerAddr = client.includes(':') ? v6[v6.length - 1] : inner;
        expect(innerAddr && 'src' in innerAddr ? [innerAddr.src, innerAddr.dst] : null, where).toEqual([client, vip]);
        if (l4 === 'tcp' || l4 === 'udp') {
          const t = f!.layers.find((l) => l.type === l4);
          expect(t && 'srcPort' in t ? [t.srcPort, t.dstPort] : null, where).toEqual([Number(sport), Number(vport)]);
        } else if (l4 === 'icmp') {
          expect(f!.layers.some((l) => l.type === 'icmp'), where).toBe(true);
        } else {
          // ICMPv6 echo replies: lvscope names IPv6 and its next header only.
          expect(v6.some((l) => l.type === 'ipv6' && l.nextHeader === 58), where).toBe(true);
        }
        checked++;
      }
      expect(checked).toBe(rows.length);
      expect(checked).toBeGreaterThan(0);
    });
  }
});
