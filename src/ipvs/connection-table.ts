/**
 * The IPVS connection table (ip_vs_conn.c): entries with state and expiry, the dest counters the
 * kernel keeps while entries live, and persistence templates. Time is in seconds.
 *
 * Expiry is a per-entry timer re-armed to `now + timeout` whenever the kernel releases its
 * reference after a packet, so every packet restarts the countdown (§2.1 of the reference).
 */
import { bindConnection, unbindConnection, type Destination, type ForwardMethod } from './destination.js';
import { FORWARD_REWRITES } from './methods.js';
import {
  isActiveTcpState, nextTcpState, NEW_CONN_TIMEOUT, TCP_TIMEOUTS, UDP_STATE, UDP_TIMEOUT,
  type TcpFlags, type TcpState, type TcpTableSet,
} from './tcp-states.js';
import { nextSctpState, SCTP_TIMEOUTS, type SctpState } from './sctp-states.js';
import type { IpvsConnEnds } from '../wire/records.js';

/** Protocol as /proc/net/ip_vs_conn names it; 'ip' is a fwmark persistence template (IPPROTO_IP). */
export type ConnProtocol = 'tcp' | 'udp' | 'sctp' | 'ip';

export type Direction = 'in' | 'out';

/** Template states (ip_vs_ctpl_state_name_table). */
export type TemplateState = 'NONE' | 'ASSURED';

export interface Connection {
  readonly id: number;
  readonly protocol: ConnProtocol;
  /** Client address (the masked client network for a template). */
  readonly caddr: string;
  cport: number;
  readonly vaddr: string;
  vport: number;
  readonly daddr: string;
  dport: number;
  readonly dest: Destination | null;
  readonly forward: ForwardMethod;
  readonly template: boolean;
  readonly fwmark: number;
  /** TCP or SCTP state, 'UDP', or for a template 'NONE' / 'ASSURED'. */
  state: TcpState | SctpState | typeof UDP_STATE | TemplateState;
  /** IP_VS_CONN_F_INACTIVE: counted in the dest's InActConn rather than ActiveConn. */
  inactive: boolean;
  /** IP_VS_CONN_F_NOOUTPUT: non-NAT entry that has seen no reply yet (INPUT_ONLY tables). */
  noOutput: boolean;
  /** IP_VS_CONN_F_ONE_PACKET (-o on UDP): not hashed, expires at once. */
  readonly onePacket: boolean;
  /** The template that controls this connection (persistence). */
  control: Connection | null;
  /** How many connections this entry controls. */
  nControl: number;
  /** cp->timeout, seconds. */
  timeout: number;
  /** When the timer fires. */
  expires: number;
  /** A template invalidated by ip_vs_check_template: ports rewritten to 65535, never matched again. */
  invalid: boolean;
  readonly created: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
}

export interface ConnectionTableOptions {
  /** Pre-4.8 accounting: only ESTABLISHED counts as active. Default false. */
  readonly legacyActiveStates?: boolean;
  /** Templates show ASSURED once a controlled TCP connection is ESTABLISHED (newer kernels). Default true. */
  readonly assuredTemplates?: boolean;
  /** Overrides of the default TCP timeouts (`ipvsadm --set` changes ESTABLISHED and FIN_WAIT). */
  readonly tcpTimeouts?: Partial<Record<TcpState, number>>;
  readonly udpTimeout?: number;
}

export interface NewConnectionParams extends IpvsConnEnds {
  readonly protocol: ConnProtocol;
  readonly dest: Destination;
  readonly template?: boolean;
  readonly fwmark?: number;
  readonly onePacket?: boolean;
  readonly now: number;
}

/**
 * What a packet tells the state machines: TCP flags, or for SCTP the chunk set_sctp_state acts on
 * (see sctpStateChunk). An SCTP packet without a chunk leaves the entry as it is, as the kernel
 * does when it cannot read a chunk header.
 */
export interface PacketFlags extends TcpFlags {
  readonly sctpChunk?: number;
}

export interface Transition {
  readonly from: Connection['state'];
  readonly to: Connection['state'];
  /** Which table set was used (TCP only). */
  readonly table: TcpTableSet | null;
  /** The entry moved between the dest's ActiveConn and InActConn. */
  readonly counter: 'to-active' | 'to-inactive' | null;
}

/** Why an entry left the table. */
export interface ExpiredEntry {
  readonly conn: Connection;
  readonly at: number;
}

export const TEMPLATE_RECHECK = 60;

export class ConnectionTable {
  private readonly conns = new Map<number, Connection>();
  private nextId = 1;
  private readonly legacyActive: boolean;
  private readonly assured: boolean;
  readonly tcpTimeouts: Readonly<Record<TcpState, number>>;
  readonly udpTimeout: number;

  constructor(opts: ConnectionTableOptions = {}) {
    this.legacyActive = opts.legacyActiveStates === true;
    this.assured = opts.assuredTemplates !== false;
    this.tcpTimeouts = { ...TCP_TIMEOUTS, ...opts.tcpTimeouts };
    this.udpTimeout = opts.udpTimeout ?? UDP_TIMEOUT;
  }

  /**
   * ip_vs_conn_new + ip_vs_bind_dest: state NONE, timeout 3 s, INACTIVE set (every dest's
   * conn_flags carry it), NOOUTPUT for every method but NAT (FULLNAT replies also pass the
   * director, so it is treated like NAT). The caller then applies the first packet's transition.
   */
  create(p: NewConnectionParams): Connection {
    const template = p.template === true;
    const forward = p.dest.forward;
    const conn: Connection = {
      id: this.nextId++,
      protocol: p.protocol,
      caddr: p.caddr,
      cport: p.cport,
      vaddr: p.vaddr,
      vport: p.vport,
      daddr: p.daddr,
      dport: p.dport,
      dest: p.dest,
      forward,
      template,
      fwmark: p.fwmark ?? 0,
      state: template ? 'NONE' : p.protocol === 'udp' ? UDP_STATE : 'NONE',
      inactive: true,
      noOutput: !FORWARD_REWRITES[forward],
      onePacket: p.onePacket === true,
      control: null,
      nControl: 0,
      timeout: NEW_CONN_TIMEOUT,
      expires: p.now + NEW_CONN_TIMEOUT,
      invalid: false,
      created: p.now,
      inPkts: 0,
      outPkts: 0,
      inBytes: 0,
      outBytes: 0,
    };
    bindConnection(p.dest, template, true);
    this.conns.set(conn.id, conn);
    return conn;
  }

  /** ip_vs_control_add: link a connection to its template. */
  addControl(conn: Connection, template: Connection): void {
    conn.control = template;
    template.nControl++;
  }

  /** `ip_vs_conn_put(ct)` after a new controlled connection: re-arm the template to now + its timeout. */
  touch(conn: Connection, now: number): void {
    conn.expires = now + conn.timeout;
  }

  /** ip_vs_conn_in_get: a live, non-template entry for <proto, caddr, cport, vaddr, vport>. */
  findIn(protocol: ConnProtocol, caddr: string, cport: number, vaddr: string, vport: number): Connection | null {
    for (const c of this.conns.values()) {
      if (!c.template && !c.onePacket && c.protocol === protocol && c.caddr === caddr && c.cport === cport
        && c.vaddr === vaddr && c.vport === vport) return c;
    }
    return null;
  }

  /**
   * ip_vs_conn_out_get: a reply from `saddr:sport` to the client `daddr:dport`. NAT entries match
   * on the real server (daddr:dport of the entry), others on the virtual address.
   */
  findOut(protocol: ConnProtocol, saddr: string, sport: number, daddr: string, dport: number): Connection | null {
    for (const c of this.conns.values()) {
      if (c.template || c.protocol !== protocol || c.caddr !== daddr || c.cport !== dport) continue;
      const nat = FORWARD_REWRITES[c.forward];
      if (nat ? c.daddr === saddr && c.dport === sport : c.vaddr === saddr && c.vport === sport) return c;
    }
    return null;
  }

  /** ip_vs_ct_in_get: a template by its key (client port is always 0). Invalidated ones never match. */
  findTemplate(protocol: ConnProtocol, caddr: string, vaddr: string, vport: number): Connection | null {
    for (const c of this.conns.values()) {
      if (c.template && !c.invalid && c.protocol === protocol && c.caddr === caddr && c.vaddr === vaddr
        && c.vport === vport) return c;
    }
    return null;
  }

  /**
   * ip_vs_check_template: a template whose dest is gone or not AVAILABLE (or, with
   * expire_quiescent_template, has weight 0) is invalidated in place: vport and dport become
   * 65535 and cport 0, and its timer is left alone, so it lingers in -Lnc until it expires.
   */
  checkTemplate(ct: Connection, expireQuiescent = false): boolean {
    const d = ct.dest;
    if (d === null || !d.flags.available || (expireQuiescent && d.weight === 0)) {
      if (!ct.invalid) {
        ct.invalid = true;
        ct.dport = 0xffff;
        ct.vport = 0xffff;
        ct.cport = 0;
      }
      return false;
    }
    return true;
  }

  /**
   * set_tcp_state / the UDP state_transition for one packet, then the timer re-arm.
   * `direction` 'in' = client to director, 'out' = real server reply seen by the director.
   */
  onPacket(conn: Connection, direction: Direction, tcpFlags: PacketFlags, now: number, bytes = 0): Transition {
    if (direction === 'in') {
      conn.inPkts++;
      conn.inBytes += bytes;
    } else {
      conn.outPkts++;
      conn.outBytes += bytes;
    }
    const from = conn.state;
    let table: TcpTableSet | null = null;
    let counter: Transition['counter'] = null;
    const sctp = conn.protocol === 'sctp' && tcpFlags.sctpChunk !== undefined;
    if (!conn.template && (conn.protocol === 'tcp' || sctp)) {
      // set_tcp_state / set_sctp_state share the table choice, the counter move and the assure.
      table = direction === 'in' ? 'INPUT' : 'OUTPUT';
      if (conn.noOutput) {
        if (direction === 'out') conn.noOutput = false;
        else table = 'INPUT_ONLY';
      }
      let to: TcpState | SctpState;
      let active: boolean;
      if (sctp) {
        to = nextSctpState(from as SctpState, table, tcpFlags.sctpChunk as number);
        active = to === 'ESTABLISHED';
        conn.timeout = SCTP_TIMEOUTS[to];
      } else {
        to = nextTcpState(from as TcpState, table, tcpFlags);
        active = isActiveTcpState(to, this.legacyActive);
        conn.timeout = this.tcpTimeouts[to];
      }
      if (to !== from) {
        const dest = conn.dest;
        if (dest !== null) {
          if (!conn.inactive && !active) {
            dest.activeConns--;
            dest.inactConns++;
            conn.inactive = true;
            counter = 'to-inactive';
          } else if (conn.inactive && active) {
            dest.activeConns++;
            dest.inactConns--;
            conn.inactive = false;
            counter = 'to-active';
          }
        }
        if (to === 'ESTABLISHED') this.assureControl(conn);
      }
      conn.state = to;
    } else if (conn.protocol === 'udp' && !conn.template) {
      // udp_state_transition: a reply seen by the director assures the template.
      conn.state = UDP_STATE;
      conn.timeout = this.udpTimeout;
      if (direction === 'out') this.assureControl(conn);
    }
    if (direction === 'out') conn.noOutput = false;
    conn.expires = conn.onePacket ? now : now + conn.timeout;
    return { from, to: conn.state, table, counter };
  }

  /** ip_vs_control_assure_ct: the controlling template becomes ASSURED. */
  private assureControl(conn: Connection): void {
    const ct = conn.control;
    if (this.assured && ct !== null && ct.template && ct.state === 'NONE') ct.state = 'ASSURED';
  }

  /**
   * Fire every timer due at or before `now`, in time order (ip_vs_conn_expire). An entry that
   * still controls others is re-armed for 60 s instead, and its timeout stays 60 s from then on
   * (the kernel sets cp->timeout = 60*HZ on that path, so later controlled connections re-arm a
   * template for 60 s, not the persistence timeout). At equal times, controlled connections go
   * before templates.
   */
  expire(now: number): ExpiredEntry[] {
    const out: ExpiredEntry[] = [];
    for (;;) {
      let next: Connection | null = null;
      for (const c of this.conns.values()) {
        if (c.expires > now) continue;
        if (next === null || c.expires < next.expires
          || (c.expires === next.expires && next.template && !c.template)
          || (c.expires === next.expires && next.template === c.template && c.id < next.id)) next = c;
      }
      if (next === null) return out;
      const at = next.expires;
      if (next.nControl > 0) {
        next.timeout = TEMPLATE_RECHECK;
        next.expires = at + TEMPLATE_RECHECK;
        continue;
      }
      this.remove(next);
      out.push({ conn: next, at });
    }
  }

  /** ip_vs_conn_expire_now for an entry that controls nobody: gone at once, counters released. */
  expireNow(conn: Connection, now: number): void {
    if (conn.nControl > 0) {
      conn.timeout = TEMPLATE_RECHECK;
      conn.expires = now + TEMPLATE_RECHECK;
      return;
    }
    this.remove(conn);
  }

  private remove(conn: Connection): void {
    if (!this.conns.delete(conn.id)) return;
    if (conn.control !== null) {
      conn.control.nControl--;
      conn.control = null;
    }
    if (conn.dest !== null) unbindConnection(conn.dest, conn.template, conn.inactive);
  }

  /** All live entries in creation order (the kernel prints hash-bucket order, which depends on a random seed). */
  entries(): Connection[] {
    return [...this.conns.values()];
  }

  get size(): number {
    return this.conns.size;
  }

  /** Seconds left as /proc/net/ip_vs_conn prints them when read just after `now` (so a fresh 900 s entry shows 899). */
  static remaining(conn: Connection, now: number): number {
    return Math.max(0, Math.ceil(conn.expires - now) - 1);
  }
}
