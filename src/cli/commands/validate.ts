/**
 * `lvscope validate FILE… [--rules F]`: only the findings, with an exit status scripts can test:
 * 0 clean, 1 warnings (a damaged capture counts), 3 errors; 2 is a usage error or unusable input
 * (unreadable file, no frames), as for every command.
 */
import { localizeFindings } from '../../annotate/index.js';
import { renderFindings } from '../../present/findings-text.js';
import { makeStyle } from '../../present/analyze-style.js';
import { EXIT, UsageError, useColour, type Command, type CommandIO } from '../command.js';
import { parseAnalyzeArgs, withModelRun } from './analyze.js';

const HELP = `Usage: lvscope validate [options] FILE… [FILTER]

Check an LVS deployment from a capture: ARP behaviour of the real servers and the director,
replies taking the wrong path, unanswered connections, MTU and redirect problems, and, with
--rules, whether the traffic matches the configured virtual services.

FILE is a pcap or pcapng capture (gzip-compressed or not), or - for standard input; FILTER a
capture filter in tcpdump's syntax (lvscope help filter).

Options:
  -r, --read FILE      capture to read (repeatable; merged by timestamp); - for stdin
      --rules FILE     the deployment's ipvsadm -S -n rules or an ipvsadm -Ln listing
      --vip IP[:PORT]  the VIP, when the capture cannot show it (repeatable)
      --name IP=NAME   name a host in messages (repeatable)
      --format F       text (default) | json: {"findings": [...]}, one object per finding
      --lang L         en (default) | zh: the language of the messages, in text and JSON alike
  -c, --count N        look only at the first N frames
      --gue-port N     UDP port carrying GUE (IPVS --tun-port; repeatable): read as GUE even when
                       damaged (elsewhere GUE is recognised by a well-formed inner packet)
  -q, --quiet          no output, only the exit status
  -h, --help           this help

Exit status: 0 no findings (or only info); 1 warnings, or a damaged capture (checked as far as it
goes, one line on stderr); 3 errors; 2 usage error or unusable input (unreadable, no frames).

JSON findings carry code, severity, message (in the --lang language), frames, and params: the
values the message is made from, the same in every language, for scripts.

Examples:
  lvscope validate firewall.pcap
  lvscope validate -r director.pcap --rules /etc/sysconfig/ipvsadm && echo clean`;

export const validateCommand: Command = {
  help: HELP,
  async run(args: readonly string[], io: CommandIO): Promise<number> {
    const a = parseAnalyzeArgs(args);
    if (a.format === 'ndjson') throw new UsageError('validate prints text or json');
    if (a.write !== null) throw new UsageError('validate writes no capture: use lvscope analyze FILE -w OUT.pcapng');
    const say = (line: string): void => { if (!a.quiet) io.stderr.write(`${line}\n`); };
    return withModelRun(a, 'validate', say, (run, _inputs, problems) => {
      const { summary } = run;
      if (summary.report.capture.frames === 0) {
        say(`lvscope validate: no frames in ${a.files.join(', ')}${a.filter !== null ? ' (none kept by the filter)' : ''}`);
        return EXIT.USAGE;
      }
      // A damaged capture is checked as far as it goes, and the user told where it stopped.
      for (const p of problems) say(`lvscope: ${p}`);
      const findings = summary.report.findings;
      if (!a.quiet) {
        if (a.format === 'json') io.stdout.write(`${JSON.stringify({ findings: localizeFindings(findings, a.lang) }, null, 2)}\n`);
        else io.stdout.write(renderFindings(findings, makeStyle(useColour(io.stdout, io.env)), a.lang));
      }
      if (findings.some((f) => f.severity === 'error')) return EXIT.ERRORS;
      if (findings.some((f) => f.severity === 'warning') || problems.length > 0) return EXIT.PROBLEMS;
      return EXIT.OK;
    });
  },
};
