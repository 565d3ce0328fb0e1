/**
 * `lvscope analyze FILE…`: the LVS walkthrough of a capture (every frame explained), the cluster
 * summary, the reconstructed ipvsadm views and the findings; or one JSON report, or ndjson per frame.
 *
 * Two passes over the files: the first learns the cluster (that alone is the JSON report), the
 * second explains each frame with everything the capture reveals, streaming.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { parseArgs } from 'node:util';
import { CaptureFormatError, systemErrorWords } from '../../capture/index.js';
import { explainFrames, localizeReport, type ExplainedFrame, type Lang } from '../../annotate/index.js';
import { parseList, parseRules, type ServiceSpec } from '../../ipvs/ipvsadm/index.js';
import { reportWith, type Summary } from '../../model/index.js';
import { analyzeFiles, readFrames, threadsFromEnv } from '../../pipeline/index.js';
import { EXIT, UsageError, useColour, type Command, type CommandIO } from '../command.js';
import { capturesAndFilter, compileFilterArg } from '../args.js';
import { damageSummary, withInputs } from '../inputs.js';
import type { CaptureInputs } from '../../capture/index.js';
import type { FramePredicate } from '../../decode/index.js';
import { jsonLines, writeJsonParts } from '../json-lines.js';
import { connectionRowsWriter, ndjsonLine, publishReport } from '../../present/report-json.js';
import { ANALYZE_OPTIONS, frameLimit, udpPorts } from './analyze-options.js';
import { lineWriterFor, type LineWriter } from '../output.js';
import { clockCheck, clockNotices } from '../clock-check.js';

const HELP = `Usage: lvscope analyze [options] FILE… [FILTER]

Explain an LVS (IPVS) capture frame by frame: who sends what to whom and why. Works out the
hosts and their roles, the forwarding method (DR, NAT, TUN, FULLNAT) with its evidence, the
connections as IPVS tracks them, the scheduler, persistence, and prints the cluster as
ipvsadm -Ln / -Lnc / --stats would show it, then the findings.

FILE is a pcap or pcapng capture, gzip-compressed or not, or - for standard input. FILTER is
a capture filter in tcpdump's syntax (lvscope help filter): only the frames it keeps are
analyzed, and they keep their frame numbers in the capture.

Options:
  -r, --read FILE      capture to read (repeatable; files are merged by timestamp); - for stdin
      --vip IP[:PORT]  the VIP, when the capture cannot show it (repeatable)
      --name IP=NAME   name a host in explanations, e.g. 192.168.23.80=WEB1 (repeatable)
      --rules FILE     the deployment's ipvsadm -S -n rules or an ipvsadm -Ln listing, to compare
      --format F       text (default) | json (one ClusterReport document) | ndjson (one object per frame)
      --lang L         en (default) | zh: the language of every sentence, in text and JSON alike
  -c, --count N        analyze only the first N frames
  -w, --write OUT      also write the capture as pcapng: the same frames and timestamps, each frame's
                       explanation as its packet comment, the cluster, ipvsadm views and findings
                       in the section comment (open it in Wireshark); refuses to overwrite OUT
      --force          replace OUT if it exists
      --gue-port N     UDP port carrying GUE (IPVS --tun-port; repeatable): decoded as GUE even
                       when damaged (elsewhere GUE is recognised by a well-formed inner packet)
  -q, --quiet          no capture-problem summary on stderr
  -h, --help           this help

Exit status: 0 analyzed; 1 analyzed, but the capture had problems (damaged frames or file: one
line each on stderr); 2 usage error or unreadable input.

Captures of 8 MB and more are read and decoded on a second thread while the model runs (same
report); LVSCOPE_THREADS=1 keeps everything on one thread.

In JSON, the sentences (findings[].message, services[].methodEvidence) follow --lang; scripts
should key on what does not: findings[].code, severity, frames, and params (the values each
message is made from, e.g. {"vip", "rip", "mac", "name"} for rs-answers-arp-for-vip).

Examples:
  lvscope analyze captures/seed-dr-kernel.pcap
  lvscope analyze -r director-eth0.pcap -r director-eth1.pcap --lang zh
  lvscope analyze firewall.pcap --format json | jq .services
  lvscope analyze captures/seed-dr-kernel.pcap -w seed-explained.pcapng --lang zh
  lvscope analyze -r director.pcap.gz 'host 192.168.23.100 and tcp port 80'
  tcpdump -i eth0 -c 200 -w - | lvscope analyze -`;

export interface AnalyzeArgs {
  readonly files: readonly string[];
  readonly vips: { ip: string; port: number | null }[];
  readonly names: Map<string, string>;
  readonly rules: ServiceSpec[] | null;
  readonly rulesText: string | null;
  readonly rulesErrors: readonly string[];
  readonly format: 'text' | 'json' | 'ndjson';
  readonly lang: Lang;
  readonly limit: number;
  readonly quiet: boolean;
  /** The capture filter after the options (tcpdump syntax), compiled; null for none. */
  readonly filter: FramePredicate | null;
  /** -w: the explained pcapng to write, and whether it may replace a file. */
  readonly write: string | null;
  readonly force: boolean;
  /** --gue-port: UDP ports decoded as GUE even where the payload alone would not say so. */
  readonly guePorts: readonly number[];
}

type OptionSpec = { readonly type: 'string' | 'boolean'; readonly short?: string; readonly multiple?: boolean; readonly default?: string };

/**
 * Flags shared by analyze, validate and report. A command with options of its own passes its
 * whole option table (analyze's flags it keeps, plus its own) and reads its own from `values`.
 */
export function parseAnalyzeArgs(args: readonly string[], options: Readonly<Record<string, OptionSpec>> = ANALYZE_OPTIONS): AnalyzeArgs & { readonly values: Readonly<Record<string, unknown>> } {
  let parsed;
  try {
    parsed = parseArgs({ args: [...args], allowPositionals: true, options: options as typeof ANALYZE_OPTIONS });
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  const v = parsed.values;
  const { files, filter: expression } = capturesAndFilter(v.read, parsed.positionals);
  if (files.length === 0) throw new UsageError(`no capture given: lvscope analyze FILE… [FILTER] (or -r FILE)${expression !== '' ? `; '${parsed.positionals[0]}' is not a file` : ''}`);
  const filter = compileFilterArg(expression);
  const format = v.format ?? 'text';
  if (format !== 'text' && format !== 'json' && format !== 'ndjson') throw new UsageError(`--format must be text, json or ndjson, not ${format}`);
  const lang = v.lang ?? 'en';
  if (lang !== 'en' && lang !== 'zh') throw new UsageError(`--lang must be en or zh, not ${lang}`);
  const limit = frameLimit(v.count);
  if (limit === null) throw new UsageError(`-c needs a whole number, not ${v.count}`);
  const vips = (v.vip ?? []).map(parseVip);
  const names = new Map<string, string>();
  for (const n of v.name ?? []) {
    const i = n.indexOf('=');
    if (i <= 0 || i === n.length - 1) throw new UsageError(`--name needs IP=NAME, not ${n}`);
    names.set(n.slice(0, i), n.slice(i + 1));
  }
  let rules: ServiceSpec[] | null = null;
  let rulesText: string | null = null;
  const rulesErrors: string[] = [];
  if (v.rules !== undefined) {
    let text: string;
    try {
      text = readFileSync(v.rules, 'utf8');
    } catch (e) {
      throw new UsageError(`cannot read --rules ${v.rules}: ${systemErrorWords(e)}`);
    }
    rulesText = text;
    const listing = /IP Virtual Server|^\s*->/m.test(text);
    const parsedRules = listing ? parseList(text) : parseRules(text);
    rules = parsedRules.services;
    for (const e of parsedRules.errors) rulesErrors.push(`${v.rules}:${e.line}: ${e.message}`);
    if (rules.length === 0 && parsedRules.errors.length === 0) {
      // Nothing read as a rule: say which line is not one, rather than compare against no rules at all.
      const lines = text.split(/\r?\n/);
      const bad = lines.findIndex((l) => l.trim() !== '' && !l.trim().startsWith('#'));
      throw new UsageError(bad < 0
        ? `--rules ${v.rules}: no rules in it (expected ipvsadm -S -n output, like -A -t 192.168.23.100:80 -s rr, or an ipvsadm -Ln listing)`
        : `--rules ${v.rules}:${bad + 1}: not an ipvsadm rule: ${JSON.stringify(lines[bad]!.trim().slice(0, 60))} (expected ipvsadm -S -n output, like -A -t 192.168.23.100:80 -s rr, or an ipvsadm -Ln listing)`);
    }
  }
  const guePorts = udpPorts(v['gue-port'], 'gue-port', (m) => new UsageError(m));
  return { files, vips, names, rules, rulesText, rulesErrors, format, lang, limit, quiet: v.quiet === true, filter, write: v.write ?? null, force: v.force === true, guePorts, values: v };
}

function parseVip(text: string): { ip: string; port: number | null } {
  // node:net only for --vip: loading it costs every run a few milliseconds.
  const { isIP } = createRequire(import.meta.url)('node:net') as typeof import('node:net');
  // [v6]:port, v4:port, or a bare address; an IPv6 address without brackets has no port.
  const m = /^\[([^\]]+)\](?::(\d+))?$/.exec(text) ?? (isIP(text) === 6 ? [text, text, undefined] : /^([^:]+)(?::(\d+))?$/.exec(text));
  const ip = m?.[1];
  if (m === null || ip === undefined || isIP(ip) === 0) throw new UsageError(`--vip needs an IPv4 or IPv6 address, with :PORT if you like (192.168.23.100:80, [fc00::100]:80), not ${text}`);
  const port = m[2] === undefined ? null : Number(m[2]);
  if (port !== null && (port < 1 || port > 65535)) throw new UsageError(`--vip ${text}: the port must be 1 to 65535`);
  return { ip, port };
}

/**
 * Pass 1 over the files (the model reads neither packet comments nor checksums); big inputs are
 * read on a second thread. LVSCOPE_THREADS=1 keeps it on one. Throws CaptureFormatError when a
 * file cannot be read.
 */
export function runModel(a: AnalyzeArgs, paths: readonly string[] = a.files): ModelRun {
  const clock = clockCheck(paths);
  const run = analyzeFiles(paths, {
    files: a.files, vips: a.vips, names: a.names, rules: a.rules, rulesText: a.rulesText, lang: a.lang, limit: a.limit, threads: threadsFromEnv(process.env),
    filter: a.filter, shift: clock.shift, guePorts: a.guePorts,
  });
  const { problems, damagedFrames, firstDamaged } = run;
  let summary = run.summary;
  if (clock.offsets.length > 0) {
    const clockOffsets = clock.offsets.map((o) => ({ file: a.files[o.file] ?? paths[o.file]!, seconds: Number(o.seconds.toFixed(9)), pairs: o.pairs }));
    summary = { ...summary, report: reportWith(summary.report, { capture: { ...summary.report.capture, clockOffsets } }) };
  }
  return { summary, problems, damagedFrames, firstDamaged, notices: clockNotices(clock, a.files.length === paths.length ? a.files : paths) };
}

/**
 * `runModel`, or, when a capture cannot be read, that said once through `say` as the command's
 * own message; the caller then exits with EXIT.USAGE. Anything else is a bug and is thrown.
 */
/**
 * What analyze, validate and report start with: the rules file's errors said, the captures opened
 * (standard input spooled, as the passes read them twice and big files go to a reading thread),
 * the model run, and `work` given the run, the inputs and the capture problems as the user should
 * read them. A capture the model cannot read is said, with exit status 2.
 */
export function withModelRun(
  a: AnalyzeArgs, command: string, say: (line: string) => void,
  work: (run: ModelRun, inputs: CaptureInputs, problems: readonly string[]) => number | Promise<number>,
): Promise<number> {
  for (const e of a.rulesErrors) say(`lvscope: ${e}`);
  return withInputs(a.files, { seekable: true }, (inputs) => {
    let run: ModelRun;
    try {
      run = runModel(a, inputs.paths);
    } catch (e) {
      const msg = captureError(e);
      if (msg === null) throw e;
      say(`lvscope ${command}: ${inputs.describe(msg)}`);
      return EXIT.USAGE;
    }
    return work(run, inputs, problemLines(run, inputs));
  });
}

export interface ModelRun {
  readonly summary: Summary;
  readonly problems: readonly string[];
  readonly damagedFrames: number;
  readonly firstDamaged: number;
  /** Said on stderr without changing the exit status: merged files' clocks corrected. */
  readonly notices: readonly string[];
}

/**
 * The capture problems as the user should read them: the reader's and the gzip stream's, with the
 * names given on the command line, then one line for damaged frames (exit status 1 either way).
 */
function problemLines(run: ModelRun, inputs: CaptureInputs): string[] {
  const lines = [...inputs.problems, ...run.problems.map((p) => inputs.describe(p))];
  const damage = damageSummary(run.damagedFrames, run.firstDamaged);
  if (damage !== null) lines.push(damage);
  return lines;
}

/** Pass 2: every frame explained, streaming. */
export function* explained(a: AnalyzeArgs, summary: Summary, paths: readonly string[] = a.files): Generator<ExplainedFrame> {
  yield* explainFrames(readFrames(paths, { filter: a.filter, shift: clockCheck(paths).shift, guePorts: a.guePorts, limit: a.limit }), summary, a.lang, { vips: a.vips });
}

/** `--format json`: one document, its connections written from the summary's entries (not its report's rows). */
export function writeJsonReport(summary: Summary, lang: Lang, out: LineWriter): void {
  const doc = publishReport(localizeReport(summary, lang), summary.entries);
  writeJsonParts(jsonLines(doc, {}, { connections: connectionRowsWriter(summary.realServer) }), out);
}

export function captureError(e: unknown): string | null {
  if (e instanceof CaptureFormatError) return e.message;
  const err = e as NodeJS.ErrnoException;
  if (err !== null && typeof err === 'object' && typeof err.code === 'string' && typeof err.message === 'string') {
    return `${typeof err.path === 'string' ? `${err.path}: ` : ''}${systemErrorWords(err)}`;
  }
  return null;
}

export const analyzeCommand: Command = {
  help: HELP,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    const a = parseAnalyzeArgs(args);
    if (a.write !== null && a.write !== '-' && !a.force && existsSync(a.write)) {
      io.stderr.write(`lvscope analyze: ${a.write} exists; refusing to overwrite it (use --force)\n`);
      return EXIT.USAGE;
    }
    return withModelRun(a, 'analyze', (line) => io.stderr.write(`${line}\n`), async (run, inputs, problems) => {
      const { summary } = run;
      if (!a.quiet) for (const n of run.notices) io.stderr.write(`lvscope: ${n}\n`);
      const report = (): void => { if (!a.quiet) for (const p of problems) io.stderr.write(`lvscope: ${p}\n`); };
      if (a.write !== null) {
        // Like tcpdump -w: the file is the output; the walkthrough is in its comments.
        const { writeExplained } = await import('./analyze-write.js');
        const status = writeExplained(a, summary, io, inputs.paths);
        if (status !== EXIT.OK) return status;
        report();
        return problems.length > 0 ? EXIT.PROBLEMS : EXIT.OK;
      }
      const out = lineWriterFor(io.stdout);
      if (a.format === 'json') {
        writeJsonReport(summary, a.lang, out);
      } else if (a.format === 'ndjson') {
        for (const e of explained(a, summary, inputs.paths)) {
          if (out.broken) break;
          out.line(ndjsonLine(e));
        }
      } else {
        const { textReport } = await import('./analyze-text.js');
        const colour = useColour(io.stdout, io.env);
        const width = io.stdout.isTTY === true && typeof io.stdout.columns === 'number' ? Math.max(80, io.stdout.columns) : 140;
        for (const part of textReport(a, summary, colour, width, inputs.paths)) {
          if (out.broken) break;
          // A table chunk is ~100 KB: a regex replace here would cost as much as drawing it.
          out.line(part.endsWith('\n') ? part.slice(0, -1) : part);
        }
      }
      out.flush();
      if (out.broken) return EXIT.OK;
      report();
      return problems.length > 0 ? EXIT.PROBLEMS : EXIT.OK;
    });
  },
};
