/**
 * Real servers a capture point cannot tie to their connections or services: those a cooked
 * capture's director resolved by ARP, and a router at the gateway in front of TUN real servers
 * answering beside DR ones. Each says what it can, and claims nothing more.
 */
import { realServerMethod } from '../../ipvs/methods.js';
import type { EngineSnapshot } from '../snapshot.js';
import { newRs, UNKNOWN_VIP, type RsState, type ServiceState } from '../state.js';

/**
 * A cooked capture (tcpdump -i any) keeps no destination MAC: the director's DR forward shows,
 * the real server it went to does not. The director's own ARP still names its real servers (the
 * addresses it resolved that are neither its own, the VIP nor its upstream gateway): listed, with
 * no connection assigned to them. With several such services on one director its ARP names the
 * real servers of them all, and nothing shows which serve which: listed under none, only among
 * the hosts (`resolvedOnly`).
 */
export function cookedRealServers(engine: EngineSnapshot, chosen: readonly ServiceState[], vips: ReadonlySet<string>): { blind: Set<ServiceState>; resolvedOnly: Set<string> } {
  const blind = new Set<ServiceState>();
  const resolvedOnly = new Set<string>();
  for (const s of chosen) {
    if (s.drNoMac === 0 || s.rs.length > 0 || s.directorMac === null) continue;
    blind.add(s);
    const shared = chosen.some((o) => o !== s && o.directorMac === s.directorMac && o.drNoMac > 0 && o.rs.length === 0);
    const own = engine.macIps.get(s.directorMac);
    for (const ip of engine.arpAsked.get(s.directorMac) ?? []) {
      const mac = engine.ipMac.get(ip);
      if (mac === undefined || vips.has(ip) || own?.has(ip) === true || chosen.some((x) => x.directorMac === mac) || (engine.upstreamMacs.get(mac) ?? 0) > 0) continue;
      if (shared) resolvedOnly.add(ip);
      else s.rs.push(newRs(ip, s.port, mac, s.firstN));
    }
  }
  return { blind, resolvedOnly };
}

/**
 * Several MACs answer for the VIP at the gateway, some only through a router (a TTL one below a
 * host's) and the rest straight from a host: DR real servers beside a router in front of TUN ones
 * (ipvsadm sets the method per real server). The router is no real server: it joins `routers`
 * and loses its address as a real server; the service counts those connections.
 */
export function tunBehindRouter(chosen: readonly ServiceState[], oneReplier: ReadonlyMap<ServiceState, unknown>, routers: Map<string, string | null>): void {
  for (const s of chosen) {
    if (oneReplier.has(s) || s.drSplit < 2 || s.dr + s.tun + s.drAtRs > 0 || s.hostReplies + s.routedReplies !== s.drSplit) continue;
    const via = s.rs.filter((r) => r.mac !== null && r.routedReplies > 0 && r.routedReplies >= r.conns);
    if (via.length === 0 || via.length === s.rs.length) continue;
    s.tunBehindRouter = via.reduce((a, r) => a + r.routedReplies, 0);
    for (const r of via) {
      routers.set(r.mac!, r.ip);
      r.ip = null;
    }
  }
}

/** A real server's own method in a service mixing methods; beside a router in front of TUN real servers, the hosts that answer themselves are DR's. */
export function ownMethod(s: ServiceState, r: RsState): 'dr' | 'tun' | 'nat' | null {
  return realServerMethod(r) ?? (s.tunBehindRouter > 0 && r.ip !== null ? 'dr' : null);
}

/**
 * Inside a NAT director, real servers on different ports may be one service (a port per real
 * server) or several (one per port): the VIP side would tell. Their decisions together name no scheduler.
 */
export function insidePortsApart(s: ServiceState): boolean {
  return s.insideOf !== null && s.vip === UNKNOWN_VIP && new Set(s.rs.map((r) => r.port)).size > 1;
}
