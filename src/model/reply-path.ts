/**
 * One vantage point: the first reply of a connection whose director hop the capture does not
 * show. Its MACs say where the capture was taken (vantage.ts), and so the method and the real
 * server; or that the connection bypassed the director; or that this is a NAT director's inside.
 */
import type { Packet } from './packet.js';
import type { ModelParts } from './parts.js';
import { hasHopEvidence, type Flow, type ServiceState } from './state.js';
import { drReplyViaDirector, natReplyBypassesDirector } from './rules/replies.js';
import { replyPath, serverAddressing } from './vantage.js';

export function readReplyPath(m: ModelParts, f: Flow, p: Packet): void {
  f.pathSeen = true;
  if (f.rs !== null || f.forwardN !== 0 || f.bypass || p.src !== f.svc.vip && f.svc.insideOf === null) return;
  const svc = f.svc;
  if (svc.insideOf !== null) {
    svc.natInside++;
    m.entries.bind(f, m.services.rsByAddr(svc, p.src, p.sport, p.srcMac || null, p.n));
    return;
  }
  // A service already seen tunnelled or rewritten is not DR: its replies come via any router.
  if (p.sport !== f.vport || svc.tun + svc.fullnat + svc.nat + svc.natReply > 0) return;
  const path = replyPath(f.reqSrcMac, f.reqDstMac, p.srcMac, p.dstMac);
  // With hops in the capture (another capture point merged in) a flow without one can still be DR.
  // A DR real server keeps the VIP on lo and never answers ARP for it: a host that answers ARP
  // for the address it is reached on is that address's owner (a NAT real server whose replies
  // leave by another gateway, or a plain server), not a DR real server.
  const ownsAddress = path === 'dr-real-server' && m.neighbours.ipMac.get(svc.vip) === p.srcMac;
  // A host in front that owns the client's address is the client itself (its capture, or its
  // link): the server it resolved is its next hop, a router towards the VIP, not a real server.
  const addressing = path === 'symmetric' && m.neighbours.ipMac.get(f.cip) !== f.reqSrcMac ? serverAddressing(p.src, p.srcMac, f.reqSrcMac, m.neighbours.macIps, m.neighbours.arpAsked) : null;
  if (addressing === 'dr-via-front' && !hasHopEvidence(svc) && !vipOnLink(m, svc.vip)) {
    // Nothing on this link resolves or claims the VIP: the host in front may be a router that
    // delivers a tunnel this server decapsulates before the capture point (XDP or tc, as Katran's
    // real servers do), which looks exactly like DR through the director. Neither is claimed.
    svc.drOrDecap++;
    m.services.evidence(svc, p.n);
    m.entries.bind(f, m.services.rsByMac(svc, p.srcMac, f.vport, p.n));
    return;
  }
  if (addressing === 'dr-via-front' && !hasHopEvidence(svc)) {
    // A DR real server whose replies go back to the director (its default route), not the gateway.
    svc.drAtRs++;
    m.services.evidence(svc, p.n);
    m.roles.learnDirector(svc, f.reqSrcMac);
    m.entries.bind(f, m.services.rsByMac(svc, p.srcMac, f.vport, p.n));
    drReplyViaDirector(m.book, f, p);
    return;
  }
  if (ownsAddress && !hasHopEvidence(svc) && fromBeyond(m, f) && !m.roles.serviceVip(svc.vip) && !m.roles.isHintVip(svc.vip)) {
    // Reached on its own address from beyond the host in front, answered through another: a NAT
    // real server whose replies bypass its director (or a plain server with a second gateway).
    joinInside(m, f, p);
    natReplyBypassesDirector(m.book, f, p);
    return;
  }
  if ((path === 'dr-gateway' || path === 'dr-real-server') && !ownsAddress) {
    // Several MACs answer for the VIP, none of them the one it was sent to: DR (the director's
    // forward passes elsewhere on a switched LAN).
    if (path === 'dr-gateway') {
      svc.drSplit++;
      if (routedTtl(p.ttl)) svc.routedReplies++;
      else if (p.ttl === 64 || p.ttl === 128 || p.ttl === 255) svc.hostReplies++;
    } else {
      svc.drAtRs++;
    }
    m.services.evidence(svc, p.n);
    m.roles.learnDirector(svc, path === 'dr-gateway' ? f.reqDstMac : f.reqSrcMac);
    const rs = m.services.rsByMac(svc, p.srcMac, f.vport, p.n);
    if (path === 'dr-gateway' && routedTtl(p.ttl)) rs.routedReplies++;
    m.entries.bind(f, rs);
  } else if (hasHopEvidence(svc)) {
    return;
  } else if (path === 'symmetric' && m.neighbours.claims(svc.vip) >= 2 && !m.roles.isDirectorMac(f.reqDstMac)) {
    // Several MACs claim the VIP and this one answered the client itself: the connection
    // bypassed the director (a real server answering ARP for the VIP). IPVS holds no entry.
    f.bypass = true;
    svc.bypassed++;
    svc.newConns--;
    svc.inPkts -= f.inPkts;
    svc.inBytes -= f.inBytes;
    f.decision = null;
  } else if (path === 'symmetric' && m.neighbours.claims(svc.vip) < 2 && fromBeyond(m, f) && reachedOnLink(m, f, p)
    && !m.roles.serviceVip(svc.vip) && !m.roles.isHintVip(svc.vip)) {
    // Clients from beyond the host in front, answered back through it, on an address of this
    // link: a NAT director's inside (or a router in front of one server); summarize tells which
    // by the number of servers and by what else the host in front resolves.
    joinInside(m, f, p);
  }
}

/**
 * At the end of a pass: a connection never answered, sent by the host in front of a NAT director's
 * inside (its inside service found from the connections that were answered) to an address that host
 * resolved on this link: a real server the director picked that stayed silent. The flow joins the
 * inside service bound to that real server, so the silence is that server's (rs-not-responding), not
 * a service of its own whose "VIP" is the RIP.
 */
export function joinSilentInside(m: ModelParts, f: Flow): void {
  if (f.pathSeen || f.rs !== null || f.forwardN !== 0 || f.bypass || f.svc.insideOf !== null || hasHopEvidence(f.svc) || f.reqSrcMac === '') return;
  const inside = m.services.insideOf(f.proto, f.reqSrcMac);
  if (inside === null || !(m.neighbours.arpAsked.get(f.reqSrcMac)?.includes(f.vip) ?? false)) return;
  // Addressed to the real server itself: its RIP:port, before the move readdresses the flow.
  const rip = f.vip;
  const rport = f.vport;
  moveInside(m, f, inside);
  m.entries.bind(f, m.services.rsByAddr(inside, rip, rport, f.reqDstMac || null, f.firstN));
}

/** The flow moves from the service it was addressed to onto the inside service of the host in front. */
function joinInside(m: ModelParts, f: Flow, p: Packet): void {
  const inside = m.services.insideService(f.proto, f.reqSrcMac, p.n);
  moveInside(m, f, inside);
  inside.answered = true;
  inside.natInside++;
  m.services.evidence(inside, p.n);
  m.entries.bind(f, m.services.rsByAddr(inside, p.src, p.sport, p.srcMac || null, p.n));
}

function moveInside(m: ModelParts, f: Flow, inside: ServiceState): void {
  const old = f.svc;
  old.newConns--;
  old.inPkts -= f.inPkts;
  old.inBytes -= f.inBytes;
  inside.newConns++;
  inside.inPkts += f.inPkts;
  inside.inBytes += f.inBytes;
  f.svc = inside;
  f.vip = inside.vip;
  f.vport = inside.port;
  if (f.decision !== null) f.decision = m.entries.decisionOf(f, f.firstN, f.firstT);
}

/**
 * A TTL one below the initial TTL hosts use (Linux 64, Windows 128, network gear 255): the packet
 * crossed one router before this capture point. A reply straight from a host on this LAN keeps its
 * initial TTL.
 */
/**
 * The client's frames came from beyond the host in front (a director's inside, or a router): not
 * the client's own MAC (when ARP shows it), not a loopback (one MAC both ways), and not sent with
 * an initial TTL, which only a host on this link does: a client's own capture of an ordinary
 * connection looks otherwise the same, its gateway in the director's place.
 */
function fromBeyond(m: ModelParts, f: Flow): boolean {
  if (m.neighbours.ipMac.get(f.cip) === f.reqSrcMac || f.reqSrcMac === f.reqDstMac) return false;
  return !(f.reqTtl === 64 || f.reqTtl === 128 || f.reqTtl === 255);
}

/**
 * The address the client's packets reached is on this link, as ARP (or NDP) shows: the server
 * claims it, or the host in front resolved it. A NAT director sends to its real servers' own
 * addresses on its inside link; a client's gateway sends to servers anywhere. A TTL below the
 * initial one alone (a capture rewritten by tcprewrite, a host's capture behind a router) says
 * only that the client is farther away, not that a director rewrote anything.
 */
function reachedOnLink(m: ModelParts, f: Flow, p: Packet): boolean {
  const n = m.neighbours;
  return n.ipMac.get(p.src) === p.srcMac || (n.arpAsked.get(f.reqSrcMac)?.includes(p.src) ?? false);
}

function routedTtl(ttl: number): boolean {
  return ttl === 63 || ttl === 127 || ttl === 254;
}

/**
 * The VIP lives on this link: some host asked ARP (or NDP) for it, or claimed it. DR needs the
 * director and its real servers on one link with the VIP; a tunnel's far end does not.
 */
function vipOnLink(m: ModelParts, vip: string): boolean {
  if (m.neighbours.ipMac.has(vip)) return true;
  for (const asked of m.neighbours.arpAsked.values()) if (asked.includes(vip)) return true;
  return false;
}

/** How long after a connection's first SYN the director's ARP still answers for it (it asks at once). */
const NEXT_HOP_WINDOW = 0.5;

/**
 * The director resolving a next hop right after a new connection's SYN reached it, before any
 * forward: on a LAN with its real servers, the real server the scheduler picked. Only the host that
 * claims the VIP in ARP is the director here (a real server asks for its gateway), and never for an
 * address of the host in front or the client.
 */
export function nextHopAsked(m: ModelParts, f: Flow, p: Packet): boolean {
  if (f.rs !== null || f.forwardN !== 0 || p.spa === p.tpa || p.sha !== f.reqDstMac || p.t - f.firstT > NEXT_HOP_WINDOW) return false;
  const n = m.neighbours;
  return n.ipMac.get(f.vip) === p.sha && p.tpa !== f.vip && p.tpa !== f.cip && n.macIps.get(f.reqSrcMac)?.has(p.tpa) !== true;
}

/**
 * At the entry's end, with no forward and no reply ever naming its real server: the next hop the
 * director asked for is that server. Its ARP went unanswered (a director asking from the VIP, which
 * the real servers drop), so the forward never shows, but the scheduler's choice does. Where a
 * forward or a reply shows (a TUN director's next hop is the router in front), that decides instead.
 */
export function bindNextHop(m: ModelParts, f: Flow, hop: string): void {
  if (hop === '') return;
  const rs = f.rs;
  if (rs !== null && rs.ip === null && rs.mac !== null && !f.svc.rs.some((r) => r.ip === hop && r.port === rs.port)) {
    // Its replies named the server by MAC only (an IPv6 server's NDP shows only its link-local
    // address); the address the director resolved for this connection is that server's RIP.
    rs.ip = hop;
    return;
  }
  if (f.rs !== null || f.forwardN !== 0) return;
  m.entries.bind(f, m.services.rsByAddr(f.svc, hop, f.vport, null, f.firstN));
}
