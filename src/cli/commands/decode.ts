/**
 * `lvscope decode -r FILE`: one line per frame (tcpdump -n -e voice) or one JSON object per frame.
 */
import { CaptureReader } from '../../capture/index.js';
import { openFrames } from '../../decode/index.js';
import { formatFrameLine } from '../../present/frame-summary.js';
import { formatFrameDetail } from '../../present/frame-detail.js';
import { formatHexdump } from '../../present/hexdump.js';
import { frameToJson } from '../../present/frame-json.js';
import { formatEpochNs, formatTimeOfDay } from '../../present/time.js';
import { UsageError, useColour, type Command, type CommandIO } from '../command.js';
import { parseCommandArgs } from '../args.js';
import { palette } from '../colour.js';
import { lineWriterFor } from '../output.js';

const HELP = `Usage: lvscope decode -r FILE [-r FILE…] [options]

Decode every frame of a capture (pcap or pcapng, any byte order, µs or ns) and print
one line per frame in tcpdump's -n -e style, or one JSON object per frame.

Options:
  -r, --read FILE      capture to read (repeatable: files are merged by timestamp); - for stdin
  -c, --count N        stop after N frames
  -n                   accepted for tcpdump habit (lvscope never resolves names)
  -v, --verbose        show IPv4 header fields (ttl, id, flags, length)
  -V, --detail         after each line, every layer field by field
  -x, --hex            after each line, the frame's bytes in hex
      --format F       text (default) | ndjson
      --time T         tod (default: UTC time of day) | epoch | relative
      --no-checksum    do not verify IPv4/TCP/UDP/ICMP checksums
      --gue-port N     UDP port carrying GUE (IPVS --tun-port; repeatable): decoded as GUE even
                       when damaged (elsewhere GUE is recognised by a well-formed inner packet)
      --sync-port N    UDP port of the IPVS sync daemon besides 8848 (repeatable)
  -q, --quiet          no capture-problem summary on stderr
  -h, --help           this help

Exit status: 0 all frames decoded cleanly, 1 some frames or the file had problems
(reported per frame and on stderr), 2 usage error or unreadable file.

Examples:
  lvscope decode -r captures/seed-dr-kernel.pcap
  lvscope decode -r director-eth0.pcapng --format ndjson -c 100 | jq .layers
  lvscope decode -r rs1-eth0.pcap --gue-port 6080 -V
  tcpdump -i eth0 -w - | lvscope decode -r -`;

/** A second cursor per file, stepped in lockstep, for the bytes of the frame being printed. */
function rawFrames(files: readonly string[]): (file: number, fileFrame: number) => Uint8Array | null {
  const readers = files.map((p) => CaptureReader.open(p));
  return (file, fileFrame) => {
    const r = readers[file];
    if (r === undefined) return null;
    while (r.n < fileFrame) if (!r.next()) return null;
    return r.n === fileFrame ? r.buf.subarray(r.offset, r.offset + r.caplen) : null;
  };
}

export const decodeCommand: Command = {
  name: 'decode',
  summary: 'print every frame of a capture, decoded (text or ndjson)',
  help: HELP,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    const parsed = parseCommandArgs(args, {
      read: { type: 'string', short: 'r', multiple: true },
      count: { type: 'string', short: 'c' },
      n: { type: 'boolean', short: 'n' },
      verbose: { type: 'boolean', short: 'v' },
      detail: { type: 'boolean', short: 'V' },
      hex: { type: 'boolean', short: 'x' },
      format: { type: 'string', default: 'text' },
      time: { type: 'string', default: 'tod' },
      'no-checksum': { type: 'boolean' },
      'gue-port': { type: 'string', multiple: true },
      'sync-port': { type: 'string', multiple: true },
      quiet: { type: 'boolean', short: 'q' },
    });
    const v = parsed.values;
    const files = [...(v.read ?? []), ...parsed.positionals];
    if (files.length === 0) throw new UsageError('no capture given: use -r FILE');
    if (v.format !== 'text' && v.format !== 'ndjson') throw new UsageError(`--format must be text or ndjson, not ${v.format}`);
    if (!['tod', 'epoch', 'relative'].includes(v.time!)) throw new UsageError(`--time must be tod, epoch or relative, not ${v.time}`);
    const limit = v.count === undefined ? Infinity : Number(v.count);
    if (!(limit >= 0) || !Number.isInteger(limit) && limit !== Infinity) throw new UsageError(`-c needs a whole number, not ${v.count}`);

    const detail = v.detail === true;
    const hex = v.hex === true;
    if ((detail || hex) && files.includes('-')) throw new UsageError('-V and -x read frames twice; give a file, not standard input');
    const ports = (list: readonly string[] | undefined, name: string): number[] => (list ?? []).map((x) => {
      const n = Number(x);
      if (!/^\d+$/.test(x) || n < 1 || n > 65535) throw new UsageError(`--${name} needs a UDP port (1-65535), not ${x}`);
      return n;
    });
    const guePorts = ports(v['gue-port'], 'gue-port');
    const syncPorts = ports(v['sync-port'], 'sync-port');
    const source = openFrames(files, { verifyChecksums: v['no-checksum'] !== true, guePorts, syncPorts });
    const rawReader = hex ? rawFrames(files) : null;
    const out = lineWriterFor(io.stdout);
    const p = palette(useColour(io.stdout, io.env));
    const nano = source.infos.some((i) => i.nanosecond);
    const json = v.format === 'ndjson';
    const verbose = v.verbose === true;
    let frames = 0;
    let damaged = 0;
    let t0Sec = -1, t0Nsec = 0;
    try {
      for (const f of source) {
        if (frames >= limit || out.broken) break;
        frames++;
        if (f.issues.some((i) => i.code !== 'checksum-offloaded')) damaged++;
        if (json) { out.line(frameToJson(f)); continue; }
        let time: string;
        if (v.time === 'epoch') time = formatEpochNs(f.tsSec, f.tsNsec);
        else if (v.time === 'relative') {
          if (t0Sec < 0) { t0Sec = f.tsSec; t0Nsec = f.tsNsec; }
          time = ((f.tsSec - t0Sec) + (f.tsNsec - t0Nsec) / 1e9).toFixed(nano ? 9 : 6);
        } else time = formatTimeOfDay(f.tsSec, f.tsNsec, nano);
        const line = `${String(f.n).padStart(5)} ${time} ${formatFrameLine(f, { verbose })}`;
        out.line(f.issues.length > 0 ? p.yellow(line) : line);
        if (detail) for (const d of formatFrameDetail(f)) out.line(`      ${d}`);
        if (rawReader !== null) {
          const bytes = rawReader(f.file, f.fileFrame);
          if (bytes !== null) for (const h of formatHexdump(bytes)) out.line(`      ${h}`);
        }
      }
      out.flush();
    } finally {
      source.close();
    }
    const problems = source.issues;
    if (problems.length > 0 && v.quiet !== true) {
      for (const i of problems) io.stderr.write(`lvscope: ${i.message}\n`);
    }
    return problems.length > 0 || damaged > 0 ? 1 : 0;
  },
};
