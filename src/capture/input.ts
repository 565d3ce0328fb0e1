/**
 * What the commands are given to read, made into what the readers can read: a capture file as it
 * is; standard input ('-') streamed as it comes, or spooled to a temporary file when the command
 * reads its input twice; a gzip-compressed capture (by its magic, whatever its name) decompressed
 * into a temporary file with node:zlib. Other compressions are named in a clear refusal. The
 * temporary files are deleted by dispose(), and at exit whatever happens.
 */
import { closeSync, createReadStream, createWriteStream, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Readable } from 'node:stream';
import { CaptureFormatError } from './errors.js';
import { readRetrying, unreadStdin } from './source.js';

export type Compression = 'gzip' | 'zstd' | 'lz4' | 'bzip2' | 'xz';

const DECOMPRESS_HINT: Readonly<Record<Exclude<Compression, 'gzip'>, string>> = {
  zstd: 'zstd -dc', lz4: 'lz4 -dc', bzip2: 'bzip2 -dc', xz: 'xz -dc',
};

/** The compression a file's first bytes announce, or null. */
export function compressionOf(head: Uint8Array): Compression | null {
  const b = (i: number): number => head[i] ?? -1;
  if (b(0) === 0x1f && b(1) === 0x8b) return 'gzip';
  if (b(0) === 0x28 && b(1) === 0xb5 && b(2) === 0x2f && b(3) === 0xfd) return 'zstd';
  if (b(0) === 0x04 && b(1) === 0x22 && b(2) === 0x4d && b(3) === 0x18) return 'lz4';
  if (b(0) === 0x42 && b(1) === 0x5a && b(2) === 0x68) return 'bzip2';
  if (b(0) === 0xfd && b(1) === 0x37 && b(2) === 0x7a && b(3) === 0x58) return 'xz';
  return null;
}

export interface CaptureInputs {
  /** What to give the readers, one per input in the order given: the file itself, '-', or a temporary copy. */
  readonly paths: readonly string[];
  /** Problems found while preparing (a damaged gzip stream), one sentence each. */
  readonly problems: readonly string[];
  /** A reader's message with the temporary paths written as the names the user gave. */
  describe(message: string): string;
  /** Deletes the temporary copies (safe to call twice). */
  dispose(): void;
}

/** How standard input and compressed files are named in messages. */
export const STDIN_NAME = 'standard input';

/**
 * `seekable`: the command reads its input more than once (two passes, a worker thread, the TUI),
 * so standard input is spooled to a file. Throws CaptureFormatError for a compression lvscope
 * does not read, or standard input given twice.
 */
export async function prepareInputs(files: readonly string[], opts: { readonly seekable: boolean }): Promise<CaptureInputs> {
  const paths: string[] = [];
  const renames: [string, string][] = [];
  const problems: string[] = [];
  let dir: string | null = null;
  const temp = (name: string, tmpdir: () => string): string => {
    if (dir === null) {
      dir = mkdtempSync(join(tmpdir(), 'lvscope-'));
      const d = dir;
      process.once('exit', () => rmSync(d, { recursive: true, force: true }));
    }
    return join(dir, `${paths.length}-${name}`);
  };
  const inputs: CaptureInputs = {
    paths, problems,
    describe(message: string): string {
      let m = message;
      for (const [from, to] of renames) m = m.split(from).join(to);
      return m;
    },
    dispose(): void {
      if (dir !== null) rmSync(dir, { recursive: true, force: true });
      dir = null;
    },
  };
  try {
    let stdinUsed = false;
    for (const file of files) {
      const name = file === '-' ? STDIN_NAME : file;
      if (file === '-') {
        if (stdinUsed) throw new CaptureFormatError(STDIN_NAME, 0, 'standard input given twice');
        stdinUsed = true;
      }
      const head = file === '-' ? peekStdin(4) : peekFile(file, 4);
      const compression = head === null ? null : compressionOf(head);
      if (compression !== null && compression !== 'gzip') {
        const hint = DECOMPRESS_HINT[compression];
        throw new CaptureFormatError(name, 0, `${compression}-compressed; lvscope decompresses gzip itself, not ${compression}: use ${hint} ${file === '-' ? '' : `${file} `}| lvscope … -`);
      }
      if (compression === null && (file !== '-' || !opts.seekable)) {
        paths.push(file);
        continue;
      }
      const m = await spoolModules();
      const copy = temp(file === '-' ? 'stdin.pcap' : basename(file).replace(/\.gz$/i, ''), m.tmpdir);
      const source = file === '-' ? m.Readable.from(stdinChunks()) : createReadStream(file);
      const problem = await spool(m, source, compression === 'gzip', copy);
      if (problem !== null) problems.push(`${name}: ${problem}`);
      paths.push(copy);
      renames.push([copy, name]);
    }
  } catch (e) {
    inputs.dispose();
    throw e;
  }
  return inputs;
}

/** The first n bytes of standard input, given back to it for whoever reads it next. */
function peekStdin(n: number): Uint8Array {
  const head = new Uint8Array(n);
  let got = 0;
  while (got < n) {
    const r = readRetrying(0, head, got, n - got);
    if (r === 0) break;
    got += r;
  }
  const bytes = head.subarray(0, got);
  unreadStdin(bytes);
  return bytes;
}

/** The first n bytes of a file, or null when it cannot be read (the reader then says why). */
function peekFile(path: string, n: number): Uint8Array | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const head = new Uint8Array(n);
    return head.subarray(0, readSync(fd, head, 0, n, 0));
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

function* stdinChunks(): Generator<Uint8Array> {
  for (;;) {
    const buf = Buffer.allocUnsafe(1 << 16);
    const n = readRetrying(0, buf, 0, buf.length);
    if (n === 0) return;
    yield buf.subarray(0, n);
  }
}

/**
 * Copies source into path, decompressing gzip on the way. A gzip stream that is cut short keeps
 * what came before it (the capture reader then reports the cut); damaged gzip data stops the copy
 * there and is returned as a problem.
 */
async function spool(m: SpoolModules, source: Readable, gzip: boolean, path: string): Promise<string | null> {
  const out = createWriteStream(path, { flags: 'wx' });
  if (!gzip) {
    await m.pipeline(source, out);
    return null;
  }
  // Z_SYNC_FLUSH at the end: a stream cut short yields what it holds instead of an error.
  const gunzip = m.zlib.createGunzip({ finishFlush: m.zlib.constants.Z_SYNC_FLUSH });
  try {
    await m.pipeline(source, gunzip, out);
    return null;
  } catch (e) {
    if (!(e as NodeJS.ErrnoException).code?.startsWith('Z_')) throw e;
    return `gzip data damaged after ${gunzip.bytesWritten} compressed bytes (${(e as Error).message}); reading what came before it`;
  }
}

type SpoolModules = {
  readonly tmpdir: typeof import('node:os').tmpdir;
  readonly Readable: typeof import('node:stream').Readable;
  readonly pipeline: typeof import('node:stream/promises').pipeline;
  readonly zlib: typeof import('node:zlib');
};

/** What spooling needs, loaded when an input is spooled: a plain capture file never does. */
async function spoolModules(): Promise<SpoolModules> {
  const [os, stream, promises, zlib] = await Promise.all([import('node:os'), import('node:stream'), import('node:stream/promises'), import('node:zlib')]);
  return { tmpdir: os.tmpdir, Readable: stream.Readable, pipeline: promises.pipeline, zlib };
}
