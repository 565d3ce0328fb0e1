/**
 * Merged captures from hosts whose clocks differ: measured once per set of files (both passes
 * and every command that reads them ask), corrected before merging, and said on stderr.
 */
import { CLOCK_OFFSET_NOTICE, measureClockOffsets, type ClockOffset } from '../decode/index.js';

export interface ClockCheck {
  /** Seconds to take off each file's timestamps (0 where the clocks agree). */
  readonly shift: readonly number[];
  /** The offsets big enough to correct. */
  readonly offsets: readonly ClockOffset[];
}

const NONE: ClockCheck = { shift: [], offsets: [] };
let last: { key: string; check: ClockCheck } | null = null;

export function clockCheck(paths: readonly string[]): ClockCheck {
  if (paths.length < 2) return NONE;
  const key = paths.join('\0');
  if (last?.key === key) return last.check;
  const offsets = measureClockOffsets(paths).filter((o) => Math.abs(o.seconds) >= CLOCK_OFFSET_NOTICE);
  const shift = paths.map((_, i) => offsets.find((o) => o.file === i)?.seconds ?? 0);
  const check = offsets.length === 0 ? NONE : { shift, offsets };
  last = { key, check };
  return check;
}

/** One line per corrected file, naming the files as the user gave them. */
export function clockNotices(check: ClockCheck, names: readonly string[]): string[] {
  return check.offsets.map((o) => {
    const s = Math.abs(o.seconds).toFixed(6);
    const ahead = o.seconds > 0 ? 'ahead of' : 'behind';
    return `the clock of ${names[o.file]} is ${s} s ${ahead} ${names[0]}'s (the median of ${o.pairs} packet${o.pairs === 1 ? '' : 's'} seen in both); its times are moved by ${o.seconds > 0 ? '−' : '+'}${s} s to merge them`;
  });
}
