/**
 * Output written as bytes into a buffer the writer hands out, for the one part of a report with
 * hundreds of thousands of rows (`analyze --format json`'s connections): a row's text is copied
 * there piece by piece, ASCII and digits byte by byte, instead of built as a string, joined with
 * the others and encoded again on the way to write(2) (each of which touches fresh memory, and
 * memory touched for the first time is what such a report's writing costs most).
 */
export interface ByteSink {
  /** Where the next byte goes: `bytes[at]`. */
  at: number;
  /** The buffer being filled; a `room` call may swap it, so it is read again after one. */
  readonly bytes: Buffer;
  /** At least `n` bytes free from `at` (what is written so far may be flushed first). */
  room(n: number): void;
  /** The reader went away (EPIPE): whatever is written from here on is dropped. */
  readonly broken: boolean;
}

/** Longest text a finite JS number can have (`String(-1.2345678901234567e-300)`), and then some. */
export const NUMBER_ROOM = 32;

/** `text`'s bytes as `bytes.write` puts them: one array per distinct piece of a row, copied into the sink. */
export function bytesOf(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** Copies `piece` to `bytes` at `at`; returns the offset after it. Short pieces byte by byte (a call to the copy costs more). */
export function putBytes(bytes: Uint8Array, at: number, piece: Uint8Array): number {
  const n = piece.length;
  if (n > 24) { bytes.set(piece, at); return at + n; }
  for (let i = 0; i < n; i++) bytes[at + i] = piece[i]!;
  return at + n;
}

/**
 * `String(n)` for a number (finite or not, as JSON writes it: `null` otherwise), its digits
 * written straight from the number when it is a non-negative 32-bit integer (frame numbers, ports).
 */
export function putNumber(bytes: Buffer, at: number, n: number): number {
  if (n >= 0 && n <= 0x7fffffff && (n | 0) === n) {
    // -0 passes too, and is written "0" as String(-0) writes it.
    let v = n | 0;
    let digits = 1;
    for (let x = v; x >= 10; x = (x / 10) | 0) digits++;
    let i = at + digits;
    do { bytes[--i] = 0x30 + (v % 10); v = (v / 10) | 0; } while (v > 0);
    return at + digits;
  }
  return at + bytes.write(Number.isFinite(n) ? String(n) : 'null', at, 'latin1');
}
