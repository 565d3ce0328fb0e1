/**
 * What a real server's capture shows when an XDP (or tc) program decapsulates the tunnel before
 * tcpdump sees the frame, as Katran's real servers do: the inner client→VIP packet straight after
 * the Ethernet header (EtherType kept: IPv4 in IPv4), the L2 addresses the tunnel frame had (the
 * router's). Made from a real TUN capture by removing each IPIP frame's outer IPv4 header; every
 * other frame, and every timestamp, stays as it was. Classic pcap, Ethernet only.
 */
import { readFileSync } from 'node:fs';

export function xdpDecapsulated(path: string): Buffer {
  const b = readFileSync(path);
  const le = b.readUInt32LE(0) === 0xa1b2c3d4 || b.readUInt32LE(0) === 0xa1b23c4d;
  if (!le || b.readUInt32LE(20) !== 1) throw new Error(`${path}: not a little-endian Ethernet pcap`);
  const out: Buffer[] = [b.subarray(0, 24)];
  for (let at = 24; at + 16 <= b.length;) {
    const incl = b.readUInt32LE(at + 8), orig = b.readUInt32LE(at + 12);
    const frame = b.subarray(at + 16, at + 16 + incl);
    at += 16 + incl;
    const ipip = frame.length >= 34 && frame.readUInt16BE(12) === 0x0800 && frame[14]! >> 4 === 4 && frame[23] === 4;
    if (!ipip) { out.push(b.subarray(at - 16 - incl, at)); continue; }
    const ihl = (frame[14]! & 15) * 4;
    const head = Buffer.from(b.subarray(at - 16 - incl, at - incl));
    head.writeUInt32LE(incl - ihl, 8);
    head.writeUInt32LE(orig - ihl, 12);
    out.push(head, frame.subarray(0, 14), frame.subarray(14 + ihl));
  }
  return Buffer.concat(out);
}

/** The capture without the frames numbered in `drop` (1-based), for a capture point that missed them. */
export function withoutFrames(path: string, drop: readonly number[]): Buffer {
  const b = readFileSync(path);
  const out: Buffer[] = [b.subarray(0, 24)];
  for (let at = 24, n = 1; at + 16 <= b.length; n++) {
    const end = at + 16 + b.readUInt32LE(at + 8);
    if (!drop.includes(n)) out.push(b.subarray(at, end));
    at = end;
  }
  return Buffer.concat(out);
}
