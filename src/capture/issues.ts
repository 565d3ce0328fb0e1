/** Collects CaptureIssues with messages that name the file, frame and offset. */
import type { CaptureIssue, CaptureIssueCode } from './types.js';

/**
 * A damaged file can repeat the same problem for every record (a lying snaplen, a run of zero
 * bytes); past this many of one code, issues are only counted.
 */
export const MAX_ISSUES_PER_CODE = 100;

export class IssueLog {
  readonly issues: CaptureIssue[] = [];
  /** Every issue found, including those past MAX_ISSUES_PER_CODE. */
  readonly counts = new Map<CaptureIssueCode, number>();
  readonly file: string;

  constructor(file: string) {
    this.file = file;
  }

  report(code: CaptureIssueCode, offset: number, frame: number | null, detail: string): void {
    const seen = (this.counts.get(code) ?? 0) + 1;
    this.counts.set(code, seen);
    if (seen > MAX_ISSUES_PER_CODE) return;
    const where = frame === null ? `offset ${offset}` : `frame ${frame} at offset ${offset}`;
    const more = seen === MAX_ISSUES_PER_CODE ? ` (further '${code}' issues are counted, not listed)` : '';
    this.issues.push({ code, offset, frame, message: `${this.file}: ${where}: ${detail}${more}` });
  }
}

/** "1 frame", "2 frames" (messages count what was read). */
export function frameCount(n: number): string {
  return `${n} frame${n === 1 ? '' : 's'}`;
}
