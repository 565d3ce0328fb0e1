/**
 * The director's packet path in kernel terms, without packets: ip_vs_in_hook (client side),
 * ip_vs_out_hook (replies passing the director) and ip_vs_service_find. The simulator feeds it
 * 5-tuples and TCP flags and gets back what the kernel would do and why.
 */
import {
  ConnectionTable, type Connection, type ConnectionTableOptions, type ExpiredEntry, type PacketFlags, type Transition,
} from './connection-table.js';
import { DestTrash } from './dest-trash.js';
import type { Destination } from './destination.js';
import type { SchedulerOptions } from './schedulers/types.js';
import {
  FTP_DATA_PORT, FTP_PORT, VirtualService, type NewConnectionReason, type ServiceConfig, type ServiceProtocol,
} from './service.js';
import type { TcpFlags } from './tcp-states.js';
import { SCTP_CHUNK } from './sctp-states.js';

/** /proc/sys/net/ipv4/vs/* that change what the director does with a packet. Kernel defaults. */
export interface DirectorSysctls {
  /** conn_reuse_mode, default 1. */
  readonly connReuseMode: number;
  /** expire_nodest_conn, default false. */
  readonly expireNodestConn: boolean;
  /** expire_quiescent_template, default false. */
  readonly expireQuiescentTemplate: boolean;
  /** sloppy_tcp, default false: any non-RST segment may create an entry. */
  readonly sloppyTcp: boolean;
  /** sloppy_sctp, default false: any chunk but ABORT may create an SCTP entry (else only INIT). */
  readonly sloppySctp: boolean;
  /** conntrack, default false; when true a reused entry bound to a confirmed conntrack makes the SYN drop. */
  readonly conntrack: boolean;
  /** cache_bypass, default false (fwmark services with no dest forward to the original destination). */
  readonly cacheBypass: boolean;
}

export const DEFAULT_SYSCTLS: DirectorSysctls = {
  connReuseMode: 1,
  expireNodestConn: false,
  expireQuiescentTemplate: false,
  sloppyTcp: false,
  sloppySctp: false,
  conntrack: false,
  cacheBypass: false,
};

/** What IPVS reads of a packet in either direction (the skb's addresses, ports, flags, length) and when it came. */
export interface IpvsPacket {
  readonly protocol: ServiceProtocol;
  readonly saddr: string;
  readonly sport: number;
  readonly daddr: string;
  readonly dport: number;
  readonly tcpFlags?: TcpFlags;
  /** SCTP: the chunk type the state machine acts on (sctpStateChunk of the first two chunks). */
  readonly sctpChunk?: number;
  /** IP packet length, for the --stats byte counters. */
  readonly bytes?: number;
  readonly now: number;
}

export interface InboundPacket extends IpvsPacket {
  /** skb->mark set by iptables/nft in mangle PREROUTING. */
  readonly fwmark?: number;
}

export type InboundVerdict =
  /** Sent on to the real server by the dest's forwarding method. */
  | 'forward'
  /** Not IPVS traffic (no entry, no service, or a segment that cannot open one): the local stack gets it. */
  | 'accept'
  /** No dest: ICMP type 3 code 3 to the client, packet dropped (ip_vs_leave). */
  | 'icmp-port-unreachable'
  /** fwmark service, no dest, cache_bypass=1: routed to its original destination. */
  | 'bypass'
  /** Silently dropped (entry for a removed dest with expire_nodest_conn=0, or an old-conntrack SYN). */
  | 'drop';

export interface InboundResult {
  readonly verdict: InboundVerdict;
  readonly conn: Connection | null;
  readonly dest: Destination | null;
  readonly service: VirtualService | null;
  /** The persistence template controlling the entry, if any. */
  readonly template: Connection | null;
  /** A new entry was created for this packet. */
  readonly created: boolean;
  /** An old entry was expired because the SYN reused its tuple (conn_reuse_mode) or its dest was gone. */
  readonly replaced: Connection | null;
  readonly transition: Transition | null;
  readonly scheduling: NewConnectionReason | null;
  readonly reason: string;
}

export type OutboundPacket = IpvsPacket;

export interface OutboundResult {
  /** 'reply' = matched an entry (NAT: rewritten to VIP:vport); 'accept' = not IPVS traffic. */
  readonly verdict: 'reply' | 'accept';
  readonly conn: Connection | null;
  readonly transition: Transition | null;
}

export class Director {
  readonly table: ConnectionTable;
  readonly sysctls: DirectorSysctls;
  /** Deleted real servers still referred to (ip_vs_ctl.c's dest_trash), shared by every service. */
  readonly trash = new DestTrash();
  private readonly svcs: VirtualService[] = [];

  constructor(opts: { sysctls?: Partial<DirectorSysctls>; table?: ConnectionTableOptions | ConnectionTable } = {}) {
    this.sysctls = { ...DEFAULT_SYSCTLS, ...opts.sysctls };
    this.table = opts.table instanceof ConnectionTable ? opts.table : new ConnectionTable(opts.table);
  }

  get services(): readonly VirtualService[] {
    return this.svcs;
  }

  addService(cfg: ServiceConfig, schedulerOpts?: SchedulerOptions): VirtualService {
    const svc = new VirtualService(cfg, schedulerOpts);
    this.attach(svc);
    return svc;
  }

  attach(svc: VirtualService): void {
    if (this.svcs.some((s) => sameService(s, svc))) throw new Error(`service ${svc.describe()} already exists`);
    svc.useTrash(this.trash);
    this.svcs.push(svc);
  }

  /**
   * `ipvsadm -d` as the kernel runs it: the service unlinks the dest and parks it in the trash;
   * with expire_nodest_conn=1 the delayed work queued then (ip_vs_enqueue_expire_nodest_conns,
   * one jiffy later) deletes every entry whose dest is not AVAILABLE, and each template left
   * controlling nothing (ip_vs_expire_nodest_conn_flush), so they stop holding the dest.
   */
  delDest(svc: VirtualService, addr: string, port: number, now: number): Destination {
    const dest = svc.delDest(addr, port, now);
    if (this.sysctls.expireNodestConn) {
      const gone = (c: Connection): boolean => c.dest !== null && !c.dest.flags.available;
      for (const c of this.table.entries()) if (!c.template && gone(c)) this.table.expireNow(c, now);
      for (const c of this.table.entries()) if (c.template && c.nControl === 0 && gone(c)) this.table.expireNow(c, now);
    }
    return dest;
  }

  /**
   * ip_vs_service_find: fwmark services first (when the packet carries a mark), then the exact
   * <proto, VIP, port>, then a TCP FTP service on port 21 for FTP-data or unprivileged ports, then
   * the port-zero service.
   */
  findService(protocol: ServiceProtocol, vip: string, vport: number, fwmark = 0): VirtualService | null {
    if (fwmark !== 0) {
      const f = this.svcs.find((s) => s.fwmark === fwmark);
      if (f !== undefined) return f;
    }
    const exact = (port: number): VirtualService | undefined =>
      this.svcs.find((s) => s.fwmark === 0 && s.protocol === protocol && s.vip === vip && s.port === port);
    let svc = exact(vport);
    if (svc === undefined && protocol === 'tcp' && (vport === FTP_DATA_PORT || vport >= 1024)) svc = exact(FTP_PORT);
    if (svc === undefined) svc = exact(0);
    return svc ?? null;
  }

  /** ip_vs_in_hook for one client-to-VIP packet. Run `expire(now)` first to retire timed-out entries. */
  inbound(pkt: InboundPacket): InboundResult {
    const flags = packetFlags(pkt);
    const sys = this.sysctls;
    let cp = this.table.findIn(pkt.protocol, pkt.saddr, pkt.sport, pkt.daddr, pkt.dport);
    let replaced: Connection | null = null;
    // is_new_conn: a TCP SYN or an SCTP INIT.
    const isNew = (pkt.protocol === 'tcp' && flags.syn === true)
      || (pkt.protocol === 'sctp' && pkt.sctpChunk === SCTP_CHUNK.INIT);

    // A SYN on an existing entry: reschedule when the reuse rules allow (§2.7).
    if (sys.connReuseMode !== 0 && isNew && cp !== null) {
      let resched = false;
      if (sys.expireNodestConn && cp.dest !== null && cp.dest.weight === 0) {
        resched = true;
      } else if (newConnExpected(cp, sys.connReuseMode)) {
        resched = cp.nControl === 0 || !sys.conntrack;
      }
      if (resched) {
        if (cp.nControl === 0) this.table.expireNow(cp, pkt.now);
        if (sys.conntrack) {
          return this.result('drop', cp, null, false, cp, null, null,
            'SYN reuses an entry bound to an old conntrack: dropped, the retransmitted SYN opens a new entry');
        }
        replaced = cp;
        cp = null;
      }
    }

    let created = false;
    let scheduling: NewConnectionReason | null = null;
    let svc: VirtualService | null = null;
    if (cp === null) {
      const canOpen = pkt.protocol === 'tcp'
        ? flags.rst !== true && (flags.syn === true || sys.sloppyTcp)
        : pkt.protocol === 'sctp'
          // sctp_conn_schedule: never on ABORT; INIT, or any chunk with sloppy_sctp.
          ? pkt.sctpChunk !== SCTP_CHUNK.ABORT && (pkt.sctpChunk === SCTP_CHUNK.INIT || sys.sloppySctp)
          : true;
      svc = this.findService(pkt.protocol, pkt.daddr, pkt.dport, pkt.fwmark ?? 0);
      if (svc === null) return this.result('accept', null, null, false, replaced, null, null, 'no virtual service for this destination');
      if (!canOpen) {
        return this.result('accept', null, null, false, replaced, null, svc,
          pkt.protocol === 'sctp'
            ? 'no connection entry and not an SCTP INIT: passed to the local stack'
            : 'no connection entry and not a SYN: passed to the local stack (which answers with a RST)');
      }
      const res = svc.newConnection(
        { protocol: pkt.protocol, cip: pkt.saddr, cport: pkt.sport, vip: pkt.daddr, vport: pkt.dport, now: pkt.now },
        this.table, { expireQuiescentTemplate: sys.expireQuiescentTemplate },
      );
      scheduling = res.reason;
      if (res.conn === null) {
        if (svc.fwmark !== 0 && sys.cacheBypass) {
          return this.result('bypass', null, null, false, replaced, null, svc, 'no destination; cache_bypass forwards to the original destination', scheduling);
        }
        return this.result('icmp-port-unreachable', null, null, false, replaced, null, svc,
          res.reason === 'port-zero-not-persistent'
            ? 'port zero only supported in persistent services'
            : `${res.schedulerError ?? 'no destination available'}: ICMP port unreachable to the client`, scheduling);
      }
      cp = res.conn;
      created = true;
    }

    const dest = cp.dest;
    if (dest !== null && !dest.flags.available) {
      if (sys.expireNodestConn) {
        this.table.expireNow(cp, pkt.now);
        // The reference (§2.7, 6.x) has the packet treated as new once the entry is gone.
        return this.inbound(pkt);
      }
      return this.result('drop', cp, dest, created, replaced, null, svc,
        'the entry\'s real server was removed and expire_nodest_conn=0: dropped silently');
    }

    const transition = this.table.onPacket(cp, 'in', flags, pkt.now, pkt.bytes ?? 0);
    if (dest !== null) {
      dest.stats.inPkts++;
      dest.stats.inBytes += pkt.bytes ?? 0;
    }
    const owner = svc ?? this.findService(pkt.protocol, pkt.daddr, pkt.dport, pkt.fwmark ?? 0);
    if (owner !== null) {
      owner.stats.inPkts++;
      owner.stats.inBytes += pkt.bytes ?? 0;
    }
    return this.result('forward', cp, dest, created, replaced, transition, owner,
      created ? 'new connection scheduled' : 'existing connection', scheduling);
  }

  /** ip_vs_out_hook for a packet from a real server (or VIP) back to a client. */
  outbound(pkt: OutboundPacket): OutboundResult {
    const cp = this.table.findOut(pkt.protocol, pkt.saddr, pkt.sport, pkt.daddr, pkt.dport);
    if (cp === null) return { verdict: 'accept', conn: null, transition: null };
    const transition = this.table.onPacket(cp, 'out', packetFlags(pkt), pkt.now, pkt.bytes ?? 0);
    if (cp.dest !== null) {
      cp.dest.stats.outPkts++;
      cp.dest.stats.outBytes += pkt.bytes ?? 0;
    }
    const owner = this.findService(cp.protocol === 'ip' ? 'tcp' : cp.protocol, cp.vaddr, cp.vport, cp.fwmark);
    if (owner !== null) {
      owner.stats.outPkts++;
      owner.stats.outBytes += pkt.bytes ?? 0;
    }
    return { verdict: 'reply', conn: cp, transition };
  }

  /**
   * Fire the connection timers due by `now`, and the trash timer runs between them in time
   * order, so each run sees the connection counts of its own time.
   */
  expire(now: number): ExpiredEntry[] {
    const out: ExpiredEntry[] = [];
    for (let t = this.trash.nextTimer; t !== null && t <= now; t = this.trash.nextTimer) {
      out.push(...this.table.expire(t));
      this.trash.runTimers(t);
    }
    out.push(...this.table.expire(now));
    return out;
  }

  private result(
    verdict: InboundVerdict, conn: Connection | null, dest: Destination | null, created: boolean,
    replaced: Connection | null, transition: Transition | null, service: VirtualService | null, reason: string,
    scheduling: NewConnectionReason | null = null,
  ): InboundResult {
    return { verdict, conn, dest, service, template: conn?.control ?? null, created, replaced, transition, scheduling, reason };
  }
}

/** TCP flags plus, for SCTP, the chunk: what ConnectionTable.onPacket reads. */
function packetFlags(pkt: InboundPacket | OutboundPacket): PacketFlags {
  const flags = pkt.tcpFlags ?? {};
  return pkt.sctpChunk === undefined ? flags : { ...flags, sctpChunk: pkt.sctpChunk };
}

/**
 * is_new_conn_expected: never for controlled entries; TCP in TIME_WAIT/CLOSE, or FIN_WAIT of
 * DR/TUN with mode bit 2; SCTP in CLOSED.
 */
function newConnExpected(cp: Connection, mode: number): boolean {
  if (cp.control !== null) return false;
  if (cp.protocol === 'sctp') return cp.state === 'CLOSED';
  if (cp.protocol !== 'tcp') return false;
  return cp.state === 'TIME_WAIT' || cp.state === 'CLOSE'
    || ((mode & 2) !== 0 && cp.state === 'FIN_WAIT' && cp.noOutput);
}

function sameService(a: VirtualService, b: VirtualService): boolean {
  if (a.fwmark !== 0 || b.fwmark !== 0) return a.fwmark === b.fwmark && a.ipv6 === b.ipv6;
  return a.protocol === b.protocol && a.vip === b.vip && a.port === b.port;
}
