/**
 * The finding catalog: every finding code once, with its severity, what it means in general, and
 * its sentence in English and Chinese written from the params the model records
 * (FindingParamsByCode). The model takes severity and English message from here, `annotate` the
 * sentence in the reader's language, the simulator's truth the severity and the general meaning;
 * the TUI reads findings through `annotate`. Adding a code: its params in report.ts, one entry
 * here (the compiler refuses a code without one), one rule in src/model/rules/.
 *
 * It lives beside report.ts, below both the model and the simulator, so that neither has its
 * own words for a finding.
 */
import type {
  FindingCode, FindingParamsByCode, FindingSeverity, ForwardingMethod, IdleExpiry, PortReuse, SilentSyn, StaleEntry, StaleSegments, SynFlood,
} from './report.js';

/** Why a real server does not answer the SYNs the director sends it, by forwarding method: each cause beside its translation. */
const CAUSE: { readonly [M in ForwardingMethod]: { readonly en: string; readonly zh: string } } = {
  dr: {
    en: 'the VIP missing on the real server\'s lo (it drops packets for an address it does not own), a firewall on it dropping the SYN, or the server down',
    zh: 'Real Server 的 lo 上没有配置 VIP（它会丢弃发给不属于自己地址的报文）、它的防火墙丢弃了 SYN，或者服务器宕机',
  },
  tun: {
    en: 'the real server dropping the decapsulated SYN (rp_filter on its tunnel device or uplink, no tunnel device up, the VIP not on it), a firewall on it, or the server down',
    zh: 'Real Server 丢弃了解封装后的 SYN（隧道设备或上联网卡的 rp_filter、隧道设备没有启用、VIP 没有配在隧道设备上）、它的防火墙，或者服务器宕机',
  },
  nat: {
    en: 'a firewall on the real server dropping the SYN, or the server down (a reply sent past the director would show as nat-reply-bypasses-director where the capture sees it)',
    zh: 'Real Server 的防火墙丢弃了 SYN，或者服务器宕机（应答绕过 Director 发出时，在能看到它的抓包点会报告 nat-reply-bypasses-director）',
  },
  fullnat: {
    en: 'a firewall on the real server dropping the SYN, or the server down',
    zh: 'Real Server 的防火墙丢弃了 SYN，或者服务器宕机',
  },
  unknown: {
    en: 'a firewall on the real server, the server down, for DR the VIP missing on its lo, for TUN rp_filter dropping the decapsulated SYN, for NAT its default route bypassing the director',
    zh: 'Real Server 的防火墙、服务器宕机；DR 模式下 lo 上没有 VIP；TUN 模式下 rp_filter 丢弃了解封装后的 SYN；NAT 模式下它的默认路由绕过了 Director',
  },
};

/** rs-not-responding's English sentence for retransmitted, unanswered SYNs. */
function silentSynEn(rs: string, s: SilentSyn): string {
  const what = s.rsKnown
    ? `real server ${rs} never answered ${s.connections} connection(s) the director sent it: no SYN-ACK, the client retransmitted the SYN ${s.retransmits} time(s)`
    : `SYNs to ${rs} were never answered (${s.connections} connection(s), the client retransmitted the SYN ${s.retransmits} time(s)); the real server they went to is not visible from this capture point`;
  const all = s.all ? '; no connection in the capture was answered at all' : '';
  return `${what}${all}. Likely causes: ${CAUSE[s.method].en}. A capture on the real server tells them apart: the SYN arriving with nothing leaving means the real server drops it; a closed port would answer with RST`;
}

// The failures operators meet (stale entries, idle expiry, port reuse, a real server rejecting).
const UNREACHABLE: Readonly<Record<number, string>> = {
  3: 'port unreachable', 9: 'network administratively prohibited', 10: 'host administratively prohibited', 13: 'communication administratively prohibited',
};

export function isRejectCode(code: number): boolean {
  return UNREACHABLE[code] !== undefined;
}

function staleEntryEn(p: StaleEntry): string {
  if (p.protocol === 'tcp') return staleSegmentsEn(p);
  const then = p.after !== null
    ? `; then ${p.after} answered: the flow was scheduled anew once its old connection entry expired`
    : p.othersAnswered ? ', while the service answered other clients' : '';
  return `client ${p.client}'s datagrams to ${p.virtual} went unanswered for ${p.seconds} s (${p.lost} datagrams) after real server ${p.rs} had answered them${then}. ` +
    'IPVS sends every packet of a connection entry (the same client ip:port) to that entry\'s real server: if the server was removed, the director drops them silently ' +
    '(net.ipv4.vs.expire_nodest_conn=0, the default) until the entry expires, the UDP timeout (300 s by default, ipvsadm --set) counted from the last packet forwarded; ' +
    'if it is dead but still listed, or quiesced (weight 0) while down, they keep going to it for as long as the client keeps sending. ' +
    'Set net.ipv4.vs.expire_nodest_conn=1 (kernels 5.9 and later then expire a removed server\'s entries at once and schedule afresh a packet that still finds one; ' +
    'older ones drop the packet that finds the entry and expire it, so the next is scheduled), shorten the UDP timeout, or remove a dead server rather than quiesce it; ipvsadm -Lnc shows the entry';
}

/** What the capture point shows the director did with a black-holed connection's retransmissions. */
const STALE_DIRECTOR: { readonly [D in StaleSegments['director']]: { readonly en: string; readonly zh: string } } = {
  dropped: {
    en: 'this capture shows them reaching the director, which forwarded none of them though it had forwarded the connection\'s earlier segments: the entry\'s real server is gone from the service',
    zh: '这个抓包点显示这些重传到达了 Director，但它一个也没有转发，而这个连接之前的报文段它都转发过：条目对应的 Real Server 已经从服务中删除',
  },
  forwarded: {
    en: 'the director forwarded them to the real server, which never answered: the entry still points at a server that is listed but silent (down, quiesced while down, or a firewall on it)',
    zh: 'Director 把它们转发给了 Real Server，而它一直没有应答：条目仍然指向一台还在规则里却不出声的服务器（宕机、权重为 0 且服务已停，或者它的防火墙）',
  },
  unseen: {
    en: 'this capture point does not show what the director did with them: captured on the director, a removed server\'s segments arrive and none leaves, a silent server\'s are forwarded',
    zh: '从这个抓包点看不到 Director 如何处理它们：在 Director 上抓包时，被删除的服务器的报文段只进不出，不出声的服务器的报文段则会被转发',
  },
};

function staleSegmentsEn(p: StaleSegments): string {
  const rs = p.rs === null ? 'its real server' : `real server ${p.rs}`;
  const others = p.othersAnswered ? ', while the service answered other connections' : '';
  return `connection ${p.client} → ${p.virtual} went unanswered for at least ${p.seconds} s after ${rs} had answered it: the client sent its oldest unacknowledged segment ` +
    `${p.sent} times, ${p.firstGap} s and at last ${p.lastGap} s apart (its retransmission timeout doubling), and nothing came back${others}; ${STALE_DIRECTOR[p.director].en}. ` +
    'IPVS sends every segment of a connection to its entry\'s real server. When that server is removed (ipvsadm -d, or a health checker taking it out), the director drops the segments silently ' +
    '(net.ipv4.vs.expire_nodest_conn=0, the default): the entry stays ESTABLISHED in ipvsadm -Lnc and, as dropped segments do not restart its timer, lingers until the established timeout ' +
    '(900 s by default, ipvsadm --set) counted from the last segment it forwarded, while the client retransmits until it gives up (net.ipv4.tcp_retries2, about 15 minutes). ' +
    'A quiesced server (weight 0) keeps its connections: they hang only if it is down as well. ' +
    'With net.ipv4.vs.expire_nodest_conn=1 the entry goes (kernels 5.9 and later expire a removed server\'s entries at once; older ones when a segment finds it, dropping that segment): ' +
    'the next segment finds no entry and, not being a SYN, is reset by the director\'s own stack, so the client fails at once and can reconnect. ' +
    'To take a server out, set its weight to 0 and remove it once its connections have ended';
}

function staleSegmentsZh(p: StaleSegments): string {
  const rs = p.rs === null ? '它的 Real Server ' : `Real Server ${p.rs} `;
  const others = p.othersAnswered ? '，而同一时间服务对其他连接是有应答的' : '';
  return `连接 ${p.client} → ${p.virtual} 在${rs}应答过之后，至少 ${p.seconds} 秒没有得到任何应答：客户端把最早一个未被确认的报文段发送了 ${p.sent} 次，` +
    `间隔从 ${p.firstGap} 秒增长到 ${p.lastGap} 秒（重传超时不断翻倍），却没有任何回应${others}；${STALE_DIRECTOR[p.director].zh}。` +
    'IPVS 会把一个连接的所有报文段都发给它的连接条目对应的 Real Server。如果这台服务器被删除了（ipvsadm -d，或者健康检查把它摘除），Director 会默默丢弃这些报文段' +
    '（net.ipv4.vs.expire_nodest_conn=0，默认值）：条目在 ipvsadm -Lnc 中仍然是 ESTABLISHED，而且被丢弃的报文段不会重置它的定时器，所以它要等到 ESTABLISHED 超时' +
    '（默认 900 秒，可用 ipvsadm --set 修改，从最后一个被转发的报文段开始计时）才会消失；客户端则一直重传，直到放弃（net.ipv4.tcp_retries2，大约 15 分钟）。' +
    '权重被设为 0 的服务器会保留已有连接，只有它同时宕机时这些连接才会挂住。' +
    '设置 net.ipv4.vs.expire_nodest_conn=1 后条目会被清除（5.9 及以后的内核在删除服务器时立即让它的所有条目过期；更早的内核在有报文段命中条目时让它过期，并丢弃这个报文段），' +
    '下一个报文段找不到条目，又不是 SYN，于是由 Director 自己的协议栈回 RST：客户端立即失败，可以重新连接。下线服务器时，先把权重设为 0，等它的连接都结束后再删除';
}

function idleExpiryEn(p: IdleExpiry): string {
  const who = p.by === 'director' ? 'the director' : 'another host than the one that answered before (the director, or a real server it was newly sent to)';
  return `connection ${p.client} → ${p.virtual} was idle for ${p.idle} s; the client's next segment was answered with a RST from ${who}: ` +
    'IPVS had expired the connection\'s ESTABLISHED entry (900 s by default, counted from its last packet; ipvsadm --set TCP TCPFIN UDP changes it, ipvsadm -Lnc shows it counting down). ' +
    'A segment that is not a SYN and finds no entry goes to the director\'s own stack, which owns the VIP and resets it ' +
    '(with net.ipv4.vs.sloppy_tcp=1 it is scheduled again, to a server that knows nothing of it). ' +
    'Keep such connections alive with TCP keepalives shorter than the timeout (net.ipv4.tcp_keepalive_time on the client or the server), or raise the established timeout';
}

function portReuseEn(p: PortReuse): string {
  return `client ${p.client} reused its port for a new connection to ${p.virtual} ${p.reuseAfter} s after the previous one on it: the first SYN went unanswered, ` +
    `and only the same SYN sent again ${p.gap} s later was answered. IPVS still held the old connection's entry (TIME_WAIT lasts 120 s); ` +
    'with net.ipv4.vs.conn_reuse_mode=1 and net.ipv4.vs.conntrack=1 (as kube-proxy sets them) kernels before 5.9 expire that entry but drop the SYN that found it, ' +
    'so each such reuse costs one retransmission timeout (1 s). Kernels 5.9 and later schedule the SYN at once; on older ones conn_reuse_mode=0 avoids the drop ' +
    '(the SYN then follows the old entry to the old real server), or let clients reuse ports less (a wider net.ipv4.ip_local_port_range)';
}

/** Half-open entries the director held at once before syn-flood is reported: far above a busy service's handshakes in flight. */
export const SYN_FLOOD_MIN_ENTRIES = 100;

/** The sources in words: one address, or how many between the first and the last seen. */
const floodSources = (p: SynFlood): string => (p.sources === 1 ? p.firstSource : `${p.sources} addresses (${p.firstSource} … ${p.lastSource})`);

function synFloodEn(p: SynFlood): string {
  const answered = p.synAcked > 0 ? `; the real servers answered ${p.synAcked} of them with SYN-ACKs that nobody acknowledged` : '';
  const ok = p.completed > 0 ? ` (${p.completed} other connection(s) completed meanwhile)` : '';
  return `${p.halfOpen} connections to ${p.virtual} from ${floodSources(p)} never completed the handshake, ${p.rate} SYNs/s over ${p.seconds} s, ` +
    `none sent again${answered}${ok}: a SYN flood (one SYN per source that never retransmits is the mark of spoofed sources). ` +
    `The director keeps each as a SYN_RECV entry for 60 s, up to ${p.peak} at once here: ipvsadm -Lnc lists them, ActiveConn counts them (kernels 4.8 and later), ` +
    'so lc and wlc steer new clients by them, and every SYN is forwarded to a real server. ' +
    'IPVS\'s defences, in /proc/sys/net/ipv4/vs/ and all 0 (off) by default, act only while the director\'s free memory is below amemthresh (1024 pages, 4 MB): ' +
    'drop_entry drops random SYN_RECV entries (a 32nd of the table each second), drop_packet drops 1 in amemthresh/(amemthresh − free pages) new connections ' +
    '(3: always 1 in am_droprate, 10), secure_tcp switches to a stricter state table (in NAT an entry becomes ESTABLISHED, 15 min, only once the real server\'s replies have passed, not on a spoofed ACK); ' +
    '1 turns one on while memory is low, 3 always. The capture cannot show these settings or the director\'s memory. ' +
    'Filter the flood before the director (rate limits, SYNPROXY); SYN cookies (net.ipv4.tcp_syncookies=1) keep the real servers\' listen queues open';
}

type TunMtu = FindingParamsByCode['tun-mtu'];
/** The MSS that fits a next-hop MTU: less the IPv4 and TCP headers. */
const mssFor = (p: TunMtu): string => (p.mtu === null ? '' : ` ${p.mtu - 40}`);

function tunMtuEn(p: TunMtu): string {
  const mtu = p.mtu ?? '?';
  const fix = `advertise a smaller MSS from the real servers (their SYN-ACKs set the size clients send: ip route … advmss${mssFor(p)}, or an iptables TCPMSS rule), ` +
    'or raise the MTU between the director and the real servers by the tunnel header';
  if (p.exact) {
    return `ICMP fragmentation needed (next-hop MTU ${mtu}) about a tunnel packet to ${p.to ?? 'a real server'}: a router between the director and the real server refused it. ` +
      `The tunnel packet is the client's plus 20 bytes of IPIP header, so full-size client segments do not fit that path; ${fix}`;
  }
  const who = `packets to ${p.to ?? 'the VIP'}${p.client !== null ? `, the first from client ${p.client}` : ''}`;
  return `ICMP fragmentation needed (next-hop MTU ${mtu}) from the VIP: the director refused to tunnel ${who}. ` +
    'With the tunnel header (IPIP 20 bytes; GUE and GRE more) each exceeds the MTU towards the real server and DF is set (Linux TCP sets it on every segment), ' +
    'so IPVS (ip_vs_xmit.c, ensure_mtu_is_adequate) drops each and answers with the route\'s MTU less the tunnel header. ' +
    `The client sends smaller segments once it has this ICMP (its route cache keeps MTU ${mtu} for 10 minutes), after a retransmission; ` +
    'behind a firewall that drops ICMP it stalls on every full-size segment (a PMTU black hole). ' +
    `To avoid it, ${fix}, or set net.ipv4.vs.pmtu_disc=0 (the director then fragments the tunnel packets and the real servers reassemble them)`;
}

function tunMtuZh(p: TunMtu): string {
  const mtu = p.mtu ?? '?';
  const fix = `让 Real Server 通告更小的 MSS（客户端按它们 SYN-ACK 中的 MSS 决定报文大小：ip route … advmss${mssFor(p)}，或 iptables 的 TCPMSS 规则），` +
    '或者把 Director 与 Real Server 之间的 MTU 调大，至少多出隧道头的长度';
  if (p.exact) {
    return `收到关于发往 ${p.to ?? 'Real Server'} 的隧道报文的 ICMP 需要分片（下一跳 MTU ${mtu}）：Director 与 Real Server 之间的某台路由器拒绝了它。` +
      `隧道报文是客户端的报文再加 20 字节的 IPIP 头，所以满长度的客户端报文在这条路径上放不下；可以${fix}`;
  }
  const who = `发往 ${p.to ?? 'VIP'} 的报文${p.client !== null ? `（第一个来自客户端 ${p.client}）` : ''}`;
  return `VIP 发出了 ICMP 需要分片（下一跳 MTU ${mtu}）：Director 拒绝用隧道转发${who}。` +
    '加上隧道头（IPIP 20 字节，GUE 和 GRE 更多）之后每个报文都超过了通往 Real Server 的 MTU，而且设置了 DF（Linux 的 TCP 每个报文都会设置），' +
    '所以 IPVS（ip_vs_xmit.c 的 ensure_mtu_is_adequate）把它们丢弃，并回应路由 MTU 减去隧道头后的值。' +
    `客户端收到这个 ICMP 后会改发更小的报文（路由缓存把 MTU ${mtu} 保留 10 分钟），代价是一次重传；` +
    '如果它前面的防火墙丢弃 ICMP，每个满长度的报文都会卡住（PMTU 黑洞）。' +
    `要避免这种情况，可以${fix}，或者设置 net.ipv4.vs.pmtu_disc=0（Director 会对隧道报文分片，由 Real Server 重组）`;
}

function rsRejectsEn(p: FindingParamsByCode['rs-rejects']): string {
  const why = p.protocol === 'udp' && p.code === 3
    ? `nothing listens on UDP port ${p.virtual.slice(p.virtual.lastIndexOf(':') + 1)} there (the service is down, or bound to another address), or a firewall rule on it rejects the datagrams`
    : 'a firewall rule on it (iptables/nftables REJECT) refuses them; a closed TCP port would answer with RST instead';
  return `real server ${p.rs} answers ${p.protocol.toUpperCase()} packets for ${p.virtual} with ICMP ${UNREACHABLE[p.code] ?? `unreachable code ${p.code}`}: ` +
    `the director forwarded them (its own "no real server" answer comes from its MAC); ${why}. ` +
    'The director keeps scheduling new connections to it while it is in the rules with a weight above 0: fix the server, or let a health check (keepalived) take it out';
}

function quiescedEn(p: FindingParamsByCode['quiesced-server-used']): string {
  return `real server ${p.rs} has weight 0 (quiesced) in the rules but received new connections${p.persistent
    ? ' (persistence templates still point at it: with net.ipv4.vs.expire_quiescent_template=0, the default, a template to a weight-0 server stays valid until it expires, so its clients\' new connections keep going there; 1 moves them at their next connection)'
    : ''}`;
}

const REJECT_ZH: Readonly<Record<number, string>> = { 3: '端口不可达', 9: '网络被管理性禁止', 10: '主机被管理性禁止', 13: '通信被管理性禁止' };

type Render<C extends FindingCode> = (p: FindingParamsByCode[C]) => string;
export type Lang = 'en' | 'zh';

export interface FindingEntry<C extends FindingCode> {
  /** The code's weight: what a truth file (no params) carries, and the model's unless `severityOf` says otherwise. */
  readonly severity: FindingSeverity;
  /** Where one code covers cases of different weight, the weight of this one. */
  readonly severityOf?: (p: FindingParamsByCode[C]) => FindingSeverity;
  /** What the code means, without the capture's particulars (the simulator's truth files). */
  readonly about: string;
  readonly en: Render<C>;
  readonly zh: Render<C>;
}

type RsArp = { rip: string; name: string | null; mac: string };
/** A real server known only by its MAC (the RIP never showed) is named by the MAC alone. */
const macOnly = (p: RsArp): boolean => p.rip === '' || p.rip === p.mac;
const rsWho = (p: RsArp): string => (macOnly(p) ? p.mac : `${p.name ?? p.rip} (${p.mac})`);
const rsWhoZh = (p: RsArp): string => (macOnly(p) ? `${p.mac} ` : `${p.name ?? p.rip}（${p.mac}）`);
const UP = (s: string): string => s.toUpperCase();
const FORWARD_ZH = { dr: 'DR（-g）', tun: 'TUN（-i）' } as const;

function silentSynZh(rs: string, s: SilentSyn): string {
  const what = s.rsKnown
    ? `Director 转发给 Real Server ${rs} 的 ${s.connections} 个连接始终没有回应：没有 SYN-ACK，客户端重传了 ${s.retransmits} 次 SYN`
    : `发往 ${rs} 的 SYN 始终没有回应（${s.connections} 个连接，客户端重传了 ${s.retransmits} 次 SYN）；从这个抓包点看不到它们被转发给了哪台 Real Server`;
  const all = s.all ? '；抓包中没有任何连接得到回应' : '';
  return `${what}${all}。可能的原因：${CAUSE[s.method].zh}。在 Real Server 上抓包可以区分：SYN 到达而没有任何报文发出，说明是 Real Server 自己丢弃了它；端口没有监听时会回 RST`;
}

export const FINDING_CATALOG: { readonly [C in FindingCode]: FindingEntry<C> } = {
  'rs-answers-arp-for-vip': {
    severity: 'error',
    about: 'a real server answers ARP requests for the VIP (arp_ignore is not 1)',
    en: (p) => `real server ${rsWho(p)} answers ARP for the VIP ${p.vip}: clients' packets may bypass the director; set arp_ignore=1 and arp_announce=2 on the real server and keep the VIP on lo`,
    zh: (p) => `Real Server ${rsWhoZh(p)}回应了对 VIP ${p.vip} 的 ARP 请求：客户端的报文可能绕过 Director 直接发给它；请在这台 Real Server 上设置 arp_ignore=1 和 arp_announce=2，并把 VIP 配置在 lo 上`,
  },
  'rs-announces-vip': {
    severity: 'warning',
    about: 'a real server uses the VIP as the sender address of its ARP requests (arp_announce is not 2)',
    en: (p) => `real server ${rsWho(p)} sends ARP with the VIP ${p.vip} as its sender address, teaching the LAN that the VIP lives there; set arp_announce=2`,
    zh: (p) => `Real Server ${rsWhoZh(p)}发出的 ARP 以 VIP ${p.vip} 作为发送方地址，让局域网以为 VIP 在它那里；请设置 arp_announce=2`,
  },
  'vip-arp-flapping': {
    severity: 'warning',
    about: 'several MACs claim the VIP in ARP, so the gateway\'s ARP entry for it flips between them',
    en: (p) => `${p.macs.length} different MACs claim the VIP ${p.vip} in ARP (${p.macs.join(', ')}): the gateway's ARP entry flips between them`,
    zh: (p) => `有 ${p.macs.length} 个不同的 MAC 在 ARP 中声称拥有 VIP ${p.vip}（${p.macs.join('、')}）：网关的 ARP 缓存会在它们之间来回切换`,
  },
  'vip-primary-on-director': {
    severity: 'warning',
    about: 'the VIP is the director\'s primary address: its ARP requests carry the VIP and real servers ignore them',
    en: (p) => `the director uses the VIP ${p.vip} as the source of its own ARP requests: the VIP is its primary address; real servers answering to the VIP will reply to themselves. Make the DIP primary and add the VIP as a secondary /32`,
    zh: (p) => `Director 用 VIP ${p.vip} 作为自己 ARP 请求的源地址，说明 VIP 是它的主地址；Real Server 回应这个 VIP 时会把应答发给自己。应以 DIP 为主地址，把 VIP 作为 /32 的辅助地址添加`,
  },
  'dr-reply-via-director': {
    severity: 'warning',
    about: 'replies of DR/TUN connections pass through the director (real server gateway is the director)',
    en: (p) => `real server ${p.rs} sends its replies for ${p.vip} to the director's MAC: in DR the replies should go straight to the gateway (check the real server's default route)`,
    zh: (p) => `Real Server ${p.rs} 把 ${p.vip} 的响应发到了 Director 的 MAC 上：DR 模式下响应应直接发给网关（请检查这台 Real Server 的默认路由）`,
  },
  'nat-reply-bypasses-director': {
    severity: 'error',
    about: 'NAT replies leave the real server through another gateway, so they are never rewritten to the VIP',
    en: (p) => `real server ${p.rs} sends NAT replies to ${p.mac || 'another gateway'} instead of the director: the client gets them from the RIP, not the VIP, and drops them; make the director the real server's default gateway`,
    zh: (p) => `Real Server ${p.rs} 把 NAT 响应发给了 ${p.mac || '另一个网关'}，没有经过 Director：客户端收到的响应源地址是 RIP 而不是 VIP，会把它丢弃；请把 Director 设为这台 Real Server 的默认网关`,
  },
  'syn-ack-without-syn': {
    severity: 'warning',
    severityOf: (p) => (p.virtual !== null ? 'error' : 'warning'),
    about: 'a server\'s SYN-ACKs pass where the SYNs they answer never did and are never acknowledged: its replies take another way than its requests (a NAT real server whose default route is not the director)',
    en: (p) => {
      const n = `${p.synAcks} SYN-ACK(s) for ${p.clients} connection(s), retransmitted and never acknowledged`;
      return p.virtual !== null
        ? `${p.client} sent its SYN to ${p.virtual}, but the answer comes from ${p.server} (${n}): the reply was not rewritten back to the VIP, so the client drops it. A NAT real server whose replies bypass the director (its default route is not the DIP) does this; make the director its default gateway`
        : `${p.server} answers SYNs that never passed this capture point (${n}, the first to ${p.client}): its requests arrive another way and its replies take this one. Where ${p.server} is a NAT real server, its replies bypass the director (its default route is this router, not the DIP), leave from the RIP instead of the VIP, and the client drops them; a capture on the client (its SYN to the VIP answered from the RIP) or on the director would confirm`;
    },
    zh: (p) => {
      const n = `${p.clients} 个连接共 ${p.synAcks} 个 SYN-ACK，一再重传，始终没有得到确认`;
      return p.virtual !== null
        ? `${p.client} 把 SYN 发给了 ${p.virtual}，回应却来自 ${p.server}（${n}）：回应没有被改写回 VIP，客户端会丢弃它。NAT 模式的 Real Server 回应绕过 Director（它的默认路由不是 DIP）时就是这样；请把 Director 设为它的默认网关`
        : `${p.server} 回应的 SYN 从未经过这个抓包点（${n}，第一个发往 ${p.client}）：请求从别的路径到达它，回应却走这条路。如果 ${p.server} 是 NAT 模式的 Real Server，说明它的回应绕过了 Director（默认路由是这台路由器而不是 DIP），以 RIP 而不是 VIP 为源地址发出，客户端会丢弃；在客户端（它发往 VIP 的 SYN 得到来自 RIP 的回应）或 Director 上抓包即可确认`;
    },
  },
  'dr-port-mapping': {
    severity: 'error',
    severityOf: (p) => (p.kind === 'refused' ? 'warning' : 'error'),
    about: 'a DR or TUN real server is expected on another port than the service\'s: these methods cannot map ports',
    en: (p) => {
      switch (p.kind) {
        case 'refused': return `real server ${p.rs} refuses connections to ${p.virtual} (RST to the SYN): nothing listens on port ${p.port} there. DR and TUN cannot map ports; the service must listen on the VIP's port`;
        case 'rules': return `${UP(p.forward)} real server ${p.rs} has a different port than the service ${p.virtual}: DR and TUN cannot map ports; the packet still arrives for port ${p.port}`;
        case 'rules-text': return `the rules map ${p.virtual} to ${p.rs} with ${p.forward === 'dr' ? 'DR (-g)' : 'TUN (-i)'}, which cannot change ports: ipvsadm uses port ${p.port} and the real server must listen there`;
      }
    },
    zh: (p) => {
      switch (p.kind) {
        case 'refused': return `Real Server ${p.rs} 拒绝了到 ${p.virtual} 的连接（对 SYN 回了 RST）：它的 ${p.port} 端口上没有服务在监听。DR 和 TUN 模式不能做端口映射，服务必须监听 VIP 的端口`;
        case 'rules': return `${UP(p.forward)} 模式的 Real Server ${p.rs} 与虚拟服务 ${p.virtual} 的端口不同：DR 和 TUN 模式不能做端口映射，报文到达时目标端口仍是 ${p.port}`;
        case 'rules-text': return `规则用 ${FORWARD_ZH[p.forward]} 把 ${p.virtual} 映射到 ${p.rs}，但这种模式不能改端口：ipvsadm 实际使用端口 ${p.port}，Real Server 必须在这个端口上监听`;
      }
    },
  },
  'no-real-server': {
    severity: 'error',
    about: 'the director answers ICMP port unreachable: no real server is available',
    en: (p) => `the director answered connections to ${p.virtual} with ICMP port unreachable: no real server was available (all weights 0, overloaded or none configured)`,
    zh: (p) => `Director 对发往 ${p.virtual} 的连接回应了 ICMP 端口不可达：没有可用的 Real Server（权重全为 0、已过载或根本没有配置）`,
  },
  'rs-not-responding': {
    severity: 'warning',
    severityOf: (p) => (p.silent?.all === true ? 'error' : 'warning'),
    about: 'a real server does not answer the connections the director sends it',
    en: (p) => (p.silent === undefined ? `real server ${p.rs} did not answer connections the director sent it` : silentSynEn(p.rs, p.silent)),
    zh: (p) => (p.silent === undefined ? `Director 转发给 Real Server ${p.rs} 的连接没有得到回应` : silentSynZh(p.rs, p.silent)),
  },
  'tun-mtu': {
    severity: 'warning',
    about: 'tunnelled packets exceed the path MTU: the director sends ICMP fragmentation needed',
    en: tunMtuEn,
    zh: tunMtuZh,
  },
  'icmp-redirect-from-director': {
    severity: 'warning',
    about: 'the director sends ICMP redirects (send_redirects is on, on a one-armed director)',
    en: (p) => `the director sends ICMP redirects (to ${p.to}, gateway ${p.gateway ?? '?'}): on a one-armed director set net.ipv4.conf.*.send_redirects=0`,
    zh: (p) => `Director 发出了 ICMP 重定向（发给 ${p.to}，网关 ${p.gateway ?? '?'}）：单臂部署的 Director 应设置 net.ipv4.conf.*.send_redirects=0`,
  },
  'quiesced-server-used': {
    severity: 'warning',
    about: 'a weight-0 (quiesced) real server still receives connections through a persistence template',
    en: quiescedEn,
    zh: (p) => `Real Server ${p.rs} 在规则中的权重为 0（已停止调度），却仍收到了新连接${p.persistent
      ? '（持久连接模板仍指向它：net.ipv4.vs.expire_quiescent_template=0（默认值）时，指向权重为 0 的服务器的模板在过期前一直有效，持有模板的客户端的新连接仍发给它；设为 1 后，这些客户端的下一个连接会被重新调度）'
      : ''}`,
  },
  'rules-mismatch': {
    severity: 'warning',
    about: 'the capture and the ipvsadm rules disagree (a service, method, real server or scheduler)',
    en: (p) => {
      switch (p.kind) {
        case 'missing-service': return `the capture shows a virtual service ${UP(p.protocol)} ${p.virtual} that the rules do not define`;
        case 'method': return `the rules forward ${p.virtual} by ${UP(p.rules)}, the capture shows ${UP(p.seen)}`;
        case 'unknown-rs': return `real server ${p.rs} receives connections for ${p.virtual} but is not in the rules`;
        case 'scheduler': return `the rules schedule ${p.virtual} with ${p.rules}, but the decisions in the capture fit ${p.seen} better`;
      }
    },
    zh: (p) => {
      switch (p.kind) {
        case 'missing-service': return `抓包中出现了规则里没有定义的虚拟服务 ${UP(p.protocol)} ${p.virtual}`;
        case 'method': return `规则中 ${p.virtual} 的转发模式是 ${UP(p.rules)}，抓包显示的却是 ${UP(p.seen)}`;
        case 'unknown-rs': return `Real Server ${p.rs} 收到了 ${p.virtual} 的连接，但规则里没有它`;
        case 'scheduler': return `规则中 ${p.virtual} 的调度算法是 ${p.rules}，但抓包中的调度结果更符合 ${p.seen}`;
      }
    },
  },
  'persistence-broken': {
    severity: 'warning',
    about: 'a client moved to another real server where persistence should have kept it',
    en: (p) => p.kind === 'switched'
      ? `client ${p.client} switched real server while other clients stay pinned: persistence for ${p.virtual} did not hold (template expired, or a quiesced/removed server)`
      : `client ${p.client} moved from ${p.from} to ${p.to} within the persistence timeout (${p.timeout} s) of ${p.virtual}`,
    zh: (p) => p.kind === 'switched'
      ? `客户端 ${p.client} 换了 Real Server，而其他客户端都固定在原来的服务器上：${p.virtual} 的持久连接没有保持住（模板已过期，或原服务器被停止调度/删除）`
      : `客户端 ${p.client} 在 ${p.virtual} 的持久连接超时（${p.timeout} 秒）内从 ${p.from} 换到了 ${p.to}`,
  },
  'rs-rejects': {
    severity: 'error',
    about: 'a real server answers packets the director forwarded with ICMP unreachable (a REJECT rule, or no UDP listener)',
    en: rsRejectsEn,
    zh: (p) => `Real Server ${p.rs} 对发往 ${p.virtual} 的 ${UP(p.protocol)} 报文回应了 ICMP ${REJECT_ZH[p.code] ?? `不可达（代码 ${p.code}）`}：Director 已经把报文转发给了它（Director 自己回应"没有可用的 Real Server"时源 MAC 是 Director 的）；` +
      (p.protocol === 'udp' && p.code === 3
        ? `它的 UDP 端口 ${p.virtual.slice(p.virtual.lastIndexOf(':') + 1)} 上没有服务在监听（服务已停止，或绑定在别的地址上），或者它的防火墙拒绝了这些报文`
        : '它的防火墙规则（iptables/nftables REJECT）拒绝了这些报文；TCP 端口没有监听时回的是 RST') +
      '。只要它还在规则里且权重大于 0，Director 就会继续把新连接调度给它：请修复这台服务器，或者让健康检查（keepalived）把它摘除',
  },
  'stale-entry': {
    severity: 'error',
    about: 'a flow keeps following its IPVS connection entry to a real server that no longer answers (expire_nodest_conn; the UDP or TCP established timeout)',
    en: staleEntryEn,
    zh: (p) => p.protocol === 'tcp' ? staleSegmentsZh(p) : `客户端 ${p.client} 发往 ${p.virtual} 的数据报在 Real Server ${p.rs} 应答过之后，有 ${p.seconds} 秒（${p.lost} 个数据报）没有得到任何应答` +
      (p.after !== null ? `；之后由 ${p.after} 应答：旧的连接条目过期后，这个流被重新调度了` : p.othersAnswered ? '，而同一时间服务对其他客户端是有应答的' : '') +
      '。IPVS 会把匹配同一个连接条目（同一个客户端 IP 和端口）的所有报文都发给这个条目对应的 Real Server：如果这台服务器已被删除，Director 会默默丢弃这些报文' +
      '（net.ipv4.vs.expire_nodest_conn=0，默认值），直到条目过期，即 UDP 超时（默认 300 秒，可用 ipvsadm --set 修改），从最后一个被转发的报文开始计时；' +
      '如果服务器已经宕机却仍在规则里，或者权重被设为 0 但服务已停，只要客户端一直在发，报文就一直发给它。' +
      '可以设置 net.ipv4.vs.expire_nodest_conn=1（5.9 及以后的内核会在删除服务器时立即让它的条目过期，仍命中条目的报文则被重新调度；更早的内核丢弃命中条目的报文并让条目过期，下一个报文重新调度），缩短 UDP 超时，或者把宕机的服务器删除而不只是把权重设为 0；ipvsadm -Lnc 可以看到这个条目',
  },
  'idle-entry-expired': {
    severity: 'warning',
    about: 'the IPVS entry of an idle connection expired: its next segment is reset by the director (the ESTABLISHED timeout)',
    en: idleExpiryEn,
    zh: (p) => `连接 ${p.client} → ${p.virtual} 空闲了 ${p.idle} 秒；客户端随后发出的报文收到了来自${p.by === 'director' ? ' Director ' : '另一台主机（不是之前应答的那台：可能是 Director，或者被重新调度到的 Real Server）'}的 RST：` +
      'IPVS 已经让这个连接的 ESTABLISHED 条目过期了（默认 900 秒，从最后一个报文开始计时；可用 ipvsadm --set TCP TCPFIN UDP 修改，ipvsadm -Lnc 可以看到倒计时）。' +
      '找不到条目、又不是 SYN 的报文会交给 Director 自己的协议栈，而 VIP 是 Director 的本地地址，于是它回 RST' +
      '（net.ipv4.vs.sloppy_tcp=1 时会被重新调度，发给一台对这个连接一无所知的服务器）。' +
      '可以让 TCP keepalive 的间隔短于这个超时（客户端或服务器上的 net.ipv4.tcp_keepalive_time），或者调大 ESTABLISHED 超时',
  },
  'port-reuse-syn-dropped': {
    severity: 'warning',
    about: 'a SYN reusing the client port of an entry in TIME_WAIT is dropped (conn_reuse_mode=1 with conntrack=1, kernels before 5.9): the client retransmits it after 1 s',
    en: portReuseEn,
    zh: (p) => `客户端 ${p.client} 在上一个连接结束 ${p.reuseAfter} 秒后用同一个端口向 ${p.virtual} 发起了新连接：第一个 SYN 没有得到应答，` +
      `${p.gap} 秒后重传的同一个 SYN 才得到应答。IPVS 仍然保留着旧连接的条目（TIME_WAIT 持续 120 秒）；` +
      '在 net.ipv4.vs.conn_reuse_mode=1 且 net.ipv4.vs.conntrack=1（kube-proxy 就是这样设置的）时，5.9 之前的内核会让旧条目过期，但丢弃碰到它的那个 SYN，' +
      '所以每次这样复用端口都要多等一个重传超时（1 秒）。5.9 及以后的内核会立即调度这个 SYN；在旧内核上可以设 conn_reuse_mode=0 避免丢包' +
      '（此时 SYN 会沿用旧条目发给原来的 Real Server），或者减少客户端的端口复用（扩大 net.ipv4.ip_local_port_range）',
  },
  'syn-flood': {
    severity: 'warning',
    about: 'many connections never complete the handshake (a SYN flood): the director holds a SYN_RECV entry for each, 60 s',
    en: synFloodEn,
    zh: (p) => `${p.halfOpen} 个发往 ${p.virtual} 的连接始终没有完成三次握手，来自${p.sources === 1 ? ` ${p.firstSource}` : ` ${p.sources} 个地址（${p.firstSource} … ${p.lastSource}）`}，` +
      `${p.seconds} 秒内每秒 ${p.rate} 个 SYN，没有一个被重传` +
      (p.synAcked > 0 ? `；Real Server 对其中 ${p.synAcked} 个回了 SYN-ACK，却没有任何一方确认` : '') +
      (p.completed > 0 ? `（同一时间另有 ${p.completed} 个连接正常建立）` : '') +
      '：这是 SYN 洪水攻击（每个源地址只发一个 SYN 且从不重传，说明源地址是伪造的）。' +
      `Director 为每个这样的连接保留一个 SYN_RECV 状态的条目 60 秒，这里最多同时有 ${p.peak} 个：ipvsadm -Lnc 能列出它们，ActiveConn 也计入它们（4.8 及以后的内核），` +
      '所以 lc、wlc 会按它们分配新客户端，而且每个 SYN 都被转发给了 Real Server。' +
      'IPVS 的防御开关在 /proc/sys/net/ipv4/vs/ 下，默认全为 0（关闭），只有在 Director 的空闲内存低于 amemthresh（1024 页，4 MB）时才起作用：' +
      'drop_entry 随机丢弃 SYN_RECV 条目（每秒检查连接表的 1/32），drop_packet 按 amemthresh/(amemthresh − 空闲页数) 的比例丢弃新连接中的一个' +
      '（设为 3 时固定为 am_droprate，即 10 个丢 1 个），secure_tcp 改用更严格的状态表（NAT 模式下只有 Real Server 的应答经过之后，条目才会进入 15 分钟的 ESTABLISHED 状态，伪造的 ACK 不再能做到）；' +
      '设为 1 表示内存不足时自动开启，3 表示始终开启。抓包看不到这些设置，也看不到 Director 的内存。' +
      '应在 Director 之前过滤这类流量（限速、SYNPROXY）；Real Server 上的 SYN cookies（net.ipv4.tcp_syncookies=1）能让监听队列不被占满',
  },
  'ha-split-brain': {
    severity: 'error',
    about: 'both directors of a VRRP pair act as master at once (split brain)',
    en: (p) => `split brain: ${p.routers.join(' and ')} both advertised as VRRP master for VRID ${p.vrid} for ${p.seconds.toFixed(1)} s; each holds the VIP, so the gateway's ARP entry decides which director gets the clients. They do not hear each other's adverts (a firewall dropping protocol 112, different VLANs, or a virtual_router_id/auth mismatch)`,
    zh: (p) => `脑裂：${p.routers.join(' 和 ')} 同时以 VRRP Master 身份为 VRID ${p.vrid} 发送通告，持续 ${p.seconds.toFixed(1)} 秒；两台都持有 VIP，客户端到哪台 Director 取决于网关的 ARP 缓存。它们收不到对方的通告（防火墙丢弃了 112 号协议、不在同一个 VLAN，或 virtual_router_id/认证配置不一致）`,
  },
  'ha-failover-gap': {
    severity: 'warning',
    about: 'nobody answered for the VIP for too long while the pair failed over',
    en: (p) => `failover of VRID ${p.vrid} from ${p.from} to ${p.to}: nobody answered for the VIP for ${p.gapMs} ms (over ${p.thresholdMs} ms); a backup takes over 3 × advert_int + skew after the master's last advert, a stopping keepalived (priority 0 advert) lets it take over at once`,
    zh: (p) => `VRID ${p.vrid} 从 ${p.from} 切换到 ${p.to}：有 ${p.gapMs} 毫秒没有任何主机应答 VIP（超过 ${p.thresholdMs} 毫秒）；备机在 Master 最后一次通告之后 3 × advert_int 加上偏移时间才接管，keepalived 正常停止时（发送优先级 0 的通告）备机会立即接管`,
  },
  'ha-conns-lost-no-sync': {
    severity: 'warning',
    about: 'connections open at a failover broke because the new master had no synced entry for them',
    en: (p) => `${p.lost} connection${p.lost === 1 ? '' : 's'} open at the failover to ${p.to} broke (${p.clients.join(', ')}): ${p.to} had no IPVS entry for them, so its own TCP stack reset them or they retransmitted into silence; ${p.synced === 0 ? 'no sync message was seen; run the IPVS sync daemon (keepalived lvs_sync_daemon, or ipvsadm --start-daemon master/backup)' : `${p.synced} connection${p.synced === 1 ? ' was' : 's were'} synced, these were not`}`,
    zh: (p) => `切换到 ${p.to} 时仍打开的 ${p.lost} 个连接断开了（${p.clients.join('、')}）：${p.to} 上没有它们的 IPVS 连接记录，于是由它自己的 TCP 协议栈回了 RST，或者客户端的重传石沉大海；${p.synced === 0 ? '抓包中没有看到同步报文；请运行 IPVS 连接同步守护进程（keepalived 的 lvs_sync_daemon，或 ipvsadm --start-daemon master/backup）' : `有 ${p.synced} 个连接同步过，这几个没有`}`,
  },
  'ha-no-gratuitous-arp': {
    severity: 'warning',
    about: 'the new master sent no gratuitous ARP for the VIPs after taking over',
    // An IPv6 VIP is announced by unsolicited neighbour advertisements, IPv6's gratuitous ARP.
    en: (p) => p.vips.some((v) => v.includes(':'))
      ? `${p.to} took over VRID ${p.vrid} but sent no unsolicited neighbour advertisement (IPv6's gratuitous ARP) for ${p.vips.join(', ')}: the gateway keeps sending to the old master's MAC until its neighbour entry goes stale (check garp_master_delay/vrrp_garp_master_repeat, or that the VIPs are in virtual_ipaddress)`
      : `${p.to} took over VRID ${p.vrid} but sent no gratuitous ARP for ${p.vips.join(', ')}: the gateway keeps sending to the old master's MAC until its ARP entry expires (check garp_master_delay/vrrp_garp_master_repeat, or that the VIPs are in virtual_ipaddress)`,
    zh: (p) => p.vips.some((v) => v.includes(':'))
      ? `${p.to} 接管了 VRID ${p.vrid}，却没有为 ${p.vips.join('、')} 发送主动邻居通告（IPv6 的免费 ARP）：网关会一直把报文发到旧 Master 的 MAC 上，直到它的邻居表项失效（请检查 garp_master_delay/vrrp_garp_master_repeat，以及 VIP 是否写在 virtual_ipaddress 中）`
      : `${p.to} 接管了 VRID ${p.vrid}，却没有为 ${p.vips.join('、')} 发送免费 ARP：网关会一直把报文发到旧 Master 的 MAC 上，直到它的 ARP 缓存过期（请检查 garp_master_delay/vrrp_garp_master_repeat，以及 VIP 是否写在 virtual_ipaddress 中）`,
  },
  'rs-failed-health-check-still-used': {
    severity: 'warning',
    about: 'a real server that fails its health checks still receives new connections',
    en: (p) => `real server ${p.rs} fails the health checks from ${p.director}, yet the director sent it ${p.connections} new connection${p.connections === 1 ? '' : 's'} afterwards: the checker does not manage this IPVS table, or checks the wrong address or port`,
    zh: (p) => `Real Server ${p.rs} 没有通过 ${p.director} 的健康检查，Director 之后却仍给它分配了 ${p.connections} 个新连接：健康检查程序没有管理这张 IPVS 表，或者检查的地址、端口不对`,
  },
  'health-check-flapping': {
    severity: 'warning',
    about: 'a real server\'s health checks keep failing and passing, so it is removed and added back',
    en: (p) => `real server ${p.rs} flaps: ${p.director}'s health checks failed ${p.failures} times with passes in between, so it is removed and added back; IPVS keeps the connections of a removed server until they end (expire_nodest_conn=0) but sends it no new ones while it is out`,
    zh: (p) => `Real Server ${p.rs} 状态反复变化：${p.director} 的健康检查失败了 ${p.failures} 次，中间又有成功，于是它被反复移除、加回；被移除的服务器上已有的连接由 IPVS 保留到结束（expire_nodest_conn=0），但移除期间不会再分配新连接`,
  },
};

/** The severity of a finding with these params. */
export function findingSeverity<C extends FindingCode>(code: C, params: FindingParamsByCode[C]): FindingSeverity {
  const entry: FindingEntry<C> = FINDING_CATALOG[code];
  return entry.severityOf?.(params) ?? entry.severity;
}

/** The finding's sentence in `lang` (English is the report's `message`). */
export function findingMessage<C extends FindingCode>(code: C, params: FindingParamsByCode[C], lang: Lang = 'en'): string {
  const entry: FindingEntry<C> = FINDING_CATALOG[code];
  return entry[lang](params);
}
