/**
 * A capture as a VXLAN underlay would carry it: every Ethernet frame inside outer Ethernet, IPv4
 * (checksum right), UDP (no checksum, as Linux sends VXLAN over IPv4 by default) and VXLAN
 * headers, between two fixed node addresses. What tcpdump on a Kubernetes or cloud node's
 * physical interface shows of traffic on the overlay.
 */
import { readFileSync } from 'node:fs';
import { CaptureReader, memorySink, PcapWriter } from '../../src/capture/index.js';
import { sum16 } from '../../src/wire/checksum.js';

const NODE_A = [10, 99, 0, 1];
const NODE_B = [10, 99, 0, 2];

export function vxlanWrapped(path: string, vni: number, dstPort = 4789): Uint8Array {
  readFileSync(path); // a clear error naming the file when it is missing
  const r = CaptureReader.open(path, { comments: false });
  const sink = memorySink();
  const w = new PcapWriter(sink, { linkType: 1, nanosecond: true });
  try {
    for (let n = 0; r.next(); n++) {
      const inner = r.buf.subarray(r.offset, r.offset + r.caplen);
      const outer = new Uint8Array(14 + 20 + 8 + 8 + inner.length);
      outer.set([0x02, 0, 0, 0, 0x99, 0x02, 0x02, 0, 0, 0, 0x99, 0x01, 0x08, 0x00], 0);
      const ip = 14;
      const total = outer.length - 14;
      outer.set([0x45, 0, total >> 8, total & 0xff, (n >> 8) & 0xff, n & 0xff, 0x40, 0, 64, 17, 0, 0, ...NODE_A, ...NODE_B], ip);
      const ck = ~sum16(outer, ip, 20) & 0xffff;
      outer[ip + 10] = ck >> 8; outer[ip + 11] = ck & 0xff;
      const udp = ip + 20;
      const ulen = total - 20;
      // The source port is a hash of the inner flow in Linux; any fixed one will do here.
      outer.set([0xc0, 0x01, dstPort >> 8, dstPort & 0xff, ulen >> 8, ulen & 0xff, 0, 0], udp);
      outer.set([0x08, 0, 0, 0, (vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff, 0], udp + 8);
      outer.set(inner, udp + 16);
      w.writePacket(outer, r.tsSec, r.tsNsec, outer.length + (r.len - r.caplen));
    }
  } finally {
    r.close();
  }
  w.close();
  return sink.bytes();
}
