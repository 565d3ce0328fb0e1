/**
 * node:util parseArgs for commands: a bad flag becomes a UsageError (exit 2 with the command's
 * usage hint) instead of a stack trace.
 */
import { existsSync } from 'node:fs';
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { compileCaptureFilter, FilterSyntaxError, pointAt, type FramePredicate } from '../decode/capture-filter.js';
import { UsageError, type Command, type CommandIO } from './command.js';

export function parseCommandArgs<T extends NonNullable<ParseArgsConfig['options']>>(args: readonly string[], options: T, positionals = true) {
  try {
    const parsed = parseArgs({ args: [...args], allowPositionals: true, strict: true, options });
    if (!positionals && parsed.positionals.length > 0) throw new Error(`unexpected argument '${parsed.positionals[0]}'`);
    return { values: parsed.values, positionals: parsed.positionals as string[] };
  } catch (e) {
    // node's hint about '--' is noise for a mistyped flag.
    throw new UsageError((e as Error).message.replace(/\. To specify a positional argument.*$/s, ''));
  }
}

/**
 * A command whose flags are parsed before it runs, a bad one a UsageError: `run` gets their values
 * and the other words. With `positionals` false a word that is not a flag is an error too.
 */
export function defineCommand<T extends NonNullable<ParseArgsConfig['options']>>(
  help: string, options: T,
  run: (parsed: ReturnType<typeof parseCommandArgs<T>>, io: CommandIO) => Promise<number>,
  positionals = true,
): Command {
  return { help, run: async (args, io) => run(parseCommandArgs(args, options, positionals), io) };
}

/** A whole number option: undefined stays undefined, anything else must be an integer ≥ min. */
export function wholeNumber(option: string, text: string | undefined, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`${option} needs a whole number (${min} or more), not ${JSON.stringify(text)}`);
  return v;
}

/**
 * The captures and the capture filter, tcpdump style: with -r, every other word is the filter
 * expression (`decode -r F tcp port 80`); without, the leading words that name files (or '-')
 * are the captures and the rest is the filter.
 */
export function capturesAndFilter(read: readonly string[] | undefined, positionals: readonly string[]): { files: string[]; filter: string } {
  if (read !== undefined && read.length > 0) return { files: [...read], filter: positionals.join(' ') };
  let i = 0;
  while (i < positionals.length && (positionals[i] === '-' || existsSync(positionals[i]!))) i++;
  // `lvscope analyze missing.pcap`: a single word that is no filter is a missing file, and is reported as one.
  if (i === 0 && positionals.length === 1 && !/\s/.test(positionals[0]!) && !FILTER_START.test(positionals[0]!)) return { files: [positionals[0]!], filter: '' };
  return { files: positionals.slice(0, i), filter: positionals.slice(i).join(' ') };
}

/** Words a capture filter can start with. */
const FILTER_START = /^(not|!|\(|host|net|port|portrange|src|dst|ether|ip6?|arp|rarp|tcp|udp|sctp|icmp6?|igmp|gre|vlan|less|greater|proto|broadcast|multicast|len)\b/;

/** The filter compiled, or null for none; a syntax error is a usage error pointing at the column. */
export function compileFilterArg(expression: string): FramePredicate | null {
  if (expression.trim() === '') return null;
  try {
    return compileCaptureFilter(expression);
  } catch (e) {
    if (e instanceof FilterSyntaxError) throw new UsageError(`capture filter: ${e.message}\n${pointAt(expression, e.column)}`);
    throw e;
  }
}
