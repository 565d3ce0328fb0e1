/**
 * Per-frame explanations in the style of the classic DR packet-capture walkthrough: who sends
 * what to whom, and why. English and Chinese are written side by side so neither lags behind.
 */
import { FORWARD_CHANGE, FORWARD_OF_METHOD, FORWARD_REWRITES, REPLIES_BYPASS_DIRECTOR } from '../ipvs/methods.js';
import type { FindingCode } from '../ipvs/report.js';
import { type FlowFacts, type FrameFacts, type FrameRole, type Knowledge, type Step } from '../model/index.js';
import { TUNNEL_WORDS } from './cluster-text.js';
import { explainHa } from './explain-ha.js';
import { Labels, shortMac, type Lang } from './labels.js';

export interface Explanation {
  readonly n: number;
  readonly srcRole: FrameRole;
  readonly dstRole: FrameRole;
  readonly step: Step;
  readonly text: string;
}

export interface ExplainContext {
  readonly knowledge: Knowledge | null;
  readonly lang: Lang;
  /** Frame number → finding codes citing it. */
  readonly findingFrames?: ReadonlyMap<number, readonly FindingCode[]>;
}

/** The client's segment, in words, for unwrappedAtServer. */
const UNWRAPPED_WHAT = {
  en: { 'handshake-1': 'SYN (handshake 1/3)', 'handshake-3': 'handshake ACK (3/3)', request: (n: number) => `request (${n} bytes)`, ack: 'ACK', fin: 'FIN', rst: 'RST', datagram: 'UDP datagram' },
  zh: { 'handshake-1': 'SYN（第一次握手）', 'handshake-3': '第三次握手（ACK）', request: (n: number) => `请求（${n} 字节）`, ack: 'ACK', fin: 'FIN', rst: 'RST', datagram: 'UDP 数据报' },
} as const;

export class Explainer {
  private readonly L: Labels;
  private readonly zh: boolean;
  private readonly ctx: ExplainContext;

  constructor(ctx: ExplainContext) {
    this.ctx = ctx;
    this.L = new Labels(ctx.knowledge, ctx.lang);
    this.zh = ctx.lang === 'zh';
  }

  explain(f: FrameFacts): Explanation {
    let text = this.text(f);
    const codes = this.ctx.findingFrames?.get(f.n);
    if (codes !== undefined && codes.length > 0) text += this.zh ? `（问题：${codes.join('、')}）` : ` [finding: ${codes.join(', ')}]`;
    return { n: f.n, srcRole: f.srcRole, dstRole: f.dstRole, step: f.step, text };
  }

  /** Short names of sender and receiver for the walkthrough table: WEB1 where known, else the role word. */
  ends(f: FrameFacts): { readonly from: string; readonly to: string } {
    // A pair's multicast: the director by name, to the VRRP or sync group.
    if (f.ha !== undefined && (f.ha.kind === 'advert' || f.ha.kind === 'sync')) {
      const from = this.ctx.knowledge?.names.get(f.src) ?? this.L.short(f.srcMac, f.src, f.srcRole);
      const group = f.ha.kind === 'advert' ? (this.zh ? 'VRRP 组播' : 'VRRP group') : (this.zh ? '同步组播' : 'sync group');
      return { from, to: f.dst.startsWith('224.') || f.dst.startsWith('ff') ? group : this.L.short(f.dstMac, f.dst, f.dstRole) };
    }
    // A DR forward in a cooked capture has no destination MAC: a real server, which one unknown.
    const to = f.step === 'director-forward' && f.dstMac === '' && f.flow != null && FORWARD_CHANGE[f.flow.method] === 'mac' ? this.L.role('real-server') : this.L.short(f.dstMac, f.dst, f.dstRole);
    return { from: this.L.short(f.srcMac, f.src, f.srcRole), to };
  }

  private text(f: FrameFacts): string {
    if (f.ha !== undefined) return explainHa(f.ha, { lang: this.ctx.lang, knowledge: this.ctx.knowledge, base: () => this.plainText(f) });
    return this.plainText(f);
  }

  private plainText(f: FrameFacts): string {
    // NDP is IPv6's ARP: the same roles, the same sentences, under its own name.
    if (f.arp !== null) return f.arp.ndp === true ? this.arp(f).replace(/by gratuitous ARP/g, 'by unsolicited neighbour advertisement').replace(/免费 ARP/g, '主动邻居通告').replace(/\bARP\b/g, 'NDP').replace(/broadcasts NDP/g, 'multicasts NDP').replace(/广播 NDP/g, '组播 NDP') : this.arp(f);
    if (f.flow !== null) return this.flow(f, f.flow);
    if (f.icmp !== null) return this.icmp(f);
    if (f.step === 'ipv6') return this.zh ? `IPv6 报文，与 LVS 无关：${f.summary}` : `IPv6 traffic, not part of the LVS service: ${f.summary}`;
    // Not "not LVS": a client's own capture of a real cluster looks like this too. What holds is that nothing here shows one.
    if (f.step === 'unlisted') return this.zh ? `${f.summary}：抓包中看不出这个连接经过 LVS（没有 Director 或 Real Server 的迹象）` : `${f.summary}: nothing in this capture shows LVS at work on this connection (no director or real server in sight)`;
    return this.zh ? `与 LVS 无关：${f.summary}` : `not LVS traffic: ${f.summary}`;
  }

  // ------------------------------------------------------------------ ARP

  private arp(f: FrameFacts): string {
    const a = f.arp!;
    const L = this.L;
    const k = this.ctx.knowledge;
    const who = L.host(f.srcMac, a.spa, f.srcRole);
    const isVip = (ip: string): boolean => k?.vips.has(ip) ?? false;
    const zh = this.zh;
    if (a.gratuitous) {
      if (isVip(a.spa) && f.srcRole === 'real-server') {
        return zh ? `${who} 发送免费 ARP，宣称 VIP ${a.spa} 在它的 MAC（${shortMac(a.sha)}）上：Real Server 不应通告 VIP（arp_announce=2）`
          : `${who} announces by gratuitous ARP that VIP ${a.spa} is at its MAC (${shortMac(a.sha)}): a real server must not announce the VIP (arp_announce=2)`;
      }
      return zh ? `${who} 发送免费 ARP：${a.spa} 在 ${shortMac(a.sha)}` : `${who} announces by gratuitous ARP: ${a.spa} is at ${shortMac(a.sha)}`;
    }
    if (a.op === 1) {
      if (isVip(a.tpa) && f.srcRole === 'gateway') {
        return zh ? `${who} 要把客户端的请求发往 VIP ${a.tpa}，所以广播 ARP 请求：谁拥有 ${a.tpa}？`
          : `${who} must deliver the client's request to VIP ${a.tpa}, so it broadcasts ARP: who has ${a.tpa}?`;
      }
      const router = L.routerOf(f.srcMac);
      if (router !== undefined) {
        return zh ? `${router} 要把它后面 Real Server 的回应交给网关，所以广播 ARP 请求：谁拥有 ${a.tpa}？`
          : `${router} must pass a reply from the real servers behind it on to ${L.ip(a.tpa)}, so it asks by ARP: who has ${a.tpa}?`;
      }
      const next = this.routerIp(a.tpa);
      if (f.srcRole === 'director' && next !== null) {
        return zh ? `Director 要把封装后的报文发往隧道另一端（路由器后面的 Real Server），先解析下一跳（${next}）的 MAC：谁拥有 ${a.tpa}？`
          : `the director resolves its next hop, ${next}, towards the tunnel's far end (the real servers behind it): who has ${a.tpa}?`;
      }
      if (f.srcRole === 'director' && k?.rsIps.has(a.tpa)) {
        const rs = L.ip(a.tpa);
        const src = isVip(a.spa) ? (zh ? `（发送方地址竟是 VIP ${a.spa}）` : ` (its sender address is the VIP ${a.spa}, not the DIP)`) : '';
        return zh ? `Director 要把报文转发给 ${rs}，需要它的 MAC，所以广播 ARP 请求：谁拥有 ${a.tpa}？${src}`
          : `the director needs ${rs}'s MAC to forward the connection to it, so it broadcasts ARP: who has ${a.tpa}?${src}`;
      }
      if (f.srcRole === 'real-server' && k?.gatewayIps.has(a.tpa)) {
        return zh ? `${who} 要发送回应，向网关 ${a.tpa} 发起 ARP 请求` : `${who} asks ARP for its gateway ${a.tpa}, to send its reply`;
      }
      return zh ? `${who} 广播 ARP 请求：谁拥有 ${a.tpa}？请告诉 ${a.spa}` : `${who} asks by ARP: who has ${a.tpa}? tell ${a.spa}`;
    }
    // reply
    if (isVip(a.spa)) {
      if (f.srcRole === 'director' && f.dstRole === 'client' && this.frontOnly(a.spa)) {
        return zh ? `${a.spa} 回应：它在 ${shortMac(a.sha)}（客户端发往这个服务的报文都交给这个 MAC）` : `${a.spa} answers: it is at ${shortMac(a.sha)}, the MAC the clients' packets for the service go to`;
      }
      if (f.srcRole === 'director') {
        return zh ? `Director 回应 ARP：VIP ${a.spa} 在它的 MAC（${shortMac(a.sha)}）上` : `the director answers: VIP ${a.spa} is at its MAC (${shortMac(a.sha)})`;
      }
      return zh ? `${who} 也回应了 VIP ${a.spa} 的 ARP（MAC ${shortMac(a.sha)}）：只有 Director 应当回应，Real Server 需设置 arp_ignore=1`
        : `${who} answers ARP for VIP ${a.spa} too (MAC ${shortMac(a.sha)}): only the director should; set arp_ignore=1 on the real server`;
    }
    const router = L.routerOf(f.srcMac);
    if (router !== undefined) return zh ? `${router} 回应：${a.spa} 在 ${shortMac(a.sha)}` : `${router} answers: ${a.spa} is at ${shortMac(a.sha)}`;
    if (f.srcRole === 'gateway') return zh ? `网关回应：${a.spa} 在 ${shortMac(a.sha)}` : `the gateway answers: ${a.spa} is at ${shortMac(a.sha)}`;
    return zh ? `${who} 回应：${a.spa} 在 ${shortMac(a.sha)}` : `${who} answers: ${a.spa} is at ${shortMac(a.sha)}`;
  }

  // ------------------------------------------------------------------ TCP / UDP

  private flow(f: FrameFacts, fl: FlowFacts): string {
    const L = this.L;
    const zh = this.zh;
    const rs = L.rs(fl.rsIp, fl.rsMac);
    const sched = fl.scheduler;
    const from = L.host(f.srcMac, f.src, f.srcRole);
    const state = fl.protocol === 'tcp' ? (zh ? `（IPVS 状态 ${fl.state}）` : ` (IPVS state ${fl.state})`) : '';
    const viaGw = f.srcRole === 'gateway';
    const cip = fl.client;
    // The real server's replies go straight to the gateway from the VIP (DR, TUN), not back through the director.
    const direct = REPLIES_BYPASS_DIRECTOR[fl.method];
    if (fl.bypass) return this.bypass(f, fl, from);
    if (fl.serviceInOption === true) {
      const dsr = this.serviceInOption(f, fl, rs);
      if (dsr !== null) return dsr;
    }
    // Client and service address face to face, nothing else of the cluster in between.
    if (fl.method === 'unknown' && (f.src === fl.vip ? f.srcRole === 'director' && f.dstRole === 'client' : f.dstRole === 'director' && f.srcRole === 'client')) return this.frontView(f, fl);
    // One server reached on its own address through a host that shows no balancing: nobody in it is named a director.
    if (fl.method === 'unknown' && fl.vip === '?') {
      const plain = this.oneServerView(f, fl, from, rs);
      if (plain !== null) return plain;
    }
    const router = this.L.routerOf(f.srcMac);
    if (router !== undefined && FORWARD_CHANGE[fl.method] === 'outer-header') {
      const tail = f.step === 'handshake-2' ? this.routedTail() : f.step === 'server-fin' ? (zh ? '，Director 看不到' : ': the director never sees it') : '';
      return zh ? `${router} 转发来自它后面的 Real Server 的${this.replyWords(f, fl)}${tail}` : `${router} forwards ${this.replyWords(f, fl)} from beyond it${tail}`;
    }
    // Client→VIP frames delivered straight to a real server while the method is unknown (DR, or a
    // tunnel the server decapsulated before the capture point): no director is in this frame.
    if (fl.method === 'unknown' && f.dstRole === 'real-server' && f.dst === fl.vip) {
      const plain = this.unwrappedAtServer(f, fl, from, rs, state);
      if (plain !== null) return plain;
    }
    switch (f.step) {
      case 'handshake-1': {
        const cands = fl.schedulerCandidates;
        const pick = fl.realServer !== null || fl.rsMac !== null
          ? (sched !== null
            ? (zh ? `；这是第 ${fl.connIndex} 个连接，${sched} 这次选中 ${rs}` : `; connection #${fl.connIndex}, ${sched}${fl.connIndex > 1 ? " now" : ""} picks ${rs}`)
            : cands.length > 0
              ? (zh ? `；这是第 ${fl.connIndex} 个连接，Director 选中 ${rs}（调度算法尚无定论${cands.length <= MAX_NAMED_CANDIDATES ? `：${orList(cands, 'zh')}` : ''}）`
                : `; connection #${fl.connIndex}, the director picks ${rs} (scheduler undecided${cands.length <= MAX_NAMED_CANDIDATES ? `: ${orList(cands, 'en')}` : ''})`)
              : (zh ? `；这是第 ${fl.connIndex} 个连接，Director 将选中 ${rs}` : `; connection #${fl.connIndex}, the director will pick ${rs}`))
          : '';
        if (viaGw) {
          return zh ? `${from} 把（DNAT 后的）SYN（第一次握手）发给 Director：源地址是 CIP ${cip}，目标地址是 VIP ${fl.virtual}；源 MAC 是网关的，目标 MAC 是 Director 的${pick}${state}`
            : `${from} delivers the client's (DNAT'd) SYN (handshake 1/3), CIP ${cip} → VIP ${fl.virtual}, to the director: source MAC the gateway's, destination MAC the director's${pick}${state}`;
        }
        return zh ? `客户端 ${cip} 向 VIP ${fl.virtual} 发起新连接（SYN，第一次握手）${pick}${state}`
          : `the client ${cip} opens a new connection to VIP ${fl.virtual} (SYN, handshake 1/3)${pick}${state}`;
      }
      case 'handshake-3':
        return zh ? `${viaGw ? '网关' : '客户端'}把第三次握手（ACK）发给 Director${state}` : `${viaGw ? 'the gateway passes' : 'the client sends'} the handshake's ACK (3/3) to the director${state}`;
      case 'request':
        return zh ? `请求数据（${fl.payload} 字节）来了，依然先到 Director${state}` : `the client's request (${fl.payload} bytes) arrives, again at the director first${state}`;
      case 'ack':
        return zh ? `客户端的 ACK 发给 Director${state}` : `the client's ACK goes to the director${state}`;
      case 'fin':
        return zh ? `客户端关闭连接（FIN），发给 Director${state}` : `the client closes (FIN), to the director${state}`;
      case 'rst':
        return zh ? `客户端重置连接（RST）${state}` : `the client resets the connection (RST)${state}`;
      case 'datagram':
        return zh ? `客户端 ${cip} 发往 VIP ${fl.virtual} 的 UDP 数据报${fl.newConnection && fl.realServer !== null ? `；Director 选中 ${rs}` : ''}`
          : `a UDP datagram from ${cip} to VIP ${fl.virtual}${fl.newConnection && fl.realServer !== null ? `; the director picks ${rs}` : ''}`;
      case 'director-forward': return this.forward(f, fl, rs);
      case 'tunnel': {
        const kind = f.outer !== null ? TUNNEL_WORDS[this.ctx.lang][f.outer.kind] : 'IPIP';
        if (f.srcRole !== 'director') {
          // A real server's own capture behind a router: the router hands over the director's tunnel.
          return zh ? `${from} 转交 Director 的 ${kind} 报文：外层 ${f.outer?.src} → ${rs}（${f.outer?.dst}），里面是客户端的原始报文（${cip} → VIP ${fl.virtual}，内层不变）${fl.newConnection ? `；新连接，Director 选中了 ${rs}` : ''}`
            : `${from} delivers the director's ${kind} packet, outer ${f.outer?.src} → ${rs} (${f.outer?.dst}), with the client's packet (${cip} → VIP ${fl.virtual}) unchanged inside${fl.newConnection ? `; a new connection, the director sent it to ${rs}` : ''}`;
        }
        return zh ? `Director 把客户端的报文（${cip} → VIP ${fl.virtual}，内层不变）封装进 ${kind}，外层 ${f.outer?.src} → ${rs}（${f.outer?.dst}）${fl.newConnection ? `；新连接，选中 ${rs}` : ''}`
          : `the director wraps the client's packet (${cip} → VIP ${fl.virtual}, unchanged inside) in ${kind}, outer ${f.outer?.src} → ${rs} (${f.outer?.dst})${fl.newConnection ? `; a new connection, sent to ${rs}` : ''}`;
      }
      case 'handshake-2':
        if (direct) {
          return zh ? `${from} 把第二次握手的回应（SYN-ACK）直接发给${f.dstRole === 'director' ? ' Director（本应直接发给网关）' : '网关'}，源地址是 VIP ${fl.vip}`
            : `${from} sends the SYN-ACK (handshake 2/3) straight to ${f.dstRole === 'director' ? 'the director (it should go to the gateway)' : 'the gateway'} with source VIP ${fl.vip}`;
        }
        if (f.src === fl.vip) return zh ? `${from} 发出 SYN-ACK（第二次握手），源地址是 VIP ${fl.vip}` : `${from} sends the SYN-ACK (handshake 2/3) with source VIP ${fl.vip}`;
        return zh ? `${from} 发出 SYN-ACK（第二次握手），源地址是它自己的地址，经 Director 返回客户端` : `${from} sends the SYN-ACK (handshake 2/3) from its own address, back through the director`;
      case 'reply':
        return zh ? `${from} 发回响应数据（${fl.payload} 字节）${direct ? '，直接给网关，源地址是 VIP' : ''}` : `${from} sends ${fl.payload} bytes of response${direct ? ' straight to the gateway, source VIP' : ''}`;
      case 'reply-ack':
        return zh ? `${from} 确认收到${direct ? '，直接发给网关' : ''}` : `${from} acknowledges${direct ? ', straight to the gateway' : ''}`;
      case 'server-fin':
        return zh ? `${from} 关闭连接（FIN）${direct ? '，直接发给网关，Director 看不到' : ''}` : `${from} closes its side (FIN)${direct ? ', straight to the gateway: the director never sees it' : ''}`;
      case 'server-rst':
        return zh ? `${from} 拒绝/重置连接（RST）` : `${from} refuses or resets the connection (RST)`;
      case 'director-reply':
        return zh ? `Director 把 ${rs} 的回应源地址改回 VIP ${fl.virtual}，发给客户端 ${cip}` : `the director rewrites ${rs}'s reply to come from VIP ${fl.virtual} and sends it on to the client ${cip}`;
      default:
        return zh ? `连接 ${cip} → ${fl.virtual} 的报文` : `a packet of ${cip} → ${fl.virtual}`;
    }
  }

  /**
   * A connection seen only between the client and the address it connects to (a client's own
   * capture, the firewall's outside, a NAT director's outside alone): the service answers like one
   * server, and nothing here shows whether a director, which method or which real server is behind
   * it. The address is named as it is, never "the director" or "the VIP".
   */
  private frontView(f: FrameFacts, fl: FlowFacts): string {
    const zh = this.zh;
    const addr = fl.vip;
    const cip = fl.client;
    switch (f.step) {
      case 'handshake-1':
        return zh ? `客户端 ${cip} 向服务地址 ${fl.virtual} 发起新连接（SYN，第一次握手）` : `the client ${cip} opens a new connection to the service at ${fl.virtual} (SYN, handshake 1/3)`;
      case 'handshake-2':
        return zh ? `${addr} 回应 SYN-ACK（第二次握手），源地址和源 MAC 正是客户端发往的那个：从这一侧看，这个服务就像一台服务器。NAT Director（把 Real Server 的回应源地址改回 VIP）或在集群前面做 DNAT 的防火墙看起来都一样，所以这里看不出转发方式，也看不出是哪台 Real Server：在 Director 的另一侧或 Real Server 上抓包即可确定`
          : `${addr} answers with the SYN-ACK (handshake 2/3) from the address and MAC the client sent to: from this side the service looks like one server. A NAT director (rewriting its real servers' replies back to the VIP) or a DNAT firewall in front of a cluster looks the same, so neither the method nor the real server shows here: a capture on the director's other side or on a real server would decide`;
      case 'handshake-3':
        return zh ? `客户端把第三次握手（ACK）发给 ${addr}` : `the client sends the handshake's ACK (3/3) to ${addr}`;
      case 'request':
        return zh ? `客户端把请求数据（${fl.payload} 字节）发给 ${addr}` : `the client sends its request (${fl.payload} bytes) to ${addr}`;
      case 'ack':
        return zh ? `客户端的 ACK 发给 ${addr}` : `the client's ACK goes to ${addr}`;
      case 'fin':
        return zh ? `客户端关闭连接（FIN），发给 ${addr}` : `the client closes (FIN), to ${addr}`;
      case 'rst':
        return zh ? `客户端重置连接（RST）` : `the client resets the connection (RST)`;
      case 'reply': case 'reply-ack': case 'server-fin': case 'server-rst':
        return this.serverSends(f.step, addr, fl.payload);
      case 'datagram':
        return zh ? `客户端 ${cip} 发往服务地址 ${fl.virtual} 的 UDP 数据报` : `a UDP datagram from ${cip} to the service at ${fl.virtual}`;
      default:
        return zh ? `连接 ${cip} → ${fl.virtual} 的报文` : `a packet of ${cip} → ${fl.virtual}`;
    }
  }

  /** Every service on this address has an unknown method: only its front shows (see frontView). */
  private frontOnly(ip: string): boolean {
    const k = this.ctx.knowledge;
    if (k === null) return false;
    let any = false;
    for (const [key, svc] of k.services) {
      if (key.split('|')[1] !== ip) continue;
      if (svc.method !== 'unknown') return false;
      any = true;
    }
    return any;
  }

  /** A client→VIP frame reaching a real server with no tunnel header, when the capture cannot tell DR from a decapsulated tunnel. */
  private unwrappedAtServer(f: FrameFacts, fl: FlowFacts, from: string, rs: string, state: string): string | null {
    const zh = this.zh;
    const what = UNWRAPPED_WHAT[zh ? 'zh' : 'en'][f.step as keyof typeof UNWRAPPED_WHAT['en']];
    if (what === undefined) return null;
    const n = f.step === 'request' ? fl.payload : 0;
    const w = typeof what === 'function' ? what(n) : what;
    return zh ? `${from} 把客户端的${w}（CIP ${fl.client} → VIP ${fl.virtual}）交给 ${rs}，没有隧道头：可能是 Director 的 DR 转发，也可能是 ${rs} 在抓包点之前解封装的隧道内层报文（XDP）；这个抓包分辨不出${state}`
      : `${from} delivers the client's ${w} (CIP ${fl.client} → VIP ${fl.virtual}) to ${rs} with no tunnel header: the director's DR forward, or the inner packet of a tunnel ${rs} decapsulated before the capture point (XDP); this capture cannot tell which${state}`;
  }

  /**
   * A connection to one server whose host in front resolves no other server (see methods.ts): a
   * NAT director's inside, a router in front of a server, or a DR real server answering ARP for the
   * VIP look the same, so the frames are told as they are, with no director in them.
   */
  private oneServerView(f: FrameFacts, fl: FlowFacts, from: string, rs: string): string | null {
    const zh = this.zh;
    const toServer = f.dstRole === 'real-server';
    const what = UNWRAPPED_WHAT[zh ? 'zh' : 'en'][f.step as keyof typeof UNWRAPPED_WHAT['en']];
    if (toServer && what !== undefined) {
      const w = typeof what === 'function' ? what(fl.payload) : what;
      const first = f.step === 'handshake-1' || f.step === 'datagram';
      return zh ? `${from} 把客户端的${w}（${fl.client} → ${fl.realServer ?? f.dst}）交给 ${rs}${first ? '，目标是它自己的地址：看不出前面是 NAT Director、普通路由器，还是绕过了 Director 的网关' : ''}`
        : `${from} delivers the client's ${w} (${fl.client} → ${fl.realServer ?? f.dst}) to ${rs}${first ? ' on its own address: whether a NAT director, a plain router or a gateway bypassing the director sent it cannot show here' : ''}`;
    }
    if (f.srcRole !== 'real-server') return null;
    switch (f.step) {
      case 'handshake-2':
        return zh ? `${from} 从自己的地址回应 SYN-ACK（第二次握手），发回给前面那台主机` : `${from} answers with the SYN-ACK (handshake 2/3) from its own address, back to the host in front`;
      case 'reply': case 'reply-ack': case 'server-fin': case 'server-rst':
        return this.serverSends(f.step, from, fl.payload);
      default:
        return null;
    }
  }

  /** A server's segment told plainly, `who` named as the capture shows it (no director assumed). */
  private serverSends(step: 'reply' | 'reply-ack' | 'server-fin' | 'server-rst', who: string, payload: number): string {
    const zh = this.zh;
    switch (step) {
      case 'reply': return zh ? `${who} 发回响应数据（${payload} 字节）` : `${who} sends ${payload} bytes of response`;
      case 'reply-ack': return zh ? `${who} 确认收到` : `${who} acknowledges`;
      case 'server-fin': return zh ? `${who} 关闭连接（FIN）` : `${who} closes its side (FIN)`;
      case 'server-rst': return zh ? `${who} 拒绝/重置连接（RST）` : `${who} refuses or resets the connection (RST)`;
    }
  }

  /** What a router in front of TUN real servers passes on: the reply's segment, in words. */
  private replyWords(f: FrameFacts, fl: FlowFacts): string {
    const zh = this.zh;
    switch (f.step) {
      case 'handshake-2': return zh ? ' SYN-ACK（第二次握手）' : 'a real server\'s SYN-ACK (handshake 2/3)';
      case 'reply': return zh ? `响应数据（${fl.payload} 字节）` : `a real server's response (${fl.payload} bytes)`;
      case 'reply-ack': return zh ? ' ACK' : 'a real server\'s ACK';
      case 'server-fin': return zh ? ' FIN（关闭连接）' : 'a real server\'s FIN';
      case 'server-rst': return zh ? ' RST' : 'a real server\'s RST';
      default: return zh ? '报文' : 'a real server\'s packet';
    }
  }

  /** Why the real server stays unnamed at the gateway of a TUN cluster. */
  private routedTail(): string {
    return this.zh ? '；是路由器后面的 Real Server 直接回应了客户端（TUN）：Director 的隧道不经过这个抓包点，所以看不出是哪台 Real Server'
      : '; the real server behind it answered the client directly (TUN): the director\'s tunnel does not pass this capture point, so which real server cannot show';
  }

  /** "the router 192.168.23.254" when ip is a router in front of TUN real servers, else null. */
  private routerIp(ip: string): string | null {
    const k = this.ctx.knowledge;
    if (k === null) return null;
    for (const [mac, rip] of k.routerMacs) if (rip === ip) return this.L.routerOf(mac) ?? null;
    return null;
  }

  /** A connection another host took by answering ARP for the VIP: IPVS never sees it. */
  private bypass(f: FrameFacts, fl: FlowFacts, from: string): string {
    const zh = this.zh;
    const what = SEG_WORDS[this.ctx.lang][fl.segment];
    if (f.src === fl.clientIp) {
      const to = this.L.host(f.dstMac, f.dst, f.dstRole);
      return zh ? `${from} 把客户端发往 VIP ${fl.virtual} 的${what}直接发给了 ${to}（它回应了 VIP 的 ARP）：Director 根本看不到这个连接`
        : `${from} sends the client's ${what} for VIP ${fl.virtual} straight to ${to}, which answered ARP for the VIP: the director never sees this connection`;
    }
    return zh ? `${from} 以 VIP ${fl.vip} 为源地址自己回应客户端（${what}）：这个连接绕过了 Director`
      : `${from} answers the client itself (${what}) from the VIP ${fl.vip}: this connection bypasses the director`;
  }

  private forward(f: FrameFacts, fl: FlowFacts, rs: string): string {
    const zh = this.zh;
    const sched = fl.scheduler;
    const ttl = fl.ttlBefore !== null ? (zh ? `，TTL ${fl.ttlBefore}→${fl.ttl}` : `, TTL ${fl.ttlBefore}→${fl.ttl}`) : '';
    const seg = fl.segment;
    // Only where both copies are in the capture does Wireshark see the forward as a repeat; a NAT
    // copy has another destination, so Wireshark counts it in another stream and flags nothing.
    const wire = fl.ttlBefore === null || FORWARD_REWRITES[FORWARD_OF_METHOD[fl.method]] ? '' : seg === 'syn' || seg === 'data' || seg === 'fin'
      ? (zh ? '。Wireshark 把它标成重传（Retransmission），其实是 Director 转发的这一跳' : '. Wireshark calls this a retransmission; it is the director\'s hop')
      : seg === 'ack'
        ? (zh ? '。Wireshark 把它标成重复 ACK（Dup ACK），其实是 Director 转发的这一跳' : '. Wireshark calls this a duplicate ACK; it is the director\'s hop')
        : '';
    const what = SEG_WORDS[this.ctx.lang][seg];
    // A scheduler the capture has not decided is named as the guess it is.
    const cands = fl.schedulerCandidates;
    const by = sched !== null ? (zh ? `${sched} ` : ` by ${sched}`)
      : cands.length > 0 && cands.length <= MAX_NAMED_CANDIDATES ? (zh ? `${orList(cands, 'zh')}（尚无定论）` : ` by ${orList(cands, 'en')} (undecided)`)
      : cands.length > 0 ? (zh ? '调度算法（尚无定论）' : ' (scheduler undecided)')
      : (zh ? '调度算法 ' : '');
    const change = FORWARD_CHANGE[fl.method];
    if (change === 'both-addresses') {
      return zh ? `Director 把${what}的源地址改成它的本地地址 ${f.src}，目标改成 ${rs}，并在 TCP 选项 254（TOA）里带上客户端 ${fl.client}`
        : `the director rewrites the ${what}'s source to its local address ${f.src} and destination to ${rs}, carrying the client ${fl.client} in TCP option 254 (TOA)`;
    }
    if (change === 'destination') {
      const vip = fl.vip === '?' ? (zh ? 'VIP ?（本抓包中看不到）' : 'VIP ? (not in this capture)') : `VIP ${fl.virtual}`;
      const pick = seg === 'syn' ? (zh ? `用 ${by}选中 ${rs}，` : `picked ${rs}${by} and `) : '';
      const masq = f.src === fl.clientIp || fl.clientIp === '' ? '' : zh ? `，源地址也从客户端 ${fl.clientIp} 改成了它自己的 ${f.src}（IPVS 之后的源地址转换，MASQUERADE）` : `, and its source from the client ${fl.clientIp} to its own ${f.src} (source NAT after IPVS, a masquerade)`;
      return zh ? `Director ${pick}把${what}的目标地址 ${vip}${fl.vip === '?' ? '' : ' '}改成 ${fl.realServer ?? rs}（NAT）${masq}后转发${ttl}${wire}`
        : `the director ${pick}rewrote the ${what}'s destination ${vip} to ${fl.realServer ?? rs} (NAT)${masq} and forwards it${ttl}${wire}`;
    }
    // 'mac' from here on; a TUN copy is the 'tunnel' step, and a copy of an 'unknown' method is
    // what the hop detection saw: the same IP header to another MAC.
    if (f.dstMac === '') {
      // A cooked capture (tcpdump -i any) keeps only the sender's link address.
      return zh ? `Director 把${what}转发给某台 Real Server（只改目标 MAC${ttl}）；这个抓包（tcpdump -i any，Linux cooked）不记录目标 MAC，所以看不出是哪台 Real Server，在 Director 的局域网接口上抓包即可确定`
        : `the director forwards the ${what} to a real server (only the destination MAC rewritten${ttl}); this capture (tcpdump -i any, Linux cooked) keeps no destination MAC, so which real server cannot show: a capture on the director's LAN interface would decide`;
    }
    if (seg === 'syn') {
      return zh ? `Director 用 ${by}挑选出 ${rs}，只把目标 MAC 改成 ${rs} 的（${shortMac(f.dstMac)}）${ttl}，IP 头其余不变${wire}`
        : `the director picked ${rs}${by} and rewrote only the destination MAC to ${rs}'s (${shortMac(f.dstMac)})${ttl}; the IP header is otherwise unchanged${wire}`;
    }
    return zh ? `Director 把${what}转发给 ${rs}（只改目标 MAC${ttl}）${wire}` : `the director forwards the ${what} to ${rs} (only the destination MAC rewritten${ttl})${wire}`;
  }

  // ------------------------------------------------------------------ ICMP

  private icmp(f: FrameFacts): string {
    const i = f.icmp!;
    const zh = this.zh;
    const who = this.L.host(f.srcMac, f.src, f.srcRole);
    const q = i.quoted !== null ? (zh ? `（针对 ${i.quoted}）` : ` (about ${i.quoted})`) : '';
    switch (f.step) {
      case 'icmp-port-unreachable':
        return f.srcRole === 'director'
          ? (zh ? `Director 回应 ICMP 端口不可达${q}：没有可用的 Real Server（权重全为 0、过载或未配置）` : `the director answers ICMP port unreachable${q}: no real server is available (all weights 0, overloaded or none configured)`)
          : (zh ? `${who} 回应 ICMP 端口不可达${q}` : `${who} answers ICMP port unreachable${q}`);
      case 'icmp-frag-needed':
        return zh ? `${who} 回应 ICMP 需要分片，下一跳 MTU ${i.mtu ?? '?'}${q}：隧道封装让报文变大了` : `${who} sends ICMP fragmentation needed, next-hop MTU ${i.mtu ?? '?'}${q}: encapsulation made the packet too big`;
      case 'icmp-redirect':
        return zh ? `${who} 发出 ICMP 重定向（网关 ${i.gateway ?? '?'}）：单臂 Director 应关闭 send_redirects` : `${who} sends an ICMP redirect (gateway ${i.gateway ?? '?'}): a one-armed director should have send_redirects off`;
      case 'icmp-for-vip': {
        // The error names the VIP because the reply it quotes came from the VIP.
        const what = this.icmpError(i);
        return zh ? `${this.L.ip(f.src)} 发来${what}${q}，目的地是 VIP：那个回应是 Real Server 以 VIP 为源地址直接发出的，所以差错报文回到 Director；IPVS 按引用的报文头找到这个连接，把差错转交给它的 Real Server`
          : `${this.L.ip(f.src)} sends ${what}${q} to the VIP: the reply it is about left the real server with the VIP as its source, so the error comes back to the director, which finds the connection from the quoted header and passes the error on to its real server`;
      }
      case 'icmp-relayed': {
        const rs = i.relayedTo !== null && i.relayedTo !== undefined ? this.L.ip(i.relayedTo) : (zh ? 'Real Server' : 'the real server');
        const tunnel = f.outer !== null ? TUNNEL_WORDS[this.ctx.lang][f.outer.kind] : '';
        const outer = f.outer !== null ? (zh ? `，外层 ${f.outer.src} → ${f.outer.dst}` : `, outer ${f.outer.src} → ${f.outer.dst}`) : '';
        const what = this.icmpError(i);
        return zh ? `Director 把发给 VIP 的${what}${q}用 ${tunnel} 封装后转交给 ${rs}${outer}：差错说的是这个连接的回应，由该 Real Server 处理（IPVS 的 ip_vs_in_icmp 对隧道连接就是这样转发的）`
          : `the director passes the ${what}${q} that was sent to the VIP on to ${rs} in ${tunnel}${outer}: the error is about that connection's reply, which the real server sent, so it is the real server's to act on (IPVS forwards errors for a tunnelled connection this way, ip_vs_in_icmp)`;
      }
      default:
        if (i.v6 === true) return zh ? `ICMPv6 类型 ${i.type} 代码 ${i.code}，${f.src} → ${f.dst}` : `ICMPv6 type ${i.type} code ${i.code}, ${f.src} → ${f.dst}`;
        return zh ? `ICMP 类型 ${i.type} 代码 ${i.code}，${f.src} → ${f.dst}` : `ICMP type ${i.type} code ${i.code}, ${f.src} → ${f.dst}`;
    }
  }

  /**
   * A DSR balancer carrying VIP:port in an IPv4 option (model/dsr-option.ts): its forward to the
   * real server's own address, and the real server's replies straight to the client from the VIP.
   */
  private serviceInOption(f: FrameFacts, fl: FlowFacts, rs: string): string | null {
    const zh = this.zh;
    const what = SEG_WORDS[this.ctx.lang][fl.segment];
    if (f.step === 'director-forward') {
      return zh ? `负载均衡器把客户端的${what}（${fl.client} → VIP ${fl.virtual}）转发给 ${rs}（${fl.realServer ?? f.dst}）：目标地址和端口改成 Real Server 自己的，客户端源地址不变，服务地址 ${fl.virtual} 放在 IPv4 选项（类型 0x9a）里，Real Server 据此以 VIP 为源地址直接回应（DSR）`
        : `the balancer forwards the client's ${what} (${fl.client} → VIP ${fl.virtual}) to ${rs} at its own address and port (${fl.realServer ?? f.dst}), the client's source kept and the service address ${fl.virtual} carried in an IPv4 option (type 0x9a), from which the real server answers the client directly (DSR)`;
    }
    if (f.src === fl.vip && f.dst === fl.clientIp) {
      return zh ? `${rs} 以 VIP ${fl.virtual} 为源地址（取自负载均衡器的 IPv4 选项）直接把${what}发给客户端 ${fl.client}，不经过负载均衡器（DSR）`
        : `${rs} sends its ${what} to the client ${fl.client} directly, from VIP ${fl.virtual} (the address the balancer's IPv4 option gave it), not through the balancer (DSR)`;
    }
    return null;
  }

  /** "ICMP fragmentation needed (next-hop MTU 1280)", "ICMPv6 Packet Too Big (MTU 1280)", or the type and code. */
  private icmpError(i: NonNullable<FrameFacts['icmp']>): string {
    const zh = this.zh;
    const mtu = i.mtu !== null ? (zh ? `（MTU ${i.mtu}）` : ` (MTU ${i.mtu})`) : '';
    if (i.v6 === true) {
      if (i.type === 2) return zh ? `ICMPv6 报文过大${mtu}` : `ICMPv6 Packet Too Big${mtu}`;
      return zh ? `ICMPv6 差错（类型 ${i.type} 代码 ${i.code}）` : `ICMPv6 error (type ${i.type} code ${i.code})`;
    }
    if (i.type === 3 && i.code === 4) return zh ? `ICMP 需要分片${mtu}` : `ICMP fragmentation needed${mtu}`;
    return zh ? `ICMP 差错（类型 ${i.type} 代码 ${i.code}）` : `ICMP error (type ${i.type} code ${i.code})`;
  }
}

/** Beyond this many tied schedulers a frame says "undecided" without the list (the cluster section has it). */
const MAX_NAMED_CANDIDATES = 4;

/** "rr, wrr, lc or wlc" / "rr、wrr、lc 或 wlc" */
function orList(names: readonly string[], lang: Lang): string {
  if (names.length <= 1) return names.join('');
  const head = names.slice(0, -1).join(lang === 'zh' ? '、' : ', ');
  return lang === 'zh' ? `${head} 或 ${names[names.length - 1]}` : `${head} or ${names[names.length - 1]}`;
}

const SEG_WORDS = {
  en: { syn: 'SYN', synack: 'SYN-ACK', ack: 'ACK', data: 'request data', fin: 'FIN', rst: 'RST', udp: 'datagram' },
  zh: { syn: 'SYN', synack: 'SYN-ACK', ack: 'ACK', data: '请求数据', fin: 'FIN', rst: 'RST', udp: '数据报' },
} as const;
