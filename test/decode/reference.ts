/**
 * tshark as the independent reference for the decoder's conformance tests.
 *
 * Reference rows come from the `*.tshark.tsv` files beside a capture (REFERENCE-DECODES.md; made
 * with TShark 4.0.17), or, for captures without one, from running the same tshark command here.
 * Checksum verdicts need tshark's validation switched on, which the .tsv files were made without,
 * so those always come from a live run. Live output is cached in the temp directory by capture
 * hash, so a second test run does not pay tshark's start-up 140 times.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTsharkTsv } from '../helpers/tshark-tsv.js';
import { CONFORMANCE } from '../helpers/paths.js';

export const CONFORMANCE_ROOT = `${CONFORMANCE}`;

/** The columns of REFERENCE-DECODES.md, in its order. */
export const REFERENCE_FIELDS = [
  'frame.number', 'frame.time_epoch', 'frame.interface_id', 'frame.len', 'frame.cap_len', 'frame.protocols',
  'eth.src', 'eth.dst', 'vlan.id', 'sll.pkttype', 'sll.ifindex', 'sll.hatype', 'sll.etype',
  'arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.hw_mac', 'arp.dst.proto_ipv4',
  'ip.src', 'ip.dst', 'ip.proto', 'ip.ttl', 'ip.len', 'ip.hdr_len', 'ip.id', 'ip.flags.df', 'ip.frag_offset',
  'ipv6.src', 'ipv6.dst', 'tcp.srcport', 'tcp.dstport', 'tcp.flags.str', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.len',
  'tcp.window_size_value', 'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.sack_perm',
  'tcp.options.sack_le', 'tcp.options.sack_re', 'tcp.options.timestamp.tsval', 'tcp.options.timestamp.tsecr',
  'udp.srcport', 'udp.dstport', 'gre.proto', '_ws.expert.message',
] as const;

/**
 * Columns the .tsv files lack, from a live run with validation on: checksum verdicts (tshark's
 * proto_checksum_enum_t: 0 bad, 1 good, 2 unverified, 3 not present) and 802.1ad service tags,
 * which tshark files under ieee8021ad.id rather than vlan.id.
 */
export const EXTRA_FIELDS = ['frame.number', 'ip.checksum.status', 'tcp.checksum.status', 'udp.checksum.status', 'icmp.checksum.status', 'ieee8021ad.id'] as const;
export const TSHARK_CHECKSUM = { BAD: '0', GOOD: '1' } as const;

export interface ConformanceCapture {
  /** Path relative to CONFORMANCE_ROOT. */
  readonly name: string;
  readonly path: string;
  readonly sha256: string;
  /** The .tsv beside it, or null. */
  readonly tsv: string | null;
}

/**
 * Every capture under the conformance folder, found by its magic number rather than by
 * MANIFEST.tsv, which leaves out yanet/ and glb-director/ (and tcpreplay's outputs have no
 * extension).
 */
export function listConformanceCaptures(): ConformanceCapture[] {
  const out: ConformanceCapture[] = [];
  const walk = (dir: string): void => {
    for (const e of readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(dir, e.name);
      if (e.isDirectory()) { walk(path); continue; }
      if (!e.isFile() || e.name.endsWith('.tsv') || e.name.endsWith('.out') || e.name.endsWith('.md')) continue;
      const bytes = readFileSync(path);
      if (bytes.length < 4) continue;
      const magic = bytes.readUInt32LE(0);
      if (![0xa1b2c3d4, 0xd4c3b2a1, 0xa1b23c4d, 0x4d3cb2a1, 0x0a0d0d0a].includes(magic)) continue;
      const tsv = [`${path}.tshark.tsv`, path.replace(/\.pcap$/, '') + '.tshark.tsv'].find((p) => existsSync(p)) ?? null;
      out.push({ name: path.slice(CONFORMANCE_ROOT.length + 1), path, sha256: createHash('sha256').update(bytes).digest('hex'), tsv });
    }
  };
  walk(CONFORMANCE_ROOT);
  return out;
}

let tsharkPresent: boolean | null = null;
export function haveTshark(): boolean {
  if (tsharkPresent === null) {
    try {
      execFileSync('tshark', ['-v'], { stdio: 'ignore' });
      tsharkPresent = true;
    } catch {
      tsharkPresent = false;
    }
  }
  return tsharkPresent;
}

const CACHE_DIR = join(tmpdir(), 'lvscope-tshark-cache');

function parseFieldsOutput(text: string): Array<Record<string, string>> {
  const lines = text.split('\n');
  const header = (lines[0] ?? '').split('\t');
  const rows: Array<Record<string, string>> = [];
  for (const line of lines.slice(1)) {
    if (line === '') continue;
    const cells = line.split('\t');
    const row: Record<string, string> = {};
    header.forEach((name, i) => { row[name] = cells[i] ?? ''; });
    rows.push(row);
  }
  return rows;
}

/** `tshark -T fields` for the capture, cached by content hash and argument list. */
export function runTshark(c: ConformanceCapture, fields: readonly string[], extra: readonly string[] = []): Array<Record<string, string>> {
  const args = ['-n', '-r', c.path, ...extra, '-T', 'fields', '-E', 'header=y', '-E', 'separator=/t', '-E', 'occurrence=a', '-E', 'aggregator=,',
    ...fields.flatMap((f) => ['-e', f])];
  const key = createHash('sha256').update(c.sha256).update(args.slice(3).join(' ')).digest('hex').slice(0, 32);
  const cached = join(CACHE_DIR, `${key}.tsv`);
  let text: string;
  if (existsSync(cached)) {
    text = readFileSync(cached, 'utf8');
  } else {
    // tshark exits 2 on a cut-short last record yet prints every frame before it: keep its stdout.
    try {
      text = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 });
    } catch (err) {
      const out = (err as { stdout?: string }).stdout;
      if (typeof out !== 'string') throw err;
      text = out;
    }
    mkdirSync(CACHE_DIR, { recursive: true });
    writeFileSync(cached, text);
  }
  return parseFieldsOutput(text);
}

/** The reference decode: the .tsv when there is one, else a live tshark run with the same columns. */
export function referenceRows(c: ConformanceCapture): Array<Record<string, string>> {
  return c.tsv !== null ? loadTsharkTsv(c.tsv) : runTshark(c, REFERENCE_FIELDS);
}

export function extraRows(c: ConformanceCapture): Array<Record<string, string>> {
  return runTshark(c, EXTRA_FIELDS, ['-o', 'ip.check_checksum:TRUE', '-o', 'tcp.check_checksum:TRUE', '-o', 'udp.check_checksum:TRUE']);
}

/** A comma-aggregated tshark cell as its occurrences ('' is none). */
export function occurrences(cell: string | undefined): string[] {
  return cell === undefined || cell === '' ? [] : cell.split(',');
}
