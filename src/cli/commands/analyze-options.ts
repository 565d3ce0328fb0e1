/**
 * The flags analyze and validate share, and the one thing done with them before the commands'
 * modules load: starting the capture-reading worker of the model pass (pipeline/packet-feed-start),
 * so that it boots while this thread loads the model and the presentation code.
 */
import { parseArgs } from 'node:util';
import { capturesAndFilter } from '../args.js';
import { startEarly, threadsFromEnv } from '../../pipeline/packet-feed-start.js';

export const ANALYZE_OPTIONS = {
  read: { type: 'string', short: 'r', multiple: true },
  vip: { type: 'string', multiple: true },
  name: { type: 'string', multiple: true },
  rules: { type: 'string' },
  format: { type: 'string', default: 'text' },
  lang: { type: 'string', default: 'en' },
  count: { type: 'string', short: 'c' },
  quiet: { type: 'boolean', short: 'q' },
  write: { type: 'string', short: 'w' },
  force: { type: 'boolean' },
  'gue-port': { type: 'string', multiple: true },
} as const;

/** --gue-port N… (and decode's --sync-port): UDP ports, each 1-65535. */
export function udpPorts(list: readonly string[] | undefined, name: string, fail: (message: string) => Error): number[] {
  return (list ?? []).map((x) => {
    const n = Number(x);
    if (!/^\d+$/.test(x) || n < 1 || n > 65535) throw fail(`--${name} needs a UDP port (1-65535), not ${x}`);
    return n;
  });
}

/** -c N as a frame limit (Infinity without it); null when N is not a whole number. */
export function frameLimit(count: string | undefined): number | null {
  const limit = count === undefined ? Infinity : Number(count);
  return limit >= 0 && (Number.isInteger(limit) || limit === Infinity) ? limit : null;
}

/** Files and frame limit as parseAnalyzeArgs reads them; null when it would refuse the arguments. */
export function filesAndLimit(args: readonly string[]): { files: string[]; limit: number } | null {
  try {
    const parsed = parseArgs({ args: [...args], allowPositionals: true, options: ANALYZE_OPTIONS });
    const { files, filter } = capturesAndFilter(parsed.values.read, parsed.positionals);
    // A filtered pass, or one with GUE ports, runs on this thread (pipeline/packet-feed.ts): no worker to start.
    if (filter !== '' || (parsed.values['gue-port'] ?? []).length > 0) return null;
    const limit = frameLimit(parsed.values.count);
    return limit === null ? null : { files, limit };
  } catch {
    return null;
  }
}

/** Starts the model pass's reading worker for these arguments, when the pass will want one. */
export function startEarlyPass(args: readonly string[], env: NodeJS.ProcessEnv): void {
  const a = filesAndLimit(args);
  // Standard input and compressed files are spooled first (capture/input.ts): the worker would read the wrong bytes.
  if (a === null || a.files.some((f) => f === '-' || /\.(gz|zst|lz4|bz2|xz)$/i.test(f))) return;
  startEarly(a.files, a.limit, threadsFromEnv(env));
}
