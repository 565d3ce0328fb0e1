/**
 * Read -> write -> read keeps frames, timestamps, comments and interface names; pcap written back
 * in its own byte order and resolution is byte-identical; our output opens in tshark, capinfos and
 * tcpdump and they see what we wrote.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  CaptureReader,
  PcapWriter,
  PcapngWriter,
  fileSink,
  memorySink,
  readAllPackets,
  type CapturedPacket,
} from '../../src/capture/index.js';
import { CONFORMANCE } from '../helpers/paths.js';

const ROOT = `${CONFORMANCE}`;
const dir = mkdtempSync(join(tmpdir(), 'lvscope-roundtrip-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const SOURCES = [
  'wireshark/dhcp.pcap',
  'wireshark/dhcp-nanosecond.pcap',
  'wireshark/dhcp.pcapng',
  'wireshark/dhcp-nanosecond.pcapng',
  'wireshark/dns+icmp.pcapng',
  'wireshark/many_interfaces-1.pcapng',
  'zeek/traces/pcapng-multi-interface.pcapng',
  'zeek/traces/vlan-pcp-dei.pcapng',
  'pcapplusplus/nanosecs_big_endian.pcap',
  'pcapplusplus/sll2.pcap',
  'tcpdump/tcp-handshake-nano.pcap',
  'tcpdump/bgp-role.pcapng',
  'tcpreplay/test.rewrite_1ttl',
  '../../../captures/seed-dr-kernel.pcap',
];

const key = (p: CapturedPacket) => [p.n, p.tsSec, p.tsNsec, p.caplen, p.len, p.iface, p.linkType, p.comment, Buffer.from(p.data).toString('hex')];

/** Copies any capture into pcapng: one IDB per interface, same names and resolution, same comments. */
function toPcapng(path: string, byteOrder: 'le' | 'be'): Uint8Array {
  const r = CaptureReader.open(path);
  const sink = memorySink();
  const w = new PcapngWriter(sink, { byteOrder, ...(r.info.sectionComment !== null && { sectionComment: r.info.sectionComment }) });
  let declared = 0;
  while (r.next()) {
    // pcapng interfaces appear as IDBs are read, so declare them as they show up.
    for (; declared < r.info.interfaces.length; declared++) {
      const i = r.info.interfaces[declared]!;
      w.addInterface({
        linkType: i.linkType,
        snaplen: i.snaplen,
        nanosecond: i.tsResolution > 1e6,
        ...(i.name !== null && { name: i.name }),
        ...(i.description !== null && { description: i.description }),
      });
    }
    w.writePacket(r.iface, r.buf.subarray(r.offset, r.offset + r.caplen), r.tsSec, r.tsNsec, {
      origLen: r.len,
      ...(r.comment !== null && { comment: r.comment }),
    });
  }
  r.close();
  w.close();
  return sink.bytes();
}

describe('read -> write pcapng -> read', () => {
  it.each(SOURCES)('%s', (name) => {
    const path = join(ROOT, name);
    const before = readAllPackets(path);
    for (const order of ['le', 'be'] as const) {
      const r = CaptureReader.fromBytes(toPcapng(path, order));
      const after = Array.from(r.packets());
      expect(after.map(key)).toEqual(before.packets.map(key));
      expect(r.info.byteOrder).toBe(order);
      expect(r.info.nanosecond).toBe(before.info.nanosecond);
      expect(r.info.sectionComment).toBe(before.info.sectionComment);
      expect(r.info.interfaces.map((i) => [i.linkType, i.name, i.description, i.tsResolution])).toEqual(
        before.info.interfaces.map((i) => [i.linkType, i.name, i.description, i.tsResolution]),
      );
      expect(r.issues).toEqual(before.issues);
    }
  });

  it('keeps the section comment, interface description and packet comments', () => {
    const sink = memorySink();
    const w = new PcapngWriter(sink, { sectionComment: 'section ✓', userAppl: 'test' });
    w.addInterface({ linkType: 1, name: 'veth-dir', description: 'director side', nanosecond: true });
    w.writePacket(0, new Uint8Array([1, 2, 3]), 10, 5, { comment: 'first' });
    w.writePacket(0, new Uint8Array([4]), 11, 6);
    w.close();
    const again = CaptureReader.fromBytes(toPcapngFromBytes(sink.bytes()));
    expect(Array.from(again.packets()).map((p) => p.comment)).toEqual(['first', null]);
    expect(again.info.sectionComment).toBe('section ✓');
    expect(again.info.interfaces[0]).toEqual({ linkType: 1, snaplen: 262144, name: 'veth-dir', description: 'director side', tsResolution: 1e9 });
  });
});

function toPcapngFromBytes(bytes: Uint8Array): Uint8Array {
  const path = join(dir, `tmp-${Math.random().toString(36).slice(2)}.pcapng`);
  const s = fileSink(path);
  s.write(bytes);
  s.close();
  return toPcapng(path, 'le');
}

describe('pcap written back is byte-identical', () => {
  const pcaps = [
    'wireshark/dhcp.pcap',
    'wireshark/dhcp-nanosecond.pcap',
    'wireshark/http.pcap',
    'pcapplusplus/nanosecs_big_endian.pcap',
    'tcpdump/tcp-handshake-nano.pcap',
    'tcpreplay/test.rewrite_1ttl',
    'zeek/traces/tcp/options.pcap',
    '../../../captures/seed-dr-kernel.pcap',
  ];
  it.each(pcaps)('%s', (name) => {
    const path = join(ROOT, name);
    const original = readFileSync(path);
    const r = CaptureReader.open(path);
    const header = new DataView(original.buffer, original.byteOffset, 24);
    const le = r.info.byteOrder === 'le';
    // The writer always writes thiszone 0 and sigfigs 0, as every capture tool does today.
    expect([header.getInt32(8, le), header.getUint32(12, le)]).toEqual([0, 0]);
    const sink = memorySink();
    const w = new PcapWriter(sink, {
      linkType: header.getUint32(20, le),
      snaplen: r.info.interfaces[0]!.snaplen,
      nanosecond: r.info.nanosecond,
      byteOrder: r.info.byteOrder,
    });
    while (r.next()) w.writePacket(r.buf.subarray(r.offset, r.offset + r.caplen), r.tsSec, r.tsNsec, r.len);
    w.close();
    expect(Buffer.from(sink.bytes()).equals(original)).toBe(true);
  });
});

const have = (tool: string): boolean => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;

describe('external tools read what we write', () => {
  const sample = (): { pcapng: string; pcap: string } => {
    const pcapng = join(dir, `out-${Math.random().toString(36).slice(2)}.pcapng`);
    const w = new PcapngWriter(fileSink(pcapng), { sectionComment: 'lvscope test' });
    w.addInterface({ linkType: 1, name: 'cip0' });
    w.addInterface({ linkType: 1, name: 'rip0', nanosecond: true });
    const eth = Buffer.from('ffffffffffff000c290613ea0806' + '0001080006040001000c290613eac0a81701' + '000000000000c0a81764' + '00'.repeat(18), 'hex');
    w.writePacket(0, eth, 1700000000, 123456000, { comment: 'who-has vip' });
    w.writePacket(1, eth.subarray(0, 41), 4102444800, 987654321, { origLen: 60 });
    w.writePacket(0, eth, 1700000002, 0);
    w.close();
    const pcap = join(dir, `out-${Math.random().toString(36).slice(2)}.pcap`);
    const p = new PcapWriter(fileSink(pcap), { linkType: 1, nanosecond: true, byteOrder: 'be' });
    p.writePacket(eth, 1700000000, 123456789);
    p.writePacket(eth.subarray(0, 20), 1700000001, 1, 60);
    p.close();
    return { pcapng, pcap };
  };

  it.skipIf(!have('tshark'))('tshark sees the same frames, interfaces, timestamps and comments (skipped without tshark)', () => {
    const { pcapng, pcap } = sample();
    const fields = (path: string) =>
      execFileSync('tshark', ['-n', '-r', path, '-T', 'fields', '-E', 'separator=|', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.interface_name', '-e', 'frame.cap_len', '-e', 'frame.len', '-e', 'frame.comment'], {
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
      })
        .trim()
        .split('\n');
    expect(fields(pcapng)).toEqual([
      '1|1700000000.123456000|cip0|60|60|who-has vip',
      '2|4102444800.987654321|rip0|41|60|',
      '3|1700000002.000000000|cip0|60|60|',
    ]);
    expect(fields(pcap)).toEqual(['1|1700000000.123456789||60|60|', '2|1700000001.000000001||20|60|']);
  });

  it.skipIf(!have('capinfos'))('capinfos reports the format, count and encapsulation (skipped without capinfos)', () => {
    const { pcapng, pcap } = sample();
    const info = (path: string) => execFileSync('capinfos', ['-t', '-c', '-E', '-M', path], { encoding: 'utf8' });
    // -M prints machine-readable names: pcapng, nsecpcap, ether.
    expect(info(pcapng)).toMatch(/File type:\s+pcapng\nFile encapsulation:\s+ether\n/);
    expect(info(pcapng)).toMatch(/Number of packets:\s+3\n/);
    expect(info(pcap)).toMatch(/File type:\s+nsecpcap\nFile encapsulation:\s+ether\n/);
    expect(info(pcap)).toMatch(/Number of packets:\s+2\n/);
  });

  it.skipIf(!have('tcpdump'))('tcpdump reads both files without complaint (skipped without tcpdump)', () => {
    const { pcapng, pcap } = sample();
    for (const [path, count] of [
      [pcapng, 3],
      [pcap, 2],
    ] as const) {
      const out = spawnSync('tcpdump', ['-n', '-r', path, '--time-stamp-precision=nano', '-tt'], { encoding: 'utf8' });
      expect(out.status).toBe(0);
      const lines = out.stdout.trim().split('\n');
      expect(lines).toHaveLength(count);
      expect(lines[0]).toMatch(/^1700000000\.123456(000|789) ARP, Request who-has 192\.168\.23\.100 tell 192\.168\.23\.1, length 46/);
    }
  });
});
