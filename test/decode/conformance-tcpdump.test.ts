/**
 * The decoder against tcpdump's own expected outputs (tcpdump tests/*.out, commands in
 * conformance/tcpdump/INDEX.tsv): for every printed packet we parse the timestamp, the -e link
 * line (MACs, VLAN ids), the -v IP header (tos, ttl, id, offset, flags, proto, length), the TCP
 * line (ports, flags, seq, ack, win, options, length, and the checksum verdict tcpdump prints
 * with -v), UDP ports and ARP who-has/is-at, and compare each with our records.
 *
 * tcpdump prints sequence numbers relative to the first segment it saw of a connection (no -S);
 * `RelativeSeq` repeats its algorithm (print-tcp.c) so the raw values can be checked too.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import type { DecodedFrame, TcpRecord } from '../../src/wire/records.js';
import { CONFORMANCE_ROOT } from './reference.js';

const DIR = `${CONFORMANCE_ROOT}/tcpdump`;

/** Tests whose output is about the layers lvscope decodes (Ethernet/VLAN/SLL/raw/BSD loopback, ARP, IPv4, TCP, UDP). */
const CHOSEN = [
  '802.1ad_QinQ', '802.1ad_QinQv', 'LINKTYPE_IPV4', 'LINKTYPE_RAW_ipv4', 'ssh', 'tfo', 'accecn_handshake',
  'whois', 'whois-v', 'dns_tcp', 'dns_tcp-v', 'mptcp-fclose', 'bgp-4byte-asn', 'bgp-lu-multiple-labels',
  'tcp_eight_lowest_weight_flags_set', 'tcp_rst_data', 'tcp_rst_data-v', 'gso-ipv4', 'ipv4_tcp_http_xml',
  'bgp-encap', 'bgp-evpn', 'ldp-common-session', 'bfd_source_port_49152', 'dhcp-rfc4388', 'resp_2', 'mptcp-v1',
  'bgp_infloop-v', 'tcp-handshake-nano-tt', 'tcp-handshake-micro-tt', 'bgp-shutdown-communication', 'bgp-role',
  'of10_7050q-v', 'nfs-write-verf-cookie', 'tcp_rst_diag_payload-v', 'tcp_rst_diag_payload-trunc-v',
] as const;

interface IndexRow { name: string; capture: string; out: string; flags: string }
const index: IndexRow[] = readFileSync(`${DIR}/INDEX.tsv`, 'utf8').split('\n').slice(1).filter((l) => l !== '').map((l) => {
  const [name = '', capture = '', out = '', flags = ''] = l.split('\t');
  return { name, capture, out, flags };
});

/** tcpdump's flag characters -> our letters (W is CWR, E is ECE, '.' is ACK; 'e' is AccECN's AE, which has no letter). */
function tcpdumpFlags(s: string): string {
  if (s === 'none') return '';
  const set = new Set(s.split(''));
  let out = '';
  for (const [ours, theirs] of [['C', 'W'], ['E', 'E'], ['U', 'U'], ['A', '.'], ['P', 'P'], ['R', 'R'], ['S', 'S'], ['F', 'F']] as const) {
    if (set.has(theirs)) out += ours;
  }
  return out;
}

/**
 * tcpdump prints seq/ack relative to a base it keeps per connection (print-tcp.c's
 * tcp_seq_hash), printing a segment absolute whenever it (re)starts an entry, e.g. on a SYN. Its
 * bases depend on hash-chain history we do not want to re-implement; what must hold whatever
 * the base is: a value printed absolute equals our raw value, and between two absolute prints
 * the difference raw - printed is the same for every segment of that direction.
 */
class RelativeSeq {
  private readonly offsets = new Map<string, number>();
  check(key: string, raw: number, printed: number): boolean {
    if (raw === printed) { this.offsets.delete(key); return true; }
    const off = (raw - printed) >>> 0;
    const known = this.offsets.get(key);
    if (known === undefined) { this.offsets.set(key, off); return true; }
    return known === off;
  }
}

interface Counts { packets: number; values: number }

function checkPacket(text: string, f: DecodedFrame, rel: RelativeSeq, c: Counts): string[] {
  const errs: string[] = [];
  const eq = (what: string, ours: unknown, theirs: unknown): void => {
    if (String(ours) !== String(theirs)) errs.push(`#${f.n} ${what}: ours ${String(ours)}, tcpdump ${String(theirs)}`);
    else c.values++;
  };
  const layers = f.layers;
  const ip = layers.filter((l) => l.type === 'ipv4');
  const tcp = layers.find((l) => l.type === 'tcp');
  const udp = layers.find((l) => l.type === 'udp');
  const arp = layers.find((l) => l.type === 'arp');
  const eth = layers.find((l) => l.type === 'eth');

  // Timestamps: -tttt "2019-12-08 21:59:54.599412" (UTC) or -tt "1418145369.924505488".
  const tttt = /^\s*\d+\s+(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)\.(\d{6,9})/.exec(text);
  const tt = /^\s*\d+\s+(\d{9,10})\.(\d{6,9}) /.exec(text);
  if (tttt !== null) {
    const [, y, mo, d, h, mi, s, frac] = tttt;
    eq('time (s)', f.tsSec, Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)) / 1000);
    eq('time (fraction)', frac!.length === 6 ? Math.floor(f.tsNsec / 1000) : f.tsNsec, Number(frac));
  } else if (tt !== null) {
    eq('time (s)', f.tsSec, Number(tt[1]));
    eq('time (fraction)', tt[2]!.length === 6 ? Math.floor(f.tsNsec / 1000) : f.tsNsec, Number(tt[2]));
  }

  // -e: "src > dst, ethertype ..., length N: vlan 200, p 0, ethertype ..."
  const link = /\d ([0-9a-f]{2}(?::[0-9a-f]{2}){5}) > ([0-9a-f]{2}(?::[0-9a-f]{2}){5}), ethertype/.exec(text);
  if (link !== null) {
    eq('eth src', eth?.type === 'eth' ? eth.src : null, link[1]);
    eq('eth dst', eth?.type === 'eth' ? eth.dst : null, link[2]);
    const vlans = [...text.matchAll(/vlan (\d+), p (\d+)/g)];
    eq('vlan ids', layers.filter((l) => l.type === 'vlan').map((l) => l.id).join(','), vlans.map((m) => m[1]).join(','));
    eq('vlan pcps', layers.filter((l) => l.type === 'vlan').map((l) => l.pcp).join(','), vlans.map((m) => m[2]).join(','));
  }

  const who = /Request who-has (\d+\.\d+\.\d+\.\d+)(?: \(([0-9a-f:]+)\))? tell (\d+\.\d+\.\d+\.\d+), length/.exec(text);
  const isAt = /Reply (\d+\.\d+\.\d+\.\d+) is-at ([0-9a-f:]+), length/.exec(text);
  if (who !== null || isAt !== null) {
    if (arp?.type !== 'arp') { errs.push(`#${f.n} tcpdump prints ARP, we have no arp layer`); return errs; }
    if (who !== null) {
      eq('arp op', arp.op, 1); eq('arp tpa', arp.tpa, who[1]); eq('arp spa', arp.spa, who[3]);
      if (who[2] !== undefined) eq('arp tha', arp.tha, who[2]);
    } else if (isAt !== null) {
      eq('arp op', arp.op, 2); eq('arp spa', arp.spa, isAt[1]); eq('arp sha', arp.sha, isAt[2]);
    }
  }

  // -v IP header: "IP (tos 0x0, ttl 64, id 0, offset 0, flags [DF], proto TCP (6), length 60)"
  const ipv = /IP \(tos (0x[0-9a-f]+)(?:,[^,]+)?, ttl (\d+), id (\d+), offset (\d+), flags \[([^\]]+)\], proto \S+ \((\d+)\), length (\d+)/.exec(text);
  if (ipv !== null) {
    const h = ip[0];
    if (h?.type !== 'ipv4') { errs.push(`#${f.n} tcpdump prints IPv4 -v header, we have none`); return errs; }
    eq('ip tos', h.tos, Number(ipv[1])); eq('ip ttl', h.ttl, ipv[2]); eq('ip id', h.id, ipv[3]);
    eq('ip offset', h.fragOffset, ipv[4]); eq('ip df', h.df, ipv[5]!.includes('DF')); eq('ip mf', h.mf, ipv[5]!.includes('+'));
    eq('ip proto', h.proto, ipv[6]); eq('ip length', h.totalLength, ipv[7]);
  }

  const tcpLine = /(\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): Flags \[([^\]]+)\](?:, cksum 0x([0-9a-f]+) \(([^)]*)\))?(?:, seq (\d+)(?::(\d+))?)?(?:, ack (\d+))?, win (\d+)(?:, urg \d+)?(?:, options \[([^\]]*)\])?, length (\d+)/.exec(text);
  const quick = /IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): tcp (\d+)/.exec(text);
  if (tcpLine !== null || quick !== null) {
    if (tcp?.type !== 'tcp') { errs.push(`#${f.n} tcpdump prints TCP, we have none`); return errs; }
    const h = ip[ip.length - 1];
    const m = (tcpLine ?? quick)!;
    if (h?.type === 'ipv4') { eq('ip src', h.src, m[1]); eq('ip dst', h.dst, m[3]); }
    eq('tcp sport', tcp.srcPort, m[2]); eq('tcp dport', tcp.dstPort, m[4]);
    if (quick !== null && tcpLine === null) { eq('tcp length', tcp.payloadLength, quick[5]); return errs; }
    const t = tcpLine!;
    eq('tcp flags', tcp.flags, tcpdumpFlags(t[5]!));
    if (t[6] !== undefined) {
      eq('tcp cksum field', tcp.checksum, parseInt(t[6], 16));
      // tcpdump -v says "correct" or "incorrect -> 0x...". It verifies only a complete segment, as we do.
      if (tcp.checksumOk !== null && (t[7] === 'correct' || t[7]!.startsWith('incorrect'))) eq('tcp checksum verdict', tcp.checksumOk, t[7] === 'correct');
    }
    const dir = `${h?.type === 'ipv4' ? `${h.src}>${h.dst}` : ''}:${tcp.srcPort}>${tcp.dstPort}`;
    if (t[8] !== undefined) {
      const printed = Number(t[8]);
      if (!rel.check(`${dir} seq`, tcp.seq, printed)) errs.push(`#${f.n} tcp seq ${tcp.seq} is not tcpdump's ${printed} plus the connection's base`);
      else c.values++;
      if (t[9] !== undefined) eq('tcp seq end - seq', tcp.payloadLength, (Number(t[9]) - printed) >>> 0);
    }
    if (t[10] !== undefined) {
      if (!rel.check(`${dir} ack`, tcp.ack, Number(t[10]))) errs.push(`#${f.n} tcp ack ${tcp.ack} is not tcpdump's ${t[10]} plus the connection's base`);
      else c.values++;
    }
    eq('tcp win', tcp.window, t[11]);
    eq('tcp length', tcp.payloadLength, t[13]);
    const opts = t[12] ?? '';
    const mss = /mss (\d+)/.exec(opts);
    const ws = /wscale (\d+)/.exec(opts);
    const ts = /TS val (\d+) ecr (\d+)/.exec(opts);
    const find = <K extends TcpRecord['options'][number]['kind']>(k: K) => tcp.options.find((o) => o.kind === k) as Extract<TcpRecord['options'][number], { kind: K }> | undefined;
    eq('mss', find('mss')?.value ?? null, mss?.[1] ?? null);
    eq('wscale', find('wscale')?.value ?? null, ws?.[1] ?? null);
    eq('sackOK', find('sackOk') !== undefined, /sackOK/.test(opts));
    eq('ts val', find('ts')?.tsval ?? null, ts?.[1] ?? null);
    eq('ts ecr', find('ts')?.tsecr ?? null, ts?.[2] ?? null);
    const sacks = [...opts.matchAll(/sack (\d+) /g)].map((x) => x[1]);
    eq('sack block count', find('sack')?.blocks.length ?? null, sacks[0] ?? null);
    const tfo = /exp-tfo cookie(req| ([0-9a-f]+))/.exec(opts);
    eq('tfo cookie', find('tfo')?.cookie ?? null, tfo === null ? null : (tfo[2] ?? ''));
    return errs;
  }

  const udpLine = /IP (\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): /.exec(text) ?? /\n\s+(\d+\.\d+\.\d+\.\d+)\.(\d+) > (\d+\.\d+\.\d+\.\d+)\.(\d+): /.exec(text);
  if (udpLine !== null && udp?.type === 'udp') {
    eq('udp sport', udp.srcPort, udpLine[2]); eq('udp dport', udp.dstPort, udpLine[4]);
    const h = ip[ip.length - 1];
    if (h?.type === 'ipv4') { eq('ip src', h.src, udpLine[1]); eq('ip dst', h.dst, udpLine[3]); }
  }
  return errs;
}

const totals: Counts = { packets: 0, values: 0 };

describe('decoder against tcpdump expected outputs', () => {
  for (const name of CHOSEN) {
    const row = index.find((r) => r.name === name);
    it(`${name} (tcpdump ${row?.flags ?? '?'})`, () => {
      expect(row).toBeDefined();
      const out = readFileSync(`${DIR}/${row!.out}`, 'utf8');
      const blocks = out.split(/^(?=\s{0,5}\d+ {2})/m).filter((b) => /^\s*\d+ {2}/.test(b));
      const frames = [...openFrames([`${DIR}/${row!.capture}`])];
      const byNumber = new Map(frames.map((f) => [f.n, f]));
      const rel = new RelativeSeq();
      const errs: string[] = [];
      const c: Counts = { packets: 0, values: 0 };
      for (const b of blocks) {
        const n = Number(/^\s*(\d+)/.exec(b)![1]);
        const f = byNumber.get(n);
        if (f === undefined) { errs.push(`tcpdump printed frame ${n}, we have ${frames.length}`); continue; }
        c.packets++;
        errs.push(...checkPacket(b, f, rel, c));
      }
      expect(errs).toEqual([]);
      expect(c.packets).toBeGreaterThan(0);
      // Each chosen test must have contributed real comparisons, not just matched no regex.
      expect(c.values).toBeGreaterThanOrEqual(c.packets * 3);
      totals.packets += c.packets;
      totals.values += c.values;
    });
  }

  it('compared hundreds of packets and thousands of values in all', () => {
    if (process.env.LVSCOPE_CONFORMANCE_STATS === '1') console.log(JSON.stringify(totals));
    expect(totals.packets).toBeGreaterThanOrEqual(400);
    expect(totals.values).toBeGreaterThanOrEqual(5000);
  });
});
