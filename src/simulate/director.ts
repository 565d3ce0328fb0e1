/**
 * The director host's packet path: every decision (service lookup, scheduling, persistence,
 * connection states, port unreachable) comes from src/ipvs's Director; this file only does what
 * ip_vs_xmit.c does to the packet for each forwarding method (reference §4) and writes the
 * explanation of each frame.
 */
import { Director } from '../ipvs/director.js';
import type { Connection } from '../ipvs/connection-table.js';
import type { DirectorSysctls, InboundResult, OutboundResult } from '../ipvs/director.js';
import type { TcpFlags } from '../ipvs/tcp-states.js';
import type { Destination } from '../ipvs/destination.js';
import { parseRules } from '../ipvs/ipvsadm/index.js';
import { serviceFromSpec } from '../ipvs/ipvsadm/model.js';
import type { ServiceSpec } from '../ipvs/ipvsadm/model.js';
import type { VirtualService } from '../ipvs/service.js';
import { seededRandomU32 } from '../ipvs/schedulers/index.js';
import type { TcpOption } from '../wire/records.js';
import { formatIpv4, parseIpv4 } from '../wire/address.js';
import { IndexedConnectionTable } from './indexed-table.js';
import { describePacket, SEC, type Host, type Iface } from './net.js';
import {
  F_ACK, F_FIN, F_RST, F_SYN, PROTO_GRE, PROTO_IPIP, PROTO_TCP, PROTO_UDP, ipLength, ipPort, newPacket, type Packet,
} from './packet.js';
import type { FwmarkDef } from './scenario.js';
import type { FindingCode } from '../ipvs/report.js';

const METHOD_TEXT = {
  dr: 'DR rewrites only the destination MAC',
  nat: 'NAT rewrites the destination to the real server',
  tun: 'TUN wraps the packet in an outer IP header DIP → RIP',
  fullnat: 'FULLNAT rewrites source and destination',
  local: 'delivered locally',
} as const;

/** A TUN real server's tunnel (ipvsadm --tun-type, --tun-port, --tun-csum). */
interface TunnelSpec {
  readonly type: 'ipip' | 'gue' | 'gre';
  readonly port: number;
  readonly csum: boolean;
}

const IPIP_TUNNEL: TunnelSpec = { type: 'ipip', port: 0, csum: false };
const TUNNEL_TEXT = { ipip: 'IPIP', gue: 'UDP+GUE', gre: 'GRE' } as const;

/**
 * udp_flow_src_port(): the outer UDP source port of a GUE packet is a hash of the inner flow
 * scaled into the local port range (32768-60999 by default). The kernel's flow hash is keyed at
 * boot; any fixed hash of the 5-tuple shows the same thing: one port per flow.
 */
export function gueSourcePort(p: Packet): number {
  let h = Math.imul(p.src ^ 0x9e3779b9, 0x85ebca6b) ^ p.dst;
  h = Math.imul(h ^ (h >>> 16), 0xc2b2ae35) ^ ((p.sport << 16) | p.dport);
  h = Math.imul(h ^ (h >>> 13), 0x85ebca6b) ^ p.proto;
  h = (h ^ (h >>> 16)) >>> 0;
  const min = 32768, max = 60999;
  return min + Math.floor((h * (max - min)) / 2 ** 32);
}

interface FullnatState {
  readonly conn: Connection;
  readonly cip: number;
  readonly cport: number;
  readonly vip: number;
  readonly vport: number;
  readonly lip: number;
  readonly lport: number;
  readonly rip: number;
  readonly rport: number;
  /** secure_tcp_sequence_number(LIP, RIP, lport, dport) − client ISN. */
  readonly delta: number;
  serverIsn: number;
}

export interface DirectorOptions {
  readonly rules: string;
  readonly fwmarks?: readonly FwmarkDef[];
  readonly laddrs?: readonly string[];
  readonly sysctls?: Partial<DirectorSysctls>;
  /** Names of real servers by RIP, for notes. */
  readonly names: ReadonlyMap<number, string>;
  readonly seed: number;
  /** Rewrites applied to the parsed rules (CLI overrides). */
  readonly adjust?: (specs: ServiceSpec[]) => ServiceSpec[];
}

export class DirectorGlue {
  readonly ipvs: Director;
  readonly table: IndexedConnectionTable;
  readonly specs: ServiceSpec[];
  private readonly marks: Array<{ dst: number; ports: Set<number>; proto: number; mark: number }>;
  private readonly laddrs: number[];
  /** Tunnel of each TUN destination, by "rip:port". */
  private readonly tunnels = new Map<string, TunnelSpec>();
  private lipTurn = 0;
  private lportCounter = 0;
  private readonly fullnatByReply = new Map<string, FullnatState>();
  private readonly fullnatByConn = new Map<number, FullnatState>();
  private lastExpire = -Infinity;
  /** Called for each scheduled connection (the truth file's per-connection real server). */
  onScheduled: ((pkt: Packet, conn: Connection, svc: VirtualService | null, reason: string) => void) | null = null;
  /** Fast synthesis: every IPVS lookup a TCP packet causes (recorded into connection templates). */
  onIpvs: ((pkt: Packet, direction: 'in' | 'out', flags: TcpFlags, bytes: number) => void) | null = null;
  /**
   * Fast synthesis: entries already scheduled for a SYN that the full simulation then carries
   * (no template for that real server yet), with the scheduling reason; their first packet is
   * explained as the scheduling one.
   */
  readonly prescheduled = new Map<Connection, string>();

  readonly host: Host;
  readonly opts: DirectorOptions;

  constructor(host: Host, opts: DirectorOptions) {
    this.host = host;
    this.opts = opts;
    const parsed = parseRules(opts.rules);
    if (parsed.errors.length > 0) {
      const e = parsed.errors[0]!;
      throw new Error(`director ${host.name}: ipvsadm rules line ${e.line}: ${e.message} (${e.text.trim()})`);
    }
    this.specs = opts.adjust ? opts.adjust(parsed.services) : parsed.services;
    this.table = new IndexedConnectionTable();
    this.ipvs = new Director({ table: this.table, ...(opts.sysctls !== undefined ? { sysctls: opts.sysctls } : {}) });
    let i = 0;
    for (const spec of this.specs) {
      this.ipvs.attach(serviceFromSpec(spec, { randomU32: seededRandomU32(opts.seed + i++), createdAt: 0 }));
    }
    this.marks = (opts.fwmarks ?? []).map((m) => ({
      dst: parseIpv4(m.dst), ports: new Set(m.ports), proto: m.proto === 'udp' ? PROTO_UDP : PROTO_TCP, mark: m.mark,
    }));
    this.laddrs = (opts.laddrs ?? []).map((a) => parseIpv4(a.split('/')[0]!));
    for (const spec of this.specs) {
      for (const d of spec.dests) {
        const key = `${d.addr}:${d.port}`;
        if (d.forward === 'tun' && !this.tunnels.has(key)) {
          this.tunnels.set(key, { type: d.tunType ?? 'ipip', port: d.tunPort ?? 0, csum: d.tunCsum === true });
        }
      }
    }
    host.preRouting = (pkt, iface) => this.preRouting(pkt, iface);
  }

  private now(): number {
    return this.host.world.now / SEC;
  }

  private expire(now = this.now()): void {
    // Timers are checked at most every 10 ms of simulated time: plenty for second-scale timeouts.
    if (now - this.lastExpire < 0.01) return;
    this.lastExpire = now;
    for (const e of this.ipvs.expire(now)) {
      const fs = this.fullnatByConn.get(e.conn.id);
      if (fs !== undefined) {
        this.fullnatByConn.delete(e.conn.id);
        this.fullnatByReply.delete(`${fs.rip}:${fs.rport}:${fs.lip}:${fs.lport}`);
      }
    }
  }

  private rsName(ip: number): string {
    return this.opts.names.get(ip) ?? formatIpv4(ip);
  }

  private fwmark(pkt: Packet): number {
    return this.fwmarkOf(pkt.proto, pkt.dst, pkt.dport);
  }

  private fwmarkOf(proto: number, dst: number, dport: number): number {
    for (const m of this.marks) if (m.dst === dst && m.proto === proto && m.ports.has(dport)) return m.mark;
    return 0;
  }

  private preRouting(pkt: Packet, iface: Iface): 'continue' | 'stolen' {
    if (pkt.proto !== PROTO_TCP && pkt.proto !== PROTO_UDP) return 'continue';
    this.expire();
    const protocol = pkt.proto === PROTO_TCP ? 'tcp' : 'udp';
    const flags = { syn: (pkt.flags & F_SYN) !== 0, ack: (pkt.flags & F_ACK) !== 0, fin: (pkt.flags & F_FIN) !== 0, rst: (pkt.flags & F_RST) !== 0 };
    const bytes = ipLength(pkt);
    if (this.host.isLocal(pkt.dst)) {
      const fs = this.fullnatByReply.get(`${pkt.src}:${pkt.sport}:${pkt.dst}:${pkt.dport}`);
      if (fs !== undefined) {
        this.fullnatReply(pkt, fs, flags, bytes);
        return 'stolen';
      }
      const res = this.ipvs.inbound({
        protocol, saddr: formatIpv4(pkt.src), sport: pkt.sport, daddr: formatIpv4(pkt.dst), dport: pkt.dport,
        tcpFlags: flags, fwmark: this.fwmark(pkt), bytes, now: this.now(),
      });
      this.onIpvs?.(pkt, 'in', flags, bytes);
      switch (res.verdict) {
        case 'accept': return 'continue';
        case 'drop': return 'stolen';
        case 'bypass': return 'continue';
        case 'icmp-port-unreachable':
          this.host.sendIcmpError(pkt, 3, 3, 0,
            `director: no real server available for ${ipPort(pkt.dst, pkt.dport)} (${res.reason}); IPVS answers ICMP port unreachable`,
            ['no-real-server'], pkt.dst);
          return 'stolen';
        case 'forward': {
          const conn = res.conn!;
          const dest = res.dest!;
          let why = 'existing connection';
          let created = res.created;
          const pre = this.prescheduled.size > 0 ? this.prescheduled.get(conn) : undefined;
          if (pre !== undefined) {
            this.prescheduled.delete(conn);
            created = true;
            why = pre;
            this.onScheduled?.(pkt, conn, res.service, why);
          } else if (res.created) {
            const sched = res.service?.schedulerNameValue ?? '?';
            why = res.scheduling === 'persistent-template' ? `persistence template (${sched} not consulted)` : `by ${sched}`;
            this.onScheduled?.(pkt, conn, res.service, why);
          }
          this.transmit(pkt, conn, dest, why, created, res.scheduling === 'persistent-template' && dest.weight === 0);
          return 'stolen';
        }
      }
    }
    // Not for us: a reply passing the director (NAT's normal path; DR/TUN only when misrouted).
    const out = this.ipvs.outbound({
      protocol, saddr: formatIpv4(pkt.src), sport: pkt.sport, daddr: formatIpv4(pkt.dst), dport: pkt.dport,
      tcpFlags: flags, bytes, now: this.now(),
    });
    if (out.verdict === 'reply') this.onIpvs?.(pkt, 'out', flags, bytes);
    if (out.verdict !== 'reply' || out.conn === null) return 'continue';
    const c = out.conn;
    if (c.forward === 'nat') {
      const from = ipPort(pkt.src, pkt.sport);
      pkt.src = parseIpv4(c.vaddr);
      pkt.sport = c.vport;
      this.host.forwardIp(pkt, iface, `director: reply from ${this.rsName(parseIpv4(c.daddr))} ${from} rewritten to come from the VIP ${c.vaddr}:${c.vport} (NAT, TTL ${pkt.ttl}→${pkt.ttl - 1})`);
    } else {
      this.host.forwardIp(pkt, iface,
        `director forwards a reply of a ${c.forward.toUpperCase()} connection: the real server routes its replies through the director instead of straight to the client`,
        ['dr-reply-via-director']);
    }
    return 'stolen';
  }

  /** The scheduling reason written in the note of a connection's first forwarded packet. */
  static why(res: InboundResult): string {
    const sched = res.service?.schedulerNameValue ?? '?';
    return res.scheduling === 'persistent-template' ? `persistence template (${sched} not consulted)` : `by ${sched}`;
  }

  /**
   * Fast synthesis: the IPVS side of a stamped connection's client packet, the same calls
   * preRouting makes for a real one (timers, fwmark, lookup or scheduling), at `nowNs`.
   */
  stampInbound(saddr: string, sport: number, daddr: number, daddrText: string, dport: number, flags: TcpFlags, bytes: number, nowNs: number): InboundResult {
    const now = nowNs / SEC;
    this.expire(now);
    return this.ipvs.inbound({
      protocol: 'tcp', saddr, sport, daddr: daddrText, dport, tcpFlags: flags,
      fwmark: this.marks.length > 0 ? this.fwmarkOf(PROTO_TCP, daddr, dport) : 0, bytes, now,
    });
  }

  /**
   * Fast synthesis: a later packet of a stamped connection whose entry `conn` is in hand. While
   * the entry lives and its dest is available this is what ip_vs_in/ip_vs_out do for a found
   * entry (state transition, timer, counters), without the hash lookup; false: the entry is gone, make the full lookup.
   */
  stampPacket(conn: Connection, svc: VirtualService | null, out: boolean, flags: TcpFlags, bytes: number, nowNs: number): boolean {
    const now = nowNs / SEC;
    this.expire(now);
    const dest = conn.dest;
    if (!this.table.isLive(conn) || (dest !== null && !dest.flags.available)) return false;
    this.table.onPacket(conn, out ? 'out' : 'in', flags, now, bytes);
    if (dest !== null) {
      if (out) { dest.stats.outPkts++; dest.stats.outBytes += bytes; } else { dest.stats.inPkts++; dest.stats.inBytes += bytes; }
    }
    if (svc !== null) {
      if (out) { svc.stats.outPkts++; svc.stats.outBytes += bytes; } else { svc.stats.inPkts++; svc.stats.inBytes += bytes; }
    }
    return true;
  }

  /** Fast synthesis: the IPVS side of a stamped connection's reply passing the director. */
  stampOutbound(saddr: string, sport: number, daddr: string, dport: number, flags: TcpFlags, bytes: number, nowNs: number): OutboundResult {
    const now = nowNs / SEC;
    this.expire(now);
    return this.ipvs.outbound({ protocol: 'tcp', saddr, sport, daddr, dport, tcpFlags: flags, bytes, now });
  }

  private decTtl(pkt: Packet): boolean {
    if (pkt.ttl <= 1) {
      this.host.sendIcmpError(pkt, 11, 0, 0, 'director: TTL exceeded');
      return false;
    }
    pkt.ttl--;
    return true;
  }

  private transmit(pkt: Packet, conn: Connection, dest: Destination, why: string, first: boolean, quiesced: boolean): void {
    const rip = parseIpv4(dest.addr);
    const name = this.rsName(rip);
    const findings: FindingCode[] | null = quiesced ? ['quiesced-server-used'] : null;
    const ttlText = `TTL ${pkt.ttl}→${pkt.ttl - 1}`;
    const lead = first ? `director → ${name} ${why}` : `director → ${name} (${why}, ${conn.state})`;
    const rt = this.host.route(rip);
    if (rt === null) return;
    switch (conn.forward) {
      case 'dr':
      case 'local': {
        if (!this.decTtl(pkt)) return;
        this.host.sendIp(pkt, `${lead}; ${METHOD_TEXT.dr} (${ttlText})`, findings, { ...rt, nextHop: rip });
        return;
      }
      case 'nat': {
        if (!this.decTtl(pkt)) return;
        const from = ipPort(pkt.dst, pkt.dport);
        pkt.dst = rip;
        pkt.dport = conn.dport;
        this.host.sendIp(pkt, `${lead}; ${METHOD_TEXT.nat}: ${from} → ${dest.addr}:${conn.dport} (${ttlText})`, findings, rt);
        return;
      }
      case 'tun': {
        if (!this.decTtl(pkt)) return;
        const tun = this.tunnels.get(`${dest.addr}:${dest.port}`) ?? IPIP_TUNNEL;
        const outer = newPacket(rt.src, rip, tun.type === 'gue' ? PROTO_UDP : tun.type === 'gre' ? PROTO_GRE : PROTO_IPIP);
        if (tun.type === 'gue') {
          outer.sport = gueSourcePort(pkt);
          outer.dport = tun.port;
        }
        outer.tunCsum = tun.csum;
        outer.ttl = pkt.ttl;
        outer.df = pkt.df;
        // INET_ECN_encapsulate: DSCP copied, CE becomes ECT(0).
        outer.tos = (pkt.tos & 0x03) === 0x03 ? (pkt.tos & 0xfc) | 0x02 : pkt.tos;
        outer.id = outer.df ? 0 : this.host.nextIpId();
        outer.inner = pkt;
        outer.flow = pkt.flow;
        // __ip_vs_get_out_rt: the route MTU less the outer IP header and the GUE/GRE header.
        const overhead = ipLength(outer) - ipLength(pkt);
        if (outer.df && ipLength(outer) > rt.mtu) {
          pkt.ttl++;
          this.host.sendIcmpError(pkt, 3, 4, rt.mtu - overhead,
            `director: ${ipLength(pkt)}-byte packet plus the ${overhead}-byte ${TUNNEL_TEXT[tun.type]} header exceeds the ${rt.mtu}-byte MTU towards ${name}, DF is set: ICMP fragmentation needed (MTU ${rt.mtu - overhead})`,
            ['tun-mtu'], pkt.dst);
          return;
        }
        const how = tun.type === 'gue' ? ` in UDP ${outer.sport} → ${outer.dport} and a GUE header` : tun.type === 'gre' ? ' and a GRE header' : '';
        this.host.sendIp(outer, `${lead}; ${METHOD_TEXT.tun} ${formatIpv4(rt.src)} → ${dest.addr}${how} (${ttlText}, copied to the outer header)`, findings, rt);
        return;
      }
      case 'fullnat':
        this.fullnatRequest(pkt, conn, dest, rip, lead, findings, rt);
        return;
      default: {
        // A forwarding method added to ForwardMethod needs its path here: the compiler says so.
        const unhandled: never = conn.forward;
        throw new Error(`director ${this.host.name}: no path for forwarding method ${String(unhandled)}`);
      }
    }
  }

  private fullnatRequest(pkt: Packet, conn: Connection, _dest: Destination, rip: number, lead: string, findings: FindingCode[] | null, rt: NonNullable<ReturnType<Host['route']>>): void {
    let fs = this.fullnatByConn.get(conn.id);
    if (fs === undefined) {
      if (this.laddrs.length === 0) throw new Error(`director ${this.host.name}: FULLNAT service without a local address pool (laddrs)`);
      const lip = this.laddrs[this.lipTurn++ % this.laddrs.length]!;
      const lport = 5000 + (++this.lportCounter % (65535 - 5000 + 1));
      fs = {
        conn, cip: pkt.src, cport: pkt.sport, vip: pkt.dst, vport: pkt.dport, lip, lport, rip, rport: conn.dport,
        delta: (this.host.rng.u32() - pkt.seq) >>> 0, serverIsn: -1,
      };
      this.fullnatByConn.set(conn.id, fs);
      this.fullnatByReply.set(`${rip}:${fs.rport}:${lip}:${lport}`, fs);
    }
    if (!this.decTtl(pkt)) return;
    const from = `${ipPort(pkt.src, pkt.sport)} → ${ipPort(pkt.dst, pkt.dport)}`;
    pkt.src = fs.lip;
    pkt.sport = fs.lport;
    pkt.dst = fs.rip;
    pkt.dport = fs.rport;
    pkt.seq = (pkt.seq + fs.delta) >>> 0;
    const isSyn = (pkt.flags & F_SYN) !== 0 && (pkt.flags & F_ACK) === 0;
    const toaAck = (pkt.flags & (F_SYN | F_RST | F_FIN)) === 0 && fs.serverIsn >= 0 && pkt.ack === ((fs.serverIsn + 1) >>> 0);
    let extra = '';
    if (isSyn || toaAck) {
      let opts: TcpOption[] = pkt.opts ?? [];
      // timestamp_remove_entry: the client's timestamp becomes NOPs on the SYN.
      if (isSyn) opts = opts.flatMap((o): TcpOption[] => (o.kind === 'ts' ? Array<TcpOption>(10).fill({ kind: 'nop' }) : [o]));
      pkt.opts = [{ kind: 'toa', port: fs.cport, addr: formatIpv4(fs.cip) }, ...opts];
      extra = `; TOA option carries the client ${ipPort(fs.cip, fs.cport)}${isSyn ? ', timestamp replaced by NOPs' : ''}`;
    }
    this.host.sendIp(pkt, `${lead}; ${METHOD_TEXT.fullnat}: ${from} becomes ${ipPort(fs.lip, fs.lport)} → ${ipPort(fs.rip, fs.rport)}${extra}`, findings, rt);
  }

  private fullnatReply(pkt: Packet, fs: FullnatState, flags: { syn: boolean; ack: boolean; fin: boolean; rst: boolean }, bytes: number): void {
    this.ipvs.outbound({
      protocol: 'tcp', saddr: formatIpv4(fs.rip), sport: fs.rport, daddr: formatIpv4(fs.cip), dport: fs.cport,
      tcpFlags: flags, bytes, now: this.now(),
    });
    if (!this.decTtl(pkt)) return;
    let extra = '';
    if ((pkt.flags & (F_SYN | F_ACK)) === (F_SYN | F_ACK)) {
      fs.serverIsn = pkt.seq;
      if (pkt.opts !== null) {
        // mss_adjust_entry: room for the 8-byte TOA in the client's later segments.
        pkt.opts = pkt.opts.map((o) => (o.kind === 'mss' ? { kind: 'mss', value: o.value - 8 } : o));
        extra = '; MSS lowered by 8 to leave room for TOA';
      }
    }
    const from = ipPort(pkt.src, pkt.sport);
    pkt.src = fs.vip;
    pkt.sport = fs.vport;
    pkt.dst = fs.cip;
    pkt.dport = fs.cport;
    pkt.ack = (pkt.ack - fs.delta) >>> 0;
    this.host.sendIp(pkt, `director: FULLNAT reply from ${this.rsName(fs.rip)} ${from} rewritten to ${ipPort(fs.vip, fs.vport)} → ${ipPort(fs.cip, fs.cport)}${extra}`);
  }

  /** Describe a packet for notes that need it. */
  static describe(p: Packet): string {
    return describePacket(p);
  }
}
