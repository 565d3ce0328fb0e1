/**
 * From the tracker's end state to the `directorPair` section and the director-pair findings.
 * Directors are named DIR1, DIR2 … in the order they first advertised (or by --name).
 */
import type {
  DirectorPairReport, FailoverConnection, HealthCheckReport, PairDirector, RealServerRemoval, SyncedConnection,
} from '../../ipvs/director-pair.js';
import type { FindingCode, FindingParamsByCode } from '../../ipvs/report.js';
import { formatEpochNs } from '../../capture/timestamps.js';
import { compareIp } from '../packet.js';
import { HealthTrack } from './health-track.js';
import { syncStateName } from './sync-track.js';
import type { HaTracker } from './tracker.js';

/** A failover in which nobody answered for the VIP longer than this is worth a warning. */
export const FAILOVER_GAP_MS = 1000;

/** Raises a finding; its severity and words are the catalog's (src/ipvs/finding-catalog.ts). */
export type AddHaFinding = <C extends FindingCode>(code: C, subject: string, frames: readonly number[], params: FindingParamsByCode[C]) => void;

/** Frame times reach the model as float seconds: exact to the microsecond, so written to it. */
const time = (t: number): string => {
  let sec = Math.floor(t);
  let us = Math.round((t - sec) * 1e6);
  if (us === 1e6) { sec++; us = 0; }
  return formatEpochNs(sec, us * 1000);
};

const endpoint = (s: string): { ip: string; port: number } => {
  const i = s.lastIndexOf(':');
  return { ip: s.slice(0, i).replace(/^\[|\]$/g, ''), port: Number(s.slice(i + 1)) };
};

const PROTO_NAMES: Readonly<Record<number, SyncedConnection['protocol']>> = { 6: 'tcp', 17: 'udp', 132: 'sctp' };

/** IP → display name for the routers (in order of first advert), keeping names already given. */
export function directorNames(ha: HaTracker, names: Map<string, string>): void {
  const routers = [...ha.vrrp.routers.values()].sort((a, b) => a.firstN - b.firstN);
  let i = 0;
  const taken = new Set(names.values());
  // Then a backup that never advertised but health-checks the real servers too.
  const checkers = [...ha.health.series.values()].sort((a, b) => (a.checks[0]?.n ?? 0) - (b.checks[0]?.n ?? 0)).map((c) => c.dip);
  for (const ip of [...routers.map((r) => r.ip), ...checkers]) {
    if (names.has(ip)) continue;
    let name: string;
    do name = `DIR${++i}`; while (taken.has(name));
    names.set(ip, name);
  }
}

export function pairReport(ha: HaTracker, names: ReadonlyMap<string, string>, addF: AddHaFinding): DirectorPairReport | null {
  if (!ha.active) return null;
  const v = ha.vrrp;
  const nameOf = (ip: string, mac: string): string => names.get(ip) ?? mac;
  const dir = (ip: string, mac: string): PairDirector => ({ name: nameOf(ip, mac), mac, ip });

  const routers = [...v.routers.values()].sort((a, b) => a.firstN - b.firstN).map((r) => ({
    ...dir(r.ip, r.mac), vrid: r.vrid, version: r.version, priority: r.priority, intervalMs: r.intervalMs,
    vips: [...r.vips], adverts: r.adverts, firstFrame: r.firstN, lastFrame: r.lastN,
  }));
  const masters = v.spans.map((s) => {
    const stillOn = !s.resigned && !s.closed && ha.lastT - s.toT <= 3.5 * ((v.router(s.vrid, s.mac)?.intervalMs || 1000) / 1000);
    return {
      ...dir(s.ip, s.mac), vrid: s.vrid, priority: s.priority, fromFrame: s.fromN, fromTime: time(s.fromT),
      toFrame: stillOn ? null : s.toN, toTime: stillOn ? null : time(s.toT),
    };
  });

  const failovers = v.takeovers.map((tk, i) => {
    const w = ha.conns.watches[i];
    const gapMs = ha.gaps.get(i) ?? 0;
    const connections: FailoverConnection[] = w === undefined ? [] : [...w.conns.values()].map((fc) => ({
      protocol: 'tcp' as const, client: endpoint(fc.conn.client), virtual: endpoint(fc.conn.virtual),
      synced: fc.synced, outcome: fc.outcome, frames: [...fc.frames].sort((a, b) => a - b),
    }));
    const garps = ha.garps.get(i) ?? [];
    const from = nameOf(tk.old.ip, tk.old.mac), to = nameOf(tk.neu.ip, tk.neu.mac);
    // No backup waits longer than its master_down_interval (under 3 × interval + 1 s).
    const seen = tk.reason !== 'silent' || gapMs <= (3 * (tk.neu.intervalMs || 1000) + 1500);
    if (seen && gapMs > FAILOVER_GAP_MS) addF('ha-failover-gap', `${tk.vrid}|${tk.firstAdvertN}`, [tk.lastAdvertN, tk.firstAdvertN], { vrid: tk.vrid, from, to, gapMs, thresholdMs: FAILOVER_GAP_MS });
    if (seen && garps.length === 0 && ha.lastT - tk.firstAdvertT >= 1) {
      addF('ha-no-gratuitous-arp', `${tk.vrid}|${tk.firstAdvertN}`, [tk.firstAdvertN], { vrid: tk.vrid, to, vips: [...tk.neu.vips] });
    }
    const lost = connections.filter((c) => !c.synced && (c.outcome === 'reset' || c.outcome === 'retransmit-silence'));
    if (lost.length > 0) {
      addF('ha-conns-lost-no-sync', `${tk.vrid}|${tk.firstAdvertN}`, lost.flatMap((c) => c.frames).sort((a, b) => a - b), {
        vrid: tk.vrid, to, lost: lost.length, clients: lost.slice(0, 8).map((c) => `${c.client.ip}:${c.client.port}`),
        synced: connections.filter((c) => c.synced).length,
      });
    }
    return {
      vrid: tk.vrid, reason: tk.reason, oldMaster: dir(tk.old.ip, tk.old.mac), newMaster: dir(tk.neu.ip, tk.neu.mac),
      lastAdvertFrame: tk.lastAdvertN, lastAdvertTime: time(tk.lastAdvertT), firstAdvertFrame: tk.firstAdvertN, firstAdvertTime: time(tk.firstAdvertT),
      garpFrames: garps, gapMs, takeoverSeen: seen, trafficMovedFrame: w?.trafficMovedN ?? null, connections,
    };
  });

  const routerName = (mac: string): string | null => {
    for (const r of v.routers.values()) if (r.mac === mac) return nameOf(r.ip, r.mac);
    return null;
  };
  const vipOwners = ha.owners.map((o) => ({ vip: o.vip, mac: o.mac, name: routerName(o.mac), fromFrame: o.n, fromTime: time(o.t), via: o.via }));

  const sync = [...ha.sync.senders.values()].map((s) => {
    const r = [...v.routers.values()].find((x) => x.ip === s.ip);
    const connections: SyncedConnection[] = [...ha.sync.conns.values()].filter((c) => c.sender === s.ip).map((c) => ({
      protocol: PROTO_NAMES[c.protocol] ?? 'other', client: endpoint(c.client), virtual: endpoint(c.virtual), realServer: endpoint(c.realServer),
      state: syncStateName(c.protocol, c.state), forward: c.forward, flags: c.flags, template: c.template,
      firstFrame: c.firstN, lastFrame: c.lastN,
    }));
    return {
      sender: r !== undefined ? dir(r.ip, r.mac) : null, senderIp: s.ip, group: s.group, port: s.port, version: s.version, syncId: s.syncId,
      messages: s.messages, firstFrame: s.firstN, connections,
    };
  });

  // Health checks: a series of at least two connections from one DIP to one real server port.
  const healthChecks: HealthCheckReport[] = [];
  for (const s of [...ha.health.series.values()].sort((a, b) => compareIp(a.dip, b.dip) || compareIp(a.rip, b.rip) || a.port - b.port)) {
    const interval = HealthTrack.intervalMs(s);
    if (interval === null) continue;
    const results = s.checks.map((c) => c.result).filter((r) => r !== 'pending');
    let flips = 0;
    for (let i = 1; i < results.length; i++) if (results[i - 1] === 'ok' && results[i] === 'failed') flips++;
    healthChecks.push({
      director: s.dip, directorName: names.get(s.dip) ?? null, realServer: { ip: s.rip, port: s.port }, kind: s.http ? 'http' : 'tcp',
      intervalMs: interval, checks: s.total, failed: s.failed, failedFrames: s.failedFrames, flapping: flips >= 2,
    });
  }
  const removals: RealServerRemoval[] = [];
  const checkedRips = new Set(healthChecks.map((h) => h.realServer.ip));
  for (const h of ha.health.rs.values()) {
    if (!checkedRips.has(h.rip)) continue;
    const firstFail = h.results.find((r) => !r[1]);
    if (firstFail === undefined) continue;
    const rsName = names.get(h.rip) ?? null;
    const who = rsName ?? h.rip;
    const failDir = names.get(firstFail[3]) ?? firstFail[3];
    // New connections while its latest check result was a failure, an interval after the first
    // failure of that streak (keepalived needs a check or a retry to take it out).
    const interval = Math.max(1, ...healthChecks.filter((c) => c.realServer.ip === h.rip).map((c) => c.intervalMs / 1000));
    let streak: number | null = null;
    let ri = 0;
    const usedAfter: number[] = [];
    let elsewhere = 0;
    for (const [t, n] of h.newConns) {
      while (ri < h.results.length && h.results[ri]![0] <= t) {
        const r = h.results[ri++]!;
        streak = r[1] ? null : streak ?? r[0];
      }
      if (streak !== null && t - streak > interval) usedAfter.push(n);
    }
    for (const other of ha.health.rs.values()) if (other !== h) for (const [t] of other.newConns) if (t > firstFail[0]) elsewhere++;
    const last = h.newConns[h.newConns.length - 1];
    removals.push({
      realServer: h.rip, name: rsName, failedFrame: firstFail[2], lastNewConnectionFrame: last?.[1] ?? null,
      usedAfterFailure: usedAfter.length > 0, sentElsewhere: elsewhere,
    });
    if (usedAfter.length > 0) addF('rs-failed-health-check-still-used', h.rip, [firstFail[2], ...usedAfter], { rs: who, director: failDir, connections: usedAfter.length });
    let flips = 0;
    for (let i = 1; i < h.results.length; i++) if (h.results[i - 1]![1] && !h.results[i]![1]) flips++;
    if (flips >= 2) {
      const fails = h.results.filter((r) => !r[1]);
      addF('health-check-flapping', h.rip, fails.map((r) => r[2]), { rs: who, director: failDir, failures: fails.length });
    }
  }

  const splitBrain = v.splitBrain.map((b) => ({ vrid: b.vrid, macs: b.macs, frames: b.frames }));
  for (const b of v.splitBrain) {
    const routersNamed = b.macs.map((m) => routerName(m) ?? m).sort();
    addF('ha-split-brain', String(b.vrid), b.frames, { vrid: b.vrid, routers: routersNamed, seconds: Math.round(b.seconds * 10) / 10 });
  }
  return { routers, masters, failovers, vipOwners, sync, healthChecks, removals, splitBrain };
}

/** The MACs of a pair's routers: their gratuitous ARPs for the VIP are takeovers, not flapping. */
export function routerMacsOf(pair: DirectorPairReport | null): ReadonlySet<string> {
  return new Set(pair === null || pair.splitBrain.length > 0 ? [] : pair.routers.map((r) => r.mac));
}
