import { existsSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CaptureReader, readAllPackets } from '../../src/capture/index.js';
import { loadTsharkTsv, parseEpoch } from '../helpers/tshark-tsv.js';
import { CONFORMANCE } from '../helpers/paths.js';

const ROOT = `${CONFORMANCE}`;

const manifest = readFileSync(`${ROOT}/MANIFEST.tsv`, 'utf8')
  .split('\n')
  .slice(1)
  .filter((line) => line !== '')
  .map((line) => {
    const [path = '', bytes = '', , magic = '', format = ''] = line.split('\t');
    return { path: `${ROOT}/${path}`, bytes: Number(bytes), magic, format };
  });

/** Every capture with a tshark reference decode beside it (pcap files name it <file>.tshark.tsv, tcpreplay ones too). */
const withReference = manifest.filter((m) => existsSync(`${m.path}.tshark.tsv`) || existsSync(tsvFor(m.path)));

function tsvFor(path: string): string {
  return existsSync(`${path}.tshark.tsv`) ? `${path}.tshark.tsv` : path.replace(/(\.pcap)?$/, '.tshark.tsv');
}

/** Our frames as rows comparable with the tshark columns. */
function ourRows(path: string): string[] {
  const { info, packets } = readAllPackets(path);
  return packets.map(
    (p) =>
      `${p.n}\t${p.tsSec}.${String(p.tsNsec).padStart(9, '0')}\t${info.format === 'pcapng' ? p.iface : ''}\t${p.len}\t${p.caplen}`,
  );
}

describe('conformance captures against tshark reference decodes', () => {
  it('has reference decodes to compare with', () => {
    expect(manifest.length).toBe(141);
    expect(withReference.length).toBeGreaterThanOrEqual(30);
  });

  for (const m of withReference) {
    it(`${m.path.slice(ROOT.length + 1)}: frames, lengths, interfaces and timestamps to the nanosecond`, () => {
      const ref = loadTsharkTsv(tsvFor(m.path)).map((r) => {
        const t = parseEpoch(r['frame.time_epoch'] ?? '');
        return `${r['frame.number']}\t${t.sec}.${String(t.nsec).padStart(9, '0')}\t${r['frame.interface_id']}\t${r['frame.len']}\t${r['frame.cap_len']}`;
      });
      expect(ref.length).toBeGreaterThan(0);
      expect(ourRows(m.path)).toEqual(ref);
    });
  }
});

describe('every capture in MANIFEST.tsv', () => {
  it.each(manifest.map((m) => [m.path.slice(ROOT.length + 1), m] as const))('%s opens and reads', (_name, m) => {
    const r = CaptureReader.open(m.path);
    let frames = 0;
    let bytes = 0;
    while (r.next()) {
      frames++;
      bytes += r.caplen;
      expect(r.offset + r.caplen).toBeLessThanOrEqual(r.buf.length);
    }
    r.close();
    expect(r.info.format).toBe(m.format.startsWith('pcapng') ? 'pcapng' : 'pcap');
    if (m.format.startsWith('pcap ')) {
      expect(r.info.byteOrder).toBe(m.format.includes('little') ? 'le' : 'be');
      expect(r.info.nanosecond).toBe(m.format.endsWith('nsec'));
    }
    // Captured bytes can never exceed the file.
    expect(bytes).toBeLessThan(m.bytes);
    if (!m.path.includes('/empty.')) expect(frames).toBeGreaterThan(0);
    // Only deliberately damaged captures may raise issues; none of these is cut or padded.
    expect(r.issues.filter((i) => i.code === 'truncated-record' || i.code === 'bad-block' || i.code === 'trailing-garbage')).toEqual([]);
  });
});

describe('named conformance facts', () => {
  it('pcapplusplus nanosecs_big_endian.pcap: big-endian ns, first packet 1766361926 s + 167647291 ns', () => {
    const { info, packets } = readAllPackets(`${ROOT}/pcapplusplus/nanosecs_big_endian.pcap`);
    expect(info).toMatchObject({ format: 'pcap', byteOrder: 'be', nanosecond: true, versionMajor: 2, versionMinor: 4 });
    expect(info.interfaces[0]).toMatchObject({ linkType: 1, tsResolution: 1e9 });
    expect(packets[0]).toMatchObject({ n: 1, tsSec: 1766361926, tsNsec: 167647291, fileOffset: 24 });
  });

  it('wireshark many_interfaces-1.pcapng: 11 IDBs, packets on interface 10 with its own link type', () => {
    const { info, packets } = readAllPackets(`${ROOT}/wireshark/many_interfaces-1.pcapng`);
    expect(info.format).toBe('pcapng');
    expect(info.interfaces).toHaveLength(11);
    expect(info.interfaces[0]?.linkType).toBe(1);
    expect(info.interfaces[10]?.linkType).toBe(0);
    expect(packets[2]).toMatchObject({ n: 3, iface: 10, linkType: 0, len: 168, tsSec: 1439753725, tsNsec: 701568000 });
    expect(packets).toHaveLength(64);
    expect(packets.filter((p) => p.iface === 10).map((p) => p.n)).toEqual([3, 4]);
  });

  it('zeek pcapng-multi-interface.pcapng: two interfaces, microsecond and nanosecond', () => {
    const { info, packets } = readAllPackets(`${ROOT}/zeek/traces/pcapng-multi-interface.pcapng`);
    expect(info.interfaces.map((i) => i.tsResolution).sort()).toEqual([1e6, 1e9].sort());
    expect(info.nanosecond).toBe(true);
    expect(new Set(packets.map((p) => p.iface))).toEqual(new Set([0, 1]));
    expect(packets[0]).toMatchObject({ n: 1, iface: 0, tsSec: 1767663089, tsNsec: 500330493, len: 96 });
  });

  it('wireshark dhcp in four containers: the same 4 frames and instants', () => {
    const forms = ['dhcp.pcap', 'dhcp.pcapng', 'dhcp-nanosecond.pcap', 'dhcp-nanosecond.pcapng'].map((f) =>
      readAllPackets(`${ROOT}/wireshark/${f}`),
    );
    expect(forms.map((f) => f.packets.length)).toEqual([4, 4, 4, 4]);
    expect(forms.map((f) => f.info.nanosecond)).toEqual([false, false, true, true]);
    const usec = forms[0]!.packets;
    for (const f of forms.slice(1)) {
      expect(f.packets.map((p) => [p.tsSec, Math.floor(p.tsNsec / 1000), p.len, Buffer.from(p.data).toString('hex')])).toEqual(
        usec.map((p) => [p.tsSec, Math.floor(p.tsNsec / 1000), p.len, Buffer.from(p.data).toString('hex')]),
      );
    }
  });
});
