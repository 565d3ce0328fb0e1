/**
 * The bytes of frames already decoded, by (file, fileFrame): a second cursor per file, stepped in
 * lockstep with a pass over openFrames, for output that needs the frame itself (hex, export).
 */
import { CaptureReader, type CaptureInterface } from '../capture/index.js';

export interface RawFrames {
  /** The frame's bytes (valid until the next call), or null when the file has no such frame. */
  bytes(file: number, fileFrame: number): Uint8Array | null;
  /** The interfaces the file has declared so far (pcapng grows them as it reads). */
  interfaces(file: number): readonly CaptureInterface[];
  /** The file's pcapng opt_comment of the frame last returned by bytes(), or null. */
  comment(file: number): string | null;
  close(): void;
}

/** Throws CaptureFormatError when a file cannot be opened. Frames must be asked for in file order. */
export function openRawFrames(files: readonly string[]): RawFrames {
  const readers = files.map((p) => CaptureReader.open(p));
  return {
    bytes(file, fileFrame) {
      const r = readers[file];
      if (r === undefined) return null;
      while (r.n < fileFrame) if (!r.next()) return null;
      return r.n === fileFrame ? r.buf.subarray(r.offset, r.offset + r.caplen) : null;
    },
    interfaces: (file) => readers[file]?.info.interfaces ?? [],
    comment: (file) => readers[file]?.comment ?? null,
    close() { for (const r of readers) r.close(); },
  };
}
