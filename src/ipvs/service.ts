/**
 * A virtual service (`struct ip_vs_service`): <protocol, VIP, port> or a firewall mark, its
 * scheduler, persistence, and its real servers in the KERNEL's list order. New dests are added at
 * the head (`list_add_rcu`), so the list is newest-added first; `ipvsadm -L` prints them sorted
 * by address instead (see sortedDests).
 */
import { formatIPv4, isIPv6, maskAddress } from './address.js';
import type { Connection, ConnectionTable } from './connection-table.js';
import {
  createDestination, destKey, totalConns, type Destination, type DestinationInit, type ForwardMethod,
} from './destination.js';
import type { SchedulerName } from './report.js';
import { compareAddrLikeLibipvs } from './address.js';
import { createScheduler, DEFAULT_SCHEDULER } from './schedulers/index.js';
import { DestTrash } from './dest-trash.js';
import type { Scheduler, SchedulerFlags, SchedulerOptions } from './schedulers/types.js';

export type ServiceProtocol = 'tcp' | 'udp' | 'sctp';

/** ipvsadm's default persistence timeout (IPVS_SVC_PERSISTENT_TIMEOUT = 6*60), not the man page's 300. */
export const DEFAULT_PERSISTENCE_TIMEOUT = 360;
export const FTP_PORT = 21;
export const FTP_DATA_PORT = 20;

export interface ServiceConfig {
  readonly protocol: ServiceProtocol;
  /** VIP; for a fwmark service, '0.0.0.0' (or '::' with IPv6). */
  readonly vip: string;
  /** 0 = port-zero (all ports) service; must be persistent. */
  readonly port: number;
  /** Non-zero for a `-f mark` service. */
  readonly fwmark?: number;
  readonly ipv6?: boolean;
  readonly scheduler?: SchedulerName;
  /** -p timeout in seconds; null/undefined = not persistent. */
  readonly persistence?: number | null;
  /** -M: dotted mask for IPv4 (default 255.255.255.255), prefix length for IPv6 (default 128). */
  readonly netmask?: string | number;
  readonly schedFlags?: SchedulerFlags;
  /** -o, one-packet scheduling (UDP only). */
  readonly onePacket?: boolean;
  /** --pe name (e.g. sip); carried for listings only. */
  readonly pe?: string | null;
}

export interface ServiceStats {
  conns: number;
  inPkts: number;
  outPkts: number;
  inBytes: number;
  outBytes: number;
}

export interface NewConnectionRequest {
  readonly protocol: ServiceProtocol;
  readonly cip: string;
  readonly cport: number;
  readonly vip: string;
  readonly vport: number;
  readonly now: number;
}

export type NewConnectionReason =
  /** The scheduler picked the dest. */
  | 'scheduled'
  /** A valid persistence template decided; the scheduler was not consulted. */
  | 'persistent-template'
  /** A template existed but was invalid (dest removed, or quiesced with expire_quiescent_template); the scheduler picked again. */
  | 'template-invalid-rescheduled'
  /** The scheduler returned no dest: the director answers ICMP port unreachable. */
  | 'no-destination'
  /** Non-persistent port-zero service: the kernel refuses ("port zero only supported in persistent services"). */
  | 'port-zero-not-persistent';

export interface NewConnectionResult {
  readonly conn: Connection | null;
  readonly dest: Destination | null;
  /** The persistence template used or created. */
  readonly template: Connection | null;
  readonly templateCreated: boolean;
  readonly reason: NewConnectionReason;
  /** The scheduler's error text when reason is 'no-destination'. */
  readonly schedulerError: string | null;
}

export interface ServiceSysctls {
  /** expire_quiescent_template (default 0). */
  readonly expireQuiescentTemplate?: boolean;
}

export interface EditDestination {
  readonly weight?: number;
  readonly forward?: ForwardMethod;
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
}

export class VirtualService {
  readonly protocol: ServiceProtocol;
  readonly vip: string;
  readonly port: number;
  readonly fwmark: number;
  readonly ipv6: boolean;
  persistence: number | null;
  netmask: string | number;
  schedFlags: SchedulerFlags;
  onePacket: boolean;
  pe: string | null;
  readonly stats: ServiceStats = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };
  private schedulerName: SchedulerName;
  private schedulerOpts: SchedulerOptions;
  private sched: Scheduler;
  private list: Destination[] = [];
  /** The netns-wide trash; a Director shares its own with every service it holds. */
  private trash = new DestTrash();

  constructor(cfg: ServiceConfig, schedulerOpts: SchedulerOptions = {}) {
    this.protocol = cfg.protocol;
    this.fwmark = cfg.fwmark ?? 0;
    this.ipv6 = cfg.ipv6 ?? isIPv6(cfg.vip);
    this.vip = cfg.vip;
    this.port = this.fwmark !== 0 ? 0 : cfg.port;
    this.persistence = cfg.persistence ?? null;
    this.netmask = cfg.netmask ?? (this.ipv6 ? 128 : '255.255.255.255');
    this.schedFlags = cfg.schedFlags ?? {};
    this.onePacket = cfg.onePacket === true;
    this.pe = cfg.pe ?? null;
    this.schedulerName = cfg.scheduler ?? DEFAULT_SCHEDULER;
    this.schedulerOpts = schedulerOpts;
    this.sched = createScheduler(this.schedulerName, this.list, { ...schedulerOpts, flags: this.schedFlags });
  }

  get scheduler(): Scheduler {
    return this.sched;
  }

  get schedulerNameValue(): SchedulerName {
    return this.schedulerName;
  }

  /** Dests in kernel list order (newest-added first): the order schedulers walk. */
  get dests(): readonly Destination[] {
    return this.list;
  }

  /** Dests in ipvsadm's listing order (libipvs ipvs_cmp_dests: address, then port). */
  sortedDests(): Destination[] {
    return [...this.list].sort((a, b) => compareAddrLikeLibipvs(a.addr, b.addr) || a.port - b.port);
  }

  get persistent(): boolean {
    return this.persistence !== null;
  }

  /** `-E ... -s name`: a fresh scheduler state (init_svc), as the kernel does on a scheduler change. */
  setScheduler(name: SchedulerName, opts: SchedulerOptions = this.schedulerOpts): void {
    this.schedulerName = name;
    this.schedulerOpts = opts;
    this.sched = createScheduler(name, this.list, { ...opts, flags: this.schedFlags });
  }

  findDest(addr: string, port: number): Destination | null {
    return this.list.find((d) => d.addr === addr && d.port === port) ?? null;
  }

  /** Share a director's dest trash (ip_vs_trash_get_dest searches one trash per netns). */
  useTrash(trash: DestTrash): void {
    this.trash = trash;
  }

  /**
   * `-a`: the new dest goes to the HEAD of the list (list_add_rcu), then add_dest. A dest of this
   * service still in the trash comes back as it was (ip_vs_trash_get_dest): counters, statistics
   * and the connections, templates and lblc/lblcr entries bound to it, with the new weight,
   * method and thresholds (__ip_vs_update_dest with add=1). `now` lets the trash timer free
   * parked dests first; run Director.expire(now) before, so their connection counts are current.
   */
  addDest(init: DestinationInit, now?: number): Destination {
    if (this.findDest(init.addr, init.port) !== null) {
      throw new Error(`destination ${destKey(init)} already exists in service ${this.describe()}`);
    }
    if (now !== undefined) this.trash.runTimers(now);
    const parked = this.trash.take(this, init.addr, init.port);
    const dest = parked === null ? createDestination(init) : revive(parked, init);
    this.list = [dest, ...this.list];
    this.sched.update(this.list);
    return dest;
  }

  /**
   * `-e`: edits in place (list order unchanged). last_weight keeps the latest non-zero weight
   * (mh), and OVERLOAD is cleared when the upper threshold is removed or raised.
   */
  editDest(addr: string, port: number, edit: EditDestination): Destination {
    const dest = this.findDest(addr, port);
    if (dest === null) throw new Error(`no destination ${addr}:${port} in service ${this.describe()}`);
    if (edit.weight !== undefined) {
      if (edit.weight !== 0) dest.lastWeight = edit.weight;
      dest.weight = edit.weight;
    }
    if (edit.forward !== undefined) dest.forward = edit.forward;
    const upper = edit.upperThreshold ?? dest.upperThreshold;
    if (upper === 0 || upper > dest.upperThreshold) dest.flags.overloaded = false;
    dest.upperThreshold = upper;
    dest.lowerThreshold = edit.lowerThreshold ?? dest.lowerThreshold;
    this.sched.update(this.list);
    return dest;
  }

  /**
   * `-d`: unlinked from the list, AVAILABLE cleared (__ip_vs_unlink_dest), then parked in the
   * trash (__ip_vs_del_dest). Entries and templates still point at it, so its counters keep
   * moving; `now` arms the trash timer when the trash was empty.
   */
  delDest(addr: string, port: number, now?: number): Destination {
    const dest = this.findDest(addr, port);
    if (dest === null) throw new Error(`no destination ${addr}:${port} in service ${this.describe()}`);
    dest.flags.available = false;
    this.list = this.list.filter((d) => d !== dest);
    this.sched.update(this.list);
    this.trash.park(dest, this, (at) => this.sched.holds?.(dest, at) ?? false, now);
    return dest;
  }

  /** Replace the whole list (kernel order); for the model replaying a reconstructed cluster. */
  setDests(dests: readonly Destination[]): void {
    this.list = dests.slice();
    this.sched.update(this.list);
  }

  /**
   * ip_vs_schedule / ip_vs_sched_persist for the first packet of a connection: choose the dest
   * (template first if persistent), create the entry in `table` (state NONE, counted inactive,
   * controlled by the template). The caller then applies the packet with table.onPacket.
   */
  newConnection(req: NewConnectionRequest, table: ConnectionTable, sysctls: ServiceSysctls = {}): NewConnectionResult {
    const ctx = { saddr: req.cip, daddr: req.vip, sport: req.cport, dport: req.vport, protocol: req.protocol, now: req.now };
    const onePacket = this.onePacket && req.protocol === 'udp';
    if (this.persistent) return this.schedulePersistent(req, table, sysctls, ctx, onePacket);

    if (this.fwmark === 0 && req.vport !== this.port) {
      return { conn: null, dest: null, template: null, templateCreated: false, reason: 'port-zero-not-persistent', schedulerError: null };
    }
    const dest = this.sched.schedule(ctx);
    if (dest === null) {
      return { conn: null, dest: null, template: null, templateCreated: false, reason: 'no-destination', schedulerError: this.sched.lastError };
    }
    const conn = table.create({
      protocol: req.protocol, caddr: req.cip, cport: req.cport, vaddr: req.vip, vport: req.vport,
      daddr: dest.addr, dport: dest.port !== 0 ? dest.port : req.vport, dest, fwmark: this.fwmark, onePacket, now: req.now,
    });
    this.countConn(dest);
    return { conn, dest, template: null, templateCreated: false, reason: 'scheduled', schedulerError: null };
  }

  private schedulePersistent(
    req: NewConnectionRequest, table: ConnectionTable, sysctls: ServiceSysctls,
    ctx: Parameters<Scheduler['schedule']>[0], onePacket: boolean,
  ): NewConnectionResult {
    const snet = maskAddress(req.cip, this.netmask);
    // Template key (§3): <proto, snet, 0, VIP, vport> for the service's own port (0 for FTP);
    // <proto, snet, 0, VIP, 0> for a port-zero service; <IP, snet, 0, mark-as-address, 0> for fwmark.
    let tProto: Connection['protocol'] = req.protocol;
    let tVaddr = req.vip;
    let tVport = 0;
    if (req.vport === this.port) {
      if (this.port !== FTP_PORT) tVport = req.vport;
    } else if (this.fwmark !== 0) {
      tProto = 'ip';
      tVaddr = formatIPv4(this.fwmark);
    }
    let ct = table.findTemplate(tProto, snet, tVaddr, tVport);
    let reason: NewConnectionReason = 'persistent-template';
    let created = false;
    let dest: Destination | null;
    if (ct === null || !table.checkTemplate(ct, sysctls.expireQuiescentTemplate === true)) {
      reason = ct === null ? 'scheduled' : 'template-invalid-rescheduled';
      dest = this.sched.schedule(ctx);
      if (dest === null) {
        return { conn: null, dest: null, template: null, templateCreated: false, reason: 'no-destination', schedulerError: this.sched.lastError };
      }
      const tDport = req.vport === this.port && this.port !== FTP_PORT ? dest.port : 0;
      ct = table.create({
        protocol: tProto, caddr: snet, cport: 0, vaddr: tVaddr, vport: tVport,
        daddr: dest.addr, dport: tDport, dest, template: true, fwmark: this.fwmark, now: req.now,
      });
      ct.timeout = this.persistence ?? DEFAULT_PERSISTENCE_TIMEOUT;
      created = true;
    } else {
      dest = ct.dest as Destination;
    }
    // For port-zero and fwmark services the client's own destination port is kept.
    const dport = req.vport === this.port && dest.port !== 0 ? dest.port : req.vport;
    const conn = table.create({
      protocol: req.protocol, caddr: req.cip, cport: req.cport, vaddr: req.vip, vport: req.vport,
      daddr: dest.addr, dport, dest, fwmark: this.fwmark, onePacket, now: req.now,
    });
    this.countConn(dest);
    table.addControl(conn, ct);
    table.touch(ct, req.now);
    return { conn, dest, template: ct, templateCreated: created, reason, schedulerError: null };
  }

  /** ip_vs_conn_stats: scheduled connections (not templates) count on the dest and the service. */
  private countConn(dest: Destination): void {
    dest.stats.conns++;
    this.stats.conns++;
  }

  /** `TCP 10.0.0.100:80` / `FWM 1`, for messages. */
  describe(): string {
    if (this.fwmark !== 0) return `FWM ${this.fwmark}`;
    return `${this.protocol.toUpperCase()} ${this.ipv6 ? `[${this.vip}]` : this.vip}:${this.port}`;
  }

  /** Sum of the dests' connection counters, as the model reconstructs them. */
  totals(): { active: number; inactive: number; total: number } {
    let active = 0;
    let inactive = 0;
    for (const d of this.list) {
      active += d.activeConns;
      inactive += d.inactConns;
    }
    return { active, inactive, total: this.list.reduce((n, d) => n + totalConns(d), 0) };
  }
}

/**
 * __ip_vs_update_dest for a dest taken back from the trash (add = 1): last_weight is the new
 * weight even if 0; OVERLOAD is cleared when the upper threshold is removed or raised; the
 * counters, statistics and bound entries stay.
 */
function revive(dest: Destination, init: DestinationInit): Destination {
  const weight = init.weight ?? 1;
  dest.weight = weight;
  dest.lastWeight = weight;
  dest.forward = init.forward ?? 'dr';
  const upper = init.upperThreshold ?? 0;
  if (upper === 0 || upper > dest.upperThreshold) dest.flags.overloaded = false;
  dest.upperThreshold = upper;
  dest.lowerThreshold = init.lowerThreshold ?? 0;
  dest.flags.available = true;
  return dest;
}
