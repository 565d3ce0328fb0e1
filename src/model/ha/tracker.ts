/**
 * The director pair, frame by frame: VRRP routers and their master spans (vrrp-track), who owns
 * each VIP (gratuitous ARP, and the MAC client packets for the VIP go to), the sync daemon's
 * announcements (sync-track), keepalived's health checks (health-track), and the connections a
 * takeover kept or broke (failover-conns). It wakes at the first VRRP advert or sync message, so
 * a capture without either costs one comparison per frame.
 */
import type { DirectorPairReport } from '../../ipvs/director-pair.js';
import { ACK, PROTO_TCP, PROTO_UDP, RST, SYN, type Packet } from '../packet.js';
import type { HaFrameFacts, HaRouterRef } from './facts.js';
import { FailoverConns } from './failover-conns.js';
import { HealthTrack } from './health-track.js';
import { SyncTrack, syncStateName } from './sync-track.js';
import { VrrpTrack } from './vrrp-track.js';

const PROTO_VRRP = 112;
/** Gratuitous ARPs this long after a takeover belong to it. */
const GARP_WINDOW = 5;

export interface OwnerSpan { readonly vip: string; readonly mac: string; readonly n: number; readonly t: number; readonly via: 'garp' | 'traffic' }

/** The frame is the director pair's own traffic (a health check, a sync message), not a client's connection. */
export function isPairOwn(facts: HaFrameFacts | null): boolean {
  return facts !== null && (facts.kind === 'check' || facts.kind === 'sync');
}

export class HaTracker {
  readonly vrrp = new VrrpTrack();
  readonly sync = new SyncTrack();
  readonly health = new HealthTrack();
  readonly conns = new FailoverConns();
  readonly owners: OwnerSpan[] = [];
  private readonly owner = new Map<string, string>();
  /** Routers whose own TCP stack sent RSTs from the VIP (connections it had no entry for). */
  readonly resetMacs = new Set<string>();
  /** Router MAC → time of its last advert or frame for the VIP (for the gap of a takeover). */
  readonly lastSent = new Map<string, number>();
  /** Takeover index → its gap in ms (nobody answering for the VIP). */
  readonly gaps = new Map<number, number>();
  /** Takeover index → gratuitous ARP frames of the new master. */
  readonly garps = new Map<number, number[]>();
  /** Router MAC → time of its latest takeover. */
  private readonly tookOver = new Map<string, { t: number; i: number }>();
  private readonly dips = new Set<string>();
  private readonly routerMacs = new Set<string>();
  private readonly vips = new Set<string>();
  /** "rip:port" the directors health-check. */
  private readonly checkTargets = new Set<string>();
  active = false;
  lastT = 0;
  /** Pass 2: each router's master spans as pass 1 found them ([mac, from, overdue next advert or +∞]). */
  private readonly seedSpans: [string, number, number][] = [];

  /** Pass 2 starts knowing the pair's addresses, so frames before the first advert are placed too. */
  constructor(seed: DirectorPairReport | null = null) {
    if (seed === null) return;
    for (const r of seed.routers) { this.dips.add(r.ip); this.routerMacs.add(r.mac); for (const v of r.vips) this.vips.add(v); }
    for (const s of seed.sync) this.dips.add(s.senderIp);
    for (const h of seed.healthChecks) { this.dips.add(h.director); this.checkTargets.add(`${h.realServer.ip}:${h.realServer.port}`); }
    // A master is surely gone once its next advert is overdue (before that it may still forward).
    const interval = (mac: string): number => (seed.routers.find((r) => r.mac === mac)?.intervalMs ?? 1000) / 1000;
    for (const m of seed.masters) this.seedSpans.push([m.mac, Number(m.fromTime), m.toTime === null ? Infinity : Number(m.toTime) + interval(m.mac)]);
    this.active = this.dips.size > 0;
  }

  private ref(mac: string): HaRouterRef | null {
    for (const r of this.vrrp.routers.values()) if (r.mac === mac) return { ip: r.ip, mac };
    return null;
  }

  observe(p: Packet): HaFrameFacts | null {
    const rec = p.ha;
    if (rec === null && !this.active) return null;
    this.lastT = p.t;
    if (rec !== null && rec.type === 'vrrp' && p.kind === 'ip' && p.proto === PROTO_VRRP) return this.advert(p, rec);
    if (rec !== null && rec.type === 'ipvs-sync') return this.syncMessage(p, rec);
    // NDP sits in ARP's fields (Packet): an unsolicited advertisement is a gratuitous ARP.
    if (p.kind === 'arp' || p.arpOp !== 0 && p.isIcmp6) return this.arp(p);
    if (p.kind !== 'ip' || p.tunnel !== null || (p.proto !== PROTO_TCP && p.proto !== PROTO_UDP)) return null;
    if (this.vips.has(p.dst)) return this.toVip(p);
    if (this.vips.has(p.src)) return this.fromVip(p);
    // Another host checking a real server port the directors check: the silent backup's checker.
    if (p.proto === PROTO_TCP && (p.flags & (SYN | ACK)) === SYN && !this.dips.has(p.src) && this.checkTargets.has(`${p.dst}:${p.dport}`)) this.dips.add(p.src);
    if (p.proto === PROTO_TCP && this.dips.has(p.src) && !this.vips.has(p.dst)) return this.checkOut(p);
    if (p.proto === PROTO_TCP && this.dips.has(p.dst)) return this.checkBack(p);
    return null;
  }

  private advert(p: Packet, v: NonNullable<Packet['ha']> & { type: 'vrrp' }): HaFrameFacts {
    this.active = true;
    this.dips.add(p.src);
    this.routerMacs.add(p.srcMac);
    this.lastSent.set(p.srcMac, p.t);
    for (const a of v.addresses) this.vips.add(a);
    const oldCurrent = this.vrrp.masterOf(v.addresses[0] ?? '');
    const { event, takeover } = this.vrrp.advert(p.n, p.t, p.srcMac, p.src, v.vrid, v.version, v.priority, v.intervalMs, v.addresses);
    let gapMs: number | null = null;
    if (takeover !== null) {
      const oldLast = Math.max(takeover.lastAdvertT, this.lastSentBefore(takeover.old.mac, p.t));
      gapMs = takeover.reason === 'preempted' ? 0 : Math.max(0, Math.round((p.t - oldLast) * 1000));
      const i = this.vrrp.takeovers.length - 1;
      this.tookOver.set(p.srcMac, { t: p.t, i });
      this.garps.set(i, []);
      this.conns.takeover(p.srcMac, takeover.lastAdvertT, p.t, (c, vv) => this.sync.syncedBefore(PROTO_TCP, c, vv, p.t) || this.sync.syncedBefore(PROTO_UDP, c, vv, p.t));
      this.gaps.set(i, gapMs);
    }
    const old = takeover !== null ? { ip: takeover.old.ip, mac: takeover.old.mac } : event === 'contend' && oldCurrent !== null ? { ip: oldCurrent.ip, mac: oldCurrent.mac } : null;
    return {
      kind: 'advert', event, vrid: v.vrid, priority: v.priority, intervalMs: v.intervalMs, vips: v.addresses,
      router: { ip: p.src, mac: p.srcMac }, old, reason: takeover?.reason ?? null, gapMs,
    };
  }

  /** The old master's last frame before now (its adverts and forwarded packets). */
  private lastSentBefore(mac: string, t: number): number {
    const l = this.lastSent.get(mac) ?? 0;
    return l < t ? l : 0;
  }

  private syncMessage(p: Packet, rec: NonNullable<Packet['ha']> & { type: 'ipvs-sync' }): HaFrameFacts {
    this.active = true;
    this.dips.add(p.src);
    const conns = this.sync.message(p.n, p.t, p.src, p.srcMac, p.dst, p.dport, rec);
    return {
      kind: 'sync', sender: p.src, version: rec.version, syncId: rec.syncId, count: conns.length,
      conns: conns.slice(0, 4).map((c) => ({
        protocol: c.protocol, client: `${c.caddr}:${c.cport}`, virtual: `${c.vaddr}:${c.vport}`, realServer: `${c.daddr}:${c.dport}`,
        state: syncStateName(c.protocol, c.state), forward: c.forward,
      })),
    };
  }

  private arp(p: Packet): HaFrameFacts | null {
    if (!this.vips.has(p.spa) || p.sha === '') return null;
    // An ARP reply for the VIP shows its owner too, but only a gratuitous ARP announces it.
    if (p.arpOp === 2 && p.spa !== p.tpa) { this.setOwner(p.spa, p.sha, p.n, p.t, 'traffic'); return null; }
    if (p.spa !== p.tpa) return null;
    this.setOwner(p.spa, p.sha, p.n, p.t, 'garp');
    const took = this.tookOver.get(p.sha);
    const takeover = took !== undefined && p.t - took.t <= GARP_WINDOW && p.t >= took.t - 0.5;
    if (takeover) {
      const l = this.garps.get(took.i);
      if (l !== undefined && l.length < 20) l.push(p.n);
    }
    return { kind: 'garp', vip: p.spa, router: this.ref(p.sha), takeover };
  }

  private setOwner(vip: string, mac: string, n: number, t: number, via: 'garp' | 'traffic'): void {
    if (this.owner.get(vip) === mac) return;
    this.owner.set(vip, mac);
    if (this.owners.length < 1000) this.owners.push({ vip, mac, n, t, via });
  }

  private toVip(p: Packet): HaFrameFacts | null {
    if (this.routerMacs.has(p.srcMac)) {
      // A director's copy to a real server: it is answering for the VIP.
      this.lastSent.set(p.srcMac, p.t);
      if (p.proto === PROTO_TCP && (p.flags & (SYN | ACK)) === SYN) {
        const rip = this.health.rsMacs.get(p.dstMac);
        if (rip !== undefined) this.health.newConnection(rip, p.n, p.t);
      }
      if (p.proto === PROTO_TCP && this.conns.forwarded(p.n, p.srcMac, p.src, p.sport, p.dst, p.dport, p.flags)) {
        const w = this.conns.watches[this.conns.watches.length - 1]!;
        const fc = w.conns.get(`${p.src}:${p.sport}|${p.dst}:${p.dport}`)!;
        if (fc.frames[0] === p.n) return { kind: 'failover-conn', what: 'continued', client: fc.conn.client, virtual: fc.conn.virtual, synced: fc.synced, router: this.ref(p.srcMac) };
      }
      return null;
    }
    if (p.dstMac !== '' && p.dstMac !== 'ff:ff:ff:ff:ff:ff') this.setOwner(p.dst, p.dstMac, p.n, p.t, 'traffic');
    if (p.proto !== PROTO_TCP) return null;
    const what = this.conns.client(p.n, p.t, p.src, p.sport, p.dst, p.dport, p.flags, p.seq, p.payload, p.dstMac);
    const to = this.vrrp.routers.size > 0 ? this.ref(p.dstMac) : null;
    const client = `${p.src}:${p.sport}`, virtual = `${p.dst}:${p.dport}`;
    if (to !== null && this.silent(p.dstMac, p.t)) {
      return { kind: 'failover-conn', what: 'dead-master', client, virtual, synced: this.sync.syncedBefore(PROTO_TCP, client, virtual, p.t), router: to };
    }
    if (what === 'retransmit') return { kind: 'failover-conn', what: 'retransmit', client, virtual, synced: this.sync.syncedBefore(PROTO_TCP, client, virtual, p.t), router: to };
    return null;
  }

  /** A router that stopped advertising (more than 1.5 intervals ago) and is not master again. */
  private silent(mac: string, t: number): boolean {
    if (this.seedSpans.length > 0) {
      // With the whole capture known: after the end of its latest span, before any later one.
      let last: [string, number, number] | null = null;
      for (const sp of this.seedSpans) if (sp[0] === mac && sp[1] <= t && (last === null || sp[1] > last[1])) last = sp;
      return last !== null && t > last[2] + 1e-6;
    }
    for (const r of this.vrrp.routers.values()) {
      if (r.mac !== mac) continue;
      const iv = (r.intervalMs || 1000) / 1000;
      if (t - r.lastT > 1.5 * iv || r.resignedT >= r.lastT - 1e-9) return true;
    }
    return false;
  }

  private fromVip(p: Packet): HaFrameFacts | null {
    if (p.proto !== PROTO_TCP) return null;
    const fromRouter = this.routerMacs.has(p.srcMac);
    if (fromRouter) this.lastSent.set(p.srcMac, p.t);
    if (fromRouter && (p.flags & RST) !== 0) this.resetMacs.add(p.srcMac);
    if (this.conns.fromVip(p.n, p.src, p.sport, p.dst, p.dport, p.flags, fromRouter)) {
      const client = `${p.dst}:${p.dport}`, virtual = `${p.src}:${p.sport}`;
      return { kind: 'failover-conn', what: 'reset', client, virtual, synced: this.sync.syncedBefore(PROTO_TCP, client, virtual, p.t), router: this.ref(p.srcMac) };
    }
    return null;
  }

  private checkOut(p: Packet): HaFrameFacts | null {
    const e = this.health.fromDirector(p.n, p.t, p.src, p.dst, p.sport, p.dport, p.flags, p.payload);
    if (e === null) return null;
    this.checkTargets.add(`${p.dst}:${p.dport}`);
    const syn = (p.flags & (SYN | ACK)) === SYN;
    const step = syn ? (e.c.n === p.n ? 'syn' : 'syn-retry') : p.payload > 0 ? 'data' : 'other';
    return { kind: 'check', dip: p.src, rip: p.dst, port: p.dport, step, intervalMs: HealthTrack.intervalMs(e.s), http: e.s.http };
  }

  private checkBack(p: Packet): HaFrameFacts | null {
    const e = this.health.toDirector(p.n, p.dst, p.src, p.sport, p.dport, p.flags, p.srcMac);
    if (e === null) return null;
    const step = (p.flags & RST) !== 0 ? 'refused' : (p.flags & (SYN | ACK)) === (SYN | ACK) ? 'passed' : p.payload > 0 ? 'data' : 'other';
    return { kind: 'check', dip: p.dst, rip: p.src, port: p.sport, step, intervalMs: HealthTrack.intervalMs(e.s), http: e.s.http };
  }

  end(): void {
    this.vrrp.end();
    this.health.end(this.lastT);
  }
}
