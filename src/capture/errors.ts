/**
 * The only error the capture readers throw: the file cannot be read as a capture at all (missing,
 * unreadable, unknown magic, unsupported major version, header cut short). Damage after the file
 * header is never thrown; it becomes a CaptureIssue and reading continues where it can.
 */
export class CaptureFormatError extends Error {
  override readonly name = 'CaptureFormatError';
  readonly file: string;
  readonly offset: number;

  constructor(file: string, offset: number, detail: string, options?: { cause?: unknown }) {
    super(`${file}: offset ${offset}: ${detail}`, options);
    this.file = file;
    this.offset = offset;
  }
}

const SYSTEM_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file',
  EISDIR: 'is a directory',
  ENOTDIR: 'a part of the path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EEXIST: 'already exists',
  ENOSPC: 'no space left on the device',
  EROFS: 'read-only file system',
  EMFILE: 'too many open files',
  EIO: 'input/output error',
  ENAMETOOLONG: 'file name too long',
  ELOOP: 'too many symbolic links',
  EPIPE: 'the reader closed the pipe',
};

/** A file system error in words, without Node's code names and syscall ("no such file", not "ENOENT: …, open 'x'"). */
export function systemErrorWords(err: unknown): string {
  const e = err as NodeJS.ErrnoException;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  if (code !== undefined && SYSTEM_WORDS[code] !== undefined) return SYSTEM_WORDS[code];
  const text = e instanceof Error ? e.message : String(err);
  // "EXXX: words, syscall 'path'" → "words"
  return text.replace(/^E[A-Z]+: /, '').replace(/, \w+ '.*'$/, '');
}
