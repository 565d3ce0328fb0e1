/**
 * How sure each claim about a service is, and what the capture point cannot show. A claim made
 * from the director's own hop (a forwarded copy, a rewritten or tunnelled packet) is certain; one
 * made from a single vantage point's reply path is weaker, and says so, so that a partial view
 * gives a partial answer rather than a confident wrong one.
 */
import { DR_OR_TUN_AT_GATEWAY, drFromGatewayOnly, tunConfidence } from '../ipvs/methods.js';
import type { ForwardingMethod, ServiceClaims, UnseenFact } from '../ipvs/report.js';
import { tunEvidence, UNKNOWN_VIP, type ServiceState } from './state.js';

export interface ClaimInputs {
  readonly method: ForwardingMethod;
  /** Only this host's share of the connections shows (one real server's capture, a cooked capture's missing MACs). */
  readonly ownShare: boolean;
  /** One real server behind one front host: NAT, or a plain router in front of one server. */
  readonly oneServer: boolean;
  /** Real servers known from the director's ARP only, with no connection assigned (tcpdump -i any). */
  readonly blind: boolean;
  /** One MAC answered for the VIP at the gateway (one DR real server, or a router in front of TUN). */
  readonly oneReplier: boolean;
  /** Blind, and the director's ARP names the real servers of several services: which serve this one does not show. */
  readonly sharedDirector?: boolean;
  /** Inside a NAT director, real servers on different ports: one service or several. */
  readonly servicesApart?: boolean;
  readonly rsListed: number;
  readonly vipGiven: boolean;
}

/** The director's own hop in the capture: forwarded copies, rewrites, tunnels, TOA. */
function hopSeen(s: ServiceState): boolean {
  return s.dr + s.dsrOpt + s.nat + s.natReply + tunEvidence(s) + s.fullnat > 0;
}

export function serviceClaims(s: ServiceState, x: ClaimInputs): { claims: ServiceClaims; unseen: UnseenFact[] } {
  const hop = hopSeen(s);
  const unseen: UnseenFact[] = [];
  let method: number;
  // A tunnel alone shows a tunnel, not a director: as sure as the signs of one (ipvs/methods.ts).
  const tunnelled = x.method === 'tun' && tunEvidence(s) > 0 ? tunConfidence(s) : 1;
  if (x.method === 'unknown') method = 0;
  else if (x.method === 'tun' && tunnelled < 1) method = tunnelled;
  else if (hop) method = 1;
  else if (x.oneServer) method = 0.6;
  // At the gateway the router's TTL says TUN, without the tunnel itself.
  else if (x.oneReplier) method = 0.8;
  // At the gateway TUN to real servers on the same link looks like DR.
  else if (x.method === 'dr' && drFromGatewayOnly(s)) method = DR_OR_TUN_AT_GATEWAY;
  else method = 0.9;
  // Inside a NAT director its output passes (client → RIP from its MAC); only the VIP side is missing.
  if (!hop && s.natInside === 0) unseen.push('director-hop');
  const vipSeen = s.vip !== UNKNOWN_VIP && !(x.vipGiven && s.insideOf !== null);
  if (!vipSeen) unseen.push('vip');
  // A VIP named by --vip is the user's word: as sure as the user is.
  const vip = s.vip === UNKNOWN_VIP ? 0 : 1;
  const director = s.directorMac === null ? 0 : Math.min(x.oneServer ? 0.6 : 1, tunnelled);
  // Whether the real servers listed are all of them.
  let realServers: number;
  if (x.rsListed === 0) realServers = 0;
  else if (x.ownShare && !x.blind) realServers = 0.3;
  else if (x.blind) realServers = 0.7;
  else realServers = 1;
  // Some connections went to TUN real servers beyond a router: the ones listed are not all.
  if (s.tunBehindRouter > 0) realServers = Math.min(realServers, 0.5);
  if (x.ownShare && !x.blind && !x.oneReplier) unseen.push('other-real-servers');
  if (x.blind) unseen.push('connection-real-server');
  if (x.servicesApart === true) {
    unseen.push('services-apart');
    realServers = Math.min(realServers, 0.5);
  }
  if (x.sharedDirector === true) unseen.push('service-real-servers');
  else if (x.rsListed === 0 && x.method !== 'unknown') unseen.push('real-servers');
  if (x.method === 'unknown') unseen.push('method');
  return { claims: { method, vip, director, realServers }, unseen };
}
