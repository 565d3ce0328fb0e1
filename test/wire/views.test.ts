/**
 * The wire views, smoltcp style: a literal frame, one comment per header row, and every getter
 * checked against the value written there. Checksums in the literals are real (computed once
 * with an independent Python RFC 1071 implementation), so `verifyChecksum()` must say true.
 */
import { describe, expect, it } from 'vitest';
import { ArpView, ARP_ETHERNET_IPV4_LEN } from '../../src/wire/arp.js';
import { finish, pseudoHeaderSum, sum16, verifies } from '../../src/wire/checksum.js';
import { EthernetView, VlanView, isVlanTpid, ethertypeName } from '../../src/wire/ethernet.js';
import { GreView } from '../../src/wire/gre.js';
import { IcmpView } from '../../src/wire/icmp.js';
import { Ipv4View } from '../../src/wire/ipv4.js';
import { Ipv6View } from '../../src/wire/ipv6.js';
import { SllView, Sll2View, sllPacketTypeName } from '../../src/wire/sll.js';
import { TcpView, tcpFlagsText } from '../../src/wire/tcp.js';
import { UdpView } from '../../src/wire/udp.js';
import type { TcpOption } from '../../src/wire/records.js';

/** Rows of hex (spaces ignored) to bytes. */
const hex = (...rows: string[]): Uint8Array => Uint8Array.from(Buffer.from(rows.join('').replace(/\s+/g, ''), 'hex'));

// Ethernet / IPv4 / TCP SYN, client 10.1.1.7:43324 -> VIP 192.168.23.100:80 (DR, director's MAC as source).
const SYN = hex(
  '000c29aa0011', // eth dst
  '000c29d10001', // eth src
  '0800', //         ethertype IPv4
  '45 00 003c', //   version 4, IHL 5, tos 0, total length 60
  '1234 4000', //    id 0x1234, flags DF, fragment offset 0
  '40 06 4574', //   ttl 64, proto TCP, header checksum 0x4574
  '0a010107', //     src 10.1.1.7
  'c0a81764', //     dst 192.168.23.100
  'a93c 0050', //    sport 43324, dport 80
  '6de79a1b', //     seq
  '00000000', //     ack
  'a0 02 faf0', //   data offset 10 (40 bytes), SYN, window 64240
  'd629 0000', //    checksum 0xd629, urgent 0
  '020405b4', //     MSS 1460
  '0402', //         SACK permitted
  '080a 0001e240 00000000', // timestamps val 123456 ecr 0
  '01', //           NOP
  '030307', //       window scale 7
);

// Ethernet / IPv4 / TCP ACK carrying SACK blocks, TOA (FULLNAT's client address) and TFO (kind 34).
const ACK_OPTIONS = hex(
  '000c29aa0011 000c29d10001 0800',
  '45 00 0050 1235 0000 40 06 855f 0a010107 c0a81764', // total length 80, no DF
  'a93c 0050 000003e8 000007d0', // seq 1000, ack 2000
  'f0 10 01f6 448e 0000', //       data offset 15 (60 bytes), ACK, window 502, checksum 0x448e
  '0101', //                       NOP NOP
  '0512 00000bb8 00000fa0 00001388 00001770', // SACK 3000-4000, 5000-6000
  'fe08 a93c 0a010107', //         TOA: port 43324, address 10.1.1.7
  '220a 0102030405060708', //      TFO cookie 0102030405060708
  '0000', //                       EOL, padding
);

describe('EthernetView and VlanView', () => {
  it('reads the Ethernet II header', () => {
    const v = new EthernetView().reset(SYN, 0, SYN.length);
    expect(v.check()).toBeNull();
    expect(v.dstAddr).toBe('00:0c:29:aa:00:11');
    expect(v.srcAddr).toBe('00:0c:29:d1:00:01');
    expect(v.ethertype).toBe(0x0800);
    expect(v.toRecord(0)).toEqual({ type: 'eth', src: '00:0c:29:d1:00:01', dst: '00:0c:29:aa:00:11', ethertype: 0x0800, offset: 0 });
  });

  it('truncated: 13 bytes cannot hold a header', () => {
    expect(new EthernetView().reset(SYN, 0, 13).check()).toBe('Ethernet header needs 14 bytes, 13 captured');
  });

  it('QinQ: an 802.1ad service tag then an 802.1Q customer tag', () => {
    const tags = hex(
      '60c8', // PCP 3, DEI 0, VID 200 (0x0c8)
      '8100', // next: 802.1Q
      '17d1', // PCP 0, DEI 1, VID 2001 (0x7d1)
      '0806', // next: ARP
    );
    const outer = new VlanView().reset(tags, 0, 4, 0x88a8);
    expect(outer.check()).toBeNull();
    expect([outer.vlanId, outer.priority, outer.dropEligible, outer.ethertype]).toEqual([200, 3, false, 0x8100]);
    expect(outer.toRecord(14)).toEqual({ type: 'vlan', id: 200, pcp: 3, dei: false, tpid: 0x88a8, ethertype: 0x8100, offset: 14 });
    const inner = new VlanView().reset(tags, 4, 4, 0x8100);
    expect([inner.vlanId, inner.priority, inner.dropEligible, inner.ethertype]).toEqual([2001, 0, true, 0x0806]);
    expect(new VlanView().reset(tags, 0, 3, 0x8100).check()).toBe('VLAN tag needs 4 bytes, 3 captured');
    expect([isVlanTpid(0x8100), isVlanTpid(0x88a8), isVlanTpid(0x9100), isVlanTpid(0x0800)]).toEqual([true, true, true, false]);
    expect([ethertypeName(0x0806), ethertypeName(0x1234)]).toEqual(['ARP', '0x1234']);
  });
});

describe('SllView and Sll2View', () => {
  it('SLL (113): packet type, ARPHRD, link address, protocol', () => {
    const sll = hex(
      '0004', //             packet type 4: sent by us
      '0001', //             ARPHRD_ETHER
      '0006', //             address length 6
      '000c29d10001 0000', // address, padded to 8
      '0800', //             protocol IPv4
    );
    const v = new SllView().reset(sll, 0, sll.length);
    expect(v.check()).toBeNull();
    expect([v.packetType, v.hardwareType, v.addrLen, v.protocol]).toEqual([4, 1, 6, 0x0800]);
    expect(v.toRecord(0)).toEqual({ type: 'sll', pktType: 4, hatype: 1, src: '00:0c:29:d1:00:01', protocol: 0x0800, offset: 0 });
    expect(sllPacketTypeName(v.packetType)).toBe('Out');
    expect(new SllView().reset(sll, 0, 15).check()).toBe('SLL header needs 16 bytes, 15 captured');
  });

  it('SLL2 (276): protocol first, interface index, one-byte packet type', () => {
    const sll2 = hex(
      '0806', //             protocol ARP
      '0000', //             reserved
      '00000014', //         ifindex 20
      '0001', //             ARPHRD_ETHER
      '01', //               packet type 1: broadcast
      '06', //               address length 6
      '000c29d10001 0000', // address
    );
    const v = new Sll2View().reset(sll2, 0, sll2.length);
    expect(v.check()).toBeNull();
    expect([v.protocol, v.ifindex, v.hardwareType, v.packetType, v.addrLen]).toEqual([0x0806, 20, 1, 1, 6]);
    expect(v.toRecord(0)).toEqual({ type: 'sll2', protocol: 0x0806, ifindex: 20, hatype: 1, pktType: 1, src: '00:0c:29:d1:00:01', offset: 0 });
    expect(new Sll2View().reset(sll2, 0, 19).check()).toBe('SLL2 header needs 20 bytes, 19 captured');
  });
});

describe('ArpView', () => {
  const gratuitous = hex(
    '0001 0800', //     htype Ethernet, ptype IPv4
    '06 04 0001', //    hlen 6, plen 4, request
    '000c29d10001', //  sha
    'c0a81764', //      spa 192.168.23.100
    '000000000000', //  tha
    'c0a81764', //      tpa 192.168.23.100: the same, so gratuitous
  );

  it('reads Ethernet/IPv4 ARP and recognises a gratuitous one', () => {
    const v = new ArpView().reset(gratuitous, 0, gratuitous.length);
    expect(v.check()).toBeNull();
    expect([v.hardwareType, v.protocolType, v.hardwareLen, v.protocolLen, v.operation, v.isEthernetIpv4]).toEqual([1, 0x0800, 6, 4, 1, true]);
    expect(v.toRecord(14)).toEqual({
      type: 'arp', htype: 1, ptype: 0x0800, op: 1, sha: '00:0c:29:d1:00:01', spa: '192.168.23.100',
      tha: '00:00:00:00:00:00', tpa: '192.168.23.100', gratuitous: true, offset: 14,
    });
    expect(ARP_ETHERNET_IPV4_LEN).toBe(28);
  });

  it('a reply with different addresses is not gratuitous', () => {
    const reply = gratuitous.slice();
    reply[7] = 2; // op reply
    reply[27] = 0x01; // tpa 192.168.23.1
    const r = new ArpView().reset(reply, 0, reply.length).toRecord(0);
    expect([r.op, r.tpa, r.gratuitous]).toEqual([2, '192.168.23.1', false]);
  });

  it('truncated and odd-length ARP are refused with the reason', () => {
    expect(new ArpView().reset(gratuitous, 0, 7).check()).toBe('ARP header needs 8 bytes, 7 captured');
    expect(new ArpView().reset(gratuitous, 0, 27).check()).toBe('ARP with hlen 6 plen 4 needs 28 bytes, 27 captured');
    const longTha = gratuitous.slice();
    longTha[4] = 48; // a hardware length of 48 bytes (tcpdump's arp-too-long-tha)
    const v = new ArpView().reset(longTha, 0, longTha.length);
    expect(v.check()).toBe('ARP with hlen 48 plen 4 needs 112 bytes, 28 captured');
  });
});

describe('Ipv4View', () => {
  it('reads every header field and verifies the checksum', () => {
    const v = new Ipv4View().reset(SYN, 14, SYN.length - 14);
    expect(v.check()).toBeNull();
    expect([v.version, v.headerLen, v.tos, v.totalLen, v.ident]).toEqual([4, 20, 0, 60, 0x1234]);
    expect([v.dontFrag, v.moreFrags, v.fragOffset, v.ttl, v.protocol, v.checksum]).toEqual([true, false, 0, 64, 6, 0x4574]);
    expect([v.srcAddr, v.dstAddr]).toEqual(['10.1.1.7', '192.168.23.100']);
    expect(v.verifyChecksum()).toBe(true);
    const r = v.toRecord(14, false);
    expect(r).toMatchObject({ type: 'ipv4', src: '10.1.1.7', dst: '192.168.23.100', proto: 6, ttl: 64, id: 0x1234, totalLength: 60, headerLength: 20, df: true, mf: false, fragOffset: 0, checksumOk: true, options: '', inner: false, offset: 14 });
  });

  it('a flipped TTL breaks the header checksum', () => {
    const bad = SYN.slice();
    bad[14 + 8] = 63;
    expect(new Ipv4View().reset(bad, 14, bad.length - 14).verifyChecksum()).toBe(false);
  });

  it('options are kept raw, fragments give the offset in bytes', () => {
    const withOptions = hex(
      '46 00 0018', //  IHL 6 (24 bytes), total length 24
      '0001 2005', //   id 1, MF set, fragment offset 5 (40 bytes)
      '40 11 0000', //  ttl 64, UDP, checksum not filled
      '0a000001 0a000002',
      '94040000', //    router alert option
    );
    const r = new Ipv4View().reset(withOptions, 0, withOptions.length).toRecord(0, true);
    expect([r.headerLength, r.options, r.mf, r.df, r.fragOffset, r.inner, r.checksumOk]).toEqual([24, '94040000', true, false, 40, true, false]);
  });

  it('negative cases: empty, bad version, IHL < 5, header longer than the capture', () => {
    const v = new Ipv4View();
    expect(v.reset(SYN, 14, 0).check()).toEqual(['truncated', 'IPv4 header needs 20 bytes, 0 captured']);
    const six = SYN.slice(); six[14] = 0x65;
    expect(v.reset(six, 14, 60).check()).toEqual(['bad-version', 'IP version 6, expected 4']);
    expect(v.reset(SYN, 14, 19).check()).toEqual(['truncated', 'IPv4 header needs 20 bytes, 19 captured']);
    const ihl4 = SYN.slice(); ihl4[14] = 0x44;
    expect(v.reset(ihl4, 14, 60).check()).toEqual(['bad-header-length', 'IPv4 header length 16 < 20 (IHL 4)']);
    const ihl15 = SYN.slice(); ihl15[14] = 0x4f;
    expect(v.reset(ihl15, 14, 40).check()).toEqual(['truncated', 'IPv4 header length 60, 40 bytes captured']);
  });
});

describe('TcpView', () => {
  const onBad: [number, string][] = [];
  const collect = (o: number, m: string): void => { onBad.push([o, m]); };

  it('reads the fixed header and the SYN options', () => {
    const v = new TcpView().reset(SYN, 34, SYN.length - 34);
    expect(v.check()).toBeNull();
    expect([v.srcPort, v.dstPort, v.seqNumber, v.ackNumber, v.headerLen, v.flagBits, v.windowLen, v.checksum, v.urgentPointer])
      .toEqual([43324, 80, 0x6de79a1b, 0, 40, 0x002, 64240, 0xd629, 0]);
    onBad.length = 0;
    expect(v.options(collect)).toEqual<TcpOption[]>([
      { kind: 'mss', value: 1460 }, { kind: 'sackOk' }, { kind: 'ts', tsval: 123456, tsecr: 0 }, { kind: 'nop' }, { kind: 'wscale', value: 7 },
    ]);
    expect(onBad).toEqual([]);
    const initial = pseudoHeaderSum(SYN, 26, 30, 6, 40);
    expect(verifies(SYN, 34, 40, initial)).toBe(true);
  });

  it('SACK blocks, TOA and TFO', () => {
    const v = new TcpView().reset(ACK_OPTIONS, 34, ACK_OPTIONS.length - 34);
    expect(v.check()).toBeNull();
    expect([v.seqNumber, v.ackNumber, v.headerLen, tcpFlagsText(v.flagBits), v.windowLen]).toEqual([1000, 2000, 60, 'A', 502]);
    onBad.length = 0;
    expect(v.options(collect)).toEqual<TcpOption[]>([
      { kind: 'nop' }, { kind: 'nop' },
      { kind: 'sack', blocks: [[3000, 4000], [5000, 6000]] },
      { kind: 'toa', port: 43324, addr: '10.1.1.7' },
      { kind: 'tfo', cookie: '0102030405060708' },
      { kind: 'eol' },
    ]);
    expect(onBad).toEqual([]);
    expect(verifies(ACK_OPTIONS, 34, 60, pseudoHeaderSum(ACK_OPTIONS, 26, 30, 6, 60))).toBe(true);
  });

  it('option 254 carrying an RFC 6994 experiment is not TOA: exp-TFO and AccECN', () => {
    const seg = (opt: string): Uint8Array => {
      const o = hex(opt);
      const h = hex('0050 a93c 00000001 00000000', `${((20 + o.length) / 4).toString(16)}0 10 0100 0000 0000`);
      const b = new Uint8Array(h.length + o.length); b.set(h); b.set(o, h.length);
      return b;
    };
    const tfo4 = seg('fe08 f989 0a0b0c0d'); // 8 bytes like TOA, but ExID 0xF989: TFO with a 4-byte cookie
    expect(new TcpView().reset(tfo4, 0, tfo4.length).options(collect)).toEqual([{ kind: 'tfo', cookie: '0a0b0c0d' }]);
    const acc = seg('fe08 acc0 00000001');
    expect(new TcpView().reset(acc, 0, acc.length).options(collect)).toEqual([{ kind: 'unknown', code: 254, data: 'acc000000001' }]);
  });

  it('bad option lengths end option parsing and are reported where they are', () => {
    const h = hex('0050 a93c 00000001 00000000', '60 02 0100 0000 0000', '0201 0000'); // MSS with length 1
    onBad.length = 0;
    expect(new TcpView().reset(h, 0, h.length).options(collect)).toEqual([]);
    expect(onBad).toEqual([[20, 'TCP option kind 2 length 1 runs past the header']]);
    const wrongMss = hex('0050 a93c 00000001 00000000', '70 02 0100 0000 0000', '0203 05 0000 0000 00'); // MSS with length 3
    onBad.length = 0;
    expect(new TcpView().reset(wrongMss, 0, wrongMss.length).options(collect)[0]).toEqual({ kind: 'unknown', code: 2, data: '05' });
    expect(onBad).toEqual([[20, 'TCP option kind 2 has length 3, not its fixed length']]);
    const past = hex('0050 a93c 00000001 00000000', '60 02 0100 0000 0000', '080a 0000'); // timestamps claiming 10 bytes in a 4-byte option area
    onBad.length = 0;
    new TcpView().reset(past, 0, past.length).options(collect);
    expect(onBad).toEqual([[20, 'TCP option kind 8 length 10 runs past the header']]);
  });

  it('negative cases: short header, data offset < 5, data offset past the capture', () => {
    expect(new TcpView().reset(SYN, 34, 19).check()).toEqual(['truncated', 'TCP header needs 20 bytes, 19 captured']);
    const doff4 = SYN.slice(); doff4[46] = 0x40;
    expect(new TcpView().reset(doff4, 34, 40).check()).toEqual(['bad-header-length', 'TCP data offset 4 (16 bytes) < 5']);
    expect(new TcpView().reset(SYN, 34, 30).check()).toEqual(['truncated', 'TCP header length 40, 30 bytes captured']);
  });

  it('flag letters in the order C E U A P R S F', () => {
    expect([tcpFlagsText(0x12), tcpFlagsText(0x11), tcpFlagsText(0x18), tcpFlagsText(0xff), tcpFlagsText(0x04), tcpFlagsText(0)]).toEqual(['AS', 'AF', 'AP', 'CEUAPRSF', 'R', '']);
  });
});

describe('IcmpView, UdpView, Ipv6View, GreView', () => {
  // ICMP fragmentation needed (MTU 1480) from a router, quoting the VIP's TCP segment.
  const FRAG_NEEDED = hex(
    '000c29d10001 000c29ee00fe 0800',
    '45 00 0038 0055 0000 ff 01 0abd c0a817fe c0a81764',
    '03 04 4da2', //   type 3 code 4, checksum
    '0000 05c8', //    unused, next-hop MTU 1480
    '45 00 0030 0003 4000 40 06 57b1 c0a81764 0a010107', // quoted IPv4 header
    '0050 a93c 00000005', //                                 first 8 bytes of its TCP header
  );

  it('ICMP frag-needed: type, code, MTU and the quoted header', () => {
    const v = new IcmpView().reset(FRAG_NEEDED, 34, FRAG_NEEDED.length - 34);
    expect(v.check()).toBeNull();
    expect([v.msgType, v.code, v.checksum]).toEqual([3, 4, 0x4da2]);
    expect(verifies(FRAG_NEEDED, 34, FRAG_NEEDED.length - 34)).toBe(true);
    expect(v.toRecord(34, true)).toEqual({
      type: 'icmp', icmpType: 3, code: 4, checksum: 0x4da2, checksumOk: true, mtu: 1480, echoId: null, echoSeq: null, gateway: null,
      quoted: { src: '192.168.23.100', dst: '10.1.1.7', proto: 6, srcPort: 80, dstPort: 43324 }, offset: 34,
    });
    // Quote cut before the ports: addresses only.
    expect(new IcmpView().reset(FRAG_NEEDED, 34, 8 + 20 + 2).quoted()).toEqual({ src: '192.168.23.100', dst: '10.1.1.7', proto: 6, srcPort: null, dstPort: null });
    expect(new IcmpView().reset(FRAG_NEEDED, 34, 7).check()).toBe('ICMP header needs 8 bytes, 7 captured');
  });

  it('UDP ports, length and checksum', () => {
    const udp = hex('000c29aa0011 000c29d10001 0800', '45 00 0020 0001 0000 40 11 97b8 0a010107 c0a81764', '14e9 0035 000c 42dd', '61626364');
    const v = new UdpView().reset(udp, 34, udp.length - 34);
    expect(v.check()).toBeNull();
    expect([v.srcPort, v.dstPort, v.length, v.checksum]).toEqual([5353, 53, 12, 0x42dd]);
    expect(verifies(udp, 34, 12, pseudoHeaderSum(udp, 26, 30, 17, 12))).toBe(true);
    expect(new UdpView().reset(udp, 34, 7).check()).toBe('UDP header needs 8 bytes, 7 captured');
  });

  it('IPv6 fixed header', () => {
    const v6 = hex('6000 0000', '0014 06 40', '20010db8000000000000000000000001', 'fe800000000000000000000000000002');
    const v = new Ipv6View().reset(v6, 0, v6.length);
    expect(v.check()).toBeNull();
    v.walk(v6.length);
    expect(v.toRecord(0, false)).toEqual({
      type: 'ipv6', src: '2001:db8::1', dst: 'fe80::2', nextHeader: 6, hopLimit: 64, payloadLength: 20, trafficClass: 0, flowLabel: 0,
      protocol: 6, extensions: [], inner: false, offset: 0,
    });
    expect(new Ipv6View().reset(v6, 0, 39).check()).toEqual(['truncated', 'IPv6 header needs 40 bytes, 39 captured']);
  });

  it('GRE with a key', () => {
    const gre = hex('2000 0800', '0000002a'); // K bit, protocol IPv4, key 42
    const v = new GreView().reset(gre, 0, gre.length);
    expect(v.check()).toBeNull();
    expect(v.toRecord(0)).toEqual({ type: 'gre', protocol: 0x0800, checksumPresent: false, keyPresent: true, seqPresent: false, key: 42, seq: null, checksum: null, checksumOk: null, version: 0, offset: 0 });
    expect(new GreView().reset(gre, 0, 6).check()).toBe('GRE header with its optional fields needs 8 bytes, 6 captured');
  });
});

describe('sum16', () => {
  /** The plain RFC 1071 loop the fast path must equal. */
  const reference = (b: Uint8Array, off: number, len: number, initial: number): number => {
    let s = initial;
    let i = off;
    for (; i + 1 < off + len; i += 2) s += (b[i]! << 8) | b[i + 1]!;
    if (i < off + len) s += b[i]! << 8;
    while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 0x10000);
    return s;
  };

  it('the word-at-a-time path equals the byte loop at every alignment and odd length', () => {
    const backing = new Uint8Array(70_000);
    let x = 12345;
    for (let i = 0; i < backing.length; i++) { x = (x * 1103515245 + 12345) >>> 0; backing[i] = x >>> 24; }
    for (let shift = 0; shift < 4; shift++) {
      const buf = backing.subarray(shift); // byteOffset 0..3 of the ArrayBuffer
      for (const off of [0, 1, 2, 3, 5]) {
        for (const len of [0, 1, 63, 64, 65, 66, 67, 1460, 1461, 65_535]) {
          expect(sum16(buf, off, len, 77)).toBe(reference(buf, off, len, 77));
        }
      }
    }
    const ones = new Uint8Array(262_148).fill(0xff);
    expect(sum16(ones, 1, 262_144)).toBe(0xffff);
    expect(finish(sum16(hex('4500003c12344000400600000a010107c0a81764'), 0, 20))).toBe(0x4574);
  });
});
