/**
 * `lvscope decode -r FILE`: one line per frame (tcpdump -n -e voice) or one JSON object per frame.
 */
import { existsSync } from 'node:fs';
import { fileSink, PcapWriter } from '../../capture/index.js';
import { isDamaged, openFrames, openRawFrames, type FrameSource, type RawFrames } from '../../decode/index.js';
import { formatFrameLine } from '../../present/frame-summary.js';
import { formatFrameDetail } from '../../present/frame-detail.js';
import { formatHexdump } from '../../present/hexdump.js';
import { frameToJson } from '../../present/frame-json.js';
import { formatEpochNs, formatTimeOfDay } from '../../present/time.js';
import { plural } from '../../present/words.js';
import { udpPorts } from './analyze-options.js';
import { EXIT, UsageError, useColour } from '../command.js';
import { capturesAndFilter, compileFilterArg, defineCommand } from '../args.js';
import { damageSummary, withInputs } from '../inputs.js';
import { palette } from '../colour.js';
import { lineWriterFor } from '../output.js';

const HELP = `Usage: lvscope decode [options] -r FILE [-r FILE…] [FILTER]

Decode every frame of a capture (pcap or pcapng, any byte order, µs or ns, gzip-compressed
or not) and print one line per frame in tcpdump's -n -e style, or one JSON object per frame.
FILTER is a capture filter in tcpdump's syntax (lvscope help filter), e.g. 'tcp port 80':
only the frames it keeps are printed, each with its frame number in the capture (as tshark
numbers them; tcpdump prints none).

Options:
  -r, --read FILE      capture to read (repeatable: files are merged by timestamp); - for stdin
  -w, --write FILE     write the (filtered) frames to FILE as pcap instead of printing them
                       (- for standard output); refuses to replace a file without --force
  -c, --count N        stop after N frames (N kept by the filter)
  -n                   accepted for tcpdump habit (lvscope never resolves names)
  -e                   accepted for tcpdump habit: the link-level header (MAC addresses) is
                       always printed, since LVS's DR method is told by MACs
  -t                   no timestamp;  -tt seconds since the epoch;  -ttt time since the previous
                       frame printed;  -tttt date and time of day;  -ttttt time since the first
                       frame printed (tcpdump's meanings; times are UTC)
  -v, --verbose        show IPv4 header fields (ttl, id, flags, length)
  -V, --detail         after each line, every layer field by field
  -x, --hex            after each line, the frame's bytes in hex
      --format F       text (default) | ndjson
      --time T         tod (default: UTC time of day) | epoch | relative (seconds since the first)
      --no-checksum    do not verify IPv4/TCP/UDP/ICMP checksums
      --gue-port N     UDP port carrying GUE (IPVS --tun-port; repeatable): decoded as GUE even
                       when damaged (elsewhere GUE is recognised by a well-formed inner packet)
      --sync-port N    UDP port of the IPVS sync daemon besides 8848 (repeatable)
      --force          let -w replace an existing file
  -q, --quiet          no capture-problem summary on stderr
  -h, --help           this help

Exit status: 0 all frames decoded cleanly; 1 some frames or the file were damaged (shown on
their frames, one summary line on stderr); 2 usage error or unreadable input.

Examples:
  lvscope decode -r captures/seed-dr-kernel.pcap
  lvscope decode -r captures/seed-dr-kernel.pcap -tt 'tcp port 80 and tcp[tcpflags] & tcp-syn != 0'
  lvscope decode -r director-eth0.pcapng.gz --format ndjson -c 100 | jq .layers
  lvscope decode -r big.pcap -w vip.pcap 'host 192.168.23.100'
  lvscope decode -r rs1-eth0.pcap --gue-port 6080 -V
  tcpdump -i eth0 -w - | lvscope decode -r -`;

/** The flags the help above describes. */
const OPTIONS = {
  read: { type: 'string', short: 'r', multiple: true },
  write: { type: 'string', short: 'w' },
  count: { type: 'string', short: 'c' },
  n: { type: 'boolean', short: 'n' },
  e: { type: 'boolean', short: 'e' },
  t: { type: 'boolean', short: 't', multiple: true },
  verbose: { type: 'boolean', short: 'v' },
  detail: { type: 'boolean', short: 'V' },
  hex: { type: 'boolean', short: 'x' },
  format: { type: 'string', default: 'text' },
  time: { type: 'string', default: 'tod' },
  'no-checksum': { type: 'boolean' },
  'gue-port': { type: 'string', multiple: true },
  'sync-port': { type: 'string', multiple: true },
  force: { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

type TimeMode = 'tod' | 'none' | 'epoch' | 'delta' | 'date' | 'since-first' | 'relative';

/** -t … -ttttt as tcpdump counts them; --time for the older long form. */
function timeMode(ts: number, long: string): TimeMode {
  if (ts > 0) return (['none', 'epoch', 'delta', 'date', 'since-first'] as const)[Math.min(ts, 5) - 1]!;
  if (long === 'tod' || long === 'epoch' || long === 'relative') return long;
  throw new UsageError(`--time must be tod, epoch or relative, not ${long}`);
}

/** The timestamp column in one mode; `prev`/`first` are the frames printed before (seconds, nanoseconds). */
class TimeColumn {
  private firstSec = -1;
  private firstNsec = 0;
  private prevSec = -1;
  private prevNsec = 0;
  private readonly mode: TimeMode;
  private readonly nano: boolean;
  constructor(mode: TimeMode, nano: boolean) {
    this.mode = mode;
    this.nano = nano;
  }

  text(sec: number, nsec: number): string | null {
    if (this.firstSec < 0) { this.firstSec = sec; this.firstNsec = nsec; this.prevSec = sec; this.prevNsec = nsec; }
    let out: string | null;
    switch (this.mode) {
      case 'none': out = null; break;
      case 'epoch': out = this.nano ? formatEpochNs(sec, nsec) : `${sec}.${String(Math.floor(nsec / 1000)).padStart(6, '0')}`; break;
      case 'delta': out = this.span(sec, nsec, this.prevSec, this.prevNsec); break;
      case 'since-first': out = this.span(sec, nsec, this.firstSec, this.firstNsec); break;
      case 'date': out = `${new Date(sec * 1000).toISOString().slice(0, 10)} ${formatTimeOfDay(sec, nsec, this.nano)}`; break;
      case 'relative': out = ((sec - this.firstSec) + (nsec - this.firstNsec) / 1e9).toFixed(this.nano ? 9 : 6); break;
      default: out = formatTimeOfDay(sec, nsec, this.nano);
    }
    this.prevSec = sec; this.prevNsec = nsec;
    return out;
  }

  /** tcpdump's -ttt form: the difference as HH:MM:SS.frac. */
  private span(sec: number, nsec: number, fromSec: number, fromNsec: number): string {
    let s = sec - fromSec, ns = nsec - fromNsec;
    if (ns < 0) { s -= 1; ns += 1e9; }
    const sign = s < 0 ? '-' : '';
    if (s < 0) { s = -s - 1; ns = 1e9 - ns; if (ns === 1e9) { s += 1; ns = 0; } }
    return sign + formatTimeOfDay(s, ns, this.nano);
  }
}

export const decodeCommand = defineCommand(HELP, OPTIONS, async (parsed, io) => {
  const v = parsed.values;
  const { files, filter: expression } = capturesAndFilter(v.read, parsed.positionals);
  if (files.length === 0) throw new UsageError('no capture given: use -r FILE');
  const filter = compileFilterArg(expression);
  if (v.format !== 'text' && v.format !== 'ndjson') throw new UsageError(`--format must be text or ndjson, not ${v.format}`);
  const mode = timeMode(v.t?.length ?? 0, v.time!);
  const limit = v.count === undefined ? Infinity : Number(v.count);
  if (!(limit >= 0) || !Number.isInteger(limit) && limit !== Infinity) throw new UsageError(`-c needs a whole number, not ${v.count}`);
  const write = v.write ?? null;
  if (write !== null && write !== '-' && v.force !== true && existsSync(write)) {
    io.stderr.write(`lvscope decode: ${write} exists; refusing to overwrite it (use --force)\n`);
    return EXIT.USAGE;
  }
  const ports = (list: readonly string[] | undefined, name: string): number[] => udpPorts(list, name, (m) => new UsageError(m));
  const guePorts = ports(v['gue-port'], 'gue-port');
  const syncPorts = ports(v['sync-port'], 'sync-port');
  const detail = v.detail === true;
  const hex = v.hex === true;
  // -V, -x and -w read each frame's bytes a second time: standard input is spooled for them.
  return withInputs(files, { seekable: detail || hex || write !== null }, (inputs) => {
    const paths = inputs.paths;
    const source = openFrames(paths, { verifyChecksums: v['no-checksum'] !== true && write === null, filter, guePorts, syncPorts });
    const rawReader = hex || write !== null ? openRawFrames(paths) : null;
    const say = (line: string): void => { if (v.quiet !== true) io.stderr.write(`lvscope: ${line}\n`); };
    let frames = 0;
    let damaged = 0, firstDamaged = 0;
    let broken = false;
    try {
      if (write !== null) {
        const w = writeFrames(source, rawReader!, write, v.force === true, limit);
        frames = w.frames; damaged = w.damaged; firstDamaged = w.firstDamaged;
        if (w.otherLinkType > 0) say(`${write}: ${plural(w.otherLinkType, 'frame')} of another link type left out (a pcap file has one link type)`);
      } else {
        const out = lineWriterFor(io.stdout);
        const p = palette(useColour(io.stdout, io.env));
        const clock = new TimeColumn(mode, source.infos.some((i) => i.nanosecond));
        const json = v.format === 'ndjson';
        const verbose = v.verbose === true;
        for (const f of source) {
          if (frames >= limit || out.broken) break;
          frames++;
          if (f.issues.length > 0 && isDamaged(f) && damaged++ === 0) firstDamaged = f.n;
          if (json) { out.line(frameToJson(f)); continue; }
          const time = clock.text(f.tsSec, f.tsNsec);
          const line = `${String(f.n).padStart(5)} ${time === null ? '' : `${time} `}${formatFrameLine(f, { verbose })}`;
          out.line(f.issues.length > 0 ? p.yellow(line) : line);
          if (detail) for (const d of formatFrameDetail(f)) out.line(`      ${d}`);
          if (rawReader !== null) {
            const bytes = rawReader.bytes(f.file, f.fileFrame);
            if (bytes !== null) for (const h of formatHexdump(bytes)) out.line(`      ${h}`);
          }
        }
        out.flush();
        broken = out.broken;
      }
    } finally {
      source.close();
      rawReader?.close();
    }
    // The reader of our output went away (`| head`): done, as tcpdump is.
    if (broken) return EXIT.OK;
    const problems = [...inputs.problems, ...source.issues.map((i) => inputs.describe(i.message))];
    const damage = damageSummary(damaged, firstDamaged);
    if (damage !== null) problems.push(damage);
    for (const line of problems) say(line);
    return problems.length > 0 ? EXIT.PROBLEMS : EXIT.OK;
  });
});

/** -w: the kept frames, bytes as captured, into a pcap file (tcpdump -r F -w OUT EXPR). */
function writeFrames(source: FrameSource, raw: RawFrames, path: string, force: boolean, limit: number) {
  const nanosecond = source.infos.some((i) => i.nanosecond);
  const sink = fileSink(path, { overwrite: force });
  let writer: PcapWriter | null = null;
  let linkType = -1;
  let frames = 0, damaged = 0, firstDamaged = 0, otherLinkType = 0;
  try {
    for (const f of source) {
      if (frames >= limit) break;
      const bytes = raw.bytes(f.file, f.fileFrame);
      if (bytes === null) continue;
      if (writer === null) { linkType = f.linkType; writer = new PcapWriter(sink, { linkType, nanosecond }); }
      if (f.linkType !== linkType) { otherLinkType++; continue; }
      frames++;
      if (f.issues.length > 0 && isDamaged(f) && damaged++ === 0) firstDamaged = f.n;
      writer.writePacket(bytes, f.tsSec, f.tsNsec, f.len);
    }
    // No frame kept: still a valid (empty) capture, as tcpdump writes one.
    writer ??= new PcapWriter(sink, { linkType: source.infos[0]?.interfaces[0]?.linkType ?? 1, nanosecond });
  } finally {
    // Closing the writer closes the sink.
    if (writer !== null) writer.close(); else sink.close();
  }
  return { frames, damaged, firstDamaged, otherLinkType };
}
