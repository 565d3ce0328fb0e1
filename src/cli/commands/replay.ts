/**
 * `lvscope replay -i IFACE -r FILE`: send a capture's frames out of an interface with the
 * original timing (or scaled, or at a fixed rate), with tcpreplay's and tcprewrite's options.
 */
import { showProgress, UsageError } from '../command.js';
import { defineCommand, wholeNumber } from '../args.js';
import { ReplayError } from '../../replay/errors.js';
import type { Pacing } from '../../replay/replayer.js';
import { parseCidrMap, parseMacOption, RewriteOptionError, type RewriteOptions } from '../../replay/rewrite.js';
import { runReplay } from '../../replay/run.js';

const HELP = `Usage: lvscope replay -i IFACE -r FILE [options]

Send the frames of a capture (pcap or pcapng) out of a network interface, as tcpreplay does: with the capture's own timing, scaled, at a fixed rate or as fast as
possible, optionally rewriting MACs and addresses first (tcprewrite's options).

The capture is read through a 2 MB window, refilled ahead of the sends while there is time,
so memory stays flat for any file size and reading rarely disturbs the timing; a capture that
fits in the window is read once and looped from memory. Each frame's due time is measured from
the first send on the monotonic clock; lvscope sleeps until 100–200 µs before it (as far as
this machine's wake-ups need) and spins for the rest, so errors do not add up over a long file.
While pacing, the sending thread runs at real-time priority (SCHED_FIFO) where allowed (root or
CAP_SYS_NICE), so a busy machine delays its sends less; it steps down on schedules so dense that
it would spin most of the time. At real-time priority it also has a process spin at the lowest
priority (SCHED_IDLE) on its CPU, both pinned there, so that CPU never goes idle while it waits
between frames (an idle virtual CPU can wake milliseconds late); the spinner only takes time
nothing else wants. The end of the run prints tcpreplay's statistics and lvscope's timing
figures (how late sends were, median and p99, and the last packet's drift).

Frames leave through a Linux packet socket, reached through the optional 'koffi' package; at
--topspeed up to 64 frames go out in one system call (sendmmsg). Without koffi, or with
LVSCOPE_REPLAY_SENDER=cap in the environment, they go through libpcap with the optional 'cap'
package (apt-get install -y libpcap-dev && npm install cap), one call per frame.

There is no default interface: sending frames is never done by accident. Needs root or
CAP_NET_RAW.

Options:
  -i, --intf1 IFACE         interface to send on (required)
  -r, --read FILE           capture to replay (or give it as the last argument)
  -x, --multiplier X        replay at X times the capture's speed (default 1)
  -p, --pps N               N packets per second, ignoring the capture's timing
  -M, --mbps N              N megabits per second
  -t, --topspeed            as fast as possible
  -l, --loop N              replay the file N times (default 1; 0 = until --limit or Ctrl-C)
  -L, --limit N             stop after N packets
      --enet-smac MAC       set every Ethernet source MAC
      --enet-dmac MAC       set every Ethernet destination MAC (multicast IP keeps a
                            multicast MAC, as tcprewrite does)
  -S, --srcipmap CIDR:CIDR  move IPv4 sources from the first network into the second,
                            keeping host bits (several maps: comma-separated)
  -D, --dstipmap CIDR:CIDR  the same for destinations. Checksums of mapped packets are
                            recomputed. ARP and addresses quoted in ICMP errors are left
                            alone (as tcprewrite does); IPIP inner headers are mapped too.
  -C, --fixcsum             recompute IPv4, TCP, UDP, ICMP checksums of every frame
      --dry-run             do everything except send (no interface is opened)
  -q, --quiet               no progress bar or rewrite summary (statistics still print)
  -h, --help                this help

Ctrl-C stops cleanly and prints the statistics so far (exit status 130). A frame larger than
the interface's MTU is counted as failed and the replay goes on.

Exit status: 0 every frame sent; 1 some frames failed; 2 usage error, unreadable capture, or
the interface could not be used (missing, down, permission, neither koffi nor cap installed).

Examples:
  ip netns exec lab lvscope replay -i veth0 -r captures/seed-dr-kernel.pcap
  lvscope replay -i veth0 -r big.pcap --topspeed --loop 10
  lvscope replay -i veth0 -r dr.pcap -x 2 --enet-dmac 02:00:00:00:00:01 \\
      --srcipmap 172.16.0.0/16:10.1.0.0/16 --dstipmap 192.168.23.0/24:10.2.0.0/24`;

/** The flags the help above describes. */
const OPTIONS = {
  intf1: { type: 'string', short: 'i' },
  read: { type: 'string', short: 'r' },
  multiplier: { type: 'string', short: 'x' },
  pps: { type: 'string', short: 'p' },
  mbps: { type: 'string', short: 'M' },
  topspeed: { type: 'boolean', short: 't' },
  loop: { type: 'string', short: 'l' },
  limit: { type: 'string', short: 'L' },
  'enet-smac': { type: 'string' },
  'enet-dmac': { type: 'string' },
  srcipmap: { type: 'string', short: 'S' },
  dstipmap: { type: 'string', short: 'D' },
  fixcsum: { type: 'boolean', short: 'C' },
  'dry-run': { type: 'boolean' },
  quiet: { type: 'boolean', short: 'q' },
} as const;

function positiveNumber(text: string, option: string): number {
  const v = Number(text);
  if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`${option} needs a number above 0, not ${JSON.stringify(text)}`);
  return v;
}

export const replayCommand = defineCommand(HELP, OPTIONS, async (parsed, io) => {
  const v = parsed.values;
  if (v.intf1 === undefined) throw new UsageError('no interface given: use -i IFACE (there is no default, so frames are never sent by accident)');
  const files = [...(v.read !== undefined ? [v.read] : []), ...parsed.positionals];
  if (files.length === 0) throw new UsageError('no capture given: use -r FILE');
  if (files.length > 1) throw new UsageError(`one capture at a time, got ${files.length}: ${files.join(' ')}`);

  const speeds = [v.multiplier, v.pps, v.mbps, v.topspeed === true ? 't' : undefined].filter((x) => x !== undefined);
  if (speeds.length > 1) throw new UsageError('give only one of --multiplier, --pps, --mbps, --topspeed');
  let pacing: Pacing = { kind: 'multiplier', factor: 1 };
  if (v.multiplier !== undefined) pacing = { kind: 'multiplier', factor: positiveNumber(v.multiplier, '--multiplier') };
  else if (v.pps !== undefined) pacing = { kind: 'pps', pps: positiveNumber(v.pps, '--pps') };
  else if (v.mbps !== undefined) pacing = { kind: 'mbps', mbps: positiveNumber(v.mbps, '--mbps') };
  else if (v.topspeed === true) pacing = { kind: 'topspeed' };

  let rewrite: RewriteOptions;
  try {
    rewrite = {
      enetSmac: v['enet-smac'] !== undefined ? parseMacOption(v['enet-smac'], '--enet-smac') : undefined,
      enetDmac: v['enet-dmac'] !== undefined ? parseMacOption(v['enet-dmac'], '--enet-dmac') : undefined,
      srcIpMap: v.srcipmap !== undefined ? parseCidrMap(v.srcipmap) : undefined,
      dstIpMap: v.dstipmap !== undefined ? parseCidrMap(v.dstipmap) : undefined,
      fixCsum: v.fixcsum === true,
    };
  } catch (e) {
    if (e instanceof RewriteOptionError) throw new UsageError(e.message);
    throw e;
  }
  const quiet = v.quiet === true;
  try {
    const { code } = await runReplay(
      {
        iface: v.intf1,
        file: files[0]!,
        pacing,
        loops: wholeNumber('--loop', v.loop) ?? 1,
        limit: wholeNumber('--limit', v.limit) ?? 0,
        rewrite,
        dryRun: v['dry-run'] === true,
        quiet,
        progress: showProgress(io, quiet),
        sender: io.env.LVSCOPE_REPLAY_SENDER === 'cap' ? 'cap' : 'auto',
      },
      io,
    );
    return code;
  } catch (e) {
    if (e instanceof ReplayError) {
      io.stderr.write(`lvscope replay: ${e.message}\n`);
      return e.exitCode;
    }
    throw e;
  }
});
