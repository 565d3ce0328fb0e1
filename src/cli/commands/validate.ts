/**
 * `lvscope validate FILE… [--rules F]`: only the findings, with an exit status scripts can test:
 * 0 clean, 1 warnings (a damaged capture counts), 2 errors, 3 unusable input (unreadable file, no frames).
 */
import { localizeFindings } from '../../annotate/index.js';
import { renderFindings } from '../../present/findings-text.js';
import { makeStyle } from '../../present/analyze-style.js';
import type { Summary } from '../../model/index.js';
import { UsageError, useColour, type Command, type CommandIO } from '../command.js';
import { captureError, parseAnalyzeArgs, runModel } from './analyze.js';

const HELP = `Usage: lvscope validate FILE… [--rules FILE] [options]

Check an LVS deployment from a capture: ARP behaviour of the real servers and the director,
replies taking the wrong path, unanswered connections, MTU and redirect problems, and, with
--rules, whether the traffic matches the configured virtual services.

Options:
  -r, --read FILE      capture to read (repeatable; merged by timestamp)
      --rules FILE     the deployment's ipvsadm -S -n rules or an ipvsadm -Ln listing
      --vip IP[:PORT]  the VIP, when the capture cannot show it (repeatable)
      --name IP=NAME   name a host in messages (repeatable)
      --format F       text (default) | json (the findings array)
      --lang L         en (default) | zh: the language of the messages, in text and JSON alike
  -c, --count N        look only at the first N frames
  -q, --quiet          no output, only the exit status
  -h, --help           this help

Exit status: 0 no findings (or only info), 1 warnings (or a damaged capture, checked as far as it
goes), 2 errors, 3 unusable input.

JSON findings carry code, severity, message (in the --lang language), frames, and params: the
values the message is made from, the same in every language, for scripts.

Examples:
  lvscope validate firewall.pcap
  lvscope validate -r director.pcap --rules /etc/sysconfig/ipvsadm && echo clean`;

export const validateCommand: Command = {
  name: 'validate',
  summary: 'check an LVS deployment from a capture (and its rules); exit status says how it went',
  help: HELP,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    const a = parseAnalyzeArgs(args);
    if (a.format === 'ndjson') throw new UsageError('validate prints text or json');
    let summary: Summary;
    let problems: readonly string[];
    try {
      ({ summary, problems } = runModel(a));
    } catch (e) {
      const msg = captureError(e);
      if (msg === null) throw e;
      if (!a.quiet) io.stderr.write(`lvscope validate: ${msg}\n`);
      return 3;
    }
    for (const e of a.rulesErrors) if (!a.quiet) io.stderr.write(`lvscope: ${e}\n`);
    if (summary.report.capture.frames === 0) {
      if (!a.quiet) io.stderr.write(`lvscope validate: no frames in ${a.files.join(', ')}\n`);
      return 3;
    }
    // A damaged capture is checked as far as it goes, and the user told where it stopped.
    if (!a.quiet) for (const p of problems) io.stderr.write(`lvscope: ${p}\n`);
    const findings = summary.report.findings;
    if (!a.quiet) {
      if (a.format === 'json') io.stdout.write(`${JSON.stringify({ findings: localizeFindings(findings, a.lang) }, null, 2)}\n`);
      else io.stdout.write(renderFindings(findings, makeStyle(useColour(io.stdout, io.env)), a.lang));
    }
    if (findings.some((f) => f.severity === 'error')) return 2;
    if (findings.some((f) => f.severity === 'warning') || problems.length > 0) return 1;
    return 0;
  },
};
