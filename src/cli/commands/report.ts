/**
 * `lvscope report FILE… -o OUT.html`: the walkthrough as one self-contained page for class
 * (present/html). Same two passes as analyze: the model learns the cluster over the whole
 * capture, then the page's frames are explained in both languages.
 */
import { basename } from 'node:path';
import { writeFileSync } from 'node:fs';
import { openFrames, openRawFrames, takeFrames, type SourcedFrame } from '../../decode/index.js';
import { buildReportData, renderReportPage } from '../../present/html/index.js';
import { EXIT, showProgress, UsageError, type Command, type CommandIO } from '../command.js';
import { frameProgress } from '../progress.js';
import { ANALYZE_OPTIONS } from './analyze-options.js';
import { captureError, parseAnalyzeArgs, withModelRun } from './analyze.js';

export const DEFAULT_MAX_FRAMES = 5000;

const HELP = `Usage: lvscope report [options] FILE… [FILTER] -o OUT.html

Write a capture's LVS walkthrough as one self-contained HTML page to project in class or hand
out: a ladder diagram with one column per host and the director's rewrite marked on its hop
(dst MAC → WEB1 for DR, dst IP → RIP:port for NAT, +IPIP outer for TUN); step through the frames
with ← → (or j k, Home End) or the buttons; each frame's explanation in large type, its decoded
layers and bytes, the connection table and the cluster as IPVS held them just after it; the
findings with links to their frames; an English/中文 switch; and a print stylesheet that prints
the walkthrough as a handout. Nothing is fetched: the page works offline, from a USB stick.

FILE is a pcap or pcapng capture, gzip-compressed or not, or - for standard input. FILTER is a
capture filter in tcpdump's syntax (lvscope help filter): the page shows only the frames it keeps.

Options:
  -o, --output OUT     the page to write ('-' for standard output); refuses to overwrite OUT
      --force          replace OUT if it exists
      --lang L         en (default) | zh: the language the page opens in (it holds both)
      --max-frames N   frames the page holds (default ${DEFAULT_MAX_FRAMES}); the page says when the
                       capture has more. The cluster and the findings always cover all of it
  -r, --read FILE      capture to read (repeatable; files are merged by timestamp); - for stdin
      --vip IP[:PORT]  the VIP, when the capture cannot show it (repeatable)
      --name IP=NAME   name a host, e.g. 192.168.23.80=WEB1 (repeatable)
      --rules FILE     the deployment's ipvsadm -S -n rules or ipvsadm -Ln listing, to compare
  -c, --count N        analyze only the first N frames
      --gue-port N     UDP port carrying GUE (IPVS --tun-port; repeatable), as for analyze
  -q, --quiet          no progress and no capture-problem summary on stderr
  -h, --help           this help

Exit status: 0 written, 1 written but the capture had problems, 2 usage error, unreadable
capture or OUT exists.

Examples:
  lvscope report captures/seed-dr-kernel.pcap -o seed-dr.html
  lvscope report director.pcapng -o lesson.html --lang zh --name 192.168.23.80=WEB1`;

const REPORT_OPTIONS = {
  read: ANALYZE_OPTIONS.read, vip: ANALYZE_OPTIONS.vip, name: ANALYZE_OPTIONS.name, rules: ANALYZE_OPTIONS.rules,
  lang: ANALYZE_OPTIONS.lang, count: ANALYZE_OPTIONS.count, quiet: ANALYZE_OPTIONS.quiet, force: ANALYZE_OPTIONS.force,
  output: { type: 'string', short: 'o' },
  'max-frames': { type: 'string' },
} as const;

export const reportCommand: Command = {
  help: HELP,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    const a = parseAnalyzeArgs(args, REPORT_OPTIONS);
    const out = a.values['output'] as string | undefined;
    if (out === undefined) throw new UsageError('no page to write: lvscope report FILE… -o OUT.html');
    const maxText = a.values['max-frames'] as string | undefined;
    const maxFrames = maxText === undefined ? DEFAULT_MAX_FRAMES : Number(maxText);
    if (!Number.isInteger(maxFrames) || maxFrames < 1) throw new UsageError(`--max-frames needs a whole number above 0, not ${maxText}`);
    // Two passes and a lockstep reader for the bytes: standard input and gzip are spooled to a file.
    return withModelRun(a, 'report', (line) => io.stderr.write(`${line}\n`), (run, inputs, problems) => {
      const { summary } = run;
      const shown = Math.min(summary.report.capture.frames, a.limit, maxFrames);
      const progress = frameProgress(io, a.quiet, 'explaining', shown);
      let html: string;
      const source = openFrames(inputs.paths, { filter: a.filter, guePorts: a.guePorts });
      const raw = openRawFrames(inputs.paths);
      try {
        const data = buildReportData(takeFrames(source, a.limit), summary, {
          title: a.files.map((f) => (f === '-' ? 'stdin' : basename(f))).join(' + '), lang: a.lang, maxFrames, vips: a.vips,
          bytes: (f: SourcedFrame) => raw.bytes(f.file, f.fileFrame), onFrame: (n) => progress.tick(n),
        });
        html = renderReportPage(data);
      } catch (e) {
        const msg = captureError(e);
        if (msg === null) throw e;
        io.stderr.write(`lvscope report: ${inputs.describe(msg)}\n`);
        return EXIT.USAGE;
      } finally {
        progress.done();
        source.close();
        raw.close();
      }
      if (out === '-') {
        io.stdout.write(html);
      } else {
        try {
          writeFileSync(out, html, { flag: a.force ? 'w' : 'wx' });
        } catch (e) {
          const err = e as NodeJS.ErrnoException;
          io.stderr.write(err.code === 'EEXIST'
            ? `lvscope report: ${out} exists; refusing to overwrite it (use --force)\n`
            : `lvscope report: cannot write ${out}: ${err.message}\n`);
          return EXIT.USAGE;
        }
        if (showProgress(io, a.quiet)) io.stderr.write(`lvscope: wrote ${out} (${shown.toLocaleString('en')} frames, ${Math.round(Buffer.byteLength(html) / 1024).toLocaleString('en')} KiB)\n`);
      }
      if (!a.quiet) for (const p of problems) io.stderr.write(`lvscope: ${p}\n`);
      return problems.length > 0 ? EXIT.PROBLEMS : EXIT.OK;
    });
  },
};
