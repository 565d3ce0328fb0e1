/**
 * The LVS behaviour model: one pass over decoded frames, learning hosts, roles, services, the
 * forwarding method and the IPVS connection entries, as the director would hold them.
 *
 * Memory is bounded by live flows, hosts and services, never by frames: frames are not kept, the
 * packet-pairing memory is a few seconds wide, and expired flows leave only a small summary.
 *
 * `observe(frame, true)` also returns the facts `annotate` explains; a second pass started with
 * the first pass's Knowledge explains early frames with what later frames revealed.
 */
import type { FindingCode, FindingParams, FindingParamsByCode, FindingSeverity, ForwardingMethod } from '../ipvs/report.js';
import { UDP_TIMEOUT, type TcpState } from '../ipvs/tcp-states.js';
import type { DecodedFrame } from '../wire/records.js';
import { SLL_PACKET_TYPE } from '../wire/sll.js';
import {
  ACK, FIN, Packet, PROTO_TCP, PROTO_UDP, RST, SYN, ipPort, protoName,
} from './packet.js';
import { FinishedFlow } from './done-flow.js';
import { ExpiryQueue } from './expiry.js';
import { AddressIds, FlowTable } from './flow-table.js';
import { quotedReply, type QuotedReply } from './icmp-relay.js';
import { noteOuterSource } from './outer-sources.js';
import { RecentPackets, type SeenPacket } from './recent.js';
import { SilentSyns, silentSynMessage } from './silent-syns.js';
import { SET_INPUT, SET_INPUT_ONLY, SET_OUTPUT, tcpStep } from './tcp-steps.js';
import {
  hasEvidence, hasHopEvidence, newRs, newService, serviceKey, UNKNOWN_VIP,
  type Flow, type FlowRef, type RsState, type ServiceState,
} from './state.js';
import { CaptureHostTracker, replyPath, serverAddressing } from './vantage.js';
import type { FlowFacts, FrameFacts, FrameRole, Knowledge, ModelHints, Segment, Step } from './types.js';

/** Scheduling decisions kept per service for inference; later ones only update counters. */
export const MAX_DECISIONS = 2000;
const MAX_FINDING_FRAMES = 50;
const NO_CANDIDATES: readonly string[] = [];

export interface FindingAcc {
  code: FindingCode;
  severity: FindingSeverity;
  message: string;
  frames: number[];
  params: FindingParams;
}

export interface DoneFlow {
  readonly index: number;
  readonly proto: 'tcp' | 'udp';
  readonly client: string;
  readonly cip: string;
  readonly virtual: string;
  readonly svc: ServiceState;
  readonly rs: RsState | null;
  readonly firstN: number;
  readonly lastN: number;
  readonly firstT: number;
  readonly lastT: number;
  readonly state: string;
  /** Seconds left on the entry's timer at the end of the capture; null once expired. */
  readonly expiresAt: number | null;
}

interface ArpPair {
  readonly spa: string;
  readonly sha: string;
  readonly replies: number[];
  readonly requests: number[];
  readonly announces: number[];
}

export class Engine {
  readonly pkt = new Packet();
  private readonly recent = new RecentPackets();
  private readonly flows = new FlowTable();
  /** Address → small integer, for the numeric keys of the flow table and the packet memory. */
  private readonly addrs = new AddressIds();
  private readonly live = new Set<Flow>();
  private readonly silentSyns = new SilentSyns();
  private readonly timers = new ExpiryQueue((f) => this.live.has(f));
  readonly done: DoneFlow[] = [];
  readonly services = new Map<string, ServiceState>();
  /** port * 2 + (udp ? 1 : 0) → VIP id → the entry of `services`. */
  private readonly serviceIndex = new Map<number, Map<number, ServiceState>>();
  readonly ipMac = new Map<string, string>();
  readonly macIps = new Map<string, Set<string>>();
  readonly arpPairs = new Map<string, ArpPair>();
  /** MAC → the addresses it asked ARP for (a director's own next hops: its real servers, its gateway). */
  readonly arpAsked = new Map<string, string[]>();
  /** IP → how many MACs used it as their ARP sender address. */
  private readonly arpClaims = new Map<string, number>();
  /** MAC → the first source address of a frame it sent outside any connection (a real server's RIP). */
  readonly macSrcIp = new Map<string, string>();
  /** On a switched LAN: the MAC of the host the capture was taken on. */
  readonly captureHost = new CaptureHostTracker();
  readonly directorMacs = new Set<string>();
  readonly directorIps = new Set<string>();
  /** MACs that delivered client packets to the director, or received direct replies. */
  readonly upstreamMacs = new Map<string, number>();
  readonly findings = new Map<string, FindingAcc>();
  /** SYN-ACKs from the VIP sent by a MAC that got the client's SYN with no director hop seen ("vip|mac"). */
  readonly directServed = new Map<string, { readonly vip: string; readonly mac: string; readonly frames: number[] }>();
  private readonly evidencedVips = new Set<string>();
  /** Client packets the director answered with ICMP, and similar per-frame evidence. */
  readonly icmpFromDirector: { n: number; type: number; code: number; mtu: number | null; quoted: string }[] = [];
  frames = 0;
  firstT = Number.NaN;
  lastT = 0;
  private flowCount = 0;
  /** A cooked (`any`) capture showed the director sending its own copies: the capture is on the director. */
  private capturedOnDirector = false;
  private nextSweep = 0;
  private readonly k: Knowledge | null;
  private readonly hintVips: readonly { ip: string; port: number | null }[];

  constructor(hints: ModelHints = {}) {
    this.k = hints.knowledge ?? null;
    this.hintVips = hints.vips ?? [];
    if (this.k !== null) {
      for (const m of this.k.directorMacs) this.directorMacs.add(m);
    }
  }

  // ---------------------------------------------------------------- roles

  isVip(ip: string): boolean {
    if (this.k !== null && this.k.vips.has(ip)) return true;
    for (const v of this.hintVips) if (v.ip === ip) return true;
    return false;
  }

  isDirectorMac(mac: string): boolean {
    return mac !== '' && this.directorMacs.has(mac);
  }

  macRole(mac: string): FrameRole {
    if (mac === '') return 'unknown';
    if (mac === 'ff:ff:ff:ff:ff:ff') return 'broadcast';
    if (this.directorMacs.has(mac)) return 'director';
    const k = this.k;
    if (k !== null) {
      if (k.rsMacs.has(mac) || k.rsOnlyMacs.has(mac)) return 'real-server';
      if (k.gatewayMacs.has(mac)) return 'gateway';
    }
    return 'unknown';
  }

  ipRole(ip: string): FrameRole {
    const k = this.k;
    if (this.isVip(ip) || this.directorIps.has(ip)) return 'director';
    if (k !== null) {
      if (k.directorIps.has(ip)) return 'director';
      if (k.rsIps.has(ip)) return 'real-server';
      if (k.gatewayIps.has(ip)) return 'gateway';
      if (k.clients.has(ip)) return 'client';
    }
    return 'unknown';
  }

  private role(mac: string, ip: string): FrameRole {
    const r = this.macRole(mac);
    if (r !== 'unknown') return r;
    const i = this.ipRole(ip);
    return i === 'unknown' ? 'other' : i;
  }

  // ---------------------------------------------------------------- findings

  /** `params` carry what `message` says, for the message catalog (src/annotate/findings.ts). */
  addFinding<C extends FindingCode>(code: C, severity: FindingSeverity, subject: string, message: string, frame: number | null, params: FindingParamsByCode[C]): void {
    const key = `${code}|${subject}`;
    let f = this.findings.get(key);
    if (f === undefined) {
      f = { code, severity, message, frames: [], params };
      this.findings.set(key, f);
    }
    if (frame !== null && f.frames.length < MAX_FINDING_FRAMES && !f.frames.includes(frame)) f.frames.push(frame);
  }

  // ---------------------------------------------------------------- services and real servers

  service(proto: 'tcp' | 'udp', vip: string, port: number, n: number): ServiceState {
    // Asked on most director frames: found by numbers, without building the "proto|vip|port" key.
    const byPort = port * 2 + (proto === 'udp' ? 1 : 0);
    let byVip = this.serviceIndex.get(byPort);
    if (byVip === undefined) { byVip = new Map(); this.serviceIndex.set(byPort, byVip); }
    const vipId = this.addrs.id(vip);
    let s = byVip.get(vipId);
    if (s !== undefined) return s;
    const key = serviceKey(proto, vip, port);
    s = this.services.get(key);
    if (s === undefined) {
      s = newService(key, proto, vip, port, n);
      this.services.set(key, s);
    }
    byVip.set(vipId, s);
    return s;
  }

  private evidence(s: ServiceState, n: number): void {
    if (s.evidenceFrames.length < 8) { this.evidencedVips.add(s.vip); s.evidenceFrames.push(n); }
  }

  private rsByMac(s: ServiceState, mac: string, port: number, n: number): RsState {
    for (const r of s.rs) if (r.mac === mac) return r;
    const ip = this.ripOfMac(mac);
    if (ip !== null) for (const r of s.rs) if (r.ip === ip && r.port === port) { r.mac = mac; return r; }
    const r = newRs(ip, port, mac, n);
    s.rs.push(r);
    return r;
  }

  private rsByAddr(s: ServiceState, ip: string, port: number, mac: string | null, n: number): RsState {
    for (const r of s.rs) if (r.ip === ip && r.port === port) { if (r.mac === null && mac) r.mac = mac; return r; }
    const r = newRs(ip, port, mac, n);
    s.rs.push(r);
    return r;
  }

  /** The non-VIP address a MAC claims in ARP (a real server's RIP). */
  ripOfMac(mac: string): string | null {
    const ips = this.macIps.get(mac);
    if (ips === undefined) return null;
    for (const ip of ips) if (!this.isVip(ip) && !this.serviceVip(ip)) return ip;
    return null;
  }

  private serviceVip(ip: string): boolean {
    return this.evidencedVips.has(ip);
  }

  // ---------------------------------------------------------------- flows

  private lookup(proto: number, a: string, ap: number, b: string, bp: number): FlowRef | undefined {
    return this.flows.get(proto, this.addrs.id(a), ap, this.addrs.id(b), bp);
  }

  /** Indexes f under proto a:ap → b:bp too, unless another flow holds that tuple. */
  private addKey(f: Flow, server: boolean, proto: number, a: string, ap: number, b: string, bp: number): void {
    const key = this.flows.add(f, server, proto, this.addrs.id(a), ap, this.addrs.id(b), bp);
    if (key !== null) f.keys.push(key);
  }

  /** A new connection entry; `client` is the TOA's address when the client's own packet is not in the capture (FULLNAT inside). */
  private createFlow(p: Packet, inside: ServiceState | null = null, cip = p.src, cport = p.sport): Flow {
    const proto = protoName(p.proto);
    const svc = inside ?? this.knownInside(p) ?? this.service(proto, p.dst, p.dport, p.n);
    const f: Flow = {
      index: ++this.flowCount,
      proto, cip, cport, vip: svc.vip, vport: svc.insideOf !== null ? svc.port : p.dport, svc,
      reqSrcMac: p.srcMac, reqDstMac: p.dstMac, pathSeen: false,
      rs: null, state: proto === 'udp' ? 'UDP' : 'NONE', inactive: true, noOutput: true, expires: p.t + 3, timerAt: Number.NaN,
      firstN: p.n, firstT: p.t, lastN: p.n, lastT: p.t,
      clientAcked: false, synAckSeen: false, forwardN: 0, synRetries: 0, inPkts: 0, inBytes: 0,
      decision: null, keys: [], rstFromServer: false,
      // Pass 2: sent to a real server that answers for the VIP itself.
      bypass: this.k !== null && p.dstMac !== '' && this.k.rsOnlyMacs.has(p.dstMac),
    };
    svc.newConns++;
    f.decision = this.decisionOf(f, p.n, p.t);
    this.addKey(f, inside !== null, p.proto, p.src, p.sport, p.dst, p.dport);
    this.live.add(f);
    this.timers.rearm(f);
    return f;
  }

  private decisionOf(f: Flow, n: number, t: number): Flow['decision'] {
    const svc = f.svc;
    if (svc.decisions.length >= MAX_DECISIONS) return null;
    return {
      n, t, saddr: f.cip, sport: f.cport, daddr: f.vip, dport: f.vport, proto: f.proto,
      snap: svc.rs.map((rs) => ({ rs, a: rs.active, i: rs.inactive })),
      chosen: null,
    };
  }

  // ---------------------------------------------------------------- one vantage point

  /**
   * The first reply of a connection whose director hop the capture does not show: its MACs say
   * where the capture was taken (vantage.ts), and so the method and the real server.
   */
  private replyPathOf(f: Flow, p: Packet): void {
    f.pathSeen = true;
    if (f.rs !== null || f.forwardN !== 0 || f.bypass || p.src !== f.svc.vip && f.svc.insideOf === null) return;
    const svc = f.svc;
    if (svc.insideOf !== null) {
      svc.natInside++;
      this.bind(f, this.rsByAddr(svc, p.src, p.sport, p.srcMac || null, p.n));
      return;
    }
    // A service already seen tunnelled or rewritten is not DR: its replies come via any router.
    if (p.sport !== f.vport || svc.tun + svc.fullnat + svc.nat + svc.natReply > 0) return;
    const path = replyPath(f.reqSrcMac, f.reqDstMac, p.srcMac, p.dstMac);
    // With hops in the capture (another capture point merged in) a flow without one can still be DR.
    // A DR real server keeps the VIP on lo and never answers ARP for it: a host that answers ARP
    // for the address it is reached on is that address's owner (a NAT real server whose replies
    // leave by another gateway, or a plain server), not a DR real server.
    const ownsAddress = path === 'dr-real-server' && this.ipMac.get(svc.vip) === p.srcMac;
    const addressing = path === 'symmetric' ? serverAddressing(p.src, p.srcMac, f.reqSrcMac, this.macIps, this.arpAsked) : null;
    if (addressing === 'dr-via-front' && !hasHopEvidence(svc)) {
      // A DR real server whose replies go back to the director (its default route), not the gateway.
      svc.drAtRs++;
      this.evidence(svc, p.n);
      this.learnDirector(svc, f.reqSrcMac);
      const rs = this.rsByMac(svc, p.srcMac, f.vport, p.n);
      this.bind(f, rs);
      this.addFinding('dr-reply-via-director', 'warning', p.srcMac,
        `real server ${rs.ip ?? p.srcMac} sends its replies for ${svc.vip} to the director's MAC: in DR the replies should go straight to the gateway (check the real server's default route)`, p.n, { rs: rs.ip ?? p.srcMac, vip: svc.vip });
      return;
    }
    if (ownsAddress && !hasHopEvidence(svc) && this.ipMac.get(f.cip) !== f.reqSrcMac && !this.serviceVip(svc.vip) && !this.hintVips.some((v) => v.ip === svc.vip)) {
      // Reached on its own address from beyond the host in front, answered through another: a NAT
      // real server whose replies bypass its director (or a plain server with a second gateway).
      this.joinInside(f, p);
      this.addFinding('nat-reply-bypasses-director', 'error', p.src,
        `real server ${p.src} sends NAT replies to ${p.dstMac} instead of the director: the client gets them from the RIP, not the VIP, and drops them; make the director the real server's default gateway`, p.n, { rs: p.src, mac: p.dstMac });
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
      this.evidence(svc, p.n);
      this.learnDirector(svc, path === 'dr-gateway' ? f.reqDstMac : f.reqSrcMac);
      this.bind(f, this.rsByMac(svc, p.srcMac, f.vport, p.n));
    } else if (hasHopEvidence(svc)) {
      return;
    } else if (path === 'symmetric' && (this.arpClaims.get(svc.vip) ?? 0) >= 2 && !this.isDirectorMac(f.reqDstMac)) {
      // Several MACs claim the VIP and this one answered the client itself: the connection
      // bypassed the director (a real server answering ARP for the VIP). IPVS holds no entry.
      f.bypass = true;
      svc.bypassed++;
      svc.newConns--;
      svc.inPkts -= f.inPkts;
      svc.inBytes -= f.inBytes;
      f.decision = null;
    } else if (path === 'symmetric' && (this.arpClaims.get(svc.vip) ?? 0) < 2 && this.ipMac.get(f.cip) !== f.reqSrcMac
      && !this.serviceVip(svc.vip) && !this.hintVips.some((v) => v.ip === svc.vip)) {
      // Clients from beyond the host in front, answered back through it: a NAT director's inside
      // (or a router in front of one server); summarize tells which by the number of servers.
      this.joinInside(f, p);
    }
  }

  /** The service behind a NAT director whose inside this is (its VIP is '?' unless --vip names it). */
  private insideService(proto: 'tcp' | 'udp', frontMac: string, n: number): ServiceState {
    const hint = this.hintVips[0];
    const vip = hint?.ip ?? UNKNOWN_VIP;
    const port = hint?.port ?? 0;
    const key = `${serviceKey(proto, vip, port)}|inside|${frontMac}`;
    let s = this.services.get(key);
    if (s === undefined) {
      s = newService(key, proto, vip, port, n);
      s.insideOf = frontMac;
      s.directorMac = frontMac;
      this.services.set(key, s);
    }
    return s;
  }

  /** Pass 2: a client frame from the director's MAC to a real server of an inside service. */
  private knownInside(p: Packet): ServiceState | null {
    const k = this.k;
    if (k === null || p.srcMac === '' || !k.insideMacs.has(p.srcMac) || !k.rsIps.has(p.dst)) return null;
    return this.insideService(protoName(p.proto), p.srcMac, p.n);
  }

  private joinInside(f: Flow, p: Packet): void {
    const old = f.svc;
    const inside = this.insideService(f.proto, f.reqSrcMac, p.n);
    old.newConns--;
    old.inPkts -= f.inPkts;
    old.inBytes -= f.inBytes;
    inside.newConns++;
    inside.inPkts += f.inPkts;
    inside.inBytes += f.inBytes;
    inside.answered = true;
    f.svc = inside;
    f.vip = inside.vip;
    f.vport = inside.port;
    if (f.decision !== null) f.decision = this.decisionOf(f, f.firstN, f.firstT);
    inside.natInside++;
    this.evidence(inside, p.n);
    this.bind(f, this.rsByAddr(inside, p.src, p.sport, p.srcMac || null, p.n));
  }

  private bind(f: Flow, rs: RsState): void {
    if (f.rs !== null) return;
    f.rs = rs;
    rs.conns++;
    f.svc.conns++;
    if (f.inactive) rs.inactive++; else rs.active++;
    rs.inPkts += f.inPkts;
    rs.inBytes += f.inBytes;
    if (f.decision !== null) {
      f.decision.chosen = rs;
      f.svc.decisions.push(f.decision);
    }
  }

  /** The director processed a packet of this flow (set_tcp_state, timer re-armed). */
  private transition(f: Flow, output: boolean, flags: number, t: number): void {
    if (f.proto === 'udp') {
      f.state = 'UDP';
      f.expires = t + UDP_TIMEOUT;
      this.timers.rearm(f);
      return;
    }
    if (output) f.noOutput = false;
    const step = tcpStep(f.state as TcpState, output ? SET_OUTPUT : f.noOutput ? SET_INPUT_ONLY : SET_INPUT, flags);
    const next = step.next;
    const active = step.active;
    if (active === f.inactive) {
      // Activity changed: move the connection between the counters.
      if (f.rs !== null) {
        if (active) { f.rs.inactive--; f.rs.active++; } else { f.rs.active--; f.rs.inactive++; }
      }
      f.inactive = !active;
    }
    f.state = next;
    f.expires = t + step.timeout;
    this.timers.rearm(f);
  }

  private finishFlow(f: Flow, expired: boolean): void {
    if (expired && f.rs !== null) {
      if (f.inactive) f.rs.inactive--; else f.rs.active--;
    }
    for (const k of f.keys) this.flows.remove(k);
    this.live.delete(f);
    this.done.push(new FinishedFlow(f, expired ? null : f.expires));
    if (f.proto === 'tcp') this.flowToSilentSyns(f);
    // The client's ACK means the server answered even where its SYN-ACK took another way (DR, switched LAN).
    if (f.rs !== null && f.forwardN > 0 && !f.synAckSeen && !f.clientAcked && f.proto === 'tcp' && f.svc.answered) {
      const rsName = f.rs.ip ?? f.rs.mac ?? '?';
      this.addFinding('rs-not-responding', 'warning', rsName,
        `real server ${rsName} did not answer connections the director sent it`, f.forwardN, { rs: rsName });
    }
  }

  private flowToSilentSyns(f: Flow): void {
    this.silentSyns.flowSeen(f.cip, f.cport, f.rs === null ? null : f.rs.ip ?? f.rs.mac ?? '?', methodOf(f.svc), f.clientAcked);
  }

  /**
   * SYNs retransmitted and never answered. Every connection failing is an error; some is a warning.
   * Where the reply was seen going the wrong way its own finding says so, and this one stays quiet.
   */
  private reportSilentSyns(): void {
    // A finding that already shows why the SYNs went unanswered (the reply seen going the wrong way,
    // the director refusing, the VIP as its primary address) says it better; this one would only repeat it.
    for (const f of this.findings.values()) if (SILENT_EXPLAINED_BY.has(f.code)) return;
    // ARP requests sent from a VIP are found later (summarize: vip-primary-on-director, rs-announces-vip)
    // and show where the replies went.
    const vips = new Set<string>();
    for (const sv of this.services.values()) vips.add(sv.vip);
    for (const pair of this.arpPairs.values()) if (pair.requests.length > 0 && vips.has(pair.spa)) return;
    const all = this.silentSyns.noneAnswered;
    for (const s of this.silentSyns.silent()) {
      const params = { rsKnown: s.rsKnown, method: s.method, connections: s.connections, retransmits: s.retransmits, all };
      const message = silentSynMessage(s.rs, params);
      // A flow that expired earlier may have reported this server already, with less to say: say it here.
      const earlier = this.findings.get(`rs-not-responding|${s.rs}`);
      if (earlier !== undefined) Object.assign(earlier, { message, params: { rs: s.rs, silent: params } });
      for (const n of s.frames) this.addFinding('rs-not-responding', all ? 'error' : 'warning', s.rs, message, n, { rs: s.rs, silent: params });
    }
  }

  private sweep(t: number): void {
    this.nextSweep = t + 1;
    // Live flows whose timer ran out, in the order the live set holds them (creation order).
    for (const f of this.timers.due(t)) this.finishFlow(f, true);
  }

  // ---------------------------------------------------------------- the frame loop

  observe(frame: DecodedFrame, wantFacts: boolean): FrameFacts | null {
    return this.observePacket(this.pkt.load(frame), wantFacts);
  }

  /** The same for a frame already pulled out into a Packet (e.g. decoded on another thread). */
  observePacket(p: Packet, wantFacts: boolean): FrameFacts | null {
    this.frames++;
    if (Number.isNaN(this.firstT)) this.firstT = p.t;
    this.lastT = p.t;
    if (p.t >= this.nextSweep) this.sweep(p.t);
    this.captureHost.observe(p.srcMac, p.dstMac);
    switch (p.kind) {
      case 'arp': return this.onArp(p, wantFacts);
      case 'ip':
        if (p.icmpType >= 0) { this.learnSource(p); return this.onIcmp(p, wantFacts); }
        if (p.proto === PROTO_TCP) this.silentSyns.observe(p);
        if (p.proto === PROTO_TCP || p.proto === PROTO_UDP) return this.onL4(p, wantFacts);
        this.learnSource(p);
        return wantFacts ? this.plain(p, 'other') : null;
      case 'ipv6-other': return wantFacts ? this.plain(p, 'ipv6') : null;
      default: return wantFacts ? this.plain(p, 'other') : null;
    }
  }

  private plain(p: Packet, step: Step): FrameFacts {
    const src = p.tunnel !== null ? p.outerSrc : p.src;
    const dst = p.tunnel !== null ? p.outerDst : p.dst;
    let summary: string;
    if (p.kind === 'ip' || p.kind === 'ipv6-other') {
      const proto = p.proto === PROTO_TCP ? 'TCP' : p.proto === PROTO_UDP ? 'UDP' : p.icmpType >= 0 ? 'ICMP' : `IP proto ${p.proto}`;
      summary = p.proto === PROTO_TCP || p.proto === PROTO_UDP
        ? `${proto} ${ipPort(p.src, p.sport)} → ${ipPort(p.dst, p.dport)}`
        : `${proto} ${src} → ${dst}`;
    } else {
      summary = p.srcMac !== '' ? `${p.srcMac} → ${p.dstMac || '?'}` : 'non-IP frame';
    }
    return {
      n: p.n, t: p.t, srcRole: this.role(p.srcMac, src), dstRole: this.role(p.dstMac, dst),
      src, dst, srcMac: p.srcMac, dstMac: p.dstMac, step, arp: null, flow: null, icmp: null, outer: null,
      summary, findings: [],
    };
  }

  // ---------------------------------------------------------------- ARP

  private onArp(p: Packet, want: boolean): FrameFacts | null {
    const gratuitous = p.spa === p.tpa;
    if (p.spa !== '0.0.0.0' && p.sha !== '') {
      this.ipMac.set(p.spa, p.sha);
      let s = this.macIps.get(p.sha);
      if (s === undefined) { s = new Set(); this.macIps.set(p.sha, s); }
      s.add(p.spa);
      const key = `${p.spa}|${p.sha}`;
      let pair = this.arpPairs.get(key);
      if (pair === undefined) {
        pair = { spa: p.spa, sha: p.sha, replies: [], requests: [], announces: [] };
        this.arpPairs.set(key, pair);
        this.arpClaims.set(p.spa, (this.arpClaims.get(p.spa) ?? 0) + 1);
      }
      const list = gratuitous ? pair.announces : p.arpOp === 2 ? pair.replies : pair.requests;
      if (list.length < MAX_FINDING_FRAMES) list.push(p.n);
      if (!gratuitous && p.arpOp === 1) {
        let asked = this.arpAsked.get(p.sha);
        if (asked === undefined) { asked = []; this.arpAsked.set(p.sha, asked); }
        if (asked.length < MAX_FINDING_FRAMES && !asked.includes(p.tpa)) asked.push(p.tpa);
      }
    }
    if (!want) return null;
    const step: Step = gratuitous ? 'arp-announce' : p.arpOp === 2 ? 'arp-reply' : 'arp-request';
    const dstRole: FrameRole = p.dstMac === 'ff:ff:ff:ff:ff:ff' ? 'broadcast' : this.role(p.dstMac, p.tpa);
    return {
      n: p.n, t: p.t, srcRole: this.role(p.srcMac || p.sha, p.spa), dstRole,
      src: p.spa, dst: p.tpa, srcMac: p.srcMac || p.sha, dstMac: p.dstMac,
      step, arp: { op: p.arpOp, spa: p.spa, tpa: p.tpa, sha: p.sha, gratuitous }, flow: null, icmp: null, outer: null,
      summary: step === 'arp-reply' ? `ARP ${p.spa} is at ${p.sha}` : gratuitous ? `ARP announce ${p.spa} is at ${p.sha}` : `ARP who has ${p.tpa}? tell ${p.spa}`,
      findings: [],
    };
  }

  // ---------------------------------------------------------------- ICMP

  private onIcmp(p: Packet, want: boolean): FrameFacts | null {
    const q = p.icmpQuote;
    const fromDirector = this.isDirectorMac(p.srcMac) || this.isVip(p.src) || this.directorIps.has(p.src)
      || (q !== null && this.isVip(q.dst) && p.src === q.dst);
    let step: Step = 'icmp';
    let quoted: string | null = null;
    if (q !== null) quoted = q.srcPort !== null ? `${ipPort(q.src, q.srcPort)} → ${ipPort(q.dst, q.dstPort ?? 0)}` : `${q.src} → ${q.dst}`;
    const reply = quotedReply(p, (ip) => this.isVip(ip) || this.serviceVip(ip));
    let relayedTo: string | null = null;
    if (reply !== null) {
      step = p.tunnel !== null ? 'icmp-relayed' : 'icmp-for-vip';
      if (p.tunnel !== null) relayedTo = this.relayIcmp(p, reply);
    } else if (p.isIcmp6) {
      // ICMPv6 types are not ICMP's: none of the IPv4 cases below applies.
    } else if (p.icmpType === 3 && p.icmpCode === 3) {
      step = 'icmp-port-unreachable';
      if (q !== null && q.dstPort !== null && (q.proto === PROTO_TCP || q.proto === PROTO_UDP) && p.src === q.dst) {
        // The director answers for the VIP when the scheduler found no destination.
        const svc = this.services.get(serviceKey(protoName(q.proto), q.dst, q.dstPort));
        // A host refuses a TCP port with a RST; ICMP port unreachable for TCP is IPVS finding no destination.
        const tcpRefused = svc !== undefined && q.proto === PROTO_TCP && svc.newConns > 0;
        if (fromDirector || (svc !== undefined && (this.isVip(q.dst) || svc.rs.length > 0 || hasEvidence(svc) || tcpRefused))) {
          this.icmpFromDirector.push({ n: p.n, type: 3, code: 3, mtu: null, quoted: quoted ?? '' });
          if (tcpRefused && svc !== undefined) this.learnDirector(svc, p.srcMac);
          if (svc !== undefined || this.isVip(q.dst)) {
            this.addFinding('no-real-server', 'error', ipPort(q.dst, q.dstPort),
              `the director answered connections to ${ipPort(q.dst, q.dstPort)} with ICMP port unreachable: no real server was available (all weights 0, overloaded or none configured)`, p.n, { virtual: ipPort(q.dst, q.dstPort) });
          }
        }
      }
    } else if (p.icmpType === 3 && p.icmpCode === 4) {
      step = 'icmp-frag-needed';
      const tunnelQuoted = q !== null && (q.proto === 4 || q.proto === 41 || q.proto === 47);
      const aboutVip = q !== null && (this.isVip(q.dst) || this.serviceVip(q.dst));
      if (tunnelQuoted || (aboutVip && (fromDirector || this.tunnelSeen()))) {
        this.addFinding('tun-mtu', 'warning', q === null ? p.src : q.dst,
          `ICMP fragmentation needed (next-hop MTU ${p.icmpMtu ?? '?'}): tunnelled packets are ${tunnelQuoted ? 20 : 'at least 20'} bytes bigger than the client's; lower the MTU/MSS on the path or the real servers`, p.n, { mtu: p.icmpMtu, exact: tunnelQuoted });
      }
    } else if (p.icmpType === 5) {
      step = 'icmp-redirect';
      if (fromDirector || this.isDirectorMac(p.srcMac)) {
        this.addFinding('icmp-redirect-from-director', 'warning', p.src,
          `the director sends ICMP redirects (to ${p.dst}, gateway ${p.icmpGateway ?? '?'}): on a one-armed director set net.ipv4.conf.*.send_redirects=0`, p.n, { to: p.dst, gateway: p.icmpGateway });
      }
    }
    if (!want) return null;
    // A tunnelled error is between the tunnel's ends, as a tunnelled client packet is.
    const src = p.tunnel !== null ? p.outerSrc : p.src;
    const dst = p.tunnel !== null ? p.outerDst : p.dst;
    return {
      n: p.n, t: p.t, srcRole: this.role(p.srcMac, src), dstRole: this.role(p.dstMac, dst),
      src, dst, srcMac: p.srcMac, dstMac: p.dstMac, step, arp: null, flow: null,
      icmp: { type: p.icmpType, code: p.icmpCode, quoted, mtu: p.icmpMtu, gateway: p.icmpGateway, v6: p.isIcmp6, relayedTo },
      outer: p.tunnel !== null ? { src: p.outerSrc, dst: p.outerDst, kind: p.tunnel } : null,
      summary: `${p.isIcmp6 ? 'ICMPv6' : 'ICMP'} type ${p.icmpType} code ${p.icmpCode} ${p.src} → ${p.dst}`, findings: [],
    };
  }

  /** The director passes an ICMP error about a reply on to the connection's real server, in the tunnel (model/icmp-relay.ts). */
  private relayIcmp(p: Packet, reply: QuotedReply): string {
    const svc = this.service(reply.proto, reply.vip, reply.vport, p.n);
    svc.tunIcmp++;
    if (p.tunnel !== null) svc.tunnelKinds.add(p.tunnel);
    this.evidence(svc, p.n);
    this.learnDirector(svc, p.srcMac);
    if (svc.directorIp === null) svc.directorIp = p.outerSrc;
    this.directorIps.add(p.outerSrc);
    this.rsByAddr(svc, p.outerDst, reply.vport, null, p.n);
    return p.outerDst;
  }

  private tunnelSeen(): boolean {
    for (const s of this.services.values()) if (s.tun > 0) return true;
    return false;
  }


  // ---------------------------------------------------------------- TCP / UDP

  private onL4(p: Packet, want: boolean): FrameFacts | null {
    if (p.tunnel !== null) return this.onTunnel(p, want);
    if (p.toaAddr !== '') return this.onToa(p, want);

    // 1. Is this the director's copy of a packet seen a moment ago? Only the director emits those,
    // so once its MAC is known only its frames are looked up, and only frames to it remembered.
    const known = this.directorMacs.size > 0 && p.srcMac !== '' && p.dstMac !== '';
    const fromDirector = !known || this.directorMacs.has(p.srcMac);
    const toDirector = !known || this.directorMacs.has(p.dstMac);
    // The packet-memory keys: (src, sport) and (dst, dport), each with (proto, IP ID, seq).
    const srcId = this.addrs.id(p.src);
    const dstId = this.addrs.id(p.dst);
    let hop: 'dr' | 'nat' | 'nat-reply' | null = null;
    let prev: SeenPacket | undefined;
    if (fromDirector) {
      prev = this.recent.get(srcId, p.sport, p.proto, p.ipId, p.seq);
      if (prev !== undefined && prev.n !== p.n && prev.srcMac !== p.srcMac) {
        if (prev.dst === p.dst && prev.dport === p.dport) {
          // A DR/TUN real server's reply routed through the director is a hop too, but not a forward.
          if (p.ttl < prev.ttl && !this.isReplyOfFlow(p)) hop = 'dr';
        } else if (p.ttl <= prev.ttl) hop = 'nat';
      }
      if (hop === null) {
        prev = this.recent.get(dstId, p.dport, p.proto, p.ipId, p.seq);
        if (prev !== undefined && prev.n !== p.n && prev.srcMac !== p.srcMac
          && (prev.src !== p.src || prev.sport !== p.sport) && p.ttl <= prev.ttl) hop = 'nat-reply';
      }
    }
    if (hop === null) {
      prev = undefined;
      if (toDirector) {
        this.recent.set(srcId, p.sport, p.proto, p.ipId, p.seq, p, p.t);
        this.recent.set(dstId, p.dport, p.proto, p.ipId, p.seq, p, p.t);
      }
    }

    const proto = protoName(p.proto);
    let flow: Flow | null = null;
    let clientSide = true;
    let step: Step = 'other';
    let segment: Segment = segmentOf(p);
    let newConn = false;
    let ttlBefore: number | null = null;

    if (hop === 'dr' && prev !== undefined) {
      flow = this.flows.get(p.proto, srcId, p.sport, dstId, p.dport)?.flow ?? null;
      const svc = flow?.svc ?? this.service(proto, p.dst, p.dport, p.n);
      svc.dr++;
      this.evidence(svc, p.n);
      this.learnDirector(svc, p.srcMac);
      this.upstream(prev.srcMac);
      if (p.dstMac === '') svc.drNoMac++;
      else if (flow !== null) {
        const rs = this.rsByMac(svc, p.dstMac, p.dport, p.n);
        this.bind(flow, rs);
      }
      if (flow !== null && segment === 'syn' && flow.forwardN === 0) flow.forwardN = p.n;
      step = 'director-forward';
      ttlBefore = prev.ttl;
    } else if (hop === 'nat' && prev !== undefined) {
      const svc = this.service(proto, prev.dst, prev.dport, p.n);
      svc.nat++;
      this.evidence(svc, p.n);
      this.learnDirector(svc, p.srcMac);
      // A two-armed director: the client's frame came to its other interface (two captures merged).
      this.otherArm(prev.dstMac);
      this.upstream(prev.srcMac);
      flow = this.lookup(p.proto, prev.src, prev.sport, prev.dst, prev.dport)?.flow ?? null;
      if (flow !== null) {
        this.addKey(flow, true, p.proto, p.src, p.sport, p.dst, p.dport);
        this.bind(flow, this.rsByAddr(svc, p.dst, p.dport, p.dstMac || null, p.n));
        if (segment === 'syn' && flow.forwardN === 0) flow.forwardN = p.n;
      }
      step = 'director-forward';
      ttlBefore = prev.ttl;
    } else if (hop === 'nat-reply' && prev !== undefined) {
      const svc = this.service(proto, p.src, p.sport, p.n);
      svc.natReply++;
      svc.answered = true;
      this.evidence(svc, p.n);
      this.learnDirector(svc, p.srcMac);
      this.otherArm(prev.dstMac);
      flow = this.flows.get(p.proto, dstId, p.dport, srcId, p.sport)?.flow ?? null;
      if (flow !== null) {
        if (flow.rs === null) {
          this.addKey(flow, true, p.proto, p.dst, p.dport, prev.src, prev.sport);
          this.bind(flow, this.rsByAddr(svc, prev.src, prev.sport, prev.srcMac || null, p.n));
        } else if (flow.rs.mac === null && prev.srcMac !== '' && flow.rs.ip === prev.src) {
          flow.rs.mac = prev.srcMac;
        }
        if (segment === 'synack') flow.synAckSeen = true;
      }
      clientSide = false;
      step = 'director-reply';
      ttlBefore = prev.ttl;
    } else {
      // 2. Not a second copy: a packet the director (or a server) receives.
      let ref = this.flows.get(p.proto, srcId, p.sport, dstId, p.dport);
      if (ref !== undefined) {
        flow = ref.flow;
        const reuse = (p.flags & (SYN | ACK | RST)) === SYN && !ref.server
          && (flow.state === 'TIME_WAIT' || flow.state === 'CLOSE' || (flow.state === 'FIN_WAIT' && flow.noOutput));
        if (reuse) {
          this.finishFlow(flow, true);
          flow = this.createFlow(p);
          newConn = true;
        } else if (segment === 'syn' && flow.state !== 'NONE' && !ref.server) {
          flow.synRetries++;
        }
        if (ref.server && flow.svc.fullnat > 0) {
          // FULLNAT: every LIP→RIP frame is the director's forward, whatever its flags; counted
          // only where the client's own packet is not in the capture.
          if (flow.svc.insideOf !== null) { this.transition(flow, false, p.flags, p.t); this.countIn(flow, p); }
          flow.lastN = p.n;
          flow.lastT = p.t;
          step = 'director-forward';
        } else {
          this.transition(flow, false, p.flags, p.t);
          this.countIn(flow, p);
          step = clientStep(flow, p, segment, newConn);
        }
      } else {
        ref = this.flows.get(p.proto, dstId, p.dport, srcId, p.sport);
        if (ref !== undefined) {
          flow = ref.flow;
          clientSide = false;
          if (!flow.pathSeen && !ref.server) this.replyPathOf(flow, p);
          flow.svc.answered = true;
          if (segment === 'synack') flow.synAckSeen = true;
          if ((p.flags & RST) !== 0) {
            flow.rstFromServer = true;
            if (!flow.synAckSeen && (flow.svc.dr > 0 || flow.svc.tun > 0)) {
              const who = flow.rs?.ip ?? p.srcMac;
              this.addFinding('dr-port-mapping', 'warning', `${flow.svc.key}|${who}`,
                `real server ${who} refuses connections to ${ipPort(flow.vip, flow.vport)} (RST to the SYN): nothing listens on port ${flow.vport} there. DR and TUN cannot map ports; the service must listen on the VIP's port`, p.n,
                { kind: 'refused', rs: who, virtual: ipPort(flow.vip, flow.vport), port: flow.vport });
            }
          }
          // Inside a NAT director the replies go to it (its MAC known only from the service).
          const toDirector = p.dstMac !== '' && (this.isDirectorMac(p.dstMac) || p.dstMac === flow.svc.insideOf);
          if (ref.server) {
            // On the director's `any` capture a frame to another host's MAC (overheard on a shared
            // LAN) is one the director never receives.
            const passesBy = p.dstMac === '' && p.pktType === SLL_PACKET_TYPE.OTHERHOST && this.capturedOnDirector;
            // A capture on the director's `any` (SLL2) has no destination MAC on the forwarded copy: learn it here.
            if (flow.rs !== null && flow.rs.mac === null && p.srcMac !== '' && p.src === flow.rs.ip && !this.isDirectorMac(p.srcMac)) flow.rs.mac = p.srcMac;
            // RIP → CIP (NAT) or RIP → LIP (FULLNAT): IPVS sees it if it reaches the director.
            if (toDirector || (p.dstMac === '' && !passesBy)) {
              this.transition(flow, true, p.flags, p.t);
              this.countOut(flow, p);
            } else if (flow.svc.nat > 0 && this.directorMacs.size > 0) {
              // A cooked header has no destination MAC: '' says the next hop is unknown.
              this.addFinding('nat-reply-bypasses-director', 'error', flow.rs?.ip ?? p.src,
                `real server ${p.src} sends NAT replies to ${p.dstMac || 'another gateway'} instead of the director: the client gets them from the RIP, not the VIP, and drops them; make the director the real server's default gateway`, p.n, { rs: p.src, mac: p.dstMac });
            }
          } else {
            if (segment === 'synack' && flow.rs === null && flow.forwardN === 0 && p.srcMac !== '' && !this.isDirectorMac(p.srcMac)) {
              // Answered by the host the client's frames went to, with no director hop: who holds the VIP?
              const key = `${flow.vip}|${p.srcMac}`;
              const d = this.directServed.get(key) ?? { vip: flow.vip, mac: p.srcMac, frames: [] };
              if (d.frames.length < MAX_FINDING_FRAMES) d.frames.push(p.n);
              this.directServed.set(key, d);
            }
            // VIP → CIP straight from a real server (DR/TUN): IPVS does not see it, unless it goes via the director.
            if (toDirector) {
              this.transition(flow, true, p.flags, p.t);
              this.countOut(flow, p);
              if (flow.svc.dr > 0 || flow.svc.tun > 0) {
                this.addFinding('dr-reply-via-director', 'warning', p.srcMac || p.src,
                  `real server ${flow.rs?.ip ?? p.srcMac} sends its replies for ${flow.vip} to the director's MAC: in DR the replies should go straight to the gateway (check the real server's default route)`, p.n, { rs: flow.rs?.ip ?? p.srcMac, vip: flow.vip });
              }
            } else if (p.dstMac !== '' && !this.isDirectorMac(p.srcMac)) {
              this.upstream(p.dstMac);
            }
          }
          flow.lastN = p.n;
          flow.lastT = p.t;
          step = serverStep(p, segment);
        } else if ((p.flags & (SYN | ACK | RST)) === SYN || p.proto === PROTO_UDP) {
          this.learnSource(p);
          if (p.proto === PROTO_UDP && this.isKnownServerSide(p)) {
            step = 'other';
          } else {
            flow = this.createFlow(p);
            newConn = true;
            this.transition(flow, false, p.flags, p.t);
            this.countIn(flow, p);
            step = p.proto === PROTO_UDP ? 'datagram' : 'handshake-1';
          }
        }
      }
    }
    if (flow !== null && hop !== null) { flow.lastN = p.n; flow.lastT = p.t; }
    // Pass 2: a client packet sent by the director with no copy before it is its forward, seen
    // where only the output passes (on a real server, or inside a NAT director).
    if (hop === null && clientSide && flow !== null && this.k !== null && p.srcMac !== '' && p.src === flow.cip
      && this.k.directorMacs.has(p.srcMac)) step = 'director-forward';
    if (hop !== null && p.pktType === SLL_PACKET_TYPE.OUTGOING) this.capturedOnDirector = true;
    if (!want) return null;
    return this.l4Facts(p, flow, clientSide, step, segment, newConn, ttlBefore);
  }

  /**
   * VIP:port → CIP:port, or a NAT real server's RIP:port → CIP:port, of a connection the model
   * tracks (and not itself a client's flow). The second is a router's copy of a NAT reply that
   * bypassed the director: TTL down by one like a DR forward, but a reply.
   */
  private isReplyOfFlow(p: Packet): boolean {
    const back = this.lookup(p.proto, p.dst, p.dport, p.src, p.sport);
    return back !== undefined && this.lookup(p.proto, p.src, p.sport, p.dst, p.dport) === undefined;
  }

  /** A UDP datagram from a known real server or VIP back to a client is a reply, not a new flow. */
  private isKnownServerSide(p: Packet): boolean {
    return this.isVip(p.src) || this.serviceVip(p.src);
  }

  private learnSource(p: Packet): void {
    if (p.srcMac !== '' && !this.macSrcIp.has(p.srcMac)) this.macSrcIp.set(p.srcMac, p.src);
  }

  private countIn(f: Flow, p: Packet): void {
    f.lastN = p.n;
    f.lastT = p.t;
    if (f.bypass) return;
    f.inPkts++;
    f.inBytes += p.ipLen;
    f.svc.inPkts++;
    f.svc.inBytes += p.ipLen;
    if (f.rs !== null) { f.rs.inPkts++; f.rs.inBytes += p.ipLen; }
  }

  private countOut(f: Flow, p: Packet): void {
    f.svc.outPkts++;
    f.svc.outBytes += p.ipLen;
    if (f.rs !== null) { f.rs.outPkts++; f.rs.outBytes += p.ipLen; }
  }

  private learnDirector(svc: ServiceState, mac: string): void {
    if (mac === '' || svc.directorMac === mac) return;
    this.directorMacs.add(mac);
    if (svc.directorMac === null) svc.directorMac = mac;
  }

  private otherArm(mac: string): void {
    if (mac !== '' && !this.directorMacs.has(mac) && mac !== 'ff:ff:ff:ff:ff:ff') this.directorMacs.add(mac);
  }

  private upstream(mac: string): void {
    if (mac === '' || this.directorMacs.has(mac)) return;
    this.upstreamMacs.set(mac, (this.upstreamMacs.get(mac) ?? 0) + 1);
  }

  private onTunnel(p: Packet, want: boolean): FrameFacts | null {
    const proto = protoName(p.proto);
    const svc = this.service(proto, p.dst, p.dport, p.n);
    svc.tun++;
    if (p.tunnel !== null) svc.tunnelKinds.add(p.tunnel);
    this.evidence(svc, p.n);
    this.learnDirector(svc, p.srcMac);
    if (svc.directorIp === null) svc.directorIp = p.outerSrc;
    this.directorIps.add(p.outerSrc);
    const prev = this.recent.get(this.addrs.id(p.src), p.sport, p.proto, p.ipId, p.seq);
    const second = prev !== undefined && prev.n !== p.n && prev.dst === p.dst;
    if (prev !== undefined) this.upstream(prev.srcMac);
    let flow = this.lookup(p.proto, p.src, p.sport, p.dst, p.dport)?.flow ?? null;
    let newConn = false;
    if (flow === null) {
      flow = this.createFlow(p);
      newConn = true;
    }
    noteOuterSource(svc, p.outerSrc, p.srcMac, newConn);
    this.bind(flow, this.rsByAddr(svc, p.outerDst, p.dport, null, p.n));
    if (!second) {
      this.transition(flow, false, p.flags, p.t);
      this.countIn(flow, p);
    }
    if (p.isSyn && flow.forwardN === 0) flow.forwardN = p.n;
    flow.lastN = p.n;
    flow.lastT = p.t;
    if (!want) return null;
    return this.l4Facts(p, flow, true, 'tunnel', segmentOf(p), newConn, prev?.ttl ?? null);
  }

  /** FULLNAT: LIP:lport → RIP:dport carrying the client's address in TCP option 254. */
  private onToa(p: Packet, want: boolean): FrameFacts | null {
    let flow: Flow | null = null;
    // Find the client's flow: any live flow from TOA addr:port.
    for (const f of this.live) {
      if (f.cip === p.toaAddr && f.cport === p.toaPort && f.proto === 'tcp') { flow = f; break; }
    }
    if (flow === null && p.isSyn && p.srcMac !== '') {
      // Inside a FULLNAT director: the client's own packet is not in the capture, the TOA names it.
      flow = this.createFlow(p, this.insideService('tcp', p.srcMac, p.n), p.toaAddr, p.toaPort);
      this.transition(flow, false, p.flags, p.t);
      this.countIn(flow, p);
    }
    if (flow !== null) {
      const svc = flow.svc;
      svc.fullnat++;
      svc.lips.add(p.src);
      this.evidence(svc, p.n);
      this.learnDirector(svc, p.srcMac);
      if (svc.directorIp === null) svc.directorIp = p.src;
      this.directorIps.add(p.src);
      this.addKey(flow, true, p.proto, p.src, p.sport, p.dst, p.dport);
      this.bind(flow, this.rsByAddr(svc, p.dst, p.dport, p.dstMac || null, p.n));
      if (p.isSyn && flow.forwardN === 0) flow.forwardN = p.n;
      flow.lastN = p.n;
      flow.lastT = p.t;
    }
    if (!want) return null;
    return this.l4Facts(p, flow, true, 'director-forward', segmentOf(p), false, null);
  }

  private l4Facts(p: Packet, flow: Flow | null, clientSide: boolean, step: Step, segment: Segment, newConn: boolean, ttlBefore: number | null): FrameFacts {
    const src = p.tunnel !== null ? p.outerSrc : p.src;
    const dst = p.tunnel !== null ? p.outerDst : p.dst;
    let ff: FlowFacts | null = null;
    if (flow !== null) {
      const k = this.k;
      const svcInfo = k?.services.get(flow.svc.key);
      let rs = flow.rs;
      let rsIp = rs?.ip ?? (rs?.mac ? this.ripOfMac(rs.mac) : null) ?? null;
      if (rs !== null && rsIp === null && rs.mac !== null && k !== null) rsIp = k.rsMacs.get(rs.mac) ?? null;
      const known = rs === null ? k?.connRs.get(flow.index) : undefined;
      if (known !== undefined) rsIp = known.ip ?? (known.mac !== null ? k?.rsMacs.get(known.mac) ?? null : null);
      const rsPort = rs?.port ?? known?.port ?? 0;
      const rsMac = rs?.mac ?? known?.mac ?? null;
      ff = {
        protocol: flow.proto,
        client: ipPort(flow.cip, flow.cport), clientIp: flow.cip,
        virtual: ipPort(flow.vip, flow.vport), vip: flow.vip,
        realServer: rsIp !== null ? ipPort(rsIp, rsPort) : null,
        rsIp, rsMac,
        segment, payload: p.payload, state: flow.state,
        newConnection: newConn, connIndex: flow.index,
        method: svcInfo?.method ?? this.methodNow(flow.svc),
        scheduler: svcInfo?.scheduler ?? null,
        schedulerCandidates: svcInfo?.candidates ?? NO_CANDIDATES,
        ttlBefore, ttl: p.ttl, tunnel: p.tunnel,
        rsActive: rs?.active ?? 0, rsInactive: rs?.inactive ?? 0,
        bypass: flow.bypass,
      };
      rs = null;
    }
    const proto = p.proto === PROTO_TCP ? 'TCP' : 'UDP';
    const flagText = p.proto === PROTO_TCP ? ` [${tcpFlagWords(p.flags)}]` : '';
    const len = p.payload > 0 ? ` len ${p.payload}` : '';
    return {
      n: p.n, t: p.t,
      srcRole: this.role(p.srcMac, src), dstRole: this.role(p.dstMac, dst),
      src, dst, srcMac: p.srcMac, dstMac: p.dstMac, step, arp: null, flow: ff, icmp: null,
      outer: p.tunnel !== null ? { src: p.outerSrc, dst: p.outerDst, kind: p.tunnel } : null,
      summary: `${proto} ${ipPort(p.src, p.sport)} → ${ipPort(p.dst, p.dport)}${flagText}${len}`,
      findings: clientSide ? [] : [],
    };
  }

  methodNow(s: ServiceState): ForwardingMethod {
    return methodOf(s);
  }

  /** End of input: flows still alive stay in the table with their timers. */
  end(): void {
    // Silent real servers first: a flow finishing below would report the same server with less to say.
    for (const f of this.live) if (f.proto === 'tcp') this.flowToSilentSyns(f);
    this.reportSilentSyns();
    for (const f of [...this.live]) this.finishFlow(f, false);
    this.timers.clear();
  }
}

/**
 * A TTL one below the initial TTL hosts use (Linux 64, Windows 128, network gear 255): the packet
 * crossed one router before this capture point. A reply straight from a host on this LAN keeps its
 * initial TTL.
 */
const SILENT_EXPLAINED_BY: ReadonlySet<FindingCode> = new Set<FindingCode>([
  'dr-reply-via-director', 'nat-reply-bypasses-director', 'no-real-server',
]);

function routedTtl(ttl: number): boolean {
  return ttl === 63 || ttl === 127 || ttl === 254;
}

export function methodOf(s: ServiceState): ForwardingMethod {
  const nat = s.nat + s.natReply + s.natInside;
  const dr = s.dr + s.drSplit + s.drAtRs;
  const tun = s.tun + s.tunIcmp;
  const best = Math.max(dr, nat, tun, s.fullnat);
  if (best === 0) return 'unknown';
  if (s.fullnat === best) return 'fullnat';
  if (tun === best) return 'tun';
  if (dr === best) return 'dr';
  return 'nat';
}

function segmentOf(p: Packet): Segment {
  if (p.proto === PROTO_UDP) return 'udp';
  const f = p.flags;
  if ((f & RST) !== 0) return 'rst';
  if ((f & SYN) !== 0) return (f & ACK) !== 0 ? 'synack' : 'syn';
  if ((f & FIN) !== 0) return 'fin';
  if (p.payload > 0) return 'data';
  return 'ack';
}

function clientStep(f: Flow, p: Packet, seg: Segment, newConn: boolean): Step {
  switch (seg) {
    case 'syn': return 'handshake-1';
    case 'rst': return 'rst';
    case 'fin': return 'fin';
    case 'udp': return 'datagram';
    case 'data': f.clientAcked = true; return 'request';
    case 'ack':
      if (!f.clientAcked && !newConn) { f.clientAcked = true; return 'handshake-3'; }
      return 'ack';
    default: return p.payload > 0 ? 'request' : 'ack';
  }
}

function serverStep(p: Packet, seg: Segment): Step {
  switch (seg) {
    case 'synack': return 'handshake-2';
    case 'fin': return 'server-fin';
    case 'rst': return 'server-rst';
    case 'ack': return 'reply-ack';
    default: return p.payload > 0 ? 'reply' : 'reply-ack';
  }
}

export function tcpFlagWords(bits: number): string {
  const w: string[] = [];
  if (bits & SYN) w.push('SYN');
  if (bits & FIN) w.push('FIN');
  if (bits & RST) w.push('RST');
  if (bits & 0x08) w.push('PSH');
  if (bits & ACK) w.push('ACK');
  return w.join(', ');
}
