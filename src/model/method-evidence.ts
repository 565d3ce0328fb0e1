/**
 * How each forwarding method shows in a capture: the counts the engine keeps per service decide
 * the method (`methodOf`), and the same counts, put in words, are the report's evidence.
 */
import type { ForwardingMethod } from '../ipvs/report.js';
import type { TunnelKind } from './packet.js';
import { UNKNOWN_VIP, type ServiceState } from './state.js';

export function methodOf(s: ServiceState): ForwardingMethod {
  const nat = s.nat + s.natReply + s.natInside;
  const dr = s.dr + s.dsrOpt + s.drSplit + s.drAtRs;
  const tun = s.tun + s.tunIcmp;
  const best = Math.max(dr, nat, tun, s.fullnat);
  if (best === 0) return 'unknown';
  if (s.fullnat === best) return 'fullnat';
  if (tun === best) return 'tun';
  if (dr === best) return 'dr';
  return 'nat';
}

export function methodEvidence(s: ServiceState, method: ForwardingMethod): string[] {
  const out: string[] = [];
  if (s.dr > 0) out.push(`${s.dr} client packets seen twice: to the director's MAC, then from the director to a real server's MAC with the IP header unchanged except TTL−1 (DR)`);
  if (s.dsrOpt > 0) out.push(`${s.dsrOpt} client packets sent by the balancer to a real server's own address and port with the service address ${s.vip}:${s.port} in an IPv4 option (type 0x9a): direct server return, the real server answering the client from the VIP (DR, the destination rewritten)`);
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
