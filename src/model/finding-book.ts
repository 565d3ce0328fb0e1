/**
 * The findings raised so far, one per code and subject, each with the frames that show it (a few
 * dozen at most: a finding cites examples, not every frame).
 */
import { findingMessage, findingSeverity } from '../ipvs/finding-catalog.js';
import type { FindingCode, FindingParams, FindingParamsByCode, FindingSeverity } from '../ipvs/report.js';

/** Frames kept per finding (and per ARP pair): enough to show, bounded for long captures. */
export const MAX_FINDING_FRAMES = 50;

export interface FindingAcc {
  code: FindingCode;
  severity: FindingSeverity;
  message: string;
  frames: number[];
  params: FindingParams;
}

export class FindingBook {
  readonly findings: Map<string, FindingAcc>;

  constructor(from: Iterable<[string, FindingAcc]> = []) {
    this.findings = new Map(from);
  }

  /** One finding per code and subject; severity and message are the catalog's (src/ipvs/finding-catalog.ts) for `params`. */
  add<C extends FindingCode>(code: C, subject: string, frame: number | null, params: FindingParamsByCode[C]): void {
    const key = `${code}|${subject}`;
    let f = this.findings.get(key);
    if (f === undefined) {
      f = { code, severity: findingSeverity(code, params), message: findingMessage(code, params), frames: [], params };
      this.findings.set(key, f);
    }
    if (frame !== null && f.frames.length < MAX_FINDING_FRAMES && !f.frames.includes(frame)) f.frames.push(frame);
  }

  /** The same with several frames (the report's rules, which look back over the whole capture). */
  addFrames<C extends FindingCode>(code: C, subject: string, frames: readonly number[], params: FindingParamsByCode[C]): void {
    const key = `${code}|${subject}`;
    const f = this.findings.get(key) ?? { code, severity: findingSeverity(code, params), message: findingMessage(code, params), frames: [], params };
    for (const n of frames) if (!f.frames.includes(n) && f.frames.length < MAX_FINDING_FRAMES) f.frames.push(n);
    this.findings.set(key, f);
  }

  /** A finding already raised takes new params (and their message); its severity and frames stay. */
  restate<C extends FindingCode>(code: C, subject: string, params: FindingParamsByCode[C]): void {
    const f = this.findings.get(`${code}|${subject}`);
    if (f !== undefined) Object.assign(f, { message: findingMessage(code, params), params });
  }

  has(codes: ReadonlySet<FindingCode>): boolean {
    for (const f of this.findings.values()) if (codes.has(f.code)) return true;
    return false;
  }
}
