/**
 * A capture as an overlay's underlay would carry it: every Ethernet frame inside outer Ethernet,
 * IPv4 (checksum right) and the overlay's headers, between two fixed node addresses: UDP (no
 * checksum, as Linux sends it over IPv4 by default) and VXLAN or Geneve, or GRE carrying Ethernet
 * (gretap) or a switch's mirror of it (ERSPAN type II). What tcpdump on a Kubernetes or cloud
 * node's physical interface shows of the overlay, and what a SPAN session's collector receives.
 */
import { readFileSync } from 'node:fs';
import { CaptureReader, memorySink, PcapWriter } from '../../src/capture/index.js';
import { sum16 } from '../../src/wire/checksum.js';

const NODE_A = [10, 99, 0, 1];
const NODE_B = [10, 99, 0, 2];

export type Overlay = { kind: 'vxlan'; port: number } | { kind: 'geneve' } | { kind: 'gretap' } | { kind: 'erspan' };

/** The overlay's headers after the outer IPv4 one, and its IP protocol. */
function overlayHeaders(o: Overlay, vni: number, innerLength: number): { proto: number; bytes: number[] } {
  const v = [(vni >> 16) & 0xff, (vni >> 8) & 0xff, vni & 0xff];
  if (o.kind === 'gretap') return { proto: 47, bytes: [0, 0, 0x65, 0x58] };
  // ERSPAN type II: GRE with a sequence number, then version 1, VLAN 0, CoS 0, session 7, index 0.
  if (o.kind === 'erspan') return { proto: 47, bytes: [0x10, 0, 0x88, 0xbe, 0, 0, 0, 1, 0x10, 0x00, 0x00, 0x07, 0, 0, 0, 0] };
  // The source port is a hash of the inner flow in Linux; any fixed one will do here.
  const header = o.kind === 'vxlan' ? [0x08, 0, 0, 0, ...v, 0] : [0, 0, 0x65, 0x58, ...v, 0];
  const port = o.kind === 'vxlan' ? o.port : 6081;
  const ulen = 8 + header.length + innerLength;
  return { proto: 17, bytes: [0xc0, 0x01, port >> 8, port & 0xff, ulen >> 8, ulen & 0xff, 0, 0, ...header] };
}

export function overlayWrapped(path: string, vni: number, overlay: Overlay): Uint8Array {
  readFileSync(path); // a clear error naming the file when it is missing
  const r = CaptureReader.open(path, { comments: false });
  const sink = memorySink();
  const w = new PcapWriter(sink, { linkType: 1, nanosecond: true });
  try {
    for (let n = 0; r.next(); n++) {
      const inner = r.buf.subarray(r.offset, r.offset + r.caplen);
      const h = overlayHeaders(overlay, vni, inner.length);
      const outer = new Uint8Array(14 + 20 + h.bytes.length + inner.length);
      outer.set([0x02, 0, 0, 0, 0x99, 0x02, 0x02, 0, 0, 0, 0x99, 0x01, 0x08, 0x00], 0);
      const ip = 14;
      const total = outer.length - 14;
      outer.set([0x45, 0, total >> 8, total & 0xff, (n >> 8) & 0xff, n & 0xff, 0x40, 0, 64, h.proto, 0, 0, ...NODE_A, ...NODE_B], ip);
      const ck = ~sum16(outer, ip, 20) & 0xffff;
      outer[ip + 10] = ck >> 8; outer[ip + 11] = ck & 0xff;
      outer.set(h.bytes, ip + 20);
      outer.set(inner, ip + 20 + h.bytes.length);
      w.writePacket(outer, r.tsSec, r.tsNsec, outer.length + (r.len - r.caplen));
    }
  } finally {
    r.close();
  }
  w.close();
  return sink.bytes();
}
