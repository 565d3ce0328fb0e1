/**
 * node:util parseArgs for commands: a bad flag becomes a UsageError (exit 2 with the command's
 * usage hint) instead of a stack trace.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './command.js';

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

/** A whole number option: undefined stays undefined, anything else must be an integer ≥ min. */
export function wholeNumber(option: string, text: string | undefined, min = 0): number | undefined {
  if (text === undefined) return undefined;
  const v = Number(text);
  if (!Number.isInteger(v) || v < min) throw new UsageError(`${option} needs a whole number (${min} or more), not ${JSON.stringify(text)}`);
  return v;
}
