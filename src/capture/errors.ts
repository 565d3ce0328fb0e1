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
