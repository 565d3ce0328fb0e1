/**
 * The director pair's own traffic: VRRP v2/v3 adverts (keepalived) and IPVS connection sync
 * messages, decoded field by field and held to tshark's vrrp and ipvs dissectors.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { fileSink } from '../../src/capture/index.js';
import { PcapWriter } from '../../src/capture/pcap-writer.js';
import { FrameDecoder, openFrames } from '../../src/decode/index.js';
import { IP_VS_CONN_F, encodeIpvsSync, type SyncConnSpec } from '../../src/wire/ipvs-sync.js';
import { buildFrame } from '../../src/wire/emit.js';
import type { DecodedFrame, IpvsSyncRecord, VrrpRecord } from '../../src/wire/records.js';
import { conformance } from '../helpers/paths.js';
import { haveTshark } from './reference.js';

function decodeFile(path: string): DecodedFrame[] {
  const src = openFrames([path]);
  try {
    return [...src];
  } finally {
    src.close();
  }
}

function tshark(path: string, fields: readonly string[]): string[][] {
  const out = execFileSync('tshark', ['-n', '-r', path, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  // Numbers as decimal whatever base tshark prints them in ("0x06" is 6), so cells compare as text.
  return out.split('\n').filter((l) => l !== '').map((l) => l.split('\t').map((cell) => cell.split(',').map((x) => (/^0x[0-9a-f]+$/i.test(x) ? String(Number(x)) : x)).join(',')));
}

const VRRP_PCAP = conformance('tcpdump', 'vrrp.pcap');

describe('VRRP', () => {
  it("tcpdump's vrrp.pcap: v2 with simple and no authentication, v3 with centiseconds, checksums verified", () => {
    const vrrp = decodeFile(VRRP_PCAP).map((f) => f.layers.find((l): l is VrrpRecord => l.type === 'vrrp')!);
    expect(vrrp.slice(0, 3).map((v) => ({ version: v.version, vrid: v.vrid, priority: v.priority, authType: v.authType, intervalMs: v.intervalMs, addresses: v.addresses, checksumOk: v.checksumOk }))).toEqual([
      { version: 2, vrid: 42, priority: 191, authType: 1, intervalMs: 10000, addresses: ['10.4.42.1', '10.4.42.2', '10.4.42.3'], checksumOk: true },
      { version: 2, vrid: 43, priority: 191, authType: 0, intervalMs: 10000, addresses: ['10.4.43.150'], checksumOk: true },
      { version: 3, vrid: 44, priority: 191, authType: null, intervalMs: 10000, addresses: ['10.4.44.100', '10.4.44.200'], checksumOk: true },
    ]);
    expect(vrrp[2]!.advertInterval).toBe(1000);
  });

  it('a v3 checksum includes the pseudo-header: a changed IP source breaks it, a v2 one does not', () => {
    const d = new FrameDecoder();
    const frames = decodeFile(VRRP_PCAP);
    // Rewrite the source address in the raw bytes of frames 2 (v2) and 3 (v3) and decode again.
    const raw = rawFrames(VRRP_PCAP);
    for (const [n, version] of [[2, 2], [3, 3]] as const) {
      const b = Uint8Array.from(raw[n - 1]!);
      b[14 + 15] = b[14 + 15]! ^ 1; // ip.src's last byte (the IP header checksum breaks too; VRRP's verdict is what counts)
      const v = d.decodeBytes(b).layers.find((l): l is VrrpRecord => l.type === 'vrrp')!;
      expect(v.version).toBe(version);
      expect(v.checksumOk).toBe(version === 2);
    }
    expect(frames.length).toBe(raw.length);
  });

  it.skipIf(!haveTshark())('agrees with tshark field by field', () => {
    const rows = tshark(VRRP_PCAP, ['vrrp.version', 'vrrp.virt_rtr_id', 'vrrp.prio', 'vrrp.addr_count', 'vrrp.auth_type', 'vrrp.adver_int', 'vrrp.short_adver_int', 'vrrp.ip_addr', 'vrrp.checksum.status', 'vrrp.ipv6_addr'])
      .map((r) => [...r.slice(0, 7), [r[7], r[9]].filter((x) => x !== '').join(','), r[8]]);
    const ours = decodeFile(VRRP_PCAP).map((f) => f.layers.find((l): l is VrrpRecord => l.type === 'vrrp')!);
    expect(rows.length).toBe(ours.length);
    rows.forEach((r, i) => {
      const v = ours[i]!;
      expect(r).toEqual([String(v.version), String(v.vrid), String(v.priority), String(v.count), v.authType === null ? '' : String(v.authType),
        v.version === 2 ? String(v.advertInterval) : '', v.version === 3 ? String(v.advertInterval) : '', v.addresses.join(','), v.checksumOk ? '1' : '0']);
    });
  });
});

describe('VRRP emitted (for keepalived scenarios)', () => {
  const advert = (version: 2 | 3, priority: number): Uint8Array => buildFrame([
    { type: 'eth', src: '00:00:5e:00:01:33', dst: '01:00:5e:00:00:12' }, { type: 'ipv4', src: '192.168.23.99', dst: '224.0.0.18', ttl: 255 },
    { type: 'vrrp', version, vrid: 51, priority, advertInterval: version === 2 ? 1 : 100, addresses: ['192.168.23.100'], ...(version === 2 ? { authType: 1, authData: 'lvs' } : {}) },
  ]);

  it('v2 and v3 adverts decode back with right checksums (v3 over the pseudo-header)', () => {
    const d = new FrameDecoder();
    const v2 = d.decodeBytes(advert(2, 100)).layers.find((l): l is VrrpRecord => l.type === 'vrrp')!;
    expect(v2).toMatchObject({ version: 2, vrid: 51, priority: 100, authType: 1, intervalMs: 1000, addresses: ['192.168.23.100'], checksumOk: true });
    const v3 = d.decodeBytes(advert(3, 0)).layers.find((l): l is VrrpRecord => l.type === 'vrrp')!;
    expect(v3).toMatchObject({ version: 3, priority: 0, authType: null, advertInterval: 100, intervalMs: 1000, checksumOk: true });
  });

  it.skipIf(!haveTshark())('tshark finds the emitted checksums good', () => {
    const path = join(dir, 'vrrp-emitted.pcap');
    const w = new PcapWriter(fileSink(path, { overwrite: true }), { linkType: 1 });
    w.writePacket(advert(2, 100), 1_700_000_000, 0);
    w.writePacket(advert(3, 0), 1_700_000_001, 0);
    w.close();
    expect(tshark(path, ['vrrp.version', 'vrrp.prio', 'vrrp.checksum.status', 'vrrp.auth_string'])).toEqual([['2', '100', '1', 'lvs'], ['3', '0', '1', '']]);
  });
});

/** Each frame's bytes of a little-endian classic pcap. */
function rawFrames(path: string): Uint8Array[] {
  const b = readFileSync(path);
  const out: Uint8Array[] = [];
  for (let off = 24; off + 16 <= b.length;) {
    const incl = b.readUInt32LE(off + 8);
    out.push(new Uint8Array(b.subarray(off + 16, off + 16 + incl)));
    off += 16 + incl;
  }
  return out;
}

const dir = mkdtempSync(join(tmpdir(), 'lvscope-ha-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const TCP_ESTABLISHED = 1;
const CONNS: SyncConnSpec[] = [
  { protocol: 6, flags: IP_VS_CONN_F.DROUTE, state: TCP_ESTABLISHED, caddr: '198.51.100.7', cport: 40001, vaddr: '192.0.2.10', vport: 80, daddr: '10.0.0.11', dport: 80, timeout: 900 },
  { protocol: 6, flags: IP_VS_CONN_F.MASQ | IP_VS_CONN_F.IN_SEQ | IP_VS_CONN_F.OUT_SEQ, state: 4, caddr: '198.51.100.8', cport: 40002, vaddr: '192.0.2.10', vport: 80, daddr: '10.0.0.12', dport: 8080, timeout: 120,
    inSeq: { initSeq: 1000, delta: 5, previousDelta: 0 }, outSeq: { initSeq: 2000, delta: 0, previousDelta: 0 } },
  { protocol: 17, flags: IP_VS_CONN_F.TUNNEL | IP_VS_CONN_F.TEMPLATE, state: 0, caddr: '198.51.100.9', cport: 0, vaddr: '192.0.2.10', vport: 0, daddr: '10.0.0.13', dport: 0, fwmark: 7, timeout: 360 },
];

function syncFrame(payload: Uint8Array): Uint8Array {
  return buildFrame([
    { type: 'eth', src: '02:00:00:00:00:01', dst: '01:00:5e:00:00:51' }, { type: 'ipv4', src: '10.0.0.2', dst: '224.0.0.81', ttl: 1 },
    { type: 'udp', srcPort: 45000, dstPort: 8848 }, { type: 'payload', bytes: payload },
  ]);
}

describe('IPVS connection sync', () => {
  it('v1: addresses, ports, flags, state, timeout, fwmark, sequence options; padding between entries', () => {
    const f = new FrameDecoder().decodeBytes(syncFrame(encodeIpvsSync(1, 3, CONNS)));
    expect(f.issues).toEqual([]);
    const s = f.layers.find((l): l is IpvsSyncRecord => l.type === 'ipvs-sync')!;
    expect({ version: s.version, syncId: s.syncId, count: s.count }).toEqual({ version: 1, syncId: 3, count: 3 });
    expect(s.conns.map((c) => [c.forward, c.template, c.caddr, c.cport, c.vaddr, c.vport, c.daddr, c.dport, c.state, c.timeout, c.fwmark])).toEqual([
      ['dr', false, '198.51.100.7', 40001, '192.0.2.10', 80, '10.0.0.11', 80, 1, 900, 0],
      ['nat', false, '198.51.100.8', 40002, '192.0.2.10', 80, '10.0.0.12', 8080, 4, 120, 0],
      ['tun', true, '198.51.100.9', 0, '192.0.2.10', 0, '10.0.0.13', 0, 0, 360, 7],
    ]);
    expect(s.conns[1]!.inSeq).toEqual({ initSeq: 1000, delta: 5, previousDelta: 0 });
  });

  it('v0: 24-byte entries, sequence options only with IN_SEQ/OUT_SEQ, no timeout or fwmark', () => {
    const s = new FrameDecoder().decodeBytes(syncFrame(encodeIpvsSync(0, 1, CONNS.slice(0, 2)))).layers.find((l): l is IpvsSyncRecord => l.type === 'ipvs-sync')!;
    expect(s.version).toBe(0);
    expect(s.size).toBe(4 + 24 + 48);
    expect(s.conns.map((c) => [c.daddr, c.dport, c.timeout, c.fwmark, c.outSeq?.initSeq ?? null])).toEqual([['10.0.0.11', 80, null, null, null], ['10.0.0.12', 8080, null, null, 2000]]);
  });

  it('IPv6 entries and persistence-engine data (v1)', () => {
    const s = new FrameDecoder().decodeBytes(syncFrame(encodeIpvsSync(1, 0, [
      { protocol: 17, flags: IP_VS_CONN_F.DROUTE, state: 0, caddr: '2001:db8::7', cport: 5060, vaddr: '2001:db8:1::10', vport: 5060, daddr: 'fd00::11', dport: 5060, timeout: 300, peData: '63616c6c2d31', peName: 'sip' },
    ]))).layers.find((l): l is IpvsSyncRecord => l.type === 'ipvs-sync')!;
    expect(s.conns[0]).toMatchObject({ ipv6: true, caddr: '2001:db8::7', vaddr: '2001:db8:1::10', daddr: 'fd00::11', peData: '63616c6c2d31', peName: 'sip' });
  });

  it('a size field that is not the datagram length is reported (the backup drops such a message)', () => {
    const msg = encodeIpvsSync(1, 0, CONNS.slice(0, 1));
    msg[3] = msg[3]! + 4;
    const f = new FrameDecoder().decodeBytes(syncFrame(msg));
    expect(f.issues.map((i) => `${i.layer}:${i.code}`)).toContain('ipvs-sync:bad-length');
  });

  it.skipIf(!haveTshark())("agrees with tshark's ipvs dissector (v0 and v1)", () => {
    const path = join(dir, 'sync.pcap');
    const w = new PcapWriter(fileSink(path, { overwrite: true }), { linkType: 1 });
    // tshark 4.0 reads a v1 entry's options as the next entry (it does not use the entry's size
    // field, as ip_vs_process_message does), so only entries without options are compared in v1.
    const frames = [syncFrame(encodeIpvsSync(0, 1, CONNS.slice(0, 2))), syncFrame(encodeIpvsSync(1, 3, [CONNS[0]!, CONNS[2]!]))];
    frames.forEach((b, i) => w.writePacket(b, 1_700_000_000 + i, 0));
    w.close();
    const rows = tshark(path, ['ipvs.syncid', 'ipvs.conncount', 'ipvs.proto', 'ipvs.cport', 'ipvs.vport', 'ipvs.dport', 'ipvs.caddr', 'ipvs.vaddr', 'ipvs.daddr', 'ipvs.state', 'ipvs.timeout', 'ipvs.fwmark']);
    const ours = decodeFile(path).map((f) => f.layers.find((l): l is IpvsSyncRecord => l.type === 'ipvs-sync')!);
    rows.forEach((r, i) => {
      const s = ours[i]!;
      const col = (k: (c: IpvsSyncRecord['conns'][number]) => string | number | null): string => s.conns.map(k).filter((x) => x !== null).join(',');
      expect(r.slice(0, 10)).toEqual([String(s.syncId), String(s.count), col((c) => c.protocol), col((c) => c.cport), col((c) => c.vport), col((c) => c.dport),
        col((c) => c.caddr), col((c) => c.vaddr), col((c) => c.daddr), col((c) => c.state)]);
      if (s.version === 1) expect([r[10], r[11]]).toEqual([col((c) => c.timeout), col((c) => c.fwmark)]);
    });
  });
});
