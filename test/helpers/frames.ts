/**
 * A small builder of decoded frames (records, not bytes) for model tests: ARP, TCP, UDP, ICMP and
 * tunnels, numbered and timestamped in order, plus whole DR / NAT connections in one call.
 */
import type {
  ArpRecord, DecodedFrame, EthRecord, IcmpQuote, IcmpRecord, Ipv4Record, LayerRecord, TcpOption, TcpRecord, UdpRecord,
} from '../../src/wire/records.js';

export const BCAST = 'ff:ff:ff:ff:ff:ff';

const FLAG_BITS: Record<string, number> = { F: 0x01, S: 0x02, R: 0x04, P: 0x08, A: 0x10 };

export interface TcpSpec {
  srcMac: string; dstMac: string;
  src: string; dst: string; sport: number; dport: number;
  /** Letters F S R P A, e.g. 'S', 'SA', 'A', 'PA', 'FA'. */
  flags: string;
  seq?: number; ack?: number; ttl?: number; id?: number; payload?: number;
  toa?: { addr: string; port: number };
}

export class FrameScript {
  readonly frames: DecodedFrame[] = [];
  private t = 1_700_000_000;
  private nsec = 0;
  private id = 1;

  /** Advance the clock (seconds) before the next frame. */
  wait(seconds: number): this {
    const total = this.nsec + Math.round(seconds * 1e9);
    this.t += Math.floor(total / 1e9);
    this.nsec = total % 1e9;
    return this;
  }

  private push(layers: LayerRecord[]): DecodedFrame {
    this.nsec += 10_000; // 10 µs between frames
    if (this.nsec >= 1e9) { this.t++; this.nsec -= 1e9; }
    const f: DecodedFrame = {
      n: this.frames.length + 1, tsSec: this.t, tsNsec: this.nsec, caplen: 60, len: 60, iface: 0, linkType: 1, layers, issues: [],
    };
    this.frames.push(f);
    return f;
  }

  private eth(src: string, dst: string, ethertype: number): EthRecord {
    return { type: 'eth', src, dst, ethertype, offset: 0 };
  }

  arpRequest(mac: string, spa: string, tpa: string): DecodedFrame {
    const arp: ArpRecord = { type: 'arp', htype: 1, ptype: 0x800, op: 1, sha: mac, spa, tha: '00:00:00:00:00:00', tpa, gratuitous: spa === tpa, offset: 14 };
    return this.push([this.eth(mac, BCAST, 0x806), arp]);
  }

  arpReply(mac: string, spa: string, toMac: string, tpa: string): DecodedFrame {
    const arp: ArpRecord = { type: 'arp', htype: 1, ptype: 0x800, op: 2, sha: mac, spa, tha: toMac, tpa, gratuitous: false, offset: 14 };
    return this.push([this.eth(mac, toMac, 0x806), arp]);
  }

  /** Gratuitous ARP: spa = tpa. */
  garp(mac: string, ip: string): DecodedFrame {
    const arp: ArpRecord = { type: 'arp', htype: 1, ptype: 0x800, op: 1, sha: mac, spa: ip, tha: '00:00:00:00:00:00', tpa: ip, gratuitous: true, offset: 14 };
    return this.push([this.eth(mac, BCAST, 0x806), arp]);
  }

  ip(src: string, dst: string, proto: number, ttl: number, id: number, inner = false): Ipv4Record {
    return {
      type: 'ipv4', src, dst, proto, ttl, id, tos: 0, headerLength: 20, totalLength: 60, df: true, mf: false, fragOffset: 0,
      checksum: 0, checksumOk: true, options: '', inner, offset: inner ? 34 : 14,
    };
  }

  tcpRecord(s: TcpSpec): TcpRecord {
    let bits = 0;
    for (const c of s.flags) bits |= FLAG_BITS[c] ?? 0;
    const order = 'CEUAPRSF';
    const letters = [...order].filter((c) => s.flags.includes(c)).join('');
    const options: TcpOption[] = s.toa ? [{ kind: 'toa', addr: s.toa.addr, port: s.toa.port }] : [];
    return {
      type: 'tcp', srcPort: s.sport, dstPort: s.dport, seq: s.seq ?? 1000, ack: s.ack ?? 0, flags: letters, flagBits: bits,
      window: 64240, checksum: 0, checksumOk: true, urgentPointer: 0, headerLength: 20, options, payloadLength: s.payload ?? 0, offset: 34,
    };
  }

  tcp(s: TcpSpec): DecodedFrame {
    const id = s.id ?? this.id++;
    return this.push([this.eth(s.srcMac, s.dstMac, 0x800), this.ip(s.src, s.dst, 6, s.ttl ?? 64, id), this.tcpRecord(s)]);
  }

  udp(s: Omit<TcpSpec, 'flags'> & { flags?: string }): DecodedFrame {
    const id = s.id ?? this.id++;
    const udp: UdpRecord = { type: 'udp', srcPort: s.sport, dstPort: s.dport, length: 8 + (s.payload ?? 10), checksum: 0, checksumOk: true, payloadLength: s.payload ?? 10, offset: 34 };
    return this.push([this.eth(s.srcMac, s.dstMac, 0x800), this.ip(s.src, s.dst, 17, s.ttl ?? 64, id), udp]);
  }

  icmp(s: { srcMac: string; dstMac: string; src: string; dst: string; type: number; code: number; quoted?: IcmpQuote; gateway?: string; mtu?: number }): DecodedFrame {
    const icmp: IcmpRecord = {
      type: 'icmp', icmpType: s.type, code: s.code, checksum: 0, checksumOk: true, mtu: s.mtu ?? null,
      echoId: null, echoSeq: null, gateway: s.gateway ?? null, quoted: s.quoted ?? null, offset: 34,
    };
    return this.push([this.eth(s.srcMac, s.dstMac, 0x800), this.ip(s.src, s.dst, 1, 64, this.id++), icmp]);
  }

  /** IPIP (or GRE) from the director to a real server around an unchanged client packet. */
  tunnel(s: TcpSpec & { outerSrc: string; outerDst: string; gre?: boolean }): DecodedFrame {
    const id = s.id ?? this.id++;
    const layers: LayerRecord[] = [this.eth(s.srcMac, s.dstMac, 0x800), this.ip(s.outerSrc, s.outerDst, s.gre ? 47 : 4, s.ttl ?? 63, 0)];
    if (s.gre) layers.push({ type: 'gre', protocol: 0x800, checksumPresent: false, keyPresent: false, seqPresent: false, key: null, seq: null, checksum: null, checksumOk: null, version: 0, offset: 34 });
    layers.push(this.ip(s.src, s.dst, 6, s.ttl ?? 63, id, true), this.tcpRecord(s));
    return this.push(layers);
  }
}

/** The seed's DR topology. */
export const DR = {
  gwMac: '02:aa:00:00:00:fe', gwIp: '192.168.23.1',
  dirMac: '00:0c:29:06:13:ea', dip: '192.168.23.99', vip: '192.168.23.100',
  rs: [
    { ip: '192.168.23.80', mac: '02:aa:00:00:01:01' },
    { ip: '192.168.23.81', mac: '02:aa:00:00:01:02' },
    { ip: '192.168.23.82', mac: '02:aa:00:00:01:03' },
    { ip: '192.168.23.83', mac: '02:aa:00:00:01:04' },
  ],
  client: '172.16.0.100',
} as const;

export interface DrConnOptions {
  client?: string; cport: number; rs: { ip: string; mac: string }; vport?: number;
  /** Let the real server answer (default true). */
  answer?: boolean;
  /** Close the connection with FINs (default true). */
  close?: boolean;
  /** Reply to the director's MAC instead of the gateway (dr-reply-via-director). */
  replyViaDirector?: boolean;
}

/** One DR connection as the firewall's inside interface sees it: every client packet twice. */
export function drConnection(s: FrameScript, o: DrConnOptions): void {
  const client = o.client ?? DR.client;
  const vport = o.vport ?? 80;
  const c2d = (flags: string, seq: number, payload = 0): void => {
    const id = 40000 + s.frames.length;
    s.tcp({ srcMac: DR.gwMac, dstMac: DR.dirMac, src: client, dst: DR.vip, sport: o.cport, dport: vport, flags, seq, id, ttl: 63, payload });
    s.tcp({ srcMac: DR.dirMac, dstMac: o.rs.mac, src: client, dst: DR.vip, sport: o.cport, dport: vport, flags, seq, id, ttl: 62, payload });
  };
  const back = o.replyViaDirector ? DR.dirMac : DR.gwMac;
  const r2c = (flags: string, seq: number, payload = 0): void => {
    s.tcp({ srcMac: o.rs.mac, dstMac: back, src: DR.vip, dst: client, sport: vport, dport: o.cport, flags, seq, payload });
  };
  c2d('S', 100);
  if (o.answer === false) return;
  r2c('SA', 500);
  c2d('A', 101);
  c2d('PA', 101, 76);
  r2c('PA', 501, 200);
  c2d('A', 177);
  if (o.close === false) return;
  c2d('FA', 177);
  r2c('FA', 701);
  c2d('A', 178);
}

/** The NAT topology: director 10.0.0.1 (MAC …:d1) in front of real servers on port 8080. */
export const NAT = {
  gwMac: '02:bb:00:00:00:fe', gwIp: '10.0.0.254',
  dirMac: '02:bb:00:00:00:d1', dip: '10.0.0.1', vip: '10.0.0.100',
  rs: [
    { ip: '192.168.1.11', mac: '02:bb:00:00:01:11' },
    { ip: '192.168.1.12', mac: '02:bb:00:00:01:12' },
  ],
  client: '203.0.113.5',
} as const;

export function natConnection(s: FrameScript, o: { cport: number; rs: { ip: string; mac: string }; bypass?: boolean }): void {
  const rport = 8080;
  const c2d = (flags: string, seq: number, payload = 0): void => {
    const id = 30000 + s.frames.length;
    s.tcp({ srcMac: NAT.gwMac, dstMac: NAT.dirMac, src: NAT.client, dst: NAT.vip, sport: o.cport, dport: 80, flags, seq, id, ttl: 60, payload });
    s.tcp({ srcMac: NAT.dirMac, dstMac: o.rs.mac, src: NAT.client, dst: o.rs.ip, sport: o.cport, dport: rport, flags, seq, id, ttl: 59, payload });
  };
  const r2c = (flags: string, seq: number, payload = 0): void => {
    const id = 20000 + s.frames.length;
    if (o.bypass) {
      s.tcp({ srcMac: o.rs.mac, dstMac: NAT.gwMac, src: o.rs.ip, dst: NAT.client, sport: rport, dport: o.cport, flags, seq, id, ttl: 64, payload });
      return;
    }
    s.tcp({ srcMac: o.rs.mac, dstMac: NAT.dirMac, src: o.rs.ip, dst: NAT.client, sport: rport, dport: o.cport, flags, seq, id, ttl: 64, payload });
    s.tcp({ srcMac: NAT.dirMac, dstMac: NAT.gwMac, src: NAT.vip, dst: NAT.client, sport: 80, dport: o.cport, flags, seq, id, ttl: 63, payload });
  };
  c2d('S', 100);
  r2c('SA', 500);
  c2d('A', 101);
  c2d('PA', 101, 50);
  r2c('PA', 501, 300);
  c2d('FA', 151);
  r2c('FA', 801);
  c2d('A', 152);
}

/** ARP a clean DR cluster shows: the gateway asks for the VIP, the director asks for each RS. */
export function drArp(s: FrameScript, rsCount: number): void {
  s.arpRequest(DR.gwMac, DR.gwIp, DR.vip);
  s.arpReply(DR.dirMac, DR.vip, DR.gwMac, DR.gwIp);
  for (let i = 0; i < rsCount; i++) {
    const rs = DR.rs[i]!;
    s.arpRequest(DR.dirMac, DR.dip, rs.ip);
    s.arpReply(rs.mac, rs.ip, DR.dirMac, DR.dip);
  }
}
