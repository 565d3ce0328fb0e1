/**
 * From the engine's end state to the ClusterReport (the `analyze --format json` document) and the
 * Knowledge a second, explaining pass starts from: hosts and roles, services with method and
 * evidence, scheduler and persistence inference, connections, findings.
 */
import type {
  ClusterReport, ConnectionReport, FindingCode, FindingParamsByCode, FindingReport, FindingSeverity, ForwardingMethod,
  HostReport, HostRole, RealServerReport, SchedulerReport, ServiceReport,
} from '../ipvs/report.js';
import type { ServiceSpec } from '../ipvs/ipvsadm/index.js';
import { methodOf, type DoneFlow, type Engine, type FindingAcc } from './engine.js';
import { inferScheduler, type ObservedDecision } from './infer-scheduler.js';
import { serviceClaims } from './claims.js';
import { perFlowOuterSources } from './outer-sources.js';
import { compareIp, ipPort, type TunnelKind } from './packet.js';
import { hasEvidence, newRs, UNKNOWN_VIP, type RsState, type ServiceState } from './state.js';

const UNKNOWN_SCHEDULER: SchedulerReport = { name: 'unknown', confidence: 0, candidates: [] };
import type { Knowledge } from './types.js';

/** ServiceReport plus the optional fields lvscope adds. */
export interface ServiceReportX extends ServiceReport {
  /** Tunnel encapsulations seen for a 'tun' service: ipip, gre, gue, sit (IPv6 in IPv4), ip6ip6. */
  readonly tunnel?: readonly TunnelKind[];
}

export interface Summary {
  readonly report: ClusterReport;
  readonly knowledge: Knowledge;
  /** Reported services with their engine state, for the ipvsadm views. */
  readonly services: readonly { readonly report: ServiceReportX; readonly state: ServiceState }[];
  /** Connection entries alive at the end of the capture (for ipvsadm -Lnc). */
  readonly liveAtEnd: readonly DoneFlow[];
  readonly endTime: number;
  /** Frame number → finding codes that cite it. */
  readonly findingFrames: ReadonlyMap<number, readonly FindingCode[]>;
}

export interface SummarizeOptions {
  readonly files: readonly string[];
  readonly names?: ReadonlyMap<string, string>;
  readonly vips?: readonly { readonly ip: string; readonly port: number | null }[];
  readonly rules?: readonly ServiceSpec[] | null;
  /** The rules text as written: ipvsadm silently drops a DR/TUN port mapping, so look at the words. */
  readonly rulesText?: string | null;
  readonly lang?: 'en' | 'zh';
}

const SEVERITY_ORDER: Readonly<Record<FindingSeverity, number>> = { error: 0, warning: 1, info: 2 };

export function summarize(engine: Engine, opts: SummarizeOptions): Summary {
  const hintVips = opts.vips ?? [];
  const all = [...engine.services.values()];
  const evidenced = all.filter(hasEvidence);
  const hinted = (s: ServiceState): boolean => hintVips.some((v) => v.ip === s.vip && (v.port === null || v.port === s.port));
  const served = directServers(engine);
  let chosen = all.filter((s) => hasEvidence(s) || (hinted(s) && s.newConns > 0) || (s.newConns + s.bypassed > 0 && served.has(s.vip)));
  if (evidenced.length === 0) {
    // Nothing shows a director at work: report destinations clients tried and that never answered
    // (a capture of the client side only), with the method honestly unknown.
    // A NAT director's outside answers like one server: say so rather than find nothing. Several
    // TCP connections to one address, so that a client's everyday traffic is not called a cluster.
    for (const s of all) if (!chosen.includes(s) && s.newConns > 0 && (!s.answered || s.proto === 'tcp' && s.newConns >= 3)) chosen.push(s);
  }
  // A "VIP" that is itself a real server of another service is a NAT hop in front (a firewall's DNAT).
  const rips = new Set<string>();
  for (const s of chosen) for (const r of s.rs) if (r.ip !== null) rips.add(r.ip);
  chosen = chosen.filter((s) => !rips.has(s.vip) || hasEvidence(s) && s.dr + s.tun > 0);
  chosen.sort((a, b) => a.firstN - b.firstN);
  const vips = new Set(chosen.map((s) => s.vip));

  // One real server seen from inside (its own capture): clients from beyond one front host,
  // addressed to the server's own address and answered back through it. Most likely a NAT real
  // server behind its director (the front host); a plain router in front of one server looks the
  // same. Reported as NAT with the VIP unknown, never the RIP as the VIP; the claims say how sure.
  const oneServer = new Set(chosen.filter((s) => s.insideOf !== null && s.vip === UNKNOWN_VIP && s.rs.length < 2 && s.fullnat === 0));

  // Resolve real-server addresses learnt only by MAC.
  for (const s of chosen) for (const r of s.rs) if (r.ip === null && r.mac !== null) r.ip = ripOfMac(engine, r.mac, vips);

  // A cooked capture (tcpdump -i any) keeps no destination MAC: the director's DR forward shows,
  // the real server it went to does not. The director's own ARP still names its real servers (the
  // addresses it resolved that are neither its own, the VIP nor its upstream gateway): listed, with
  // no connection assigned to them.
  const blind = new Set<ServiceState>();
  for (const s of chosen) {
    if (s.drNoMac === 0 || s.rs.length > 0 || s.directorMac === null) continue;
    blind.add(s);
    const own = engine.macIps.get(s.directorMac);
    for (const ip of engine.arpAsked.get(s.directorMac) ?? []) {
      const mac = engine.ipMac.get(ip);
      if (mac === undefined || vips.has(ip) || own?.has(ip) === true || directorMacOf(chosen, mac) || (engine.upstreamMacs.get(mac) ?? 0) > 0) continue;
      s.rs.push(newRs(ip, s.port, mac, s.firstN));
    }
  }

  // At the gateway, one MAC answering every connection for the VIP is one DR real server or a
  // router in front of TUN real servers: without the director's forward the two look the same.
  const oneReplier = new Map<ServiceState, { mac: string; ip: string | null }>();
  for (const s of chosen) {
    const r = s.rs[0];
    if (s.drSplit < 2 || s.dr + s.tun + s.drAtRs > 0 || s.rs.length !== 1 || r === undefined || r.mac === null) continue;
    // Every reply with a host's initial TTL: sent by that host itself, not forwarded by a router
    // (which takes one off): one DR real server, the only one that answered here.
    if (s.hostReplies === s.drSplit) continue;
    oneReplier.set(s, { mac: r.mac, ip: r.ip });
    r.ip = null;
  }
  // Replies that crossed a router come from real servers beyond it, which DR cannot reach: TUN, and
  // that one MAC is the router in front of them, not a real server (MAC → its own address).
  const routed = (s: ServiceState): boolean => oneReplier.has(s) && s.routedReplies === s.drSplit;
  const routers = new Map<string, string | null>();
  for (const [s, r] of oneReplier) if (routed(s)) routers.set(r.mac, r.ip);

  // ---- names
  const names = new Map<string, string>();
  const rsIps = new Set<string>();
  for (const s of chosen) for (const r of s.rs) if (r.ip !== null) rsIps.add(r.ip);
  [...rsIps].sort(compareIp).forEach((ip, i) => names.set(ip, `WEB${i + 1}`));
  for (const [ip, name] of opts.names ?? []) names.set(ip, name);

  // Nothing forwarded (every server down, or the director's own ARP unanswered): the director is
  // the one host that claims the VIP in ARP and does not answer the clients itself.
  for (const s of chosen) {
    if (s.directorMac !== null) continue;
    const own = vipClaimers(engine, s.vip).filter((m) => !(served.get(s.vip)?.has(m) ?? false));
    if (own.length === 1) s.directorMac = own[0]!;
  }

  // ---- roles
  const directorMacs = new Set<string>();
  for (const s of chosen) if (s.directorMac !== null) directorMacs.add(s.directorMac);
  const directorIps = new Set<string>();
  for (const m of directorMacs) for (const ip of engine.macIps.get(m) ?? []) if (!vips.has(ip)) directorIps.add(ip);
  for (const s of chosen) if (s.directorIp !== null) directorIps.add(s.directorIp);
  for (const s of chosen) for (const l of s.lips) directorIps.add(l);
  // One balancer whose outer sources vary per flow is not one director per source.
  const perFlow = perFlowOuterSources(chosen);
  const rsMacs = new Map<string, string>();
  for (const s of chosen) for (const r of s.rs) if (r.mac !== null && r.ip !== null) rsMacs.set(r.mac, r.ip);
  const clients = new Set<string>();
  const conns = engine.done.filter((d) => chosen.includes(d.svc)).sort((a, b) => a.index - b.index);
  for (const c of conns) clients.add(c.cip);
  // A capture on a client: its own MAC receives the replies, but it is the client, not a gateway.
  const clientMacs = new Set<string>();
  const anyClients = new Set<string>(clients);
  for (const d of engine.done) anyClients.add(d.cip);
  for (const ip of anyClients) { const m = engine.ipMac.get(ip); if (m !== undefined) clientMacs.add(m); }
  const gatewayMacs = new Set<string>();
  for (const [mac, count] of engine.upstreamMacs) if (count > 0 && !rsMacs.has(mac) && !directorMacs.has(mac) && !clientMacs.has(mac)) gatewayMacs.add(mac);
  const gatewayIps = new Set<string>();
  for (const m of gatewayMacs) for (const ip of engine.macIps.get(m) ?? []) if (!vips.has(ip) && !rsIps.has(ip)) gatewayIps.add(ip);
  // A router in front of TUN real servers is a gateway of theirs: named a router, never a real server.
  const routerIps = new Set<string>();
  for (const [mac, ip] of routers) {
    gatewayMacs.add(mac);
    if (ip !== null) { gatewayIps.add(ip); routerIps.add(ip); }
  }

  const hosts: HostReport[] = [];
  const seen = new Set<string>();
  const add = (ip: string, role: HostRole, mac: string | null): void => {
    if (seen.has(ip)) return;
    seen.add(ip);
    hosts.push({ ip, mac, role, name: names.get(ip) ?? (routerIps.has(ip) ? 'router' : null) });
  };
  for (const ip of [...gatewayIps].sort(compareIp)) add(ip, 'gateway', engine.ipMac.get(ip) ?? null);
  for (const ip of [...directorIps].sort(compareIp)) if (!perFlow.has(ip)) add(ip, 'director', engine.ipMac.get(ip) ?? null);
  for (const s of chosen) if (s.vip !== UNKNOWN_VIP) add(s.vip, 'director', engine.ipMac.get(s.vip) ?? s.directorMac);
  for (const ip of [...rsIps].sort(compareIp)) add(ip, 'real-server', macOfRs(chosen, ip) ?? engine.ipMac.get(ip) ?? null);
  for (const ip of [...clients].sort(compareIp)) add(ip, 'client', engine.ipMac.get(ip) ?? null);
  for (const ip of [...engine.ipMac.keys()].sort(compareIp)) add(ip, 'other', engine.ipMac.get(ip) ?? null);

  // ---- findings
  const findings = new Map<string, FindingAcc>(engine.findings);
  const addF: AddFinding = (code, severity, subject, message, frames, params): void => {
    const key = `${code}|${subject}`;
    const f = findings.get(key) ?? { code, severity, message, frames: [], params };
    for (const n of frames) if (!f.frames.includes(n) && f.frames.length < 50) f.frames.push(n);
    findings.set(key, f);
  };
  // Real servers known only by MAC (their RIP never shows), and hosts that answer clients of the VIP
  // directly while the director also claims it, count as real servers for the ARP findings.
  const rsMacsArp = new Map<string, string>(rsMacs);
  for (const s of chosen) for (const r of s.rs) if (r.mac !== null && !rsMacsArp.has(r.mac) && !routers.has(r.mac)) rsMacsArp.set(r.mac, r.ip ?? r.mac);
  for (const [vip, macs] of served) {
    if (vips.has(vip)) for (const m of macs.keys()) if (!directorMacs.has(m) && !rsMacsArp.has(m)) rsMacsArp.set(m, ripOfMac(engine, m, vips) ?? m);
  }
  arpFindings(engine, vips, directorMacs, rsMacsArp, names, addF);
  unansweredFromDestination(engine, vips, addF);

  // ---- services
  const services: { report: ServiceReportX; state: ServiceState }[] = [];
  const knowledgeServices = new Map<string, { method: ForwardingMethod; scheduler: string | null; candidates: readonly string[] }>();
  for (const s of chosen) {
    const replier = oneReplier.get(s);
    const method = routed(s) ? 'tun' : replier !== undefined ? 'unknown' : methodOf(s);
    const rsSorted = [...s.rs].filter((r) => r.ip !== null || r.mac !== null).sort((a, b) => compareIp(a.ip ?? '', b.ip ?? '') || a.port - b.port);
    // On one real server only its own share of the decisions shows: no scheduler can be told.
    // So does a capture on the one real server a service shows (TUN or DR, its own MAC in every frame).
    const own = engine.captureHost.candidates;
    const only = s.rs.length === 1 ? s.rs[0]! : null;
    const ownShare = blind.has(s) || oneServer.has(s) || s.drAtRs > 0 && s.dr + s.drSplit + s.nat + s.natReply + s.tun + s.fullnat === 0
      || oneReplier.has(s)
      || only !== null && own.length > 0 && (only.mac !== null && own.includes(only.mac) || only.ip !== null && own.includes(engine.ipMac.get(only.ip) ?? ''));
    const { scheduler, persistence } = ownShare ? { scheduler: UNKNOWN_SCHEDULER, persistence: null } : inferService(s, addF);
    const realServers: RealServerReport[] = rsSorted.map((r) => {
      const w = scheduler.candidates[0]?.weights?.[rsIdent(r)];
      const base = { ip: r.ip ?? 'unknown', port: r.port, mac: r.mac ?? (r.ip !== null ? engine.ipMac.get(r.ip) ?? null : null), connections: r.conns, activeAtEnd: r.active, inactiveAtEnd: r.inactive };
      return w !== undefined && scheduler.name !== 'ambiguous' && scheduler.name !== 'unknown' ? { ...base, weight: w } : base;
    });
    // A director that asks ARP from the VIP has the VIP as its primary address (vip-primary-on-director).
    const vipPrimary = s.directorMac !== null && (engine.arpPairs.get(`${s.vip}|${s.directorMac}`)?.requests.length ?? 0) > 0;
    const varying = [...new Set([...s.outerSources.keys()].flatMap((ip) => perFlow.get(ip) ?? []))].sort(compareIp);
    const dirIp = varying.length > 0 ? null : s.directorIp ?? firstDip(engine, s.directorMac, vips) ?? (vipPrimary ? s.vip : null);
    const report: ServiceReportX = {
      vip: s.vip, port: s.port, protocol: s.proto, fwmark: null, method,
      methodEvidence: methodEvidence(s, method),
      director: { ip: dirIp, mac: s.directorMac, ...(varying.length > 0 ? { outerSources: varying } : {}) },
      scheduler, persistence, realServers: replier !== undefined ? [] : realServers,
      ...serviceClaims(s, {
        method, ownShare, oneServer: oneServer.has(s), blind: blind.has(s), oneReplier: replier !== undefined,
        rsListed: replier !== undefined ? 0 : realServers.length, vipGiven: hinted(s),
      }),
      ...(s.tunnelKinds.size > 0 ? { tunnel: [...s.tunnelKinds].sort() } : {}),
    };
    services.push({ report, state: s });
    // One answer everywhere: frames name a scheduler only when the cluster section does.
    const decided = scheduler.name !== 'unknown' && scheduler.name !== 'ambiguous';
    knowledgeServices.set(s.key, {
      method, scheduler: decided ? scheduler.name : null,
      // The tied best, as the cluster section lists them.
      candidates: decided ? [] : scheduler.candidates.filter((c) => c.score >= (scheduler.candidates[0]?.score ?? 0) - 1e-9).map((c) => c.name),
    });
  }
  vipPersistence(services);
  fwmarkGroups(services, conns);
  if (opts.rules) compareRules(opts.rules, services, conns, addF);
  if (opts.rulesText) writtenPortMappings(opts.rulesText, services, addF);

  const findingList: FindingReport[] = [...findings.values()]
    .map((f) => ({ code: f.code, severity: f.severity, message: f.message, frames: [...f.frames].sort((a, b) => a - b), params: f.params }))
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.frames[0] ?? 0) - (b.frames[0] ?? 0) || (a.code < b.code ? -1 : 1));
  const findingFrames = new Map<number, FindingCode[]>();
  for (const f of findingList) for (const n of f.frames) {
    const l = findingFrames.get(n) ?? [];
    if (!l.includes(f.code)) l.push(f.code);
    findingFrames.set(n, l);
  }

  // One text and one snapshot per real server, shared by its (possibly millions of) connections.
  const rsText = new Map<RsState, string>();
  const rsSnap = new Map<RsState, { ip: string | null; mac: string | null; port: number }>();
  const rsTextOf = (rs: RsState & { ip: string }): string => {
    let t = rsText.get(rs);
    if (t === undefined) { t = ipPort(rs.ip, rs.port); rsText.set(rs, t); }
    return t;
  };
  const rsSnapOf = (rs: RsState): { ip: string | null; mac: string | null; port: number } => {
    let s = rsSnap.get(rs);
    if (s === undefined) { s = { ip: rs.ip, mac: rs.mac, port: rs.port }; rsSnap.set(rs, s); }
    return s;
  };
  const connRs = new Map<number, { ip: string | null; mac: string | null; port: number }>();
  for (const c of conns) if (c.rs !== null) connRs.set(c.index, rsSnapOf(c.rs));
  const connections: ConnectionReport[] = conns.map((c) => ({
    protocol: c.proto, client: c.client, virtual: c.virtual,
    realServer: c.rs !== null && c.rs.ip !== null ? rsTextOf(c.rs as RsState & { ip: string }) : null,
    firstFrame: c.firstN, lastFrame: c.lastN, state: c.state,
  }));

  const report: ClusterReport = {
    capture: { files: [...opts.files], frames: engine.frames },
    hosts,
    services: services.map((s) => s.report),
    connections,
    findings: findingList,
  };
  const knowledge: Knowledge = {
    vips, directorMacs, directorIps, gatewayMacs, gatewayIps, rsMacs, rsIps, clients,
    rsOnlyMacs: new Set([...rsMacsArp.keys()].filter((m) => !rsMacs.has(m) && !directorMacs.has(m))),
    routerMacs: routers,
    insideMacs: new Set(chosen.filter((s) => s.insideOf !== null).map((s) => s.insideOf!)),
    ipMac: engine.ipMac, names, services: knowledgeServices,
    connRs,
  };
  return {
    report, knowledge, services,
    liveAtEnd: conns.filter((c) => c.expiresAt !== null && c.expiresAt > engine.lastT),
    endTime: engine.lastT, findingFrames,
  };
}

/** MACs that claim an IP in ARP (replies and announcements). */
function vipClaimers(engine: Engine, vip: string): string[] {
  const out: string[] = [];
  for (const pair of engine.arpPairs.values()) {
    if (pair.spa === vip && pair.replies.length + pair.announces.length + pair.requests.length > 0 && !out.includes(pair.sha)) out.push(pair.sha);
  }
  return out;
}

/**
 * VIP → MACs that answered its clients directly (SYN-ACK from the VIP, no director hop) although
 * another MAC claims the VIP too: a real server holding the VIP that took the director's place.
 */
function directServers(engine: Engine): Map<string, Map<string, number[]>> {
  const out = new Map<string, Map<string, number[]>>();
  for (const d of engine.directServed.values()) {
    const claimers = vipClaimers(engine, d.vip);
    if (claimers.length < 2 || !claimers.includes(d.mac)) continue;
    const m = out.get(d.vip) ?? new Map<string, number[]>();
    m.set(d.mac, d.frames);
    out.set(d.vip, m);
  }
  return out;
}

function directorMacOf(services: readonly ServiceState[], mac: string): boolean {
  return services.some((s) => s.directorMac === mac);
}

function rsIdent(r: RsState): string {
  return r.ip ?? r.mac ?? '?';
}

function macOfRs(services: readonly ServiceState[], ip: string): string | null {
  for (const s of services) for (const r of s.rs) if (r.ip === ip && r.mac !== null) return r.mac;
  return null;
}

function ripOfMac(engine: Engine, mac: string, vips: ReadonlySet<string>): string | null {
  const ips = [...(engine.macIps.get(mac) ?? [])].filter((ip) => !vips.has(ip)).sort(compareIp);
  const sent = engine.macSrcIp.get(mac);
  return ips[0] ?? (sent !== undefined && !vips.has(sent) ? sent : null);
}

function firstDip(engine: Engine, mac: string | null, vips: ReadonlySet<string>): string | null {
  if (mac === null) return null;
  return ripOfMac(engine, mac, vips);
}

function methodEvidence(s: ServiceState, method: ForwardingMethod): string[] {
  const out: string[] = [];
  if (s.dr > 0) out.push(`${s.dr} client packets seen twice: to the director's MAC, then from the director to a real server's MAC with the IP header unchanged except TTL−1 (DR)`);
  if (s.nat > 0) out.push(`${s.nat} client packets rewritten by the director from the VIP to a real server's address (NAT)`);
  if (s.natReply > 0) out.push(`${s.natReply} replies rewritten by the director from the real server's address back to the VIP (NAT)`);
  if (s.tun > 0) {
    const kinds = [...s.tunnelKinds].sort().map((k) => TUNNEL_NAMES[k]).join(', ');
    out.push(`${s.tun} client packets encapsulated from the director to a real server (${kinds}) with the client→VIP packet inside unchanged (TUN)`);
  }
  if (s.tunIcmp > 0) {
    const kinds = [...s.tunnelKinds].sort().map((k) => TUNNEL_NAMES[k]).join(', ');
    out.push(`${s.tunIcmp} ICMP errors about the service's replies, sent to the VIP, passed on by the director to a real server in its tunnel (${kinds}) (TUN)`);
  }
  if (s.fullnat > 0) out.push(`${s.fullnat} packets sent from a director local address to a real server, carrying the client in TCP option 254 (TOA) (FULLNAT)`);
  if (s.drSplit > 0 && method === 'tun') out.push(`all ${s.drSplit} connections are answered from the VIP through one other MAC (${s.rs[0]?.mac ?? '?'}) than the director's, with a TTL one below the usual initial one: that MAC is a router, so the real servers sit beyond it, where DR cannot reach; the director tunnels to them (TUN). The tunnel and the real servers' addresses do not pass this capture point`);
  else if (s.drSplit > 0 && method === 'unknown') out.push(`all ${s.drSplit} connections are answered from the VIP by one other MAC (${s.rs[0]?.mac ?? '?'}) than the director's: a single DR real server, or a router in front of TUN real servers. The director's forward is not in this capture, so which cannot be told`);
  else if (s.drSplit > 0) out.push(`${s.drSplit} connections answered from the VIP by another MAC than the one the client's packets were sent to (the director's): the real servers reply directly (DR). The director's forward to them does not pass this capture point (a switched LAN); each connection's real server is the MAC its replies come from`);
  if (s.drNoMac > 0 && s.rs.every((r) => r.conns === 0)) out.push(`${s.drNoMac} of the director's forwards were captured without a destination MAC (a Linux cooked capture, tcpdump -i any): which real server took each connection cannot show. The real servers listed are the addresses the director resolved by ARP; a capture on the director's LAN interface would decide each connection's`);
  if (s.drAtRs > 0) out.push(`${s.drAtRs} connections to the VIP arrived from the director's MAC and were answered with the VIP as source towards another MAC (the gateway): a DR real server (the VIP sits on its loopback, so it does not answer ARP for it)`);
  if (s.natInside > 0 && method === 'nat') {
    const vip = s.vip === UNKNOWN_VIP ? 'the VIP never appears in this capture (name it with --vip)' : `the VIP ${s.vip} is the one given with --vip`;
    out.push(`${s.natInside} connections from clients beyond the director arrive from its MAC addressed to the real servers' own addresses (RIP:port) and are answered back to it: the inside of a NAT director; ${vip}`);
    if (s.rs.length === 1) out.push(ONE_SERVER_EN);
  }
  if (s.bypassed > 0 && method === 'unknown') {
    out.push(`${s.bypassed} connections were answered by another host that also claims the VIP in ARP: they never reached the director, so its forwarding method cannot show`);
  } else if (method === 'unknown' && (s.natInside > 0 || s.answered && s.drSplit === 0)) {
    out.push('every connection is answered by the host it was sent to, back through the same front MAC: from this side the cluster looks like one server. It may be a NAT director\'s outside (the address is the VIP) or one real server behind a director or router (NAT inside); a second real server, a capture of the other side or --vip would decide');
  } else if (method === 'unknown' && s.drSplit === 0) {
    out.push('only client→VIP packets are visible: no forwarded copy, tunnel or rewritten reply is in the capture, so the forwarding method cannot be told; capture where the director\'s output is visible too');
  }
  return out;
}

const ONE_SERVER_EN = 'only one real server shows (this is likely its own capture): the host in front is most likely its NAT director (confidence 0.6), but a plain router in front of one server looks the same from here; a capture on the director\'s outside (where the VIP shows) or of a second real server would decide';

export const TUNNEL_NAMES: Readonly<Record<TunnelKind, string>> = {
  ipip: 'IPIP (IP protocol 4)', ip4ip6: 'IPv4-in-IPv6 (next header 4)', gre: 'GRE (IP protocol 47)', gue: 'GUE (UDP)', sit: 'IPv6-in-IPv4 (protocol 41)', ip6ip6: 'IPv6-in-IPv6',
};

type AddFinding = <C extends FindingCode>(
  code: C, severity: FindingSeverity, subject: string, message: string, frames: readonly number[], params: FindingParamsByCode[C],
) => void;

function arpFindings(
  engine: Engine, vips: ReadonlySet<string>, directorMacs: ReadonlySet<string>, rsMacs: ReadonlyMap<string, string>,
  names: ReadonlyMap<string, string>, addF: AddFinding,
): void {
  for (const vip of vips) {
    const claimers = new Map<string, number[]>();
    for (const pair of engine.arpPairs.values()) {
      if (pair.spa !== vip) continue;
      const frames = [...pair.replies, ...pair.announces];
      if (frames.length > 0) claimers.set(pair.sha, frames);
      const rip = rsMacs.get(pair.sha);
      const who = rip !== undefined && rip !== pair.sha ? `${names.get(rip) ?? rip} (${pair.sha})` : pair.sha;
      // A real server known only by its MAC has no RIP to give: '' (the catalog names it by MAC).
      const arpParams = { vip, rip: rip !== undefined && rip !== pair.sha ? rip : '', mac: pair.sha, name: rip !== undefined ? names.get(rip) ?? null : null };
      if (rip !== undefined && pair.replies.length > 0) {
        addF('rs-answers-arp-for-vip', 'error', `${vip}|${pair.sha}`,
          `real server ${who} answers ARP for the VIP ${vip}: clients' packets may bypass the director; set arp_ignore=1 and arp_announce=2 on the real server and keep the VIP on lo`, pair.replies, arpParams);
      }
      if (rip !== undefined && (pair.announces.length > 0 || pair.requests.length > 0)) {
        addF('rs-announces-vip', 'warning', `${vip}|${pair.sha}`,
          `real server ${who} sends ARP with the VIP ${vip} as its sender address, teaching the LAN that the VIP lives there; set arp_announce=2`, [...pair.announces, ...pair.requests], arpParams);
      }
      if (directorMacs.has(pair.sha) && pair.requests.length > 0) {
        addF('vip-primary-on-director', 'warning', `${vip}|${pair.sha}`,
          `the director uses the VIP ${vip} as the source of its own ARP requests: the VIP is its primary address; real servers answering to the VIP will reply to themselves. Make the DIP primary and add the VIP as a secondary /32`, pair.requests, { vip });
      }
    }
    if (claimers.size > 1) {
      const frames = [...claimers.values()].flat().sort((a, b) => a - b);
      addF('vip-arp-flapping', 'warning', vip,
        `${claimers.size} different MACs claim the VIP ${vip} in ARP (${[...claimers.keys()].join(', ')}): the gateway's ARP entry flips between them`, frames, { vip, macs: [...claimers.keys()] });
    }
  }
}

/**
 * Seen where no service shows (a real server's own capture of a director whose VIP is its primary
 * address): a host asks ARP again and again from an address the gateway itself resolves (the
 * address the clients are sent to), and nobody answers. Real servers holding the VIP on lo drop
 * ARP requests whose sender address is their own VIP (a martian source), so the director never
 * learns their MACs and the clients get "no route to host".
 */
function unansweredFromDestination(engine: Engine, vips: ReadonlySet<string>, addF: AddFinding): void {
  for (const pair of engine.arpPairs.values()) {
    if (vips.has(pair.spa) || pair.requests.length < 3) continue;
    const resolvedByOthers = [...engine.arpAsked].some(([mac, asked]) => mac !== pair.sha && asked.includes(pair.spa));
    if (!resolvedByOthers) continue;
    const targets = engine.arpAsked.get(pair.sha) ?? [];
    // Answered targets show in the capture's ARP (ipMac); none of these ever was.
    if (targets.length === 0 || targets.some((ip) => engine.ipMac.has(ip))) continue;
    addF('vip-primary-on-director', 'warning', `${pair.spa}|${pair.sha}`,
      `the director uses the VIP ${pair.spa} as the source of its own ARP requests: the VIP is its primary address; real servers answering to the VIP will reply to themselves. Make the DIP primary and add the VIP as a secondary /32`, pair.requests, { vip: pair.spa });
  }
}

/** Scheduler and persistence for one service. */
function inferService(s: ServiceState, addF: AddFinding): { scheduler: SchedulerReport; persistence: null | { timeoutAtLeast: number } } {
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
  if (multi.length > 0 && pinned.length >= Math.max(1, Math.ceil(multi.length * 0.8)) && topPlain < 1) {
    const firsts = [...byClient.values()].map((l) => l[0]!).sort((a, b) => a.t - b.t);
    const persistent = inferScheduler({ servers, ports, decisions: firsts });
    if ((persistent.candidates[0]?.score ?? 0) >= topPlain) {
      let gap = 0;
      for (const l of pinned) for (let i = 1; i < l.length; i++) gap = Math.max(gap, l[i]!.t - l[i - 1]!.t);
      for (const l of multi) {
        if (pinned.includes(l)) continue;
        const sw = l.findIndex((d) => d.chosen !== l[0]!.chosen);
        const d = s.decisions.find((x) => x.saddr === l[sw]!.saddr && x.t === l[sw]!.t);
        addF('persistence-broken', 'warning', `${s.key}|${l[0]!.saddr}`,
          `client ${l[0]!.saddr} switched real server while other clients stay pinned: persistence for ${ipPort(s.vip, s.port)} did not hold (template expired, or a quiesced/removed server)`, d ? [d.n] : [],
          { kind: 'switched', client: l[0]!.saddr, virtual: ipPort(s.vip, s.port) });
      }
      return { scheduler: persistent, persistence: { timeoutAtLeast: Math.max(1, Math.floor(gap)) } };
    }
  }
  return { scheduler: plain, persistence: null };
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
function vipPersistence(services: { report: ServiceReportX; state: ServiceState }[]): void {
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
    for (const d of obs) byClient.set(d.saddr, [...(byClient.get(d.saddr) ?? []), d]);
    const multi = [...byClient.values()].filter(timeSeparated);
    const crossPort = multi.filter((l) => new Set(l.map((d) => all[obs.indexOf(d)]!.dport)).size > 1);
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
function fwmarkGroups(services: { report: ServiceReportX; state: ServiceState }[], conns: readonly DoneFlow[]): void {
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
    const perClient = new Map<string, Set<string>>();
    for (const c of conns) {
      if (!group.some((g) => g.state === c.svc) || c.rs === null) continue;
      const set = perClient.get(c.cip) ?? new Set();
      set.add(c.rs.ip ?? '');
      perClient.set(c.cip, set);
    }
    const ports = (cip: string): number => new Set(conns.filter((c) => c.cip === cip && group.some((g) => g.state === c.svc)).map((c) => c.svc.port)).size;
    const shared = [...perClient.entries()].filter(([cip]) => ports(cip) > 1);
    if (shared.length > 0 && shared.every(([, set]) => set.size === 1)) {
      mark++;
      for (let i = 0; i < group.length; i++) group[i] = { ...group[i]!, report: { ...group[i]!.report, fwmark: mark } };
    }
  }
  const flat = [...byVip.values()].flat();
  for (let i = 0; i < services.length; i++) services[i] = flat.find((f) => f.state === services[i]!.state) ?? services[i]!;
}

const FORWARD_OF: Readonly<Record<string, ForwardingMethod>> = { dr: 'dr', nat: 'nat', tun: 'tun', fullnat: 'fullnat', local: 'dr' };

function compareRules(rules: readonly ServiceSpec[], services: readonly { report: ServiceReportX; state: ServiceState }[], conns: readonly DoneFlow[], addF: AddFinding): void {
  for (const svc of services) {
    const r = svc.report;
    // A firewall-mark rule names no VIP (iptables marks the packets): it is this service's rule when
    // its real servers are the ones the capture shows.
    const rule = rules.find((x) => x.fwmark === 0 && x.vip === r.vip && (x.port === r.port || x.port === 0) && x.protocol === r.protocol)
      ?? rules.find((x) => x.fwmark !== 0 && x.protocol === r.protocol && r.realServers.length > 0 && r.realServers.every((rs) => x.dests.some((d) => d.addr === rs.ip)));
    const name = ipPort(r.vip, r.port);
    const first = svc.state.evidenceFrames.slice(0, 1);
    if (rule === undefined) {
      addF('rules-mismatch', 'warning', `${name}|missing`, `the capture shows a virtual service ${r.protocol.toUpperCase()} ${name} that the rules do not define`, first.length ? first : [svc.state.firstN],
        { kind: 'missing-service', protocol: r.protocol, virtual: name });
      continue;
    }
    for (const d of rule.dests) {
      if ((d.forward === 'dr' || d.forward === 'tun') && rule.port !== 0 && d.port !== rule.port) {
        addF('dr-port-mapping', 'error', `${name}|${d.addr}:${d.port}`,
          `${d.forward === 'dr' ? 'DR' : 'TUN'} real server ${ipPort(d.addr, d.port)} has a different port than the service ${name}: DR and TUN cannot map ports; the packet still arrives for port ${r.port}`, first,
          { kind: 'rules', forward: d.forward, rs: ipPort(d.addr, d.port), virtual: name, port: r.port });
      }
    }
    const ruleMethod = rule.dests[0] ? FORWARD_OF[rule.dests[0].forward] : undefined;
    if (ruleMethod !== undefined && r.method !== 'unknown' && ruleMethod !== r.method) {
      addF('rules-mismatch', 'warning', `${name}|method`, `the rules forward ${name} by ${ruleMethod.toUpperCase()}, the capture shows ${r.method.toUpperCase()}`, first,
        { kind: 'method', virtual: name, rules: ruleMethod, seen: r.method });
    }
    for (const rs of r.realServers) {
      const dest = rule.dests.find((d) => d.addr === rs.ip);
      if (dest === undefined) {
        const frame = svc.state.rs.find((x) => x.ip === rs.ip)?.firstN;
        addF('rules-mismatch', 'warning', `${name}|${rs.ip}`, `real server ${rs.ip} receives connections for ${name} but is not in the rules`, frame !== undefined ? [frame] : first,
          { kind: 'unknown-rs', rs: rs.ip, virtual: name });
      } else if (dest.weight === 0 && rs.connections > 0) {
        const frames = svc.state.decisions.filter((d) => d.chosen?.ip === rs.ip).map((d) => d.n).slice(0, 20);
        addF('quiesced-server-used', 'warning', `${name}|${rs.ip}`,
          `real server ${rs.ip} has weight 0 (quiesced) in the rules but received new connections${rule.persistence !== null ? ' (persistence templates still point at it)' : ''}`, frames,
          { rs: rs.ip, virtual: name, persistent: rule.persistence !== null });
      }
    }
    const sched = r.scheduler;
    if (sched.name !== 'unknown' && sched.name !== 'ambiguous' && sched.name !== rule.scheduler) {
      const ruleScore = sched.candidates.find((c) => c.name === rule.scheduler)?.score ?? 0;
      if (ruleScore < (sched.candidates[0]?.score ?? 0)) {
        addF('rules-mismatch', 'warning', `${name}|scheduler`, `the rules schedule ${name} with ${rule.scheduler}, but the decisions in the capture fit ${sched.name} better`, first,
          { kind: 'scheduler', virtual: name, rules: rule.scheduler, seen: sched.name });
      }
    }
    if (rule.persistence !== null) {
      const timeout = rule.persistence;
      const last = new Map<string, DoneFlow>();
      for (const c of conns) {
        if (c.svc !== svc.state || c.rs === null) continue;
        const prev = last.get(c.cip);
        // Two connections in one instant cannot be ordered against the timeout.
        if (prev !== undefined && prev.rs !== c.rs && c.firstT !== prev.firstT && c.firstT - prev.lastT < timeout) {
          addF('persistence-broken', 'warning', `${name}|${c.cip}`,
            `client ${c.cip} moved from ${prev.rs?.ip} to ${c.rs.ip} within the persistence timeout (${timeout} s) of ${name}`, [c.firstN],
            { kind: 'timeout', client: c.cip, from: prev.rs?.ip ?? '?', to: c.rs.ip ?? '?', timeout, virtual: name });
        }
        last.set(c.cip, c);
      }
    }
  }
}

/** `-a -t VIP:80 -r RIP:8080 -g` as written: ipvsadm turns it into RIP:80 without a word. */
function writtenPortMappings(text: string, services: readonly { report: ServiceReportX; state: ServiceState }[], addF: AddFinding): void {
  for (const line of text.split(/\r?\n/)) {
    const m = /-a\s+-[tu]\s+(\S+?):(\d+)\s.*-r\s+(\S+?):(\d+)/.exec(line);
    if (m === null) continue;
    const forward = /\s-m(\s|$)|--masquerading/.test(line) ? 'nat' : /\s-i(\s|$)|--ipip/.test(line) ? 'tun' : /\s-b(\s|$)|--fullnat/.test(line) ? 'fullnat' : 'dr';
    if ((forward === 'dr' || forward === 'tun') && m[2] !== m[4]) {
      const svc = services.find((s) => s.report.vip === m[1] && String(s.report.port) === m[2]);
      const name = `${m[1]}:${m[2]}`;
      addF('dr-port-mapping', 'error', `${name}|${m[3]}:${m[4]}`,
        `the rules map ${name} to ${m[3]}:${m[4]} with ${forward === 'dr' ? 'DR (-g)' : 'TUN (-i)'}, which cannot change ports: ipvsadm uses port ${m[2]} and the real server must listen there`,
        svc !== undefined ? svc.state.evidenceFrames.slice(0, 1) : [],
        { kind: 'rules-text', forward, rs: `${m[3]}:${m[4]}`, virtual: name, port: Number(m[2]) });
    }
  }
}
