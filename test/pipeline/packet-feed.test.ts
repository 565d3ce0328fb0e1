/**
 * The two-thread model pass must be invisible: Packets survive the trip through numeric chunks
 * field for field, and the report of `analyzeFiles` on two threads is the one-thread report,
 * byte for byte, over every capture we have (conformance captures, bundled captures, synth
 * presets, and a synthesized capture long enough to span many chunks).
 *
 * The worker runs the built script (dist/), as the CLI does; without a build the two-thread
 * cases skip and say so.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MessageChannel, Worker } from 'node:worker_threads';
import { afterAll, describe, expect, it } from 'vitest';
import { CaptureReader, fileSink, PcapngWriter } from '../../src/capture/index.js';
import { FrameDecoder, openFrames, takeFrames } from '../../src/decode/index.js';
import { analyzeFrames } from '../../src/pipeline/pass.js';
import { loadCommonFrame } from '../../src/pipeline/fast-packet.js';
import { Packet } from '../../src/model/packet.js';
import { PacketChunkReader, PacketChunkWriter, type PacketChunk } from '../../src/pipeline/packet-slots.js';
import { AddressTable, FrameAddressIds } from '../../src/pipeline/address-table.js';
import { readPackets } from '../../src/pipeline/read-packets.js';
import { listPresets, preset, synthesize } from '../../src/simulate/index.js';
import { listConformanceCaptures } from '../decode/reference.js';
import { REPO_ROOT } from '../helpers/paths.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-feed-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function synthPreset(name: string, opts: { clients?: number; requests?: number; fast?: boolean } = {}): string {
  const path = join(dir, `${name}${opts.fast ? '-big' : ''}.pcapng`);
  if (!existsSync(path)) {
    synthesize(preset(name, { clients: opts.clients, requests: opts.requests }), fileSink(path, { overwrite: true }), { seed: 3, fileName: path, fast: opts.fast ?? false });
  }
  return path;
}

// With the real kernel's VXLAN and NFLOG (frames the common-frame path must leave to the full decoder).
const bundled = [
  ...readdirSync(join(REPO_ROOT, 'captures')).filter((f) => /\.pcap(ng)?$/.test(f)).map((f) => join(REPO_ROOT, 'captures', f)),
  ...[4789, 8472].map((port) => join(REPO_ROOT, `test/fixtures/vxlan/kernel-vxlan-${port}.pcap`)),
  join(REPO_ROOT, 'test/fixtures/nflog/kernel-nflog.pcap'),
];
const conformance = listConformanceCaptures().map((c) => c.path);

/**
 * IPv6 packets the model reads as 'ipv6-other' (no next header, OSPFv3), which no capture in the
 * corpus carries now that VRRPv3 reaches the director-pair model: written here, one frame each.
 */
function ipv6Other(): string {
  const path = join(dir, 'ipv6-other.pcapng');
  const w = new PcapngWriter(fileSink(path, { overwrite: true }));
  const iface = w.addInterface({ linkType: 1 });
  [59, 89].forEach((nextHeader, i) => {
    const f = new Uint8Array(14 + 40 + 8);
    f.set([0x02, 0, 0, 0, 0, 0x02, 0x02, 0, 0, 0, 0, 0x01, 0x86, 0xdd]);
    f.set([0x60, 0, 0, 0, 0, 8, nextHeader, 64], 14);
    f.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 22);
    f.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2], 38);
    w.writePacket(iface, f, 1_700_000_000 + i, 0, { origLen: f.length });
  });
  w.close();
  return path;
}

/** The reading side's numbers for the addresses: the carrier's own (a decoded frame has none), checked apart in roundTrip. */
const CARRIER_ONLY = new Set(['srcAddrId', 'dstAddrId']);

function snapshot(p: Packet): Record<string, unknown> {
  return Object.fromEntries(Object.entries(p).filter(([k]) => !CARRIER_ONLY.has(k)).map(([k, v]) => [k, v === null || typeof v !== 'object' ? v : { ...v }]));
}

/**
 * Every frame's Packet, straight and through chunks of `capacity` frames. `reading`: the chunks
 * are written as the reading thread writes them (readPackets, the common frames' addresses as ids).
 */
function roundTrip(path: string, capacity: number, reading = false): { straight: Record<string, unknown>[]; carried: Record<string, unknown>[]; misnamed: string[] } {
  const straight: Record<string, unknown>[] = [];
  const misnamed: string[] = [];
  const writer = new PacketChunkWriter(capacity);
  const chunks: PacketChunk[] = [];
  const p = new Packet();
  const add = (ids: FrameAddressIds | null): void => {
    writer.add(p, ids);
    if (writer.full) {
      const c = writer.take();
      chunks.push(c);
      writer.recycle(c.ints.slice(), c.times.slice()); // as the model hands arrays back
    }
  };
  const source = openFrames([path], { comments: false, verifyChecksums: false });
  try {
    for (const f of source) {
      p.load(f);
      straight.push(snapshot(p));
      if (!reading) add(null);
    }
  } finally {
    source.close();
  }
  if (reading) {
    const ids = new FrameAddressIds(writer.table);
    readPackets(path, Infinity, p, () => {
      // A number the reading side gives an address names that address's text (0, -1: none given).
      if (p.srcAddrId > 0 && writer.table.texts[p.srcAddrId] !== p.src) misnamed.push(`frame ${p.n}: src #${p.srcAddrId} is not ${p.src}`);
      if (p.dstAddrId > 0 && writer.table.texts[p.dstAddrId] !== p.dst) misnamed.push(`frame ${p.n}: dst #${p.dstAddrId} is not ${p.dst}`);
      add(ids);
    }, { count: 0, first: 0 }, ids);
  }
  if (writer.count > 0) chunks.push(writer.take());
  const reader = new PacketChunkReader();
  const q = new Packet();
  const carried: Record<string, unknown>[] = [];
  // Stale fields must not leak from one frame to the next.
  for (const c of chunks) {
    reader.begin(structuredClone(c));
    for (let i = 0; i < c.count; i++) {
      carried.push(snapshot(reader.load(q, i)));
      if (writer.table.texts[q.srcAddrId] !== q.src || writer.table.texts[q.dstAddrId] !== q.dst) misnamed.push(`carried frame ${q.n}: #${q.srcAddrId} #${q.dstAddrId}`);
    }
  }
  return { straight, carried, misnamed };
}

describe('packet slots: a Packet survives the numeric chunks exactly', () => {
  const corpus = [...bundled, ...conformance, ipv6Other()];
  it('has a corpus of over a hundred captures (the kinds it covers are checked below)', () => {
    expect(corpus.length).toBeGreaterThan(100);
  });

  it('every conformance and bundled capture, chunks of 7 frames', () => {
    let frames = 0;
    const seen = new Set<string>();
    for (const path of corpus) {
      const { straight, carried, misnamed } = roundTrip(path, 7);
      expect(carried.length).toBe(straight.length);
      expect(misnamed, path).toEqual([]);
      for (let i = 0; i < straight.length; i++) {
        if (JSON.stringify(carried[i]) !== JSON.stringify(straight[i])) expect(carried[i], `${path} frame ${i + 1}`).toEqual(straight[i]);
        seen.add(String(straight[i]!['kind']));
        if (straight[i]!['tunnel'] !== null) seen.add(`tunnel:${String(straight[i]!['tunnel'])}`);
        if (straight[i]!['icmpQuote'] !== null) seen.add('quote');
      }
      frames += straight.length;
    }
    expect(frames).toBeGreaterThan(10_000);
    for (const k of ['arp', 'ip', 'ipv6-other', 'other', 'tunnel:ipip', 'tunnel:gre', 'quote']) expect(seen, k).toContain(k);
  });

  it('every synth preset', () => {
    for (const name of listPresets()) {
      const { straight, carried } = roundTrip(synthPreset(name), 64);
      expect(carried, name).toEqual(straight);
    }
  });

  it('as the reading thread writes them (common frames\' addresses as ids): every capture, chunks of 7 frames', () => {
    let frames = 0;
    for (const path of [...corpus, ...listPresets().map((n) => synthPreset(n))]) {
      const { straight, carried, misnamed } = roundTrip(path, 7, true);
      expect(carried.length, path).toBe(straight.length);
      expect(misnamed, path).toEqual([]);
      for (let i = 0; i < straight.length; i++) {
        if (JSON.stringify(carried[i]) !== JSON.stringify(straight[i])) expect(carried[i], `${path} frame ${i + 1}`).toEqual(straight[i]);
      }
      frames += straight.length;
    }
    expect(frames).toBeGreaterThan(10_000);
  });
});

/**
 * Every frame of path through the full decoder and through the common-frame path; how many took
 * the latter. Every other frame the common path also numbers the addresses (the reading thread's
 * way): their ids must name the Packet's own texts.
 */
function fastVersusFull(path: string, mutate?: (frame: Uint8Array, k: number) => void, rounds = 1): { frames: number; fast: number } {
  const r = CaptureReader.open(path, { comments: false });
  const decoder = new FrameDecoder({ verifyChecksums: false });
  const full = new Packet();
  const fast = new Packet(); // reused across frames, as the worker does: stale fields must not leak
  const ids = new FrameAddressIds(new AddressTable());
  const named = (): Record<string, string> => {
    const t = ids.table.texts;
    return { srcMac: t[ids.srcMac]!, dstMac: t[ids.dstMac]!, src: t[fast.srcAddrId]!, dst: t[fast.dstAddrId]!, toaAddr: fast.toaAddr === '' ? '' : t[ids.toaAddr]!,
      sha: fast.sha === '' ? '' : t[ids.sha]!, spa: fast.spa === '' ? '' : t[ids.spa]!, tha: fast.tha === '' ? '' : t[ids.tha]!, tpa: fast.tpa === '' ? '' : t[ids.tpa]! };
  };
  let frames = 0;
  let taken = 0;
  try {
    for (let n = 1; r.next(); n++) {
      for (let k = 0; k < rounds; k++) {
        let buf: Uint8Array = r.buf;
        let off = r.offset;
        if (mutate !== undefined) {
          buf = r.buf.slice(r.offset, r.offset + r.caplen);
          off = 0;
          mutate(buf, n * 31 + k);
        }
        frames++;
        const numbered = (n + k) % 2 === 1;
        if (!loadCommonFrame(fast, buf, off, r.caplen, r.linkType, n, r.tsSec, r.tsNsec, numbered ? ids : null)) continue;
        taken++;
        if (numbered) {
          const { srcMac, dstMac, src, dst, toaAddr, sha, spa, tha, tpa } = fast;
          expect(named(), `${path} frame ${n}: ids`).toEqual({ srcMac, dstMac, src, dst, toaAddr, sha, spa, tha, tpa });
        }
        full.load(decoder.decode(buf, off, r.caplen, r.linkType, n, r.tsSec, r.tsNsec, r.len, r.iface, null));
        const a = snapshot(fast);
        const b = snapshot(full);
        if (JSON.stringify(a) !== JSON.stringify(b)) expect(a, `${path} frame ${n}`).toEqual(b);
      }
    }
  } finally {
    r.close();
  }
  return { frames, fast: taken };
}

describe('the common-frame path gives the full decoder\'s Packet wherever it answers', () => {
  it('every conformance and bundled capture, and every synth preset', () => {
    let frames = 0;
    let fast = 0;
    for (const path of [...bundled, ...conformance, ...listPresets().map((n) => synthPreset(n))]) {
      const r = fastVersusFull(path);
      frames += r.frames;
      fast += r.fast;
    }
    expect(frames).toBeGreaterThan(10_000);
    expect(fast).toBeGreaterThan(frames / 3);
  });

  it('takes nearly every frame of a bulk DR capture', () => {
    const r = fastVersusFull(synthPreset('dr', { clients: 200, requests: 5000, fast: true }));
    expect(r.fast / r.frames).toBeGreaterThan(0.95);
  });

  it('damaged headers: 20 random byte changes in the first 80 bytes of every frame of the bundled captures', () => {
    let state = 12345;
    const rand = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      return state >>> 8;
    };
    let fast = 0;
    for (const path of [...bundled, synthPreset('fullnat'), synthPreset('nat')]) {
      fast += fastVersusFull(path, (frame) => {
        for (let j = 1 + (rand() % 3); j > 0; j--) frame[rand() % Math.min(80, frame.length)] = rand() & 0xff;
      }, 20).fast;
    }
    expect(fast).toBeGreaterThan(1000);
  });
});

const DIST_FEED = join(REPO_ROOT, 'dist/pipeline/packet-feed.js');
const DIST_WORKER = join(REPO_ROOT, 'dist/pipeline/packet-feed-worker.js');
const skip = existsSync(DIST_FEED) && existsSync(DIST_WORKER) ? null : 'no build (run npm run build): the worker runs dist/pipeline/packet-feed-worker.js';

type AnalyzeFiles = typeof import('../../src/pipeline/packet-feed.js').analyzeFiles;

describe.skipIf(skip !== null)(`analyzeFiles on two threads${skip === null ? '' : ` (skipped: ${skip})`}`, () => {
  const load = async (): Promise<AnalyzeFiles> => ((await import(DIST_FEED)) as { analyzeFiles: AnalyzeFiles }).analyzeFiles;

  // One thread reads a single file as the worker does (read-packets.ts); both must give the
  // report of the plain pass: analyzeFrames over openFrames.
  const both = async (files: string[], limit?: number) => {
    const analyzeFiles = await load();
    const opts = { files, limit };
    const one = analyzeFiles(files, { ...opts, threads: 'never' });
    const two = analyzeFiles(files, { ...opts, threads: 'always' });
    expect(one.parallel).toBe(false);
    expect(two.parallel).toBe(true);
    const source = openFrames(files, { comments: false, verifyChecksums: false });
    try {
      const plain = analyzeFrames(takeFrames(source, limit ?? Infinity), opts);
      expect(JSON.stringify(one.summary.report), files.join(' ')).toBe(JSON.stringify(plain.report));
      if (limit === undefined) expect(one.problems).toEqual(source.issues.map((i) => i.message));
    } finally {
      source.close();
    }
    return { one, two };
  };

  it('gives the one-thread report for every synth preset and bundled capture', async () => {
    for (const path of [...bundled, ...listPresets().map((n) => synthPreset(n))]) {
      const { one, two } = await both([path]);
      expect(JSON.stringify(two.summary.report), path).toBe(JSON.stringify(one.summary.report));
      expect(two.problems).toEqual(one.problems);
    }
  });

  it('finds the fault watchers\' findings on the reading thread as on the model thread (real-kernel faults)', async () => {
    const faults = join(REPO_ROOT, 'test/fixtures/kernel-faults');
    const cases: [string, string][] = [
      ['idle-expired/fw-eth1.pcap', 'idle-entry-expired'], ['idle-expired/dir-eth0.pcap', 'idle-entry-expired'],
      ['udp-stale-removed/fw-eth1.pcap', 'stale-entry'],
    ];
    for (const [file, code] of cases) {
      const { one, two } = await both([join(faults, file)]);
      const codes = (r: typeof one) => r.summary.report.findings.map((f) => f.code);
      expect(codes(one), file).toContain(code);
      expect(JSON.stringify(two.summary.report.findings), file).toBe(JSON.stringify(one.summary.report.findings));
    }
  });

  it('across many chunks (a synthesized DR capture of ~60,000 frames), and with a frame limit', async () => {
    const path = synthPreset('dr', { clients: 200, requests: 5000, fast: true });
    const { one, two } = await both([path]);
    expect(one.summary.report.capture.frames).toBeGreaterThan(40_000);
    expect(JSON.stringify(two.summary.report)).toBe(JSON.stringify(one.summary.report));
    const limited = await both([path], 10_001);
    expect(limited.two.summary.report.capture.frames).toBe(10_001);
    expect(JSON.stringify(limited.two.summary.report)).toBe(JSON.stringify(limited.one.summary.report));
  });

  it('adopts a worker the CLI started early for the same files and limit, and stops one for other files', async () => {
    const start = (await import(join(REPO_ROOT, 'dist/pipeline/packet-feed-start.js'))) as typeof import('../../src/pipeline/packet-feed-start.js');
    const analyzeFiles = await load();
    const path = synthPreset('seed-dr');
    const one = analyzeFiles([path], { files: [path], threads: 'never' });
    start.startEarly([path], Infinity, 'always');
    const adopted = analyzeFiles([path], { files: [path] }); // 'auto' would not start one for a small file
    expect(adopted.parallel).toBe(true);
    expect(JSON.stringify(adopted.summary.report)).toBe(JSON.stringify(one.summary.report));
    start.startEarly([path], 5, 'always');
    const other = analyzeFiles([path], { files: [path] });
    expect(other.parallel).toBe(false);
    expect(JSON.stringify(other.summary.report)).toBe(JSON.stringify(one.summary.report));
    start.startEarly([path], Infinity, 'never');
    expect(analyzeFiles([path], { files: [path] }).parallel).toBe(false);
  });

  it('merges several files as the one-thread pass does (yanet unit with two captures)', async () => {
    const unit = conformance.filter((p) => p.includes('/yanet/065_balancer_gre/'));
    if (unit.length < 2) return;
    const { one, two } = await both(unit);
    expect(JSON.stringify(two.summary.report)).toBe(JSON.stringify(one.summary.report));
  });

  it('reports a damaged file\'s problems, and throws as the one-thread pass does for an unreadable one', async () => {
    const good = readFileSync(synthPreset('seed-dr'));
    const cut = join(dir, 'cut.pcapng');
    writeFileSync(cut, good.subarray(0, good.length - 10));
    const { one, two } = await both([cut]);
    expect(one.problems.length).toBeGreaterThan(0);
    expect(two.problems).toEqual(one.problems);
    expect(JSON.stringify(two.summary.report)).toBe(JSON.stringify(one.summary.report));

    const analyzeFiles = await load();
    const junk = join(dir, 'junk.pcap');
    writeFileSync(junk, Buffer.from('this is not a capture at all, not even close'));
    const errOf = (threads: 'never' | 'always'): string => {
      try {
        analyzeFiles([junk], { files: [junk], threads });
      } catch (e) {
        return `${(e as Error).name}: ${(e as Error).message}`;
      }
      return 'no error';
    };
    expect(errOf('always')).toBe(errOf('never'));
    expect(errOf('always')).toMatch(/junk\.pcap/);
    expect(() => analyzeFiles([join(dir, 'missing.pcap')], { files: [], threads: 'always' })).toThrow(/ENOENT|no such file/);
  });

  it('runs the pass on this thread when the reading worker never starts, instead of waiting on it', async () => {
    const feedModule = (await import(DIST_FEED)) as typeof import('../../src/pipeline/packet-feed.js');
    const protocol = (await import(join(REPO_ROOT, 'dist/pipeline/packet-feed-protocol.js'))) as typeof import('../../src/pipeline/packet-feed-protocol.js');
    const path = synthPreset('seed-dr');
    const one = feedModule.analyzeFiles([path], { files: [path], threads: 'never' });
    // A worker whose script fails as it loads: it never runs the reader, and tells only the event loop.
    const worker = new Worker('throw new Error("the reading thread failed to load")', { eval: true });
    worker.on('error', () => {});
    const channel = new MessageChannel();
    const control = new Int32Array(new SharedArrayBuffer(4 * protocol.CONTROL_INTS));
    const began = Date.now();
    const r = feedModule.analyzeWithWorker({ paths: [path], limit: Infinity, worker, port: channel.port1, control }, { files: [path] }, 300);
    expect(Date.now() - began).toBeLessThan(5000);
    expect(r.parallel).toBe(false);
    expect(JSON.stringify(r.summary.report)).toBe(JSON.stringify(one.summary.report));
    channel.port2.close();
  });
});
