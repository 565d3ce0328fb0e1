/**
 * Capture filters against tcpdump: for each capture and expression, the frames `tcpdump -r F -w -
 * EXPR` keeps are the frames lvscope's compiled filter keeps (counted, and the frame numbers
 * compared). Skips, saying so, where tcpdump is not installed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CaptureReader } from '../../src/capture/index.js';
import { compileCaptureFilter, FilterSyntaxError } from '../../src/decode/capture-filter.js';
import { CAPTURES, CONFORMANCE } from '../helpers/paths.js';

const haveTcpdump = spawnSync('tcpdump', ['--version']).status === 0;

const EXPRESSIONS = [
  'tcp port 80', 'host 192.168.23.100', 'arp', 'ip and not tcp', 'udp', 'tcp[tcpflags] & tcp-syn != 0', 'ip6', 'icmp',
  'vlan', 'vlan and ip', 'net 10.0.0.0/8', 'src net 192.168', 'dst net 192.168.0.0 mask 255.255.0.0',
  'greater 1000', 'ip proto 4', 'proto 47', 'gre', 'portrange 1-1024', 'ether broadcast', 'tcp[13] & 0x12 = 0x12',
  'icmp[icmptype] == icmp-echo', 'dst port 53 or src port 53', 'not ip', 'icmp6', 'ip6 and tcp', 'tcp and (port 80 or port 443)', 'host 192.168.23.80 or 192.168.23.81', '! arp && ! ip', 'ether src 02:aa:00:00:00:fe',
  'ether dst 00:0c:29:06:13:ea', 'ip host 172.16.0.100 and tcp dst port 80', 'src and dst net 192.168.23.0/24',
  'ip6 host fe80::1', 'ip proto \\udp', 'udp src portrange 1000-2000', 'ip[6:2] & 0x1fff != 0',
];

/** Captures with something for each expression: VLAN and QinQ, SLL/SLL2, raw IPv4, ARP, IPv6, GUE, damaged headers. */
const FILES = [
  join(CAPTURES, 'seed-dr-kernel.pcap'), join(CAPTURES, 'seed-dr-lab.pcap'),
  ...['pcapplusplus/VlanPackets.pcap', 'pcapplusplus/Sll2Packet.pcap', 'tcpdump/802.1ad_QinQ.pcap',
    'tcpdump/LINKTYPE_IPV4.pcap', 'tcpdump/LINKTYPE_IPV4_invalid.pcap', 'tcpdump/dns_tcp.pcap',
    'zeek/traces/vlan-qinqinq.pcap', 'zeek/traces/pcapng-multi-interface.pcapng',
    'glb-director/1k_pkts.pcap', 'tcpreplay/test.pcap'].map((f) => join(CONFORMANCE, f)),
];

/** Frame numbers (1-based, in file order) a predicate keeps; null when lvscope cannot read the file. */
function kept(file: string, expression: string): number[] | null {
  const match = compileCaptureFilter(expression);
  let r: CaptureReader;
  try { r = CaptureReader.open(file); } catch { return null; }
  const out: number[] = [];
  try { while (r.next()) if (match(r.buf, r.offset, r.caplen, r.len, r.linkType)) out.push(r.n); } finally { r.close(); }
  return out;
}

/** The number of frames tcpdump keeps (its output read back), or null when tcpdump refuses. */
function tcpdumpKeeps(file: string, expression: string): number | null {
  const r = spawnSync('tcpdump', ['-r', file, '-w', '-', expression], { maxBuffer: 1 << 28 });
  if (r.status !== 0 || r.stdout.length < 24) return null;
  const back = CaptureReader.fromBytes(new Uint8Array(r.stdout));
  let n = 0;
  while (back.next()) n++;
  return n;
}

describe.skipIf(!haveTcpdump)(`capture filters keep what tcpdump keeps${haveTcpdump ? '' : ' (skipped: tcpdump not installed)'}`, () => {
  it('on the bundled and conformance captures', () => {
    const files = FILES;
    const mismatches: string[] = [];
    let compared = 0, nonEmpty = 0;
    for (const file of files) {
      for (const e of EXPRESSIONS) {
        const want = tcpdumpKeeps(file, e);
        if (want === null) continue;
        const got = kept(file, e);
        if (got === null) continue;
        compared++;
        if (want > 0) nonEmpty++;
        if (got.length !== want) mismatches.push(`${file.slice(CONFORMANCE.length - 11)} '${e}': tcpdump ${want}, lvscope ${got.length}`);
      }
    }
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(300);
    expect(nonEmpty).toBeGreaterThan(80);
  }, 300_000); // tcpdump runs once per file and expression: minutes on a loaded machine
});

describe('capture filter syntax', () => {
  it('names the column of the bad token', () => {
    const col = (e: string): number => { try { compileCaptureFilter(e); } catch (x) { return (x as FilterSyntaxError).column; } return 0; };
    expect(col('tcp prot 80')).toBe(5);
    expect(col('host 1.2.3')).toBe(6);
    expect(col('tcp port 80 and')).toBe(16);
    expect(col('(tcp')).toBe(5);
    expect(col('tcp[13] & 2')).toBe(12);
    expect(col('host example.com')).toBe(6);
    expect(() => compileCaptureFilter('host example.com')).toThrow(/never resolves names/);
    expect(() => compileCaptureFilter('captures/x.pcap')).toThrow(/no such file/);
  });

  it('an empty expression keeps every frame; a tunnel is matched by its outer header', () => {
    expect(kept(join(CAPTURES, 'seed-dr-kernel.pcap'), '')).toHaveLength(86);
    const ipip = Uint8Array.from([
      ...[2, 0, 0, 0, 0, 1, 2, 0, 0, 0, 0, 2, 8, 0],
      ...[0x45, 0, 0, 60, 0, 0, 0, 0, 64, 4, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], // outer: protocol 4 (IPIP)
      ...[0x45, 0, 0, 40, 0, 0, 0, 0, 64, 6, 0, 0, 172, 16, 0, 1, 192, 168, 0, 100], // inner: TCP
      ...[0xc3, 0x50, 0, 80, 0, 0, 0, 0, 0, 0, 0, 0, 0x50, 2, 0, 0, 0, 0, 0, 0],
    ]);
    const m = (e: string): boolean => compileCaptureFilter(e)(ipip, 0, ipip.length, ipip.length, 1);
    expect(m('ip proto 4')).toBe(true);
    expect(m('tcp port 80')).toBe(false);
    expect(m('host 10.0.0.2')).toBe(true);
    expect(m('host 192.168.0.100')).toBe(false);
    expect(m('ether[200] = 1 or ip')).toBe(false); // a load past the frame rejects it, as BPF does
  });
});

it('tcpdump is what the comparison runs against', () => {
  // Documents the reference: tcpdump's own filter compiler (libpcap), when installed.
  if (haveTcpdump) expect(execFileSync('tcpdump', ['--version'], { encoding: 'utf8' })).toMatch(/libpcap/);
  else expect(haveTcpdump).toBe(false);
});
