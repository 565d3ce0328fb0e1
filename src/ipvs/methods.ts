/**
 * The forwarding methods' table, written once for every stage: how a method the capture shows
 * maps to the kernel's forward flag (ipvsadm's Forward column) and back, the tunnel names, and
 * why a service's method is what it is (one sentence per kind of evidence, in English and
 * Chinese; the report's `methodEvidence` is the English). Every table is a Record over the
 * method (or tunnel) type, so the compiler names each place a new method must be described.
 * The director's hop in words (it reads a frame's facts) is present/hop.ts.
 */
import type { ForwardMethod } from './destination.js';
import type { ForwardingMethod, TunnelKind } from './report.js';

export type Lang = 'en' | 'zh';

/** The kernel's forward flag ipvsadm prints for a destination of a method the capture shows (an 'unknown' method lists as `?`: DestSpec.forwardUnseen). */
export const FORWARD_OF_METHOD: Readonly<Record<ForwardingMethod, ForwardMethod>> = { dr: 'dr', nat: 'nat', tun: 'tun', fullnat: 'fullnat', unknown: 'dr' };

/** The method a rule's forward flag means on the wire ('local' is a real server on the director itself: delivered as DR). */
export const METHOD_OF_FORWARD: Readonly<Record<ForwardMethod, ForwardingMethod>> = { dr: 'dr', nat: 'nat', tun: 'tun', fullnat: 'fullnat', local: 'dr' };

/**
 * The director rewrites addresses (NAT, FULLNAT): the replies must pass it, an entry's output is
 * its to see (no IP_VS_CONN_F_NOOUTPUT), and the real server may listen on another port.
 */
export const FORWARD_REWRITES: Readonly<Record<ForwardMethod, boolean>> = { dr: false, nat: true, tun: false, local: false, fullnat: true };

/** The real server answers the client itself, from the VIP (DR, TUN): its replies do not pass the director. */
export const REPLIES_BYPASS_DIRECTOR: Readonly<Record<ForwardingMethod, boolean>> = { dr: true, nat: false, tun: true, fullnat: false, unknown: false };

/**
 * What the director's copy of a client's packet differs in, as a capture beside the director
 * shows it: only the destination MAC (DR), the destination address (NAT), both addresses and a
 * TOA option (FULLNAT), an outer header around it (TUN); nothing is known of an 'unknown' method.
 */
export type ForwardChange = 'mac' | 'destination' | 'both-addresses' | 'outer-header' | 'unknown';
export const FORWARD_CHANGE: Readonly<Record<ForwardingMethod, ForwardChange>> = {
  dr: 'mac', nat: 'destination', tun: 'outer-header', fullnat: 'both-addresses', unknown: 'unknown',
};

export const TUNNEL_WORDS: Readonly<Record<Lang, Readonly<Record<TunnelKind, string>>>> = {
  en: {
    ipip: 'IPIP (IP protocol 4)', ip4ip6: 'IPv4-in-IPv6 (next header 4)', gre: 'GRE (IP protocol 47)', gue: 'GUE (UDP)',
    sit: 'IPv6-in-IPv4 (protocol 41)', ip6ip6: 'IPv6-in-IPv6',
  },
  zh: {
    ipip: 'IPIP（IP 协议号 4）', ip4ip6: 'IPv4-in-IPv6（下一报头 4）', gre: 'GRE（IP 协议号 47）', gue: 'GUE（UDP 封装）',
    sit: 'IPv6-in-IPv4（协议号 41）', ip6ip6: 'IPv6-in-IPv6',
  },
};

/** The counters the method is inferred from (a service's engine state, or its copy in a summary). */
export interface MethodCounts {
  readonly dr: number;
  readonly nat: number;
  readonly natReply: number;
  /** Of `nat`, forwards with the source rewritten to the director's address too (masquerade after IPVS). */
  readonly natMasq?: number;
  readonly tun: number;
  readonly tunIcmp?: number;
  /** Replies carried back in the tunnel: a site-to-site tunnel, not IPVS's TUN. */
  readonly tunReplies?: number;
  /** Tunnelled packets whose un-encapsulated copy had just arrived at the host that tunnelled them: the director's own hop. */
  readonly tunHop?: number;
  readonly dsrOpt?: number;
  readonly port?: number;
  readonly fullnat: number;
  /** From one vantage point without the director's hop (model/vantage.ts). */
  readonly drSplit?: number;
  readonly drAtRs?: number;
  readonly drOrDecap?: number;
  readonly drNoMac?: number;
  readonly tunBehindRouter?: number;
  readonly natInside?: number;
  readonly bypassed?: number;
  readonly answered?: boolean;
  readonly rs?: readonly { readonly mac: string | null; readonly conns?: number; readonly ip?: string | null; readonly viaDr?: number; readonly viaTun?: number; readonly viaNat?: number }[];
  /** The service's VIP ('?' when the capture never shows it). */
  readonly vip?: string;
  readonly tunnelKinds: ReadonlySet<TunnelKind>;
}

/** How the director's forwards reach one real server, when they show one method only. */
export function realServerMethod(r: { readonly viaDr?: number; readonly viaTun?: number; readonly viaNat?: number }): 'dr' | 'tun' | 'nat' | null {
  const dr = r.viaDr ?? 0;
  const tun = r.viaTun ?? 0;
  const nat = r.viaNat ?? 0;
  if (dr > 0 && tun + nat === 0) return 'dr';
  if (tun > 0 && dr + nat === 0) return 'tun';
  if (nat > 0 && dr + tun === 0) return 'nat';
  return null;
}

/**
 * The methods a service's real servers are reached by, when they differ (ipvsadm takes the method
 * per real server: -g, -i, -m), in DR, TUN, NAT order; null when they agree or do not show.
 */
export function mixedMethods(s: MethodCounts): ('dr' | 'tun' | 'nat')[] | null {
  const seen = new Set<'dr' | 'tun' | 'nat'>();
  for (const r of s.rs ?? []) {
    const m = realServerMethod(r);
    if (m !== null) seen.add(m);
  }
  // DR forwards whose real servers do not show (tcpdump -i any) beside tunnels: DR and TUN. Not
  // beside NAT: two merged captures of a NAT director show its rewritten packet twice, MACs apart.
  if ((s.drNoMac ?? 0) > 0 && s.nat + s.natReply === 0) seen.add('dr');
  if ((s.tunBehindRouter ?? 0) > 0) { seen.add('dr'); seen.add('tun'); }
  const out = (['dr', 'tun', 'nat'] as const).filter((m) => seen.has(m));
  return out.length > 1 ? out : null;
}

/**
 * How sure a TUN claim is. An encapsulated client→VIP packet shows a tunnel, and any IPIP, GRE or
 * GUE tunnel carrying a client's packets looks like that; it shows an IPVS director only with
 * more: the director's own hop (the client's packet arriving at the host that then sends it
 * encapsulated: 1), or, without it, balancing (several real servers behind the VIP) and the real
 * servers answering the client from the VIP themselves, outside the tunnel (0.9 with both, 0.8
 * with one, TUNNEL_ONLY with neither).
 */
export const TUNNEL_ONLY = 0.5;

export function tunConfidence(s: MethodCounts): number {
  if ((s.tunHop ?? 0) > 0) return 1;
  const signs = (tunServers(s) >= 2 ? 1 : 0) + (tunAnsweredDirectly(s) ? 1 : 0);
  return signs === 2 ? 0.9 : signs === 1 ? 0.8 : TUNNEL_ONLY;
}

/** Outer destinations of the tunnel for this VIP: its real servers. */
function tunServers(s: MethodCounts): number {
  return s.rs?.length ?? 0;
}

/** Replies from the VIP outside the tunnel (one carried back inside it makes it no TUN at all). */
function tunAnsweredDirectly(s: MethodCounts): boolean {
  return s.answered === true && (s.tunReplies ?? 0) === 0;
}

/**
 * At a gateway on the director's link (a switched LAN), DR and TUN to real servers on that same
 * link look alike: the director's copy (the frame DR re-addresses, or the packet TUN wraps) never
 * passes, and either way the real servers answer from the VIP with their own MACs. DR is the
 * usual one, so it is claimed, at this confidence, naming TUN.
 */
export const DR_OR_TUN_AT_GATEWAY = 0.7;

/** DR seen only as replies split from the client's path (a gateway's view): no copy, tunnel or rewrite of the director's, no real server's own view. */
export function drFromGatewayOnly(s: MethodCounts): boolean {
  return (s.drSplit ?? 0) > 0 && (s.drAtRs ?? 0) === 0
    && s.dr + (s.dsrOpt ?? 0) + s.nat + s.natReply + s.fullnat + s.tun + (s.tunIcmp ?? 0) === 0;
}

/** Why the method is what it is (or unknown), one sentence per kind of evidence. */
export function methodEvidenceText(s: MethodCounts, method: ForwardingMethod, lang: Lang): string[] {
  const zh = lang === 'zh';
  const out: string[] = [];
  if (s.dr > 0) {
    out.push(zh
      ? `${s.dr} 个客户端报文出现了两次：先发往 Director 的 MAC，再由 Director 发往某台 Real Server 的 MAC，IP 头除 TTL 减 1 外没有变化（DR）`
      : `${s.dr} client packets seen twice: to the director's MAC, then from the director to a real server's MAC with the IP header unchanged except TTL−1 (DR)`);
  }
  if ((s.dsrOpt ?? 0) > 0) {
    out.push(zh
      ? `${s.dsrOpt} 个客户端报文被负载均衡器发往 Real Server 自己的地址和端口，服务地址 ${s.vip ?? '?'}:${s.port ?? '?'} 放在 IPv4 选项（类型 0x9a）里：直接服务器返回，Real Server 以 VIP 为源地址直接回应客户端（DR，目标地址被改写）`
      : `${s.dsrOpt} client packets sent by the balancer to a real server's own address and port with the service address ${s.vip ?? '?'}:${s.port ?? '?'} in an IPv4 option (type 0x9a): direct server return, the real server answering the client from the VIP (DR, the destination rewritten)`);
  }
  if (s.nat > 0) {
    out.push(zh
      ? `${s.nat} 个客户端报文被 Director 把目标地址从 VIP 改成了 Real Server 的地址（NAT）`
      : `${s.nat} client packets rewritten by the director from the VIP to a real server's address (NAT)`);
  }
  if ((s.natMasq ?? 0) > 0) {
    out.push(zh
      ? `其中 ${s.natMasq} 个的源地址也被改成了 Director 自己的地址：IPVS 之后还有源地址转换（iptables/nftables 的 MASQUERADE，kube-proxy 的 IPVS 模式就是这样），Real Server 看到的是 Director 而不是客户端`
      : `${s.natMasq} of them with the source rewritten too, to the director's own address: source NAT after IPVS (an iptables or nftables masquerade, as kube-proxy's IPVS mode adds), so the real servers see the director, not the client`);
  }
  if (s.natReply > 0) {
    out.push(zh
      ? `${s.natReply} 个响应被 Director 把源地址从 Real Server 的地址改回了 VIP（NAT）`
      : `${s.natReply} replies rewritten by the director from the real server's address back to the VIP (NAT)`);
  }
  if ((s.tunReplies ?? 0) > 0) {
    out.push(zh
      ? `${s.tunReplies} 个回应也经隧道传回：这是两地之间的隧道（VPN、路由器之间的 GRE），不是 IPVS 的 TUN（TUN 模式下 Real Server 直接回应客户端，回应不进隧道）`
      : `${s.tunReplies} replies travel back inside the tunnel too: a tunnel between two sites (a VPN, GRE between routers), not IPVS's TUN, whose real servers answer the client directly, outside any tunnel`);
  } else if (s.tun > 0) {
    const kinds = [...s.tunnelKinds].sort().map((k) => TUNNEL_WORDS[lang][k]).join(zh ? '、' : ', ');
    out.push(zh
      ? `${s.tun} 个客户端报文被 Director 封装后发往 Real Server（${kinds}），内层的客户端→VIP 报文保持不变（TUN）`
      : `${s.tun} client packets encapsulated from the director to a real server (${kinds}) with the client→VIP packet inside unchanged (TUN)`);
  }
  if ((s.tunIcmp ?? 0) > 0) {
    const kinds = [...s.tunnelKinds].sort().map((k) => TUNNEL_WORDS[lang][k]).join(zh ? '、' : ', ');
    out.push(zh
      ? `${s.tunIcmp} 个发给 VIP、针对连接回应的 ICMP 差错被 Director 封装后转交给 Real Server（${kinds}）（TUN）`
      : `${s.tunIcmp} ICMP errors about the service's replies, sent to the VIP, passed on by the director to a real server in its tunnel (${kinds}) (TUN)`);
  }
  if (method === 'tun' && s.tun + (s.tunIcmp ?? 0) > 0 && (s.tunReplies ?? 0) === 0) out.push(...tunSupportText(s, zh));
  if (s.fullnat > 0) {
    out.push(zh
      ? `${s.fullnat} 个报文从 Director 的本地地址发往 Real Server，并在 TCP 选项 254（TOA）中带上客户端地址（FULLNAT）`
      : `${s.fullnat} packets sent from a director local address to a real server, carrying the client in TCP option 254 (TOA) (FULLNAT)`);
  }
  // A service whose real servers are reached by different methods is reported 'unknown'.
  const mixed = method === 'unknown' ? mixedMethods(s) : null;
  if (mixed !== null) {
    const behind = (s.tunBehindRouter ?? 0) > 0;
    const list = mixed.map((m) => {
      // Beside a router in front of TUN real servers, the hosts that answer themselves are DR's.
      const rs = (s.rs ?? []).filter((r) => realServerMethod(r) === m || m === 'dr' && behind && realServerMethod(r) === null && r.ip != null).map((r) => r.ip ?? r.mac ?? '?');
      const none = m === 'tun' && behind
        ? (zh ? `路由器后面的 Real Server（${s.tunBehindRouter} 个连接的回应经它而来，TTL 比主机的初始值少 1）` : `real servers beyond a router (the replies of ${s.tunBehindRouter} connections came through it, their TTL one below a host's)`)
        : zh ? '看不出是哪些 Real Server' : 'real servers this capture does not name';
      return `${m.toUpperCase()} ${zh ? '到' : 'to'} ${rs.length > 0 ? rs.join(zh ? '、' : ', ') : none}`;
    }).join(zh ? '；' : '; ');
    out.push(zh
      ? `Director 用不同的转发模式到达各台 Real Server（ipvsadm 按 Real Server 设定模式：-g、-i、-m）：${list}。这个服务没有单一的转发模式`
      : `the director reaches its real servers by different methods (ipvsadm sets the method per real server: -g, -i, -m): ${list}. The service has no one method`);
  }
  // Only while no connection's real server shows (another capture merged in may show them).
  const drNoMac = (s.rs ?? []).every((r) => (r.conns ?? 0) === 0) ? s.drNoMac ?? 0 : 0;
  if (drNoMac > 0) {
    out.push(zh
      ? `其中 ${drNoMac} 个 Director 转发的报文抓包时没有目标 MAC（Linux cooked 格式，tcpdump -i any）：看不出每个连接去了哪台 Real Server。${(s.rs ?? []).length > 0 ? '列出的' : '主机列表中的'} Real Server 是 Director 用 ARP 解析过的地址；在 Director 的局域网接口上抓包即可确定每个连接的 Real Server`
      : `${drNoMac} of the director's forwards were captured without a destination MAC (a Linux cooked capture, tcpdump -i any): which real server took each connection cannot show. ${(s.rs ?? []).length > 0 ? 'The real servers listed are' : 'The real servers among the hosts are'} the addresses the director resolved by ARP; a capture on the director's LAN interface would decide each connection's`);
  }
  // A service mixing methods is 'unknown' as a whole, yet every hop shows: none of the
  // sentences for a method the capture cannot show applies.
  if (mixed !== null) method = 'dr';
  const drSplit = s.drSplit ?? 0;
  const drAtRs = s.drAtRs ?? 0;
  const natInside = s.natInside ?? 0;
  if (drSplit > 0 && method === 'tun') {
    const mac = s.rs?.[0]?.mac ?? '?';
    out.push(zh
      ? `全部 ${drSplit} 个连接都经由同一个不是 Director 的 MAC（${mac}）以 VIP 为源地址回应，且 TTL 比常见的初始值少 1：这个 MAC 是一台路由器，Real Server 在它后面，DR 无法到达那里；Director 是用隧道转发给它们的（TUN）。隧道本身和 Real Server 的地址都不经过这个抓包点`
      : `all ${drSplit} connections are answered from the VIP through one other MAC (${mac}) than the director's, with a TTL one below the usual initial one: that MAC is a router, so the real servers sit beyond it, where DR cannot reach; the director tunnels to them (TUN). The tunnel and the real servers' addresses do not pass this capture point`);
  } else if (drSplit > 0 && method === 'unknown') {
    const mac = s.rs?.[0]?.mac ?? '?';
    out.push(zh
      ? `全部 ${drSplit} 个连接都由同一个不是 Director 的 MAC（${mac}）以 VIP 为源地址回应：可能是唯一一台 DR Real Server，也可能是 TUN Real Server 前面的路由器。这个抓包里没有 Director 的转发，无法区分`
      : `all ${drSplit} connections are answered from the VIP by one other MAC (${mac}) than the director's: a single DR real server, or a router in front of TUN real servers. The director's forward is not in this capture, so which cannot be told`);
  } else if (drSplit > 0) {
    out.push(zh
      ? `${drSplit} 个连接的响应以 VIP 为源地址，却来自另一个 MAC，而不是客户端报文发往的那个（Director 的）：Real Server 直接回应（DR）。Director 转发给它们的那一跳不经过这个抓包点（交换式局域网）；每个连接的 Real Server 由其响应的源 MAC 得出`
      : `${drSplit} connections answered from the VIP by another MAC than the one the client's packets were sent to (the director's): the real servers reply directly (DR). The director's forward to them does not pass this capture point (a switched LAN); each connection's real server is the MAC its replies come from`);
    if (method === 'dr' && drFromGatewayOnly(s)) {
      out.push(zh
        ? `但 TUN 模式下、Real Server 与 Director 在同一链路上时，从这里看完全一样：隧道只在 Director 和 Real Server 之间经过，Real Server 同样以 VIP 为源地址、用自己的 MAC 回应。DR 更常见，所以判为 DR（置信度 ${DR_OR_TUN_AT_GATEWAY}）；在 Director 的局域网接口或某台 Real Server 上抓包即可确定：DR 转发的帧里客户端→VIP 报文原样不变、只换了目标 MAC，TUN 则在外面加了一层 IPIP/IPv6 隧道头`
        : `but TUN to real servers on this same link looks exactly the same from here: the tunnel passes only between the director and the real servers, which answer from the VIP with their own MACs either way. DR is the usual one, so DR is claimed (confidence ${DR_OR_TUN_AT_GATEWAY}); a capture on the director's LAN interface or on a real server would decide: DR's copy is the client→VIP packet unchanged with the real server's MAC, TUN's is wrapped in an IPIP or IPv6 tunnel header`);
    }
  }
  if (drAtRs > 0) {
    out.push(zh
      ? `${drAtRs} 个发往 VIP 的连接从 Director 的 MAC 到达，本机以 VIP 为源地址回应，却发往另一个 MAC（网关）：这是一台 DR 模式的 Real Server（VIP 配在 lo 上，它不回应 VIP 的 ARP）`
      : `${drAtRs} connections to the VIP arrived from the director's MAC and were answered with the VIP as source towards another MAC (the gateway): a DR real server (the VIP sits on its loopback, so it does not answer ARP for it)`);
  }
  const drOrDecap = s.drOrDecap ?? 0;
  if (drOrDecap > 0 && method === 'unknown') {
    out.push(zh
      ? `${drOrDecap} 个发往 VIP 的连接没有隧道头，从本机回应所发往的同一台主机到达（它用 ARP 解析过本机的 RIP），本机以 VIP 为源地址回应：可能是 DR（Director 兼作本机网关），也可能是隧道（IPIP/GUE）在抓包点之前就被本机解封装（XDP 或 tc 解封装，如 Katran 的 Real Server），两者在这里看起来一样。本链路上没有任何主机解析或宣告 VIP；若有（VIP 在这条链路上），就是 DR；在 Director 或路由器上抓包也能确定`
      : `${drOrDecap} connections to the VIP arrived without a tunnel header from the host this server's replies go back to (which resolved its RIP), and were answered from the VIP: DR with the director as this server's gateway, or a tunnel (IPIP/GUE) decapsulated on this server before the capture point (an XDP or tc decapsulator, as Katran's real servers run); the two look the same here. Nothing on this link resolves or claims the VIP; an ARP or NDP exchange for it here (the VIP on this link) would mean DR, and a capture at the director or the router would decide`);
  }
  if (natInside > 0 && method === 'nat') {
    const vip = s.vip === undefined || s.vip === '?'
      ? (zh ? 'VIP 从未出现在这个抓包中（可用 --vip 指定）' : 'the VIP never appears in this capture (name it with --vip)')
      : (zh ? `VIP ${s.vip} 由 --vip 指定` : `the VIP ${s.vip} is the one given with --vip`);
    out.push(zh
      ? `${natInside} 个来自 Director 另一侧客户端的连接从 Director 的 MAC 到达，目标是 Real Server 自己的地址（RIP:端口），响应也发回给它：这是 NAT 模式 Director 的内侧；${vip}`
      : `${natInside} connections from clients beyond the director arrive from its MAC addressed to the real servers' own addresses (RIP:port) and are answered back to it: the inside of a NAT director; ${vip}`);
    if (s.rs?.length === 1) {
      out.push(zh
        ? '只看到一台 Real Server（这很可能是它自己的抓包）：前面那台主机很可能是它的 NAT Director（置信度 0.6），但从这里看，一台普通路由器挡在一台服务器前面也是同样的样子，回应了 VIP 的 ARP 的 DR Real Server（客户端绕过 Director 直接找到它）也一样；在 Director 外侧（能看到 VIP 的地方）、网关或另一台 Real Server 上抓包即可确定'
        : 'only one real server shows (this is likely its own capture): the host in front is most likely its NAT director (confidence 0.6), but a plain router in front of one server looks the same from here, and so does a DR real server that answers ARP for the VIP (the clients then reach it directly, bypassing the director); a capture on the director\'s outside (where the VIP shows), on the gateway or of a second real server would decide');
    }
  }
  const bypassed = s.bypassed ?? 0;
  if (bypassed > 0 && method === 'unknown') {
    out.push(zh
      ? `${bypassed} 个连接由另一台也在 ARP 中声称拥有 VIP 的主机直接回应，从未到达 Director，所以看不出 Director 的转发模式`
      : `${bypassed} connections were answered by another host that also claims the VIP in ARP: they never reached the director, so its forwarding method cannot show`);
  } else if (method === 'unknown' && natInside > 0) {
    out.push(zh
      ? `${natInside} 个连接来自前端主机另一侧的客户端，以本服务器自己的地址（ARP 表明它在这条链路上）到达，回应也经这台前端主机返回；前端主机在这里没有解析任何别的服务器：看不出负载均衡。从这里看，三种情况一模一样：Real Server 前面的 NAT Director（这个地址是 RIP）、一台服务器前面的普通路由器，以及回应了 VIP 的 ARP 的 DR Real Server（没有设置 arp_ignore/arp_announce），网关于是把客户端直接发给它，绕过了 Director（这个地址就是 VIP）。在网关或 Director 上抓包、看到第二台 Real Server，或者前端主机解析其他 Real Server，才能确定`
      : `${natInside} connections from clients beyond the host in front reach this server on its own address (on this link, as ARP shows) and are answered back through that host, which resolves no other server here: nothing shows balancing. Three setups look the same from here: a NAT director in front of this real server (the address is its RIP), a plain router in front of a server, and a DR real server that answers ARP for the VIP (arp_ignore/arp_announce unset), to which the gateway then sends the clients itself, bypassing the director (the address is the VIP). A capture on the gateway or the director, a second real server, or the host in front resolving other real servers would decide`);
  } else if (method === 'unknown' && s.answered === true && drSplit === 0 && (s.drOrDecap ?? 0) === 0) {
    out.push(zh
      ? '每个连接都由目标主机自己回应，并经同一个前端 MAC 返回：从这一侧看，Director 就像一台服务器。这可能是 NAT Director 的外侧（目标地址就是 VIP，Real Server 在它后面，看不到），也可能是在集群前面做 DNAT 的防火墙，或是 Director 或路由器后面的一台 Real Server（NAT 内侧），还可能是回应了 VIP 的 ARP 的 DR Real Server（客户端绕过 Director 直接到达它）；在 Director 的另一侧（Real Server 那一侧）或某台 Real Server 上抓包，看到第二台 Real Server，或用 --vip 指定 VIP，才能确定'
      : 'every connection is answered by the host it was sent to, back through the same front MAC: from this side the director looks like one server. It may be a NAT director\'s outside (the address is the VIP, its real servers unseen behind it), a firewall\'s DNAT in front of a cluster, or one real server behind a director or router (NAT inside), or a DR real server that answers ARP for the VIP (the clients reach it directly, bypassing the director); a capture on the director\'s other side (its real servers\' side) or on a real server, a second real server, or --vip would decide');
  } else if (method === 'unknown' && s.answered !== true && (s.rs?.some((r) => (r.conns ?? 0) > 0) ?? false)) {
    out.push(zh
      ? '没有任何报文被 Director 转发出去：每个连接的 SYN 到达后，Director 立即用 ARP 询问它选中的 Real Server（即列出的这些），却没有得到回应，所以报文发不出去，看不出转发模式；它的 ARP 请求为什么没人回应，见问题列表'
      : 'nothing left the director: right after each connection\'s SYN it asked ARP for the real server it picked (those listed), and no answer came, so no forward shows and the method cannot; why its ARP went unanswered is in the findings');
  } else if (method === 'unknown' && drSplit === 0 && (s.drOrDecap ?? 0) === 0) {
    out.push(zh
      ? '抓包里只有客户端→VIP 的报文：没有转发后的副本、隧道报文或改写过的响应，无法判断转发模式；请在能看到 Director 发出报文的位置抓包'
      : 'only client→VIP packets are visible: no forwarded copy, tunnel or rewritten reply is in the capture, so the forwarding method cannot be told; capture where the director\'s output is visible too');
  }
  return out;
}

/** What, beyond the tunnel itself, shows an IPVS director behind a TUN claim (tunConfidence), and what would decide. */
function tunSupportText(s: MethodCounts, zh: boolean): string[] {
  // The director's own hop shows: the tunnel sentence above says all.
  if ((s.tunHop ?? 0) > 0) return [];
  const servers = tunServers(s);
  const direct = tunAnsweredDirectly(s);
  const c = tunConfidence(s);
  if (c === TUNNEL_ONLY) {
    return [zh
      ? `这里只看到隧道本身：任何两台主机之间的 IPIP/GRE/GUE 隧道承载客户端→VIP 的报文都是这个样子，所以它的外层源地址是不是 IPVS Director 只是推测（置信度 ${c}）。若能看到同一个客户端报文在封装前到达这台主机、VIP 后面有多台 Real Server，或 Real Server 以 VIP 为源地址在隧道之外直接回应客户端，即可确定`
      : `only the tunnel shows: an IPIP, GRE or GUE tunnel between any two hosts carrying a client's packets to this address looks the same, so that its outer source is an IPVS director is a guess (confidence ${c}). The same client packet seen arriving at that host before it was encapsulated, several real servers behind the VIP, or the real server answering the client from the VIP directly, outside the tunnel, would decide`];
  }
  const seen = zh
    ? [servers >= 2 ? `VIP 后面有 ${servers} 台 Real Server（负载均衡）` : '', direct ? 'Real Server 以 VIP 为源地址在隧道之外直接回应客户端' : ''].filter((x) => x !== '').join('，并且')
    : [servers >= 2 ? `${servers} real servers behind the VIP (balancing)` : '', direct ? 'replies from the VIP leaving the real servers directly, outside the tunnel' : ''].filter((x) => x !== '').join(', and ');
  return [zh
    ? `Director 封装之前的那一跳不经过这个抓包点；说明这是 Director 而不只是一条普通隧道的是：${seen}（TUN，置信度 ${c}）。在 Director 上抓包（封装前后的同一个报文）即可完全确定`
    : `the director's hop before encapsulation does not pass this capture point; what shows a director rather than any tunnel: ${seen} (TUN, confidence ${c}). A capture on the director (the same packet before and after encapsulation) would make it certain`];
}
