/** Cross-check against an independent reader: pcap-parser (npm), for microsecond classic pcaps. */
import pcapParser, { type PcapParserPacket } from 'pcap-parser';
import { describe, expect, it } from 'vitest';
import { readAllPackets } from '../../src/capture/index.js';
import { CONFORMANCE } from '../helpers/paths.js';

const FILES = [
  'captures/seed-dr-kernel.pcap',
  `${CONFORMANCE}/tcpdump/ssh.pcap`,
  `${CONFORMANCE}/tcpdump/vrrp.pcap`,
  `${CONFORMANCE}/tcpdump/bigtcp-ipv4.pcap`,
  `${CONFORMANCE}/tcpdump/arp-oobr.pcap`,
  `${CONFORMANCE}/tcpdump/mptcp-v1.pcap`,
  `${CONFORMANCE}/tcpreplay/test.rewrite_1ttl`,
  `${CONFORMANCE}/tcpreplay/test2.replay_unique_ip`,
  `${CONFORMANCE}/zeek/traces/vlan-qinqinq.pcap`,
  `${CONFORMANCE}/glb-director/1k_pkts.pcap`,
];

function parseWithPcapParser(path: string): Promise<PcapParserPacket[]> {
  return new Promise((resolve, reject) => {
    const packets: PcapParserPacket[] = [];
    const parser = pcapParser.parse(path);
    parser.on('packet', (p: PcapParserPacket) => packets.push(p));
    parser.on('end', () => resolve(packets));
    parser.on('error', reject);
  });
}

describe('pcap-parser agrees with our reader', () => {
  it.each(FILES)('%s: same frames, bytes and microsecond timestamps', async (path) => {
    const theirs = await parseWithPcapParser(path);
    const ours = readAllPackets(path);
    expect(ours.info.nanosecond).toBe(false);
    expect(theirs.length).toBeGreaterThan(0);
    expect(ours.packets).toHaveLength(theirs.length);
    ours.packets.forEach((p, i) => {
      const t = theirs[i]!;
      // Compared as total microseconds: tcpreplay's replay_unique_ip holds microsecond fields of
      // 1e6 and more, which pcap-parser passes through raw and we carry into the seconds.
      expect([p.tsSec * 1e6 + p.tsNsec / 1000, p.caplen, p.len]).toEqual([
        t.header.timestampSeconds * 1e6 + t.header.timestampMicroseconds,
        t.header.capturedLength,
        t.header.originalLength,
      ]);
      expect(p.tsNsec).toBeLessThan(1e9);
      expect(Buffer.from(p.data).equals(t.data)).toBe(true);
    });
    expect(ours.issues).toEqual([]);
  });
});
