/**
 * Just enough of the lab's own tcpdump output to write truth: which frames carry which ARP, IPv4
 * (outer and IPIP inner) and TCP fields. Only what tcpdump writes here is read: classic pcap,
 * Ethernet or Linux cooked v2 (`-i any`). Short or odd frames are summarised as far as they go.
 */
import { readFileSync } from 'node:fs';

export interface LabIp {
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly id: number;
  readonly proto: number;
}

export interface LabTcp {
  readonly sport: number;
  readonly dport: number;
  /** FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10 */
  readonly flags: number;
  /** A UDP datagram (the lab's --udp service): ports only, flags 0. */
  readonly udp?: true;
}

export interface LabFrame {
  /** 1-based, as Wireshark numbers frames. */
  readonly n: number;
  readonly linkType: number;
  /** SLL2 packet type (0 to us, 4 sent by us), null on Ethernet. */
  readonly pktType: number | null;
  readonly ethSrc: string | null;
  readonly ethDst: string | null;
  readonly arp: { readonly op: number; readonly sha: string; readonly spa: string; readonly tha: string; readonly tpa: string } | null;
  readonly ip: LabIp | null;
  /** The inner header of an IPIP packet. */
  readonly inner: LabIp | null;
  /** TCP of the innermost IPv4 packet. */
  readonly tcp: LabTcp | null;
}

export const LINKTYPE_ETHERNET = 1;
export const LINKTYPE_LINUX_SLL2 = 276;

export class LabCaptureError extends Error {
  override readonly name = 'LabCaptureError';
}

function mac(b: Uint8Array, o: number): string {
  const parts: string[] = [];
  for (let i = 0; i < 6; i++) parts.push((b[o + i] ?? 0).toString(16).padStart(2, '0'));
  return parts.join(':');
}

function ip4(b: Uint8Array, o: number): string {
  return `${b[o]}.${b[o + 1]}.${b[o + 2]}.${b[o + 3]}`;
}

export function readLabCapture(path: string): LabFrame[] {
  const buf = readFileSync(path);
  if (buf.length < 24) throw new LabCaptureError(`${path}: too short for a pcap header (${buf.length} bytes)`);
  const magic = buf.readUInt32LE(0);
  let le: boolean;
  if (magic === 0xa1b2c3d4 || magic === 0xa1b23c4d) le = true;
  else if (magic === 0xd4c3b2a1 || magic === 0x4d3cb2a1) le = false;
  else throw new LabCaptureError(`${path}: not a classic pcap file (magic 0x${magic.toString(16)})`);
  const u32 = (o: number): number => (le ? buf.readUInt32LE(o) : buf.readUInt32BE(o));
  const linkType = u32(20) & 0x0fffffff;
  const frames: LabFrame[] = [];
  let off = 24;
  let n = 0;
  while (off + 16 <= buf.length) {
    const incl = u32(off + 8);
    const start = off + 16;
    const end = Math.min(start + incl, buf.length);
    n++;
    frames.push(summarise(n, linkType, buf.subarray(start, end)));
    off = start + incl;
  }
  return frames;
}

export function summarise(n: number, linkType: number, b: Uint8Array): LabFrame {
  let pktType: number | null = null;
  let ethSrc: string | null = null;
  let ethDst: string | null = null;
  let etherType = -1;
  let l3 = 0;
  if (linkType === LINKTYPE_ETHERNET && b.length >= 14) {
    ethDst = mac(b, 0);
    ethSrc = mac(b, 6);
    etherType = ((b[12] ?? 0) << 8) | (b[13] ?? 0);
    l3 = 14;
  } else if (linkType === LINKTYPE_LINUX_SLL2 && b.length >= 20) {
    etherType = ((b[0] ?? 0) << 8) | (b[1] ?? 0);
    pktType = b[10] ?? 0;
    if (b[11] === 6) ethSrc = mac(b, 12);
    l3 = 20;
  }
  let arp: LabFrame['arp'] = null;
  let ip: LabIp | null = null;
  let inner: LabIp | null = null;
  let tcp: LabTcp | null = null;
  if (etherType === 0x0806 && b.length >= l3 + 28) {
    arp = {
      op: ((b[l3 + 6] ?? 0) << 8) | (b[l3 + 7] ?? 0),
      sha: mac(b, l3 + 8), spa: ip4(b, l3 + 14), tha: mac(b, l3 + 18), tpa: ip4(b, l3 + 24),
    };
  } else if (etherType === 0x0800) {
    const outer = ipAt(b, l3);
    if (outer) {
      ip = outer.ip;
      let cur = outer;
      if (outer.ip.proto === 4) {
        const inn = ipAt(b, outer.payload);
        if (inn) { inner = inn.ip; cur = inn; }
      }
      if (cur.ip.proto === 6 && b.length >= cur.payload + 14) {
        const p = cur.payload;
        tcp = { sport: ((b[p] ?? 0) << 8) | (b[p + 1] ?? 0), dport: ((b[p + 2] ?? 0) << 8) | (b[p + 3] ?? 0), flags: b[p + 13] ?? 0 };
      } else if (cur.ip.proto === 17 && b.length >= cur.payload + 8) {
        const p = cur.payload;
        tcp = { sport: ((b[p] ?? 0) << 8) | (b[p + 1] ?? 0), dport: ((b[p + 2] ?? 0) << 8) | (b[p + 3] ?? 0), flags: 0, udp: true };
      }
    }
  }
  return { n, linkType, pktType, ethSrc, ethDst, arp, ip, inner, tcp };
}

function ipAt(b: Uint8Array, o: number): { ip: LabIp; payload: number } | null {
  if (b.length < o + 20 || ((b[o] ?? 0) >> 4) !== 4) return null;
  const ihl = ((b[o] ?? 0) & 0x0f) * 4;
  return {
    ip: {
      src: ip4(b, o + 12), dst: ip4(b, o + 16), ttl: b[o + 8] ?? 0,
      id: ((b[o + 4] ?? 0) << 8) | (b[o + 5] ?? 0), proto: b[o + 9] ?? 0,
    },
    payload: o + ihl,
  };
}

/** The innermost IPv4 header: what the client sent, even inside an IPIP tunnel. */
export function innermost(f: LabFrame): LabIp | null {
  return f.inner ?? f.ip;
}
