/**
 * Grading an analyze report against a truth report (synth --truth, lab --truth): the checks of
 * issues 4 and 5, as a list of human-readable disagreements (empty when they agree).
 */
import { openFrames } from '../../src/decode/index.js';
import type { ClusterReport, FindingCode, ServiceReport } from '../../src/ipvs/report.js';

export interface CompareOptions {
  /**
   * The decisions single out the truth's scheduler: 'ambiguous' fails. Otherwise 'ambiguous' passes
   * when the truth's scheduler is among the top-scored candidates; a named scheduler must be right.
   */
  readonly distinguishable?: boolean;
  readonly allowUnknownScheduler?: boolean;
  /** No scheduler check (e.g. the decisions never left the director). */
  readonly skipScheduler?: boolean;
  /** The method cannot show in this capture: 'unknown' is the honest answer. */
  readonly methodUnknown?: boolean;
  /** Finding codes the model may add beyond the truth's (consequences of the fault). */
  readonly allowFindings?: readonly FindingCode[];
  /** No frame of the connections ever reaches a real server: the truth's choice cannot be seen. */
  readonly realServersUnseen?: boolean;
  /** Addresses that occur anywhere in the capture (IP headers, ARP): what cannot be seen is not required. */
  readonly seen?: ReadonlySet<string>;
  /** Check real-server MACs (not for TUN, whose real servers sit in other networks). */
  readonly checkMacs?: boolean;
}

/** "vip:port" */
export function serviceKey(s: { vip: string; port: number }): string {
  return `${s.vip}:${s.port}`;
}

/** A reported service belongs to a truth service (a port-0 or fwmark service shows as one per port). */
function covers(t: ServiceReport, s: { vip: string; port: number }): boolean {
  return s.vip === t.vip && (t.port === 0 || t.fwmark !== null || s.port === t.port);
}

export function compareReports(got: ClusterReport, truth: ClusterReport, o: CompareOptions = {}): string[] {
  const out: string[] = [];
  const visible = (ip: string | null): boolean => ip !== null && (o.seen === undefined || o.seen.has(ip));
  const want = truth.services.filter((t) => truth.connections.some((c) => covers(t, hostPort(c.virtual))));
  for (const t of want) {
    const mine = got.services.filter((s) => covers(t, s));
    if (mine.length === 0) {
      out.push(`service ${serviceKey(t)} (${t.method}) not found; got ${got.services.map((s) => `${serviceKey(s)}/${s.method}`).join(', ') || 'none'}`);
      continue;
    }
    for (const s of mine) {
      const name = serviceKey(s);
      if (s.method !== t.method && !(o.methodUnknown && s.method === 'unknown')) out.push(`${name}: method ${s.method}, truth ${t.method}`);
      if (t.method !== 'tun' && s.director.mac !== t.director.mac) out.push(`${name}: director mac ${s.director.mac}, truth ${t.director.mac}`);
      // The DIP is required only when some frame carries it.
      if (visible(t.director.ip) && s.director.ip !== t.director.ip) out.push(`${name}: director ip ${s.director.ip}, truth ${t.director.ip}`);
      for (const r of t.realServers) {
        const used = truth.connections.some((c) => c.virtual === name && c.realServer !== null && hostPort(c.realServer).vip === r.ip);
        if (!used || !visible(r.ip) || o.realServersUnseen) continue;
        const rs = s.realServers.find((x) => x.ip === r.ip);
        if (rs === undefined) { out.push(`${name}: real server ${r.ip} missing; got ${s.realServers.map((x) => x.ip).join(', ')}`); continue; }
        if (t.port !== 0 && t.fwmark === null && rs.port !== r.port) out.push(`${name}: real server ${r.ip} port ${rs.port}, truth ${r.port}`);
        if ((o.checkMacs ?? true) && r.mac !== null && rs.mac !== r.mac) out.push(`${name}: real server ${r.ip} mac ${rs.mac}, truth ${r.mac}`);
      }
      for (const rs of s.realServers) {
        if (rs.ip === 'unknown') continue;
        if (!t.realServers.some((r) => r.ip === rs.ip)) out.push(`${name}: reports real server ${rs.ip} that the truth does not have`);
      }
      if (t.persistence === null && s.persistence !== null) out.push(`${name}: persistence ${JSON.stringify(s.persistence)}, truth none`);
      if (t.persistence !== null && s.persistence === null) out.push(`${name}: no persistence found, truth ${t.persistence.timeoutAtLeast}s`);
      if (t.persistence !== null && s.persistence !== null && s.persistence.timeoutAtLeast > t.persistence.timeoutAtLeast) {
        out.push(`${name}: persistence lower bound ${s.persistence.timeoutAtLeast}s above the truth's ${t.persistence.timeoutAtLeast}s`);
      }
      if (!o.skipScheduler) out.push(...compareScheduler(name, s, t, o));
    }
  }
  for (const s of got.services) {
    if (!want.some((t) => covers(t, s))) out.push(`reports a service ${serviceKey(s)}/${s.method} the truth does not have`);
  }
  // ---- connections, matched by client ip:port
  const byClient = new Map(got.connections.map((c) => [`${c.protocol}|${c.client}`, c]));
  for (const c of truth.connections) {
    const g = byClient.get(`${c.protocol}|${c.client}`);
    if (g === undefined) { out.push(`connection ${c.client} → ${c.virtual} missing`); continue; }
    if (g.virtual !== c.virtual) out.push(`connection ${c.client}: virtual ${g.virtual}, truth ${c.virtual}`);
    const rip = c.realServer === null ? null : hostPort(c.realServer).vip;
    // A real server whose address never shows (or that no frame reached) may honestly be null.
    const excused = g.realServer === null && (o.realServersUnseen || !visible(rip));
    if (g.realServer !== c.realServer && !excused) out.push(`connection ${c.client}: real server ${g.realServer}, truth ${c.realServer}`);
  }
  for (const g of got.connections) {
    if (!truth.connections.some((c) => c.client === g.client && c.protocol === g.protocol)) out.push(`reports connection ${g.client} → ${g.virtual} the truth does not have`);
  }
  // ---- findings: the truth's codes, and nothing else unless allowed
  const codes = new Set(got.findings.map((f) => f.code));
  const expected = new Set<string>(truth.findings.map((f) => f.code));
  for (const code of expected) if (!codes.has(code as FindingCode)) out.push(`finding ${code} expected, not reported`);
  const allowed = new Set<string>([...expected, ...(o.allowFindings ?? [])]);
  for (const f of got.findings) {
    if (!allowed.has(f.code)) out.push(`unexpected finding ${f.code} (${f.severity}): ${f.message} frames ${f.frames.slice(0, 5).join(',')}`);
  }
  return out;
}

function hostPort(s: string): { vip: string; port: number } {
  const i = s.lastIndexOf(':');
  return { vip: s.slice(0, i), port: Number(s.slice(i + 1)) };
}

function compareScheduler(name: string, s: ServiceReport, t: ServiceReport, o: CompareOptions): string[] {
  const truthName = t.scheduler.name;
  const sch = s.scheduler;
  const top = sch.candidates[0]?.score ?? 0;
  const topNames: string[] = sch.candidates.filter((c) => Math.abs(c.score - top) < 1e-9).map((c) => c.name);
  if (sch.name === 'unknown') return o.allowUnknownScheduler ? [] : [`${name}: scheduler unknown, truth ${truthName}`];
  if (sch.name === 'ambiguous') {
    const out: string[] = [];
    if (o.distinguishable) out.push(`${name}: scheduler ambiguous (${topNames.join('/')}) but the sequence distinguishes ${truthName}`);
    if (!topNames.includes(truthName)) out.push(`${name}: truth ${truthName} not among the top candidates ${topNames.join('/')}`);
    return out;
  }
  if (sch.name !== truthName) return [`${name}: scheduler ${sch.name} (top ${topNames.join('/')}), truth ${truthName}`];
  if (topNames.length > 1) return [`${name}: ${topNames.join('/')} tie but the report names ${sch.name}`];
  // Weights, where the scheduler uses them and the truth's differ between servers.
  const tw = t.scheduler.candidates[0]?.weights;
  const gw = sch.candidates[0]?.weights;
  if (tw !== undefined && gw !== undefined && new Set(Object.values(tw)).size > 1) {
    const ratio = (w: Readonly<Record<string, number>>): string => {
      const ips = Object.keys(tw).filter((ip) => (tw[ip] ?? 0) > 0).sort();
      const vals = ips.map((ip) => w[ip] ?? 0);
      const g = vals.reduce((a, b) => gcdN(a, b), 0) || 1;
      return ips.map((ip, i) => `${ip}=${vals[i]! / g}`).join(',');
    };
    if (ratio(gw) !== ratio(tw)) return [`${name}: weights ${ratio(gw)}, truth ${ratio(tw)}`];
  }
  return [];
}

function gcdN(a: number, b: number): number {
  return b === 0 ? a : gcdN(b, a % b);
}

/** Every IPv4 address that occurs in the files: IP headers (inner and outer) and ARP. */
export function addressesSeen(files: readonly string[]): Set<string> {
  const seen = new Set<string>();
  const source = openFrames(files);
  try {
    for (const f of source) {
      for (const l of f.layers) {
        if (l.type === 'ipv4') { seen.add(l.src); seen.add(l.dst); } else if (l.type === 'arp') { seen.add(l.spa); seen.add(l.tpa); }
      }
    }
  } finally {
    source.close();
  }
  return seen;
}
