/**
 * keepalived's checkers on the wire: short TCP connections a director opens from its own address
 * (the DIP, never the VIP) to a real server's port, again and again at one interval. A check
 * passes when the real server answers the SYN, fails on a RST or on silence. New client
 * connections the director sends to a real server after it failed, and a real server that fails,
 * passes and fails again, are what the findings are about.
 */
import { ACK, RST, SYN, ipPort } from '../packet.js';

export type CheckResult = 'pending' | 'ok' | 'failed';

export interface Check {
  readonly n: number;
  readonly t: number;
  readonly sport: number;
  result: CheckResult;
  /** Frame that decided the result. */
  decidedN: number;
  http: boolean;
}

export interface CheckSeries {
  readonly dip: string;
  readonly rip: string;
  readonly port: number;
  readonly checks: Check[];
  /** Checks beyond the kept ones are counted only. */
  total: number;
  failed: number;
  readonly failedFrames: number[];
  http: boolean;
  rsMac: string;
}

export interface RsHealth {
  readonly rip: string;
  /** Time-ordered results from every director: [t, ok, frame, dip]. */
  readonly results: [number, boolean, number, string][];
  /** New client connections sent to it: [t, frame]. */
  readonly newConns: [number, number][];
}

const MAX_CHECKS = 200;
const MAX_RESULTS = 2000;
/** A SYN nobody answered counts as a failed check after this long. */
const CHECK_TIMEOUT = 3;

export class HealthTrack {
  readonly series = new Map<string, CheckSeries>();
  readonly rs = new Map<string, RsHealth>();
  /** "dip|sport|rip|port" → the check it belongs to. */
  private readonly byTuple = new Map<string, { s: CheckSeries; c: Check }>();
  readonly rsMacs = new Map<string, string>();

  private rsOf(rip: string): RsHealth {
    let h = this.rs.get(rip);
    if (h === undefined) { h = { rip, results: [], newConns: [] }; this.rs.set(rip, h); }
    return h;
  }

  private decide(s: CheckSeries, c: Check, ok: boolean, n: number): void {
    if (c.result !== 'pending') return;
    c.result = ok ? 'ok' : 'failed';
    c.decidedN = n;
    if (!ok) { s.failed++; if (s.failedFrames.length < 50) s.failedFrames.push(c.n); }
    const h = this.rsOf(s.rip);
    if (h.results.length < MAX_RESULTS) h.results.push([c.t, ok, c.n, s.dip]);
  }

  /** A TCP segment from a director's own address to another host: a check. Returns its series. */
  fromDirector(n: number, t: number, dip: string, rip: string, sport: number, dport: number, flags: number, payload: number): { s: CheckSeries; c: Check } | null {
    const tk = `${dip}|${sport}|${rip}|${dport}`;
    const known = this.byTuple.get(tk);
    if ((flags & (SYN | ACK)) === SYN) {
      if (known !== undefined) return known; // a retransmitted SYN
      const key = `${dip}|${ipPort(rip, dport)}`;
      let s = this.series.get(key);
      if (s === undefined) {
        s = { dip, rip, port: dport, checks: [], total: 0, failed: 0, failedFrames: [], http: false, rsMac: '' };
        this.series.set(key, s);
      }
      this.expire(s, t);
      const c: Check = { n, t, sport, result: 'pending', decidedN: 0, http: false };
      s.total++;
      if (s.checks.length < MAX_CHECKS) s.checks.push(c);
      const entry = { s, c };
      this.byTuple.set(tk, entry);
      return entry;
    }
    if (known !== undefined && payload > 0) { known.c.http = true; known.s.http = true; }
    return known ?? null;
  }

  /** A segment from a real server back to a director's address. */
  toDirector(n: number, dip: string, rip: string, sport: number, dport: number, flags: number, srcMac: string): { s: CheckSeries; c: Check } | null {
    const e = this.byTuple.get(`${dip}|${dport}|${rip}|${sport}`);
    if (e === undefined) return null;
    if (srcMac !== '') { e.s.rsMac = srcMac; this.rsMacs.set(srcMac, rip); }
    if ((flags & RST) !== 0) this.decide(e.s, e.c, false, n);
    else if ((flags & (SYN | ACK)) === (SYN | ACK)) this.decide(e.s, e.c, true, n);
    return e;
  }

  /** Unanswered checks older than the timeout have failed. */
  private expire(s: CheckSeries, t: number): void {
    for (const c of s.checks) if (c.result === 'pending' && t - c.t >= CHECK_TIMEOUT) this.decide(s, c, false, c.n);
  }

  newConnection(rip: string, n: number, t: number): void {
    const h = this.rsOf(rip);
    if (h.newConns.length < MAX_RESULTS) h.newConns.push([t, n]);
  }

  end(t: number): void {
    for (const s of this.series.values()) this.expire(s, t);
    for (const h of this.rs.values()) h.results.sort((a, b) => a[0] - b[0]);
  }

  /** Median gap between a series' checks, ms; null with fewer than two. */
  static intervalMs(s: CheckSeries): number | null {
    if (s.checks.length < 2) return null;
    const gaps = s.checks.slice(1).map((c, i) => c.t - s.checks[i]!.t).sort((a, b) => a - b);
    return Math.round(gaps[Math.floor(gaps.length / 2)]! * 1000);
  }
}
