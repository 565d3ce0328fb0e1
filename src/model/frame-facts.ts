/**
 * What the model says about one frame (`FrameFacts`, the input of `annotate`): the ends' roles,
 * the step of the conversation, the connection entry as it stands after the frame, and a plain
 * protocol label.
 */
import { methodOf } from './method-evidence.js';
import { ACK, FIN, ipPort, PROTO_TCP, PROTO_UDP, RST, SYN, type Packet } from './packet.js';
import type { Roles } from './roles.js';
import type { Flow } from './state.js';
import type { FlowFacts, FrameFacts, FrameRole, Segment, Step } from './types.js';

const NO_CANDIDATES: readonly string[] = [];

export function l4Facts(
  roles: Roles, p: Packet, flow: Flow | null, step: Step, segment: Segment, newConn: boolean, ttlBefore: number | null,
): FrameFacts {
  const k = roles.k;
  const svcInfo = flow !== null ? k?.services.get(flow.svc.key) : undefined;
  // One answer everywhere: a connection whose service the report does not list (a plain client and
  // server, nothing balanced) is told as plain traffic, never with a VIP, a director or an IPVS state.
  if (flow !== null && k !== null && svcInfo === undefined) {
    flow = null;
    step = 'unlisted';
  }
  const src = p.tunnel !== null ? p.outerSrc : p.src;
  const dst = p.tunnel !== null ? p.outerDst : p.dst;
  let ff: FlowFacts | null = null;
  if (flow !== null) {
    const rs = flow.rs;
    let rsIp = rs?.ip ?? (rs?.mac ? roles.ripOfMac(rs.mac) : null) ?? null;
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
      method: svcInfo?.method ?? methodOf(flow.svc),
      scheduler: svcInfo?.scheduler ?? null,
      schedulerCandidates: svcInfo?.candidates ?? NO_CANDIDATES,
      ttlBefore, ttl: p.ttl, tunnel: p.tunnel,
      rsActive: rs?.active ?? 0, rsInactive: rs?.inactive ?? 0,
      bypass: flow.bypass,
      ...(flow.svc.dsrOpt > 0 ? { serviceInOption: true } : {}),
    };
  }
  const proto = p.proto === PROTO_TCP ? 'TCP' : 'UDP';
  const flagText = p.proto === PROTO_TCP ? ` [${tcpFlagWords(p.flags)}]` : '';
  const len = p.payload > 0 ? ` len ${p.payload}` : '';
  return {
    n: p.n, t: p.t,
    srcRole: roles.role(p.srcMac, src), dstRole: roles.role(p.dstMac, dst),
    src, dst, srcMac: p.srcMac, dstMac: p.dstMac, step, arp: null, flow: ff, icmp: null,
    outer: p.tunnel !== null ? { src: p.outerSrc, dst: p.outerDst, kind: p.tunnel } : null,
    summary: `${proto} ${ipPort(p.src, p.sport)} → ${ipPort(p.dst, p.dport)}${flagText}${len}`,
    findings: [],
  };
}

/** A frame the model has nothing to say about beyond its ends and protocol. */
export function plainFacts(roles: Roles, p: Packet, step: Step): FrameFacts {
  const src = p.tunnel !== null ? p.outerSrc : p.src;
  const dst = p.tunnel !== null ? p.outerDst : p.dst;
  let summary: string;
  if (p.kind === 'ip' || p.kind === 'ipv6-other') {
    const proto = p.proto === PROTO_TCP ? 'TCP' : p.proto === PROTO_UDP ? 'UDP' : p.icmpType >= 0 ? 'ICMP' : `IP proto ${p.proto}`;
    // A VRRP advert says what it is, as tcpdump and tshark do, not "IP proto 112".
    const vrrp = p.ha !== null && p.ha.type === 'vrrp' ? p.ha : null;
    summary = p.proto === PROTO_TCP || p.proto === PROTO_UDP
      ? `${proto} ${ipPort(p.src, p.sport)} → ${ipPort(p.dst, p.dport)}`
      : vrrp !== null ? `VRRPv${vrrp.version} advert VRID ${vrrp.vrid} prio ${vrrp.priority} ${src} → ${dst}`
      : `${proto} ${src} → ${dst}`;
  } else {
    summary = p.srcMac !== '' ? `${p.srcMac} → ${p.dstMac || '?'}` : 'non-IP frame';
  }
  return {
    n: p.n, t: p.t, srcRole: roles.role(p.srcMac, src), dstRole: roles.role(p.dstMac, dst),
    src, dst, srcMac: p.srcMac, dstMac: p.dstMac, step, arp: null, flow: null, icmp: null, outer: null,
    summary, findings: [],
  };
}

export function arpFacts(roles: Roles, p: Packet): FrameFacts {
  const gratuitous = p.spa === p.tpa;
  const ndp = p.isIcmp6;
  const step: Step = gratuitous ? 'arp-announce' : p.arpOp === 2 ? 'arp-reply' : 'arp-request';
  // NDP asks the solicited-node multicast group (33:33:ff:…) where ARP broadcasts.
  const dstRole: FrameRole = p.dstMac === 'ff:ff:ff:ff:ff:ff' || p.dstMac.startsWith('33:33:') ? 'broadcast' : roles.role(p.dstMac, p.tpa);
  const name = ndp ? 'NDP' : 'ARP';
  return {
    n: p.n, t: p.t, srcRole: roles.role(p.srcMac || p.sha, p.spa), dstRole,
    src: p.spa, dst: p.tpa, srcMac: p.srcMac || p.sha, dstMac: p.dstMac,
    step, arp: { op: p.arpOp, spa: p.spa, tpa: p.tpa, sha: p.sha, gratuitous, ...(ndp ? { ndp } : {}) }, flow: null, icmp: null, outer: null,
    summary: step === 'arp-reply' ? `${name} ${p.spa} is at ${p.sha}` : gratuitous ? `${name} announce ${p.spa} is at ${p.sha}` : `${name} who has ${p.tpa}? tell ${p.spa}`,
    findings: [],
  };
}

export function icmpFacts(roles: Roles, p: Packet, step: Step, quoted: string | null, relayedTo: string | null = null): FrameFacts {
  // A tunnelled error is between the tunnel's ends, as a tunnelled client packet is.
  const src = p.tunnel !== null ? p.outerSrc : p.src;
  const dst = p.tunnel !== null ? p.outerDst : p.dst;
  return {
    n: p.n, t: p.t, srcRole: roles.role(p.srcMac, src), dstRole: roles.role(p.dstMac, dst),
    src, dst, srcMac: p.srcMac, dstMac: p.dstMac, step, arp: null, flow: null,
    icmp: { type: p.icmpType, code: p.icmpCode, quoted, mtu: p.icmpMtu, gateway: p.icmpGateway, v6: p.isIcmp6, relayedTo },
    outer: p.tunnel !== null ? { src: p.outerSrc, dst: p.outerDst, kind: p.tunnel } : null,
    summary: `${p.isIcmp6 ? 'ICMPv6' : 'ICMP'} type ${p.icmpType} code ${p.icmpCode} ${p.src} → ${p.dst}`, findings: [],
  };
}

export function segmentOf(p: Packet): Segment {
  if (p.proto === PROTO_UDP) return 'udp';
  const f = p.flags;
  if ((f & RST) !== 0) return 'rst';
  if ((f & SYN) !== 0) return (f & ACK) !== 0 ? 'synack' : 'syn';
  if ((f & FIN) !== 0) return 'fin';
  if (p.payload > 0) return 'data';
  return 'ack';
}

/** The step of a client's packet; the first ACK after the handshake marks the flow acknowledged. */
export function clientStep(f: Flow, p: Packet, seg: Segment, newConn: boolean): Step {
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

export function serverStep(p: Packet, seg: Segment): Step {
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
