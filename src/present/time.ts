/** Timestamp text. Times are UTC so output does not depend on the machine's zone (goldens, CI). */

import { formatEpochNs } from '../capture/timestamps.js';

export { formatEpochNs };

const NS_PAD = '000000000';

// Consecutive frames mostly share their second: its "HH:MM:SS." is built once.
let lastSec = Number.NaN;
let lastPrefix = '';

/** "08:33:03.961526" (µs) or "08:33:03.961526123" (ns), UTC time of day, like tcpdump's default. */
export function formatTimeOfDay(sec: number, nsec: number, nanosecond: boolean): string {
  if (sec !== lastSec) {
    const day = ((sec % 86400) + 86400) % 86400;
    const h = Math.floor(day / 3600), m = Math.floor((day % 3600) / 60), s = day % 60;
    lastSec = sec;
    lastPrefix = `${two(h)}:${two(m)}:${two(s)}.`;
  }
  if (nanosecond) {
    const f = String(nsec);
    return lastPrefix + NS_PAD.slice(f.length) + f;
  }
  const f = String(Math.floor(nsec / 1000));
  return lastPrefix + NS_PAD.slice(f.length + 3) + f;
}

/** Seconds (with fraction) between two timestamps, for relative time columns. */
export function secondsBetween(aSec: number, aNsec: number, bSec: number, bNsec: number): number {
  return (bSec - aSec) + (bNsec - aNsec) / 1e9;
}

function two(n: number): string {
  return n < 10 ? `0${n}` : String(n);
}
