/**
 * VRRP routers and who was master when. Only the master advertises (RFC 3768/5798), so the
 * sender of an advert is the master at that moment; a priority-0 advert is a master resigning
 * (keepalived stopping). A new sender is a takeover: after the old master resigned, after it fell
 * silent (a backup waits 3 × interval + skew), or while it still advertised — a preemption when
 * the newcomer's priority is higher. Two routers that keep advertising together for longer than
 * a takeover takes cannot hear each other: split brain.
 */
import type { FailoverReason } from '../../ipvs/director-pair.js';

export interface Router {
  readonly vrid: number;
  readonly mac: string;
  ip: string;
  version: number;
  priority: number;
  intervalMs: number;
  vips: string[];
  adverts: number;
  firstN: number;
  lastN: number;
  lastT: number;
  resignedT: number;
}

export interface Span {
  readonly vrid: number;
  readonly mac: string;
  readonly ip: string;
  readonly priority: number;
  readonly fromN: number;
  readonly fromT: number;
  toN: number;
  toT: number;
  /** Ended by a priority-0 advert. */
  resigned: boolean;
  closed: boolean;
}

export interface Takeover {
  readonly vrid: number;
  readonly reason: FailoverReason;
  readonly old: Router;
  readonly neu: Router;
  readonly lastAdvertN: number;
  readonly lastAdvertT: number;
  readonly firstAdvertN: number;
  readonly firstAdvertT: number;
}

export type AdvertEvent = 'advert' | 'first' | 'takeover' | 'resign' | 'contend';

/** Adverts missed before a master counts as silent (the backup's master_down_interval is about 3). */
const SILENT_INTERVALS = 3.5;
/** A sender "still advertising" sent its last advert within this many intervals. */
const ALIVE_INTERVALS = 1.5;

interface Contention { readonly vrid: number; readonly macs: Set<string>; readonly fromT: number; lastT: number; readonly frames: number[] }

export class VrrpTrack {
  readonly routers = new Map<string, Router>();
  readonly spans: Span[] = [];
  readonly takeovers: Takeover[] = [];
  readonly splitBrain: { vrid: number; macs: string[]; seconds: number; frames: number[] }[] = [];
  /** VRID → the span of the router that advertised last. */
  private readonly current = new Map<number, Span>();
  private readonly open = new Map<string, Span>();
  private readonly contention = new Map<number, Contention>();
  readonly vips = new Set<string>();
  readonly macs = new Set<string>();
  readonly ips = new Set<string>();

  router(vrid: number, mac: string): Router | undefined { return this.routers.get(`${vrid}|${mac}`); }

  /** The router that advertised last for the VRID of `vip`, or null. */
  masterOf(vip: string): Span | null {
    for (const s of this.current.values()) {
      const r = this.router(s.vrid, s.mac);
      if (r !== undefined && r.vips.includes(vip)) return s;
    }
    return null;
  }

  advert(n: number, t: number, mac: string, ip: string, vrid: number, version: number, priority: number, intervalMs: number, vips: readonly string[]): { event: AdvertEvent; takeover: Takeover | null } {
    const key = `${vrid}|${mac}`;
    let r = this.routers.get(key);
    if (r === undefined) {
      r = { vrid, mac, ip, version, priority, intervalMs, vips: [...vips], adverts: 0, firstN: n, lastN: n, lastT: t, resignedT: Number.NaN };
      this.routers.set(key, r);
    }
    r.ip = ip; r.version = version; r.intervalMs = intervalMs > 0 ? intervalMs : r.intervalMs;
    if (priority > 0) r.priority = priority;
    for (const v of vips) if (!r.vips.includes(v)) r.vips.push(v);
    for (const v of vips) this.vips.add(v);
    this.macs.add(mac);
    this.ips.add(ip);
    r.adverts++;
    const iv = (r.intervalMs || 1000) / 1000;

    let span = this.open.get(key);
    if (span !== undefined && (span.resigned || t - span.toT > SILENT_INTERVALS * iv)) {
      span.closed = true;
      this.open.delete(key);
      span = undefined;
    }
    const prev = this.current.get(vrid) ?? null;
    let event: AdvertEvent = 'advert';
    let takeover: Takeover | null = null;
    if (priority === 0) {
      event = 'resign';
      r.resignedT = t;
      if (span !== undefined) { span.toN = n; span.toT = t; span.resigned = true; }
    } else if (span === undefined) {
      span = { vrid, mac, ip, priority, fromN: n, fromT: t, toN: n, toT: t, resigned: false, closed: false };
      this.spans.push(span);
      this.open.set(key, span);
      if (prev === null || prev.mac === mac) event = 'first';
      else {
        const old = this.router(vrid, prev.mac)!;
        const oldIv = (old.intervalMs || 1000) / 1000;
        const alive = !prev.resigned && t - old.lastT <= ALIVE_INTERVALS * oldIv;
        if (alive && priority <= old.priority) event = 'contend';
        else {
          event = 'takeover';
          const reason: FailoverReason = prev.resigned ? 'resigned' : alive ? 'preempted' : 'silent';
          takeover = { vrid, reason, old, neu: r, lastAdvertN: old.lastN, lastAdvertT: old.lastT, firstAdvertN: n, firstAdvertT: t };
          this.takeovers.push(takeover);
        }
      }
      this.current.set(vrid, span);
    } else {
      span.toN = n; span.toT = t;
      this.current.set(vrid, span);
    }
    if (priority > 0) this.contend(vrid, mac, n, t, iv);
    r.lastN = n; r.lastT = t;
    return { event, takeover };
  }

  /** Two or more routers of one VRID advertising within the same interval. */
  private contend(vrid: number, mac: string, n: number, t: number, iv: number): void {
    const live: string[] = [];
    for (const s of this.open.values()) {
      if (s.vrid !== vrid || s.mac === mac || s.resigned) continue;
      if (t - s.toT <= ALIVE_INTERVALS * iv) live.push(s.mac);
    }
    let c = this.contention.get(vrid);
    if (live.length === 0) {
      if (c !== undefined) { this.endContention(c, iv); this.contention.delete(vrid); }
      return;
    }
    if (c === undefined) {
      c = { vrid, macs: new Set([mac, ...live]), fromT: t, lastT: t, frames: [] };
      this.contention.set(vrid, c);
    }
    c.macs.add(mac);
    for (const m of live) c.macs.add(m);
    c.lastT = t;
    if (c.frames.length < 20) c.frames.push(n);
  }

  private endContention(c: Contention, iv: number): void {
    // A preemption overlaps for one advert or so; three intervals of both is two masters.
    if (c.lastT - c.fromT >= 3 * iv) this.splitBrain.push({ vrid: c.vrid, macs: [...c.macs], seconds: c.lastT - c.fromT, frames: c.frames });
  }

  end(): void {
    for (const c of this.contention.values()) {
      const r = [...this.routers.values()].find((x) => x.vrid === c.vrid);
      this.endContention(c, (r?.intervalMs || 1000) / 1000);
    }
    this.contention.clear();
  }
}
