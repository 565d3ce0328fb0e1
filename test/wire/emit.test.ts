import { describe, expect, it } from 'vitest';
import { FrameDecoder } from '../../src/decode/index.js';
import { buildFrame, emitFrame, quoteDatagram, tcpFlagBits, EmitError, type LayerSpec } from '../../src/wire/emit.js';
import type { Ipv4Record, TcpRecord, IcmpRecord, ArpRecord, GreRecord, UdpRecord, VlanRecord, Sll2Record } from '../../src/wire/records.js';

/** The seed DR walkthrough's forwarded SYN: director -> WEB1, only the destination MAC changed, TTL 63 -> 62. */
const DR_SYN_SPECS: readonly LayerSpec[] = [
  { type: 'eth', src: '00:0c:29:06:13:ea', dst: '02:aa:00:00:01:01' },
  { type: 'ipv4', src: '172.16.0.100', dst: '192.168.23.100', ttl: 62, id: 46144, df: true },
  {
    type: 'tcp', srcPort: 44942, dstPort: 80, seq: 3857998865, flags: 'S', window: 64240,
    options: [{ kind: 'mss', value: 1460 }, { kind: 'sackOk' }, { kind: 'ts', tsval: 168000260, tsecr: 0 }, { kind: 'nop' }, { kind: 'wscale', value: 10 }],
  },
];

// Written by hand from the header layouts (and matching the real kernel capture, whose TCP
// checksum field held the offloaded 0x84af; 0x499f is the correct value tcpdump computes).
const DR_SYN_BYTES = Uint8Array.from([
  0x02, 0xaa, 0x00, 0x00, 0x01, 0x01, //             eth dst: WEB1
  0x00, 0x0c, 0x29, 0x06, 0x13, 0xea, //             eth src: director
  0x08, 0x00, //                                     EtherType IPv4
  0x45, 0x00, 0x00, 0x3c, //                         v4 IHL 5, TOS 0, total length 60
  0xb4, 0x40, 0x40, 0x00, //                         id 46144, DF, offset 0
  0x3e, 0x06, 0x03, 0xfb, //                         TTL 62, TCP, header checksum 0x03fb
  0xac, 0x10, 0x00, 0x64, //                         src 172.16.0.100 (CIP)
  0xc0, 0xa8, 0x17, 0x64, //                         dst 192.168.23.100 (VIP)
  0xaf, 0x8e, 0x00, 0x50, //                         sport 44942, dport 80
  0xe5, 0xf4, 0x64, 0x11, //                         seq 3857998865
  0x00, 0x00, 0x00, 0x00, //                         ack 0
  0xa0, 0x02, 0xfa, 0xf0, //                         data offset 10 (40 bytes), SYN, window 64240
  0x49, 0x9f, 0x00, 0x00, //                         checksum 0x499f, urgent 0
  0x02, 0x04, 0x05, 0xb4, //                         MSS 1460
  0x04, 0x02, //                                     SACK permitted
  0x08, 0x0a, 0x0a, 0x03, 0x7b, 0x04, 0x00, 0x00, 0x00, 0x00, // TS val 168000260 ecr 0
  0x01, //                                           NOP
  0x03, 0x03, 0x0a, //                               window scale 10
]);

const decoder = new FrameDecoder();

describe('emitFrame', () => {
  it('writes the DR SYN byte for byte into a dirty buffer', () => {
    const out = new Uint8Array(128).fill(0xa5);
    const len = emitFrame(DR_SYN_SPECS, out);
    expect(len).toBe(74);
    expect(Array.from(out.subarray(0, len))).toEqual(Array.from(DR_SYN_BYTES));
    expect(out[74]).toBe(0xa5);
  });

  it('round-trips: decode(emit(specs)) gives back every field', () => {
    const f = decoder.decodeBytes(buildFrame(DR_SYN_SPECS));
    expect(f.issues).toEqual([]);
    const ip = f.layers[1] as Ipv4Record;
    expect(ip).toMatchObject({ src: '172.16.0.100', dst: '192.168.23.100', ttl: 62, id: 46144, df: true, proto: 6, totalLength: 60, checksum: 0x03fb, checksumOk: true });
    const tcp = f.layers[2] as TcpRecord;
    expect(tcp).toMatchObject({ srcPort: 44942, dstPort: 80, seq: 3857998865, ack: 0, flags: 'S', window: 64240, checksum: 0x499f, checksumOk: true, headerLength: 40 });
    expect(tcp.options).toEqual(DR_SYN_SPECS[2]!.type === 'tcp' ? (DR_SYN_SPECS[2] as { options: unknown }).options : null);
  });

  it('re-emits a decoded frame to the same bytes (records are valid specs)', () => {
    const f = decoder.decodeBytes(DR_SYN_BYTES);
    expect(Array.from(buildFrame(f.layers as unknown as LayerSpec[]))).toEqual(Array.from(DR_SYN_BYTES));
  });

  it('writes a deliberately wrong checksum verbatim', () => {
    const specs: LayerSpec[] = [DR_SYN_SPECS[0]!, { ...(DR_SYN_SPECS[1] as object), type: 'ipv4', checksum: 0x1234 } as LayerSpec,
      { ...(DR_SYN_SPECS[2] as object), type: 'tcp', checksum: 0x84af } as LayerSpec];
    const bytes = buildFrame(specs);
    expect((bytes[24]! << 8) | bytes[25]!).toBe(0x1234);
    expect((bytes[50]! << 8) | bytes[51]!).toBe(0x84af);
    const f = decoder.decodeBytes(bytes);
    expect((f.layers[1] as Ipv4Record).checksumOk).toBe(false);
    expect((f.layers[2] as TcpRecord).checksumOk).toBe(false);
    expect(f.issues.map((i) => i.code)).toEqual(['bad-checksum', 'checksum-offloaded']);
  });

  it('pads short frames to 60 bytes without counting the padding in the IP length', () => {
    const bytes = buildFrame([
      { type: 'eth', src: '02:aa:00:00:00:fe', dst: '00:0c:29:06:13:ea' },
      { type: 'ipv4', src: '172.16.0.100', dst: '192.168.23.100', ttl: 63, id: 7 },
      { type: 'tcp', srcPort: 1, dstPort: 80, flags: 'AP', seq: 5, ack: 9, payloadLength: 2 },
    ]);
    expect(bytes.length).toBe(60);
    const f = decoder.decodeBytes(bytes);
    expect((f.layers[1] as Ipv4Record).totalLength).toBe(42);
    expect((f.layers[2] as TcpRecord).flags).toBe('AP');
    expect((f.layers[2] as TcpRecord).payloadLength).toBe(2);
    expect(f.issues).toEqual([]);
  });

  it('emits ARP who-has and is-at', () => {
    const req = buildFrame([
      { type: 'eth', src: '02:aa:00:00:00:fe', dst: 'ff:ff:ff:ff:ff:ff' },
      { type: 'arp', op: 1, sha: '02:aa:00:00:00:fe', spa: '192.168.23.1', tha: '00:00:00:00:00:00', tpa: '192.168.23.100' },
    ]);
    expect(req.length).toBe(60);
    expect(Array.from(req.subarray(12, 22))).toEqual([0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1]);
    const a = decoder.decodeBytes(req).layers[1] as ArpRecord;
    expect(a).toMatchObject({ op: 1, spa: '192.168.23.1', tpa: '192.168.23.100', sha: '02:aa:00:00:00:fe', gratuitous: false });
  });

  it('emits IPIP (TUN) with both headers surviving and the outer protocol 4', () => {
    const f = decoder.decodeBytes(buildFrame([
      { type: 'eth', src: '00:0c:29:06:13:ea', dst: '02:00:00:00:00:01' },
      { type: 'ipv4', src: '192.168.23.99', dst: '10.1.0.10', ttl: 62, df: true },
      { type: 'ipv4', src: '172.16.0.100', dst: '192.168.23.100', ttl: 62, id: 9, df: true },
      { type: 'tcp', srcPort: 40000, dstPort: 80, flags: 'S', seq: 1 },
    ]));
    expect(f.issues).toEqual([]);
    const outer = f.layers[1] as Ipv4Record, inner = f.layers[2] as Ipv4Record;
    expect([outer.proto, outer.totalLength, outer.inner, inner.inner, inner.totalLength]).toEqual([4, 60, false, true, 40]);
    expect((f.layers[3] as TcpRecord).checksumOk).toBe(true);
  });

  it('emits GRE with checksum and key, VLAN tags, and SLL2', () => {
    const f = decoder.decodeBytes(buildFrame([
      { type: 'eth', src: '00:0c:29:06:13:ea', dst: '02:00:00:00:00:01' },
      { type: 'vlan', id: 23, pcp: 5 },
      { type: 'ipv4', src: '192.168.23.99', dst: '10.1.0.10' },
      { type: 'gre', checksumPresent: true, key: 77 },
      { type: 'ipv4', src: '172.16.0.100', dst: '192.168.23.100' },
      { type: 'udp', srcPort: 53, dstPort: 5353, payloadLength: 3 },
    ]));
    expect(f.issues).toEqual([]);
    expect(f.layers.map((l) => l.type)).toEqual(['eth', 'vlan', 'ipv4', 'gre', 'ipv4', 'udp']);
    expect((f.layers[1] as VlanRecord)).toMatchObject({ id: 23, pcp: 5, ethertype: 0x0800 });
    expect((f.layers[3] as GreRecord)).toMatchObject({ protocol: 0x0800, checksumPresent: true, key: 77 });
    expect((f.layers[5] as UdpRecord)).toMatchObject({ length: 11, checksumOk: true, payloadLength: 3 });
    const s = decoder.decodeBytes(buildFrame([
      { type: 'sll2', ifindex: 2, pktType: 4, src: '00:0c:29:06:13:ea' },
      { type: 'ipv4', src: '1.2.3.4', dst: '5.6.7.8' },
      { type: 'icmp', icmpType: 8, code: 0, echoId: 1, echoSeq: 2 },
    ]), 276);
    expect(s.issues).toEqual([]);
    expect(s.layers[0] as Sll2Record).toMatchObject({ protocol: 0x0800, ifindex: 2, pktType: 4, src: '00:0c:29:06:13:ea' });
    expect(s.layers[2] as IcmpRecord).toMatchObject({ echoId: 1, echoSeq: 2, checksumOk: true });
  });

  it('emits ICMP errors with the quoted datagram: port unreachable and frag-needed with MTU', () => {
    const quote = quoteDatagram(DR_SYN_SPECS.slice(1));
    expect(quote.length).toBe(60);
    const f = decoder.decodeBytes(buildFrame([
      { type: 'eth', src: '00:0c:29:06:13:ea', dst: '02:aa:00:00:00:fe' },
      { type: 'ipv4', src: '192.168.23.100', dst: '172.16.0.100', ttl: 64 },
      { type: 'icmp', icmpType: 3, code: 4, mtu: 1480, quote },
    ]));
    expect(f.issues).toEqual([]);
    const icmp = f.layers[2] as IcmpRecord;
    expect(icmp).toMatchObject({ icmpType: 3, code: 4, mtu: 1480, checksumOk: true });
    expect(icmp.quoted).toEqual({ src: '172.16.0.100', dst: '192.168.23.100', proto: 6, srcPort: 44942, dstPort: 80 });
    const big = quoteDatagram([{ type: 'ipv4', src: 1, dst: 2 }, { type: 'tcp', srcPort: 1, dstPort: 2, payloadLength: 1400 }]);
    expect(big.length).toBe(548);
  });

  it('writes FULLNAT TOA right after the fixed header', () => {
    const f = decoder.decodeBytes(buildFrame([
      { type: 'eth', src: '00:0c:29:06:13:ea', dst: '02:00:00:00:00:01' },
      { type: 'ipv4', src: '10.0.0.200', dst: '10.0.1.10' },
      { type: 'tcp', srcPort: 5001, dstPort: 8080, flags: 'S', options: [{ kind: 'toa', port: 44942, addr: '172.16.0.100' }, { kind: 'mss', value: 1460 }] },
    ]));
    const tcp = f.layers[2] as TcpRecord;
    expect(tcp.options).toEqual([{ kind: 'toa', port: 44942, addr: '172.16.0.100' }, { kind: 'mss', value: 1460 }]);
    expect(tcp.headerLength).toBe(32);
  });

  it('parses flag letters in any order and rejects unknown ones', () => {
    expect(tcpFlagBits('SA')).toBe(0x12);
    expect(tcpFlagBits('AS')).toBe(0x12);
    expect(tcpFlagBits('AF')).toBe(0x11);
    expect(tcpFlagBits('R')).toBe(0x04);
    expect(() => tcpFlagBits('SX')).toThrow(EmitError);
    expect(() => buildFrame([{ type: 'ipv4', src: '1.2.3', dst: '1.2.3.4' }])).toThrow(/ipv4.src: not an IPv4 address/);
  });
});
