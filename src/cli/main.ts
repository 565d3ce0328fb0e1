/**
 * `lvscope <command> …`: dispatch, --help, --version, and the one table that maps error classes
 * to exit status (zx's `Fail` idea). Commands hold no process-global state, so tests call
 * main() in-process with fake streams.
 */
import { existsSync, readFileSync } from 'node:fs';
import { systemErrorWords } from '../capture/errors.js';
import { EXIT, type CommandIO } from './command.js';
import { COMMANDS, findCommand } from './registry.js';

export { EXIT } from './command.js';

export function version(): string {
  const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };
  return pkg.version;
}

export function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => c.name.length));
  return `lvscope — make Linux Virtual Server (LVS/IPVS) traffic understandable

Usage: lvscope <command> [options]

Commands:
${COMMANDS.map((c) => `  ${c.name.padEnd(width)}  ${c.summary}`).join('\n')}

Run 'lvscope <command> --help' for a command's options and examples, 'lvscope help filter'
for the capture filters decode, analyze and validate take after their options.
Options: -h, --help   this help;  -V, --version   print the version

Exit status (every command): 0 success; 1 done, but the input had problems (damaged frames,
validate's warnings); 2 usage error or unusable input; 3 validate found errors. A closed
output pipe (| head) ends quietly with 0.
Colour is used only on a terminal, never when NO_COLOR is set.

'lvscope FILE…' opens the TUI when run on a terminal, and prints the analyze table otherwise.

Examples:
  lvscope analyze captures/seed-dr-kernel.pcap
  lvscope captures/seed-dr-kernel.pcap
  lvscope decode -r captures/seed-dr-kernel.pcap`;
}

export async function main(argv: readonly string[], io: CommandIO = processIO()): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const topic = first === 'help' ? rest[0] : undefined;
    if (topic === 'filter') {
      io.stdout.write(`${(await import('./filter-help.js')).FILTER_HELP}\n`);
      return EXIT.OK;
    }
    const entry = topic === undefined ? undefined : findCommand(topic);
    io.stdout.write(`${entry === undefined ? usage() : (await entry.load()).help}\n`);
    return first === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (first === '-V' || first === '--version') {
    io.stdout.write(`lvscope ${version()}\n`);
    return EXIT.OK;
  }
  let entry = findCommand(first);
  let args: readonly string[] = rest;
  if (entry === undefined && !first.startsWith('-') && existsSync(first)) {
    // `lvscope FILE…`: the TUI for a person at a terminal, the analyze table for a pipe or a script.
    const interactive = io.stdout.isTTY === true && (io.stdin as { isTTY?: boolean }).isTTY === true;
    entry = findCommand(interactive ? 'tui' : 'analyze');
    args = argv;
  }
  if (entry === undefined) {
    io.stderr.write(`lvscope: unknown command '${first}'\n\n${usage()}\n`);
    return EXIT.USAGE;
  }
  if (entry.early !== undefined && !args.includes('-h') && !args.includes('--help')) {
    try {
      await entry.early(args, io.env);
    } catch {
      // Only a head start: the command does the work anyway and reports what goes wrong.
    }
  }
  const command = await entry.load();
  if (args.includes('-h') || args.includes('--help')) {
    io.stdout.write(`${command.help}\n`);
    return EXIT.OK;
  }
  try {
    return await command.run(args, io);
  } catch (e) {
    return reportError(e, entry.name, io);
  }
}

/**
 * The process entry (bin/lvscope): main() on the real streams, then the exit. A command whose
 * output is all written when it returns (CommandEntry.exitsWhenDone) ends the process there: freeing
 * the heap of a big capture's model page by page would take tens of milliseconds more.
 */
export async function runProcess(argv: readonly string[]): Promise<void> {
  const code = await main(argv);
  if (findCommand(argv[0] ?? '')?.exitsWhenDone === true) process.exit(code);
  process.exitCode = code;
}

function reportError(e: unknown, command: string, io: CommandIO): number {
  const err = e as NodeJS.ErrnoException;
  // The reader of our output went away (`| head`): nothing is wrong, as for tcpdump and cat.
  if (err?.name === 'OutputClosedError' || err?.code === 'EPIPE') return EXIT.OK;
  // By name, not instanceof: in the bundle the TUI is an ES module island (scripts/bundle.mjs) with
  // its own copies of these classes.
  if (err instanceof Error && err.name === 'UsageError') {
    io.stderr.write(`lvscope ${command}: ${err.message}\nRun 'lvscope ${command} --help' for usage.\n`);
    return EXIT.USAGE;
  }
  if (err instanceof Error && err.name === 'CaptureFormatError') {
    io.stderr.write(`lvscope ${command}: ${err.message}\n`);
    return EXIT.USAGE;
  }
  if (typeof err?.code === 'string' && typeof err.path === 'string') {
    io.stderr.write(`lvscope ${command}: ${err.path}: ${systemErrorWords(err)}\n`);
    return EXIT.USAGE;
  }
  if (err instanceof Error && err.name.endsWith('Error') && err.name !== 'Error' && err.name !== 'TypeError' && err.name !== 'RangeError') {
    // Stage errors (ReplayError, ScenarioError, LabError, …) carry a message meant for the user.
    io.stderr.write(`lvscope ${command}: ${err.message}\n`);
    return (err as { exitCode?: number }).exitCode ?? EXIT.USAGE;
  }
  io.stderr.write(`lvscope ${command}: internal error: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`);
  return EXIT.USAGE;
}

let pipeGuard = false;

function processIO(): CommandIO {
  if (!pipeGuard) {
    pipeGuard = true;
    // Output written through the stream API meets a closed pipe as an 'error' event: end quietly.
    for (const stream of [process.stdout, process.stderr]) {
      stream.on('error', (e: NodeJS.ErrnoException) => {
        if (e.code === 'EPIPE') process.exit(EXIT.OK);
        throw e;
      });
    }
  }
  return { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: process.env };
}
