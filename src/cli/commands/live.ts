/**
 * `lvscope live -i IFACE`: watch an interface, one decoded line per frame with the LVS model's
 * explanation under it, optionally saving what was captured.
 */
import { plural } from '../../present/words.js';
import { UsageError } from '../command.js';
import { defineCommand } from '../args.js';
import { lineWriterFor } from '../output.js';
import { ReplayError } from '../../replay/errors.js';
import { runLive } from '../../replay/live.js';

const HELP = `Usage: lvscope live -i IFACE [-f BPF] [-w FILE] [-c N] [--format text|ndjson]

Capture frames from a network interface through libpcap, decode each one as it arrives and
print it as one line (tcpdump -n -e style), followed by what it means for the LVS cluster
(client → VIP, director → real server, direct reply, …) as the model learns it.

Timestamps: libpcap (through the 'cap' package) gives none, so lvscope stamps each frame on
arrival with a monotonic clock anchored to the wall clock at start. They include event-loop
delay (typically tens of microseconds); the saved pcapng says so in its section comment. Use
tcpdump -w for kernel timestamps and 'lvscope decode' or 'lvscope analyze' on the file.

Needs root or CAP_NET_RAW (+CAP_NET_ADMIN for promiscuous mode), and the optional 'cap'
package with libpcap (apt-get install -y libpcap-dev && npm install cap).

Options:
  -i, --interface IFACE   interface to capture on (required)
  -f, --filter BPF        capture filter, e.g. 'tcp port 80 or arp' (tcpdump syntax)
  -w, --write FILE        also save the frames: pcapng, or classic pcap if FILE ends in .pcap
                          (nanosecond timestamps); refuses to replace a file without --force
      --force             replace FILE if it exists
  -c, --count N           stop after N frames
      --format F          text (default) | ndjson (one JSON object per frame, no explanation)
      --no-explain        only the decoded line
      --vip IP[:PORT]     a VIP to assume from the first frame (repeatable)
  -h, --help              this help

Stop with Ctrl-C (or -c). Exit status: 0 captured; 2 usage error or the interface could
not be used (missing, down, permission, no libpcap, bad filter).

Examples:
  ip netns exec lab lvscope live -i veth1
  lvscope live -i eth0 -f 'host 192.168.23.100' -w vip.pcapng -c 1000`;

/** The flags the help above describes. */
const OPTIONS = {
  interface: { type: 'string', short: 'i' },
  filter: { type: 'string', short: 'f' },
  write: { type: 'string', short: 'w' },
  force: { type: 'boolean' },
  count: { type: 'string', short: 'c' },
  format: { type: 'string', default: 'text' },
  'no-explain': { type: 'boolean' },
  vip: { type: 'string', multiple: true },
} as const;

function parseVip(text: string): { ip: string; port: number | null } {
  const m = /^(\d{1,3}(?:\.\d{1,3}){3})(?::(\d{1,5}))?$/.exec(text);
  if (m === null) throw new UsageError(`--vip needs IP or IP:PORT, not ${JSON.stringify(text)}`);
  return { ip: m[1]!, port: m[2] !== undefined ? Number(m[2]) : null };
}

export const liveCommand = defineCommand(HELP, OPTIONS, async (parsed, io) => {
  const v = parsed.values;
  if (v.interface === undefined) throw new UsageError('no interface given: use -i IFACE');
  if (v.format !== 'text' && v.format !== 'ndjson') throw new UsageError(`--format must be text or ndjson, not ${v.format}`);
  const count = v.count === undefined ? 0 : Number(v.count);
  if (!Number.isInteger(count) || count < 0) throw new UsageError(`-c needs a whole number, not ${v.count}`);
  // tcpdump takes the filter as trailing words too.
  const filter = [v.filter ?? '', ...parsed.positionals].filter((s) => s !== '').join(' ');
  const out = lineWriterFor(io.stdout);
  try {
    const result = await runLive(
      {
        iface: v.interface,
        filter,
        write: v.write ?? null,
        count,
        format: v.format,
        explain: v['no-explain'] !== true && v.format === 'text',
        overwrite: v.force === true,
        vips: (v.vip ?? []).map(parseVip),
      },
      { line: (t) => out.line(t), flush: () => out.flush(), stderr: io.stderr },
    );
    io.stderr.write(
      `${plural(result.frames, 'frame')} captured${result.truncated > 0 ? `, ${result.truncated} cut at 65535 bytes` : ''}` +
        `${v.write !== undefined ? `, saved to ${v.write}${/\.pcap$/i.test(v.write) ? ' (timestamps taken on arrival in Node.js, not by the kernel)' : ''}` : ''}\n`,
    );
    return 0;
  } catch (e) {
    if (e instanceof ReplayError) {
      io.stderr.write(`lvscope live: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
});
