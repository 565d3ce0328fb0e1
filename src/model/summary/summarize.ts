/**
 * From what the engine knows at the end of a pass (its snapshot, only read) to the ClusterReport
 * (the `analyze --format json` document) and the Knowledge a second, explaining pass starts from:
 * hosts and roles, services with method and evidence, scheduler and persistence inference,
 * connections, findings. What it resolves (addresses known only by MAC, a director nothing was
 * forwarded for) it resolves on its own copy (working-copy.ts).
 */
import type {
  ClusterReport, ConnectionReport, FindingCode, FindingReport, FindingSeverity, ForwardingMethod,
  HostReport, HostRole, RealServerReport, SchedulerReport, ServiceReport, UnseenFact,
} from '../../ipvs/report.js';
import type { ServiceSpec } from '../../ipvs/ipvsadm/index.js';
import type { DoneFlow } from '../done-flow.js';
import { FindingBook, type FindingAcc } from '../finding-book.js';
import { methodEvidence, methodOf } from '../method-evidence.js';
import { mixedMethods } from '../../ipvs/methods.js';
import { cookedRealServers, insidePortsApart, ownMethod, tunBehindRouter } from './unattributed.js';
import { serviceClaims } from '../claims.js';
import { perFlowOuterSources } from '../outer-sources.js';
import { compareIp, sortedByIp, type TunnelKind } from '../packet.js';
import { arpFindings, unansweredFromDestination } from '../rules/arp.js';
import { isLinkLocal } from '../roles.js';
import { compareRules, writtenPortMappings } from '../rules/ipvs-rules.js';
import { synFloods } from '../rules/syn-flood.js';
import { straySynAcks } from '../rules/stray-syn-ack.js';
import type { DoneFlowView, EngineSnapshot, RsView, ServiceView } from '../snapshot.js';
import { hasEvidence, UNKNOWN_VIP, type RsState, type ServiceState } from '../state.js';
import type { Knowledge } from '../types.js';
import { fwmarkGroups, inferService, rsIdent, vipPersistence } from './scheduler.js';
import { directorNames } from '../ha/report.js';
import { pairDirectors, summarizePair, withoutHealthChecks } from './pair.js';
import { workingCopy } from './working-copy.js';
import { connectionRows, reportedEntries } from './entries.js';

const UNKNOWN_SCHEDULER: SchedulerReport = { name: 'unknown', confidence: 0, candidates: [] };

/** ServiceReport plus the optional fields lvscope adds. */
export interface ServiceReportX extends ServiceReport {
  /** Tunnel encapsulations seen for a 'tun' service: ipip, gre, gue, sit (IPv6 in IPv4), ip6ip6. */
  readonly tunnel?: readonly TunnelKind[];
  /** One-packet scheduling (ipvsadm -o): a client port's datagrams went to different real servers, one after another. */
  readonly onePacket?: boolean;
}

export interface Summary {
  readonly report: ClusterReport;
  readonly knowledge: Knowledge;
  /** Reported services with their state (the summary's copy), for the ipvsadm views. */
  readonly services: readonly { readonly report: ServiceReportX; readonly state: ServiceState }[];
  /**
   * The entries report.connections lists, in its order, as the engine holds them (the JSON
   * writer's source: see present/report-json); `realServer` gives the report's copy of an entry's
   * real server (whose address summarize may have resolved).
   */
  readonly entries: readonly DoneFlowView[];
  readonly realServer: (rs: RsView) => RsState | null;
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

/** DHCP and DHCPv6, server and client: answered by broadcast or to a host without an address yet. */
const DHCP_PORTS: ReadonlySet<number> = new Set([67, 68, 546, 547]);

const SEVERITY_ORDER: Readonly<Record<FindingSeverity, number>> = { error: 0, warning: 1, info: 2 };

export function summarize(engine: EngineSnapshot, opts: SummarizeOptions): Summary {
  const hintVips = opts.vips ?? [];
  const copy = workingCopy(engine.services.values());
  // Datagrams between a host and one server, with nothing showing balancing (see `undecided`
  // below): a DNS or NTP exchange, no virtual service, and no evidence of one.
  const all = [...copy.services.values()].filter((s) => s.proto === 'tcp' || !oneServerInside(s) || frontSpreads(engine, s));
  const evidenced = all.filter(hasEvidence);
  const hinted = (s: ServiceState): boolean => hintVips.some((v) => v.ip === s.vip && (v.port === null || v.port === s.port));
  const served = directServers(engine);
  let chosen = all.filter((s) => hasEvidence(s) || (hinted(s) && s.newConns > 0) || (s.newConns + s.bypassed > 0 && served.has(s.vip)));
  if (evidenced.length === 0) {
    // Nothing shows a director at work: report destinations clients tried and that never answered
    // (a capture of the client side only), with the method honestly unknown.
    // A NAT director's outside answers like one server: say so rather than find nothing. Several
    // TCP connections to one address (a client's capture of a sh cluster shows two), so that one
    // connection of a client's everyday traffic is not called a cluster.
    // Connections carried both ways in a tunnel between two sites are no service's at all.
    // Datagrams are one-shot exchanges (DNS, NTP, a DHCP answer) more often than a cluster's: one
    // answered by the host they were sent to, a single one, or DHCP's, which no director balances,
    // shows no service.
    for (const s of all) {
      if (chosen.includes(s) || s.newConns === 0 || s.tunReplies > 0) continue;
      if (s.proto === 'tcp' ? !s.answered || s.newConns >= 2 : !s.answered && s.newConns >= 2 && !DHCP_PORTS.has(s.port)) chosen.push(s);
    }
  }
  // A "VIP" that is itself a real server of another service is a NAT hop in front (a firewall's DNAT).
  const rips = new Set<string>();
  for (const s of chosen) for (const r of s.rs) if (r.ip !== null) rips.add(r.ip);
  chosen = chosen.filter((s) => !rips.has(s.vip) || hasEvidence(s) && s.dr + s.tun > 0);
  chosen = withoutHealthChecks(engine, chosen);
  chosen.sort((a, b) => a.firstN - b.firstN);
  const vips = new Set(chosen.map((s) => s.vip));

  // One real server seen from inside (its own capture): clients from beyond one front host,
  // addressed to the server's own address and answered back through it. Most likely a NAT real
  // server behind its director (the front host); a plain router in front of one server looks the
  // same. Reported as NAT with the VIP unknown, never the RIP as the VIP; the claims say how sure.
  const oneServer = new Set(chosen.filter(oneServerInside));
  // Unless the host in front also resolves other servers on this link (a NAT director's others),
  // nothing shows balancing, and a NAT director in front of this one server, a plain router in
  // front of a server and a DR real server that answers ARP for the VIP (the gateway then sends it
  // the clients itself, bypassing the director) look the same: no method is claimed, nor the host
  // in front as a director.
  const undecided = new Set([...oneServer].filter((s) => !frontSpreads(engine, s)));
  for (const s of undecided) s.directorMac = null;

  // Resolve real-server addresses learnt only by MAC.
  for (const s of chosen) for (const r of s.rs) if (r.ip === null && r.mac !== null) r.ip = ripOfMac(engine, r.mac, vips);

  const { blind, resolvedOnly } = cookedRealServers(engine, chosen, vips);

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
  tunBehindRouter(chosen, oneReplier, routers);
  // A TUN director whose real servers are not on its link resolves a next hop towards the tunnel's
  // far end: the host it asks ARP for that is neither its upstream gateway, the VIP nor a real
  // server is the router in front of them.
  for (const s of chosen) {
    if (s.tun === 0 || s.directorMac === null || s.rs.some((r) => r.ip !== null && engine.ipMac.has(r.ip))) continue;
    for (const ip of engine.arpAsked.get(s.directorMac) ?? []) {
      const mac = engine.ipMac.get(ip);
      if (mac === undefined || mac === s.directorMac || vips.has(ip) || (engine.upstreamMacs.get(mac) ?? 0) > 0 || s.rs.some((r) => r.ip === ip)) continue;
      if (!routers.has(mac)) routers.set(mac, ip);
    }
  }

  // ---- names
  const names = new Map<string, string>();
  const rsIps = new Set<string>();
  for (const s of chosen) for (const r of s.rs) if (r.ip !== null) rsIps.add(r.ip);
  for (const ip of resolvedOnly) rsIps.add(ip);
  [...rsIps].sort(compareIp).forEach((ip, i) => names.set(ip, `WEB${i + 1}`));
  for (const [ip, name] of opts.names ?? []) names.set(ip, name);
  if (engine.ha.active) directorNames(engine.ha, names);

  // Nothing forwarded (every server down, or the director's own ARP unanswered): the director is
  // the one host that claims the VIP in ARP and does not answer the clients itself.
  for (const s of chosen) {
    // Answered by the host the clients sent to, with no forward and no bypass: no director shows.
    if (s.directorMac !== null || s.answered && s.bypassed === 0 && !hasEvidence(s)) continue;
    const own = vipClaimers(engine, s.vip).filter((m) => !(served.get(s.vip)?.has(m) ?? false) && !engine.directServed.has(`${s.vip}|${m}`));
    if (own.length === 1) s.directorMac = own[0]!;
  }

  // ---- roles
  const directorMacs = new Set<string>();
  for (const s of chosen) if (s.directorMac !== null) directorMacs.add(s.directorMac);
  // A two-armed NAT director (its two sides merged): the VIP's own MAC is its other arm, whose
  // frames the explaining pass must remember to pair the rewritten copies with.
  for (const s of chosen) {
    const arm = engine.ipMac.get(s.vip);
    if (arm !== undefined && s.nat + s.natReply > 0) directorMacs.add(arm);
  }
  pairDirectors(engine, directorMacs, null);
  const directorIps = new Set<string>();
  for (const m of directorMacs) for (const ip of engine.macIps.get(m) ?? []) if (!vips.has(ip)) directorIps.add(ip);
  for (const s of chosen) if (s.directorIp !== null) directorIps.add(s.directorIp);
  for (const s of chosen) for (const l of s.lips) directorIps.add(l);
  pairDirectors(engine, null, directorIps);
  // One balancer whose outer sources vary per flow is not one director per source.
  const perFlow = perFlowOuterSources(chosen);
  const rsMacs = new Map<string, string>();
  // A tunnelled real server is learnt by address; its MAC, where its own ARP shows it, names its frames.
  for (const s of chosen) for (const r of s.rs) {
    const mac = r.mac ?? (r.ip !== null && s.tun > 0 ? engine.ipMac.get(r.ip) ?? null : null);
    if (mac !== null && r.ip !== null) rsMacs.set(mac, r.ip);
  }
  for (const ip of resolvedOnly) {
    const mac = engine.ipMac.get(ip);
    if (mac !== undefined && !rsMacs.has(mac)) rsMacs.set(mac, ip);
  }
  // Per finished entry (a capture's hundreds of thousands): the reported copy of its service is
  // looked up once per service.
  const reported = new Map<ServiceView, ServiceState | null>();
  for (const [view, s] of copy.services) reported.set(view, chosen.includes(s) ? s : null);
  const { entries, copies, clients, anyClients } = reportedEntries(engine.done, reported, copy.rs);
  // A capture on a client: its own MAC receives the replies, but it is the client, not a gateway.
  const clientMacs = new Set<string>();
  for (const ip of anyClients) { const m = engine.ipMac.get(ip); if (m !== undefined) clientMacs.add(m); }
  const gatewayMacs = new Set<string>();
  const peerClients = new Set<string>();
  // With no service in the report, nothing was delivered to a director: no host is its gateway.
  if (chosen.length > 0) for (const [mac, count] of engine.upstreamMacs) if (count > 0 && !rsMacs.has(mac) && !directorMacs.has(mac) && !clientMacs.has(mac)) gatewayMacs.add(mac);
  // Nothing forwarded (no real server, or the director's ARP unanswered), so no hop names the
  // gateway: the host that resolves the VIP from an address of its own, not a client's, is the
  // one delivering the clients' packets to it.
  // A host that resolves the VIP on the clients' own link (a client's capture: the others on its
  // segment asking too) is another client, not the gateway.
  const onClientLink = clientLink(engine, clients, vips);
  for (const [mac, asked] of engine.arpAsked) {
    if (gatewayMacs.has(mac) || rsMacs.has(mac) || directorMacs.has(mac) || clientMacs.has(mac) || !asked.some((ip) => vips.has(ip))) continue;
    const own = engine.macIps.get(mac);
    if (own === undefined || own.size === 0 || [...own].some((ip) => clients.has(ip) || vips.has(ip))) continue;
    if ([...own].some((ip) => onClientLink(ip))) { for (const ip of own) peerClients.add(ip); continue; }
    gatewayMacs.add(mac);
  }
  // The host in front of one server that shows no balancing delivers its clients: a gateway, whatever else it is.
  for (const s of undecided) if (s.insideOf !== null && !clientMacs.has(s.insideOf)) gatewayMacs.add(s.insideOf);
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
  // An address clients connect to is a director's only where a director shows; the host that
  // answers them itself on it (a client's view of one server, a real server holding the VIP) is not.
  for (const s of chosen) if (s.vip !== UNKNOWN_VIP && (s.directorMac !== null || hasEvidence(s))) add(s.vip, 'director', engine.ipMac.get(s.vip) ?? s.directorMac);
  for (const ip of [...rsIps].sort(compareIp)) add(ip, 'real-server', macOfRs(chosen, ip) ?? engine.ipMac.get(ip) ?? null);
  for (const ip of sortedByIp([...clients, ...peerClients])) add(ip, 'client', engine.ipMac.get(ip) ?? null);
  for (const ip of sortedByIp(engine.ipMac.keys())) add(ip, 'other', engine.ipMac.get(ip) ?? null);
  // An IPv6 link-local address (NDP's source) of a host the table lists by MAC with a routable
  // address is that host's, not a host of its own.
  const routable = new Set(hosts.filter((h) => h.mac !== null && !isLinkLocal(h.ip)).map((h) => h.mac));
  const hostRows = hosts.filter((h) => !(h.mac !== null && isLinkLocal(h.ip) && routable.has(h.mac)));

  // ---- findings
  const book = new FindingBook([...engine.findings].map(([key, f]): [string, FindingAcc] => [key, { ...f, frames: [...f.frames] } as FindingAcc]));
  // Real servers known only by MAC (their RIP never shows), and hosts that answer clients of the VIP
  // directly while the director also claims it, count as real servers for the ARP findings.
  const rsMacsArp = new Map<string, string>(rsMacs);
  for (const s of chosen) for (const r of s.rs) if (r.mac !== null && !rsMacsArp.has(r.mac) && !routers.has(r.mac)) rsMacsArp.set(r.mac, r.ip ?? r.mac);
  for (const [vip, macs] of served) {
    if (vips.has(vip)) for (const m of macs.keys()) if (!directorMacs.has(m) && !rsMacsArp.has(m)) rsMacsArp.set(m, ripOfMac(engine, m, vips) ?? m);
  }
  arpFindings(book, engine.arpPairs.values(), vips, directorMacs, rsMacsArp, names);
  unansweredFromDestination(book, engine.arpPairs.values(), engine.arpAsked, engine.ipMac, vips);
  const pair = summarizePair(engine, names, book);

  // ---- services
  const services: { report: ServiceReportX; state: ServiceState }[] = [];
  const onePacket = new Set<ServiceState>();
  const knowledgeServices = new Map<string, { method: ForwardingMethod; scheduler: string | null; candidates: readonly string[] }>();
  for (const s of chosen) {
    const replier = oneReplier.get(s);
    const single = routed(s) ? 'tun' : replier !== undefined || undecided.has(s) ? 'unknown' : methodOf(s);
    // Real servers reached by different methods (ipvsadm -a … -g/-i/-m per real server): the
    // service has no one method; each real server says its own.
    const mixed = single !== 'unknown' ? mixedMethods(s) : null;
    const method = mixed !== null ? 'unknown' : single;
    const rsSorted = [...s.rs].filter((r) => (r.ip !== null || r.mac !== null) && !(s.tunBehindRouter > 0 && r.ip === null && routers.has(r.mac ?? ''))).sort((a, b) => compareIp(a.ip ?? '', b.ip ?? '') || a.port - b.port);
    // On one real server only its own share of the decisions shows: no scheduler can be told.
    // So does a capture on the one real server a service shows (TUN or DR, its own MAC in every frame).
    const own = engine.captureHostCandidates;
    const only = s.rs.length === 1 ? s.rs[0]! : null;
    const ownShare = blind.has(s) || oneServer.has(s) || s.drAtRs + s.drOrDecap > 0 && s.dr + s.drSplit + s.nat + s.natReply + s.tun + s.fullnat === 0
      || oneReplier.has(s)
      || only !== null && own.length > 0 && (only.mac !== null && own.includes(only.mac) || only.ip !== null && own.includes(engine.ipMac.get(only.ip) ?? ''));
    const apart = insidePortsApart(s);
    const { scheduler, persistence, persistenceUnseen } = ownShare || apart ? { scheduler: UNKNOWN_SCHEDULER, persistence: null, persistenceUnseen: false } : inferService(s, book);
    const ops = onePacketScheduled(s);
    if (ops) onePacket.add(s);
    const realServers: RealServerReport[] = rsSorted.map((r) => {
      const w = scheduler.candidates[0]?.weights?.[rsIdent(r)];
      // With -o no entry outlives its datagram: the counters are back to 0 after each.
      const base = {
        ip: r.ip ?? 'unknown', port: r.port, mac: r.mac ?? (r.ip !== null ? engine.ipMac.get(r.ip) ?? null : null), connections: r.conns,
        activeAtEnd: ops ? 0 : r.active, inactiveAtEnd: ops ? 0 : r.inactive,
      };
      const via = mixed === null ? null : ownMethod(s, r);
      const withMethod = via !== null ? { ...base, method: via } : base;
      return w !== undefined && scheduler.name !== 'ambiguous' && scheduler.name !== 'unknown' ? { ...withMethod, weight: w } : withMethod;
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
      ...withPersistenceUnseen(serviceClaims(s, {
        method: single, ownShare, oneServer: oneServer.has(s), blind: blind.has(s), oneReplier: replier !== undefined,
        sharedDirector: blind.has(s) && realServers.length === 0, servicesApart: apart,
        rsListed: replier !== undefined ? 0 : realServers.length, vipGiven: hinted(s),
      }), persistenceUnseen),
      ...(s.tunnelKinds.size > 0 ? { tunnel: [...s.tunnelKinds].sort() } : {}),
      ...(ops ? { onePacket: true } : {}),
    };
    services.push({ report, state: s });
    // One answer everywhere: frames name a scheduler only when the cluster section does.
    const decided = scheduler.name !== 'unknown' && scheduler.name !== 'ambiguous';
    knowledgeServices.set(s.key, {
      // Frames explain each hop by its own form; a service mixing methods explains as its most-seen one.
      method: single, scheduler: decided ? scheduler.name : null,
      // The tied best, as the cluster section lists them.
      candidates: decided ? [] : scheduler.candidates.filter((c) => c.score >= (scheduler.candidates[0]?.score ?? 0) - 1e-9).map((c) => c.name),
    });
  }
  vipPersistence(services);
  fwmarkGroups(services, copies);
  if (opts.rules) compareRules(opts.rules, services, copies(), book);
  if (opts.rulesText) writtenPortMappings(opts.rulesText, services, book);
  // It reads only what the engine's entries say, and tells services apart (its copy or the engine's, one each).
  synFloods(book, entries as unknown as readonly DoneFlow[]);
  straySynAcks(book, engine.straySynAcks.values(), engine.done);

  const findingList: FindingReport[] = [...book.findings.values()]
    .map((f) => ({ code: f.code, severity: f.severity, message: f.message, frames: [...f.frames].sort((a, b) => a - b), params: f.params }))
    .sort((a, b) => SEVERITY_ORDER[a.severity] - SEVERITY_ORDER[b.severity] || (a.frames[0] ?? 0) - (b.frames[0] ?? 0) || (a.code < b.code ? -1 : 1));
  const findingFrames = new Map<number, FindingCode[]>();
  for (const f of findingList) for (const n of f.frames) {
    const l = findingFrames.get(n) ?? [];
    if (!l.includes(f.code)) l.push(f.code);
    findingFrames.set(n, l);
  }

  // One snapshot per real server, shared by its (possibly millions of) connections.
  const rsSnap = new Map<RsState, { ip: string | null; mac: string | null; port: number }>();
  const rsSnapOf = (rs: RsState): { ip: string | null; mac: string | null; port: number } => {
    let s = rsSnap.get(rs);
    if (s === undefined) { s = { ip: rs.ip, mac: rs.mac, port: rs.port }; rsSnap.set(rs, s); }
    return s;
  };
  // Only a second pass reads these (a report alone never does): one Map entry per connection, made when asked.
  let connRs: Map<number, { ip: string | null; mac: string | null; port: number }> | null = null;
  const connRsOf = (): Map<number, { ip: string | null; mac: string | null; port: number }> => {
    if (connRs === null) {
      connRs = new Map();
      for (const d of entries) {
        const rs = d.rs === null ? undefined : copy.rs.get(d.rs);
        if (rs !== undefined) connRs.set(d.index, rsSnapOf(rs));
      }
    }
    return connRs;
  };
  // Listed when first read: `analyze --format json` writes its connections from `entries` instead.
  let connections: ConnectionReport[] | null = null;
  const report: ClusterReport = {
    capture: { files: [...opts.files], frames: engine.frames },
    hosts: hostRows,
    services: services.map((s) => s.report),
    get connections() { return connections ??= connectionRows(copies()); },
    findings: findingList,
    ...(pair !== null ? { directorPair: pair } : {}),
  };
  const knowledge: Knowledge = {
    vips, directorMacs, directorIps, gatewayMacs, gatewayIps, rsMacs, rsIps, clients,
    rsOnlyMacs: new Set([...rsMacsArp.keys()].filter((m) => !rsMacs.has(m) && !directorMacs.has(m))),
    routerMacs: routers,
    insideMacs: new Set(chosen.filter((s) => s.insideOf !== null).map((s) => s.insideOf!)),
    ipMac: engine.ipMac, names, services: knowledgeServices,
    get connRs() { return connRsOf(); }, pair,
  };
  // Only the ipvsadm views read it: listed when asked.
  let liveAtEnd: DoneFlow[] | null = null;
  return {
    report, knowledge, services, entries, realServer: (rs) => copy.rs.get(rs) ?? null,
    get liveAtEnd() { return liveAtEnd ??= copies().filter((c) => c.expiresAt !== null && c.expiresAt > engine.lastT && !onePacket.has(c.svc)); },
    endTime: engine.lastT, findingFrames,
  };
}

/**
 * -o: a UDP flow moved between real servers more often than the service has flows (an entry that
 * expires early, stale-entry's case, moves its flow once), so its datagrams are scheduled one by one.
 */
function onePacketScheduled(s: ServiceState): boolean {
  return s.proto === 'udp' && s.onePacket >= 2 && s.onePacket > s.newConns;
}

/** MACs that claim an IP in ARP (replies and announcements). */
function vipClaimers(engine: EngineSnapshot, vip: string): string[] {
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
function directServers(engine: EngineSnapshot): Map<string, Map<string, readonly number[]>> {
  const out = new Map<string, Map<string, readonly number[]>>();
  for (const d of engine.directServed.values()) {
    const claimers = vipClaimers(engine, d.vip);
    if (claimers.length < 2 || !claimers.includes(d.mac)) continue;
    const m = out.get(d.vip) ?? new Map<string, readonly number[]>();
    m.set(d.mac, d.frames);
    out.set(d.vip, m);
  }
  return out;
}

/**
 * Whether an address sits on the link of a client that itself resolved a VIP by ARP (so the client
 * and the VIP's front share that link): the same /24 as such a client.
 */
function clientLink(engine: EngineSnapshot, clients: ReadonlySet<string>, vips: ReadonlySet<string>): (ip: string) => boolean {
  const nets = new Set<string>();
  for (const ip of clients) {
    const mac = engine.ipMac.get(ip);
    if (mac !== undefined && (engine.arpAsked.get(mac) ?? []).some((a) => vips.has(a))) nets.add(net24(ip));
  }
  return (ip) => nets.size > 0 && nets.has(net24(ip));
}

function net24(ip: string): string {
  const i = ip.lastIndexOf('.');
  return i < 0 ? ip : ip.slice(0, i);
}

function oneServerInside(s: ServiceState): boolean {
  return s.insideOf !== null && s.vip === UNKNOWN_VIP && s.rs.length < 2 && s.fullnat === 0;
}

/** The host in front of an inside service's one server also resolved other addresses on this link. */
function frontSpreads(engine: EngineSnapshot, s: ServiceState): boolean {
  if (s.insideOf === null) return false;
  const own = new Set<string>();
  for (const r of s.rs) {
    if (r.ip !== null) own.add(r.ip);
    if (r.mac !== null) for (const ip of engine.macIps.get(r.mac) ?? []) own.add(ip);
  }
  return (engine.arpAsked.get(s.insideOf) ?? []).some((ip) => !own.has(ip));
}


function macOfRs(services: readonly ServiceState[], ip: string): string | null {
  for (const s of services) for (const r of s.rs) if (r.ip === ip && r.mac !== null) return r.mac;
  return null;
}

/** A host's routable address by its MAC (an IPv6 link-local address is no RIP). */
function ripOfMac(engine: EngineSnapshot, mac: string, vips: ReadonlySet<string>): string | null {
  const ok = (ip: string): boolean => !vips.has(ip) && !isLinkLocal(ip);
  const ips = [...(engine.macIps.get(mac) ?? [])].filter(ok).sort(compareIp);
  const sent = engine.macSrcIp.get(mac);
  // A director's health checks show a real server's RIP and MAC even with warm ARP caches.
  return ips[0] ?? (sent !== undefined && ok(sent) ? sent : null) ?? engine.ha.health.rsMacs.get(mac) ?? null;
}

/** The director's own address: a routable one its ARP/NDP shows, else its link-local one, else as a real server's. */
function firstDip(engine: EngineSnapshot, mac: string | null, vips: ReadonlySet<string>): string | null {
  if (mac === null) return null;
  const own = [...(engine.macIps.get(mac) ?? [])].filter((ip) => !vips.has(ip)).sort(compareIp);
  return own.find((ip) => !isLinkLocal(ip)) ?? own[0] ?? ripOfMac(engine, mac, vips);
}

function withPersistenceUnseen<T extends { unseen: UnseenFact[] }>(c: T, unseen: boolean): T {
  return unseen ? { ...c, unseen: [...c.unseen, 'persistence'] } : c;
}
