/**
 * Which scheduler and persistence explain the director's decisions: per service, across the ports
 * of one VIP (persistence with port 0 or a firewall mark), and services grouped by a firewall mark.
 */
import { maskAddress, parseIPv4 } from '../../ipvs/address.js';
import type { SchedulerReport } from '../../ipvs/report.js';
import type { DoneFlow } from '../done-flow.js';
import type { FindingBook } from '../finding-book.js';
import { inferScheduler, type ObservedDecision } from '../infer-scheduler.js';
import { clientSwitched } from '../rules/persistence.js';
import type { RsState, ServiceState } from '../state.js';
import type { ServiceReportX } from './summarize.js';

export function rsIdent(r: RsState): string {
  return r.ip ?? r.mac ?? '?';
}

/** Scheduler and persistence for one service. */
/**
 * persistenceUnseen: every client seen at two times kept one server, yet no persistence is claimed
 * because the scheduler alone explains that as well (rr's turn came round, or a hash pins clients).
 */
export function inferService(s: ServiceState, book: FindingBook): {
  scheduler: SchedulerReport; persistence: null | { timeoutAtLeast: number; netmask?: string }; persistenceUnseen: boolean;
} {
  const servers = s.rs.map(rsIdent);
  const index = new Map<RsState, number>(s.rs.map((r, i) => [r, i]));
  const decisions: ObservedDecision[] = [];
  for (const d of s.decisions) {
    if (d.chosen === null) continue;
    const active = Array(servers.length).fill(0) as number[];
    const inactive = Array(servers.length).fill(0) as number[];
    for (const x of d.snap) {
      const i = index.get(x.rs);
      if (i !== undefined) { active[i] = x.a; inactive[i] = x.i; }
    }
    decisions.push({ t: d.t, saddr: d.saddr, sport: d.sport, daddr: d.daddr, dport: d.dport, proto: d.proto, chosen: index.get(d.chosen)!, active, inactive });
  }
  const ports = s.rs.map((r) => r.port);
  const plain = inferScheduler({ servers, ports, decisions });

  // Persistence: every client with several connections kept one real server.
  const byClient = new Map<string, ObservedDecision[]>();
  for (const d of decisions) {
    const l = byClient.get(d.saddr) ?? [];
    l.push(d);
    byClient.set(d.saddr, l);
  }
  // Only a client seen at two different times says anything about persistence: connections in
  // the same instant (a capture whose timestamps are all equal) would be pinned by any template.
  const multi = [...byClient.values()].filter(timeSeparated);
  const pinned = multi.filter((l) => l.every((d) => d.chosen === l[0]!.chosen));
  const topPlain = plain.candidates[0]?.score ?? 0;
  // Only client-pinning hashes explain every decision: persistence pins clients as well, and a
  // hash fitted to a few clients (weights searched) is no better evidence than it.
  const hashOnly = topPlain === 1 && tiedOf(plain).every((c) => PINNING.has(c.name) && c.flags === undefined);
  if (multi.length > 0 && pinned.length >= Math.max(1, Math.ceil(multi.length * 0.8)) && (topPlain < 1 || hashOnly)) {
    const { netmask, persistent } = persistentFirsts(decisions, servers, ports);
    if (hashOnly && pinned.length === multi.length && unpinnedTop(persistent) === 1) {
      return { scheduler: tieOf(plain, persistent), persistence: null, persistenceUnseen: true };
    }
    if (!hashOnly && (persistent.candidates[0]?.score ?? 0) >= topPlain) {
      let gap = 0;
      for (const l of pinned) for (let i = 1; i < l.length; i++) gap = Math.max(gap, l[i]!.t - l[i - 1]!.t);
      for (const l of multi) {
        if (pinned.includes(l)) continue;
        const sw = l.findIndex((d) => d.chosen !== l[0]!.chosen);
        const d = s.decisions.find((x) => x.saddr === l[sw]!.saddr && x.t === l[sw]!.t);
        clientSwitched(book, s, l[0]!.saddr, d ? d.n : null);
      }
      const timeoutAtLeast = Math.max(1, Math.floor(gap));
      return { scheduler: persistent, persistence: netmask !== null ? { timeoutAtLeast, netmask } : { timeoutAtLeast }, persistenceUnseen: false };
    }
  }
  const allPinned = multi.length > 0 && pinned.length === multi.length && plain.name !== 'unknown';
  return { scheduler: plain, persistence: null, persistenceUnseen: allPinned };
}

/** Schedulers that send one client (sh, mh) or one destination (dh, lblc, lblcr) to one server. */
const PINNING = new Set(['sh', 'mh', 'dh', 'lblc', 'lblcr']);

/** The best score of a scheduler that does not pin clients by itself: what persistence adds. */
function unpinnedTop(r: SchedulerReport): number {
  return r.candidates.find((c) => !PINNING.has(c.name))?.score ?? 0;
}

function tiedOf(r: SchedulerReport): SchedulerReport['candidates'] {
  const top = r.candidates[0]?.score ?? 0;
  return r.candidates.filter((c) => c.score >= top - 1e-9);
}

/** Both explain every decision: a pinning hash, or another scheduler with persistence. */
function tieOf(plain: SchedulerReport, persistent: SchedulerReport): SchedulerReport {
  const tied = [...tiedOf(plain)];
  const top = unpinnedTop(persistent);
  for (const c of persistent.candidates) if (c.score >= top - 1e-9 && !PINNING.has(c.name) && !tied.some((t) => t.name === c.name)) tied.push(c);
  const rest = plain.candidates.filter((c) => !tied.some((t) => t.name === c.name));
  return { name: 'ambiguous', confidence: Math.round((plain.confidence / tied.length) * 1000) / 1000, candidates: [...tied, ...rest] };
}

/**
 * The scheduler of each persistence template's first connection, a template per client or per
 * client network (ipvsadm -M) when clients of one network shared a server. Networks from /32
 * down to /24 while every network kept one server; the one whose first connections a scheduler
 * that does not pin clients by itself explains best (the narrowest on a tie). IPv4 clients only
 * (an IPv6 -M is a prefix length; no capture has shown one).
 */
function persistentFirsts(decisions: readonly ObservedDecision[], servers: readonly string[], ports: readonly number[]): {
  netmask: string | null; persistent: SchedulerReport;
} {
  let best: { netmask: string | null; persistent: SchedulerReport } | null = null;
  const v4 = decisions.every((d) => parseIPv4(d.saddr) !== null);
  for (let prefix = 32; prefix >= (v4 ? 24 : 32); prefix--) {
    const groups = new Map<string, ObservedDecision[]>();
    for (const d of decisions) {
      const key = v4 ? maskAddress(d.saddr, prefix) : d.saddr;
      const l = groups.get(key) ?? [];
      l.push(d);
      groups.set(key, l);
    }
    if ([...groups.values()].some((l) => l.some((d) => d.chosen !== l[0]!.chosen))) break;
    const shared = [...groups.values()].some((l) => new Set(l.map((d) => d.saddr)).size > 1);
    if (prefix < 32 && !shared) continue;
    const firsts = [...groups.values()].map((l) => l[0]!).sort((a, b) => a.t - b.t);
    const persistent = inferScheduler({ servers, ports, decisions: firsts });
    if (best === null || unpinnedTop(persistent) > unpinnedTop(best.persistent)) {
      best = { netmask: prefix < 32 ? maskAddress('255.255.255.255', prefix) : null, persistent };
    }
  }
  if (best !== null) return best;
  // Not even one client kept one server: the per-client firsts, as before.
  const byClient = new Map<string, ObservedDecision>();
  for (const d of decisions) if (!byClient.has(d.saddr)) byClient.set(d.saddr, d);
  const firsts = [...byClient.values()].sort((a, b) => a.t - b.t);
  return { netmask: null, persistent: inferScheduler({ servers, ports, decisions: firsts }) };
}

/** Several decisions for one client, not all at one instant: the only evidence persistence has. */
function timeSeparated(l: readonly { t: number }[]): boolean {
  return l.length > 1 && l.some((d) => d.t !== l[0]!.t);
}

/**
 * Persistence across ports (a port-0 or firewall-mark service with -p): one VIP, several ports,
 * and every client with several connections kept one real server whatever the port. Each port's
 * own decisions are too few to tell; together they are not. Source hashing pins clients too: when
 * sh (or dh, mh) with equal weights explains all the decisions, that simpler answer stands.
 */
export function vipPersistence(services: { report: ServiceReportX; state: ServiceState }[]): void {
  const byVip = new Map<string, { report: ServiceReportX; state: ServiceState }[]>();
  for (const s of services) {
    if (s.report.persistence !== null) continue;
    const l = byVip.get(s.report.vip) ?? [];
    l.push(s);
    byVip.set(s.report.vip, l);
  }
  for (const group of byVip.values()) {
    if (group.length < 2) continue;
    const ips: string[] = [];
    for (const g of group) for (const r of g.state.rs) if (!ips.includes(rsIdent(r))) ips.push(rsIdent(r));
    // One real server in sight (its own capture): every client keeps it whatever the director does.
    if (ips.length < 2) continue;
    const all = group.flatMap((g) => g.state.decisions).filter((d) => d.chosen !== null).sort((a, b) => a.t - b.t);
    const obs: ObservedDecision[] = all.map((d) => {
      const active = Array(ips.length).fill(0) as number[];
      const inactive = Array(ips.length).fill(0) as number[];
      for (const x of d.snap) {
        const i = ips.indexOf(rsIdent(x.rs));
        active[i]! += x.a;
        inactive[i]! += x.i;
      }
      return { t: d.t, saddr: d.saddr, sport: d.sport, daddr: d.daddr, dport: 0, proto: d.proto, chosen: ips.indexOf(rsIdent(d.chosen!)), active, inactive };
    });
    const byClient = new Map<string, ObservedDecision[]>();
    const dport = new Map<ObservedDecision, number>();
    for (let i = 0; i < obs.length; i++) {
      const d = obs[i]!;
      dport.set(d, all[i]!.dport);
      const l = byClient.get(d.saddr);
      if (l === undefined) byClient.set(d.saddr, [d]); else l.push(d);
    }
    const multi = [...byClient.values()].filter(timeSeparated);
    const crossPort = multi.filter((l) => new Set(l.map((d) => dport.get(d))).size > 1);
    if (multi.length < 2 || crossPort.length === 0 || !multi.every((l) => l.every((d) => d.chosen === l[0]!.chosen))) continue;
    const plain = inferScheduler({ servers: ips, decisions: obs });
    const hashed = plain.candidates.some((c) => c.score === 1 && (c.name === 'sh' || c.name === 'dh' || c.name === 'mh')
      && new Set(Object.values(c.weights ?? {})).size <= 1);
    // One scheduler serves the whole group: its decisions together say more than each port's.
    const firsts = [...byClient.values()].map((l) => l[0]!);
    const scheduler = hashed ? plain : inferScheduler({ servers: ips, decisions: firsts });
    let gap = 0;
    for (const l of multi) for (let i = 1; i < l.length; i++) gap = Math.max(gap, l[i]!.t - l[i - 1]!.t);
    const persistence = hashed ? null : { timeoutAtLeast: Math.max(1, Math.floor(gap)) };
    for (let i = 0; i < services.length; i++) {
      const s = services[i]!;
      if (group.includes(s)) services[i] = { ...s, report: { ...s.report, scheduler, persistence } };
    }
  }
}

/** Services on one VIP whose clients share a real server across ports (80 and 443): a fwmark group. */
export function fwmarkGroups(services: { report: ServiceReportX; state: ServiceState }[], connsOf: () => readonly DoneFlow[]): void {
  const byVip = new Map<string, { report: ServiceReportX; state: ServiceState }[]>();
  for (const s of services) {
    const l = byVip.get(s.report.vip) ?? [];
    l.push(s);
    byVip.set(s.report.vip, l);
  }
  let mark = 0;
  for (const group of byVip.values()) {
    if (group.length < 2 || group.some((g) => g.report.persistence === null)) continue;
    // Same client, different ports, same server every time.
    // One pass over the connections (a capture's hundreds of thousands), not one per client.
    const perClient = new Map<string, Set<string>>();
    const ports = new Map<string, Set<number>>();
    for (const c of connsOf()) {
      if (!group.some((g) => g.state === c.svc)) continue;
      let seen = ports.get(c.cip);
      if (seen === undefined) { seen = new Set(); ports.set(c.cip, seen); }
      seen.add(c.svc.port);
      if (c.rs === null) continue;
      const set = perClient.get(c.cip) ?? new Set();
      set.add(c.rs.ip ?? '');
      perClient.set(c.cip, set);
    }
    const shared = [...perClient.entries()].filter(([cip]) => (ports.get(cip)?.size ?? 0) > 1);
    if (shared.length > 0 && shared.every(([, set]) => set.size === 1)) {
      mark++;
      for (let i = 0; i < group.length; i++) group[i] = { ...group[i]!, report: { ...group[i]!.report, fwmark: mark } };
    }
  }
  const flat = [...byVip.values()].flat();
  for (let i = 0; i < services.length; i++) services[i] = flat.find((f) => f.state === services[i]!.state) ?? services[i]!;
}
