/**
 * `lvscope tui FILE…`: the explain TUI. React and ink are imported here lazily (registry.ts loads
 * this module only for `tui`), so other commands never pay for them.
 */
import { UsageError, useColour } from '../command.js';
import { withInputs } from '../inputs.js';
import { defineCommand } from '../args.js';

const HELP = `Usage: lvscope tui FILE [FILE…] [options]

Browse a capture frame by frame, explained: the frame list with who sent what to whom by role
(client, gateway, director, WEB1…), the selected frame's explanation, a ladder diagram with the
director's rewrite on its hop, the decoded layers and hex, and the cluster as ipvsadm would
show it at that frame (services, connection table, findings).

Options:
      --lang L         en (default) | zh: language of the explanations (l switches)
      --name IP=NAME   name a host (repeatable), e.g. --name 192.168.23.80=WEB1
  -h, --help           this help

Keys: ↑↓ PgUp PgDn Home End move; Tab switches pane; / filters (host, role, #connection,
finding code, or tshark's ip.addr==X, tcp.port==80, arp, and/or/not); f follows the selected connection, n/p step through it; x hex; l English/中文;
? help; q quits.

Files are merged by timestamp. Standard input cannot be browsed (frames are re-read on demand).
Colour only on a terminal, never with NO_COLOR set.

Examples:
  lvscope tui captures/seed-dr-kernel.pcap
  lvscope tui director-eth0.pcapng director-eth1.pcapng --lang zh`;

/** The flags the help above describes. */
const OPTIONS = {
  lang: { type: 'string', default: 'en' },
  name: { type: 'string', multiple: true },
} as const;

// The terminal's second screen, as less and vim use: the shell's scrollback is left as it was.
const ENTER_ALTERNATE_SCREEN = '\u001b[?1049h\u001b[H';
const LEAVE_ALTERNATE_SCREEN = '\u001b[?1049l';

function parseNames(values: readonly string[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const v of values) {
    const eq = v.indexOf('=');
    if (eq <= 0 || eq === v.length - 1) throw new UsageError(`--name needs IP=NAME, not '${v}'`);
    names.set(v.slice(0, eq), v.slice(eq + 1));
  }
  return names;
}

export const tuiCommand = defineCommand(HELP, OPTIONS, async (parsed, io) => {
  const files = parsed.positionals;
  if (files.length === 0) throw new UsageError('no capture given: lvscope tui FILE');
  if (files.includes('-')) throw new UsageError('the TUI reads your keys from standard input, so it cannot read a capture there too; write it to a file first (tcpdump -w F, then lvscope tui F)');
  const lang = parsed.values.lang;
  if (lang !== 'en' && lang !== 'zh') throw new UsageError(`--lang must be en or zh, not ${lang}`);
  const names = parseNames(parsed.values.name ?? []);
  const stdin = io.stdin as NodeJS.ReadStream;
  if (stdin.isTTY !== true) throw new UsageError('the TUI needs a terminal on standard input; use `lvscope decode` or `lvscope analyze` in pipes');

  const [{ createElement }, { render }, { App }, { CaptureSession }, { modelPort }] = await Promise.all([
    import('react'), import('ink'), import('../../tui/App.js'), import('../../tui/data/session.js'), import('../../tui/data/model-binding.js'),
  ]);
  // A gzip-compressed capture is decompressed to a temporary file first (the TUI re-reads frames on demand).
  return withInputs(files, { seekable: true }, async (inputs) => {
    io.stdout.write(ENTER_ALTERNATE_SCREEN);
    const session = CaptureSession.open(inputs.paths, { port: modelPort(names.size > 0 ? { names } : {}) });
    try {
      const app = render(createElement(App, { session, colour: useColour(io.stdout, io.env), initial: { lang } }), {
        stdout: io.stdout as NodeJS.WriteStream,
        stdin,
        stderr: io.stderr as NodeJS.WriteStream,
        exitOnCtrlC: true,
        patchConsole: false,
      });
      void session.start();
      await app.waitUntilExit();
    } finally {
      session.close();
      io.stdout.write(LEAVE_ALTERNATE_SCREEN);
    }
    return 0;
  });
});
