/**
 * The lab's options: what `lab capture`/`lab up` can be asked for, the presets, and which
 * combinations make sense. Pure: a bad combination is a LabConfigError, which the command turns
 * into a usage error.
 */
import { SYN_FLOOD_MIN_ENTRIES } from '../ipvs/finding-catalog.js';
import type { SchedulerName } from '../ipvs/report.js';
import { checkServices, realServersNamed, type LabServiceSpec } from './services.js';

export const LAB_METHODS = ['dr', 'nat', 'tun'] as const;
export type LabMethod = (typeof LAB_METHODS)[number];

export const MISCONFIGS = [
  'rs-arp', 'nat-gateway', 'dr-reply-via-director', 'vip-primary',
  'rs-down', 'rs-firewall', 'rs-reject', 'dr-vip-missing', 'tun-rp-filter',
] as const;
export type Misconfig = (typeof MISCONFIGS)[number];

/** The named capture points; `--capture-at` also takes HOST[:IFACE] (see resolveCapturePoint) and `all`. */
export const CAPTURE_POINTS = ['firewall', 'director', 'any', 'rs1'] as const;
export type CapturePoint = string;

/** switch: a Linux bridge that learns MACs, as real switches do; hub: floods every frame. */
export const LAN_KINDS = ['switch', 'hub'] as const;
export type LanKind = (typeof LAN_KINDS)[number];

/** IPVS-TUN encapsulations (ipvsadm 1.31 --tun-type). */
export const TUN_TYPES = ['ipip', 'gue', 'gre'] as const;
export type TunType = (typeof TUN_TYPES)[number];
/** The UDP port GUE runs on (ipvsadm --tun-port, `ip fou add port … gue` on the real servers). */
export const GUE_PORT = 6080;
/** The UDP service (--udp): DNS. */
export const DNS_PORT = 53;

export const PRESETS = ['seed-dr', 'seed-nat'] as const;
export type Preset = (typeof PRESETS)[number];

/** Schedulers lvscope knows; the nftables emulation reproduces only EMULATED_SCHEDULERS exactly. */
export const SCHEDULERS: readonly SchedulerName[] = [
  'rr', 'wrr', 'lc', 'wlc', 'sed', 'nq', 'fo', 'ovf', 'twos', 'sh', 'dh', 'lblc', 'lblcr', 'mh',
];
export const EMULATED_SCHEDULERS: readonly SchedulerName[] = ['rr', 'wrr', 'sh'];

export const MAX_REAL_SERVERS = 16;
export const MAX_CLIENTS = 8;
/** A flood big enough to show table pressure; its made-up sources (lab/syn-flood.ts) run out past 2000. */
export const MAX_FLOOD_SYNS = 2000;

/** A bad combination of options; the command turns it into a usage error. */
export class LabConfigError extends Error {
  override readonly name = 'LabConfigError';
}

export interface LabOptions {
  readonly method: LabMethod;
  readonly realServers: number;
  readonly scheduler: SchedulerName;
  /** One weight per real server, rs1 first; null = all 1. */
  readonly weights: readonly number[] | null;
  readonly clients: number;
  readonly requests: number;
  readonly captureAt: CapturePoint;
  readonly misconfig: Misconfig | null;
  readonly preset: Preset | null;
  /** Further capture points, one file each, beside captureAt. */
  readonly alsoCapture: readonly CapturePoint[];
  readonly lan: LanKind;
  readonly tunType: TunType;
  /** ipvsadm -p SECONDS; null = no persistence. */
  readonly persistence: number | null;
  /** ipvsadm -M NETMASK: clients in one such network share a persistence template; null = /32. */
  readonly netmask: string | null;
  /** ipvsadm -b FLAG,…: scheduler flags (mh-port, mh-fallback, sh-port, sh-fallback); empty = none. */
  readonly schedFlags: readonly SchedFlag[];
  /** Keep every connection open until all requests are done (lc, wlc, sed, nq then differ from rr). */
  readonly hold: boolean;
  /** Take a real server out (ipvsadm -d) after request `after` and add it back after request `back`. */
  readonly flap: { readonly rs: number; readonly after: number; readonly back: number | null } | null;
  /** A firewall-mark service (ipvsadm -f MARK; nftables marks VIP:port); null = a VIP:port service. */
  readonly fwmark: number | null;
  /**
   * NAT with the director's source NAT after IPVS (net.ipv4.vs.conntrack=1 and an nftables
   * masquerade towards the real servers): what kube-proxy's IPVS mode does for masquerade-all
   * and NodePort traffic. The real servers see the director's address, not the client's.
   */
  readonly masquerade: boolean;
  /** A UDP service (DNS on port 53: each real server answers with its own address) instead of HTTP. */
  readonly udp: boolean;
  /** ipvsadm -o: one-packet scheduling (UDP only). */
  readonly onePacket: boolean;
  /** Every request from one client port (a resolver's fixed port; TCP: the port reused at once). */
  readonly samePort: boolean;
  /** ipvsadm --set TCP TCPFIN UDP (seconds); null = the kernel's defaults (900 120 300). */
  readonly timeouts: { readonly tcp: number; readonly tcpfin: number; readonly udp: number } | null;
  /** Each connection answers one request, idles this many seconds, then sends a second one. */
  readonly idle: number | null;
  /** Each request is an upload of this many bytes (HTTP POST, full-size segments with DF) instead of a GET. */
  readonly post: number | null;
  /** Before the requests: this many SYNs from made-up sources that never complete (lab/syn-flood.ts). */
  readonly synFlood: number | null;
  /** Set rsN's weight to 0 (ipvsadm -e … -w 0) after request `after`. */
  readonly quiesce: { readonly rs: number; readonly after: number } | null;
  /** Two directors running keepalived (VRRP for the VIP, IPVS and health checks); DR only. */
  readonly ha: boolean;
  /** Cut the master's LAN cable after request `after`, plug it back in after request `back`. */
  readonly haFailover: { readonly after: number; readonly back: number } | null;
  /** keepalived's lvs_sync_daemon: the master's IPVS sync daemon feeds the backup's. */
  readonly sync: boolean;
  /**
   * A real server's web service dies after request `after`, so health checks remove it; with
   * `back` it starts again after that request, and the health checks add it back.
   */
  readonly rsFail: { readonly rs: number; readonly after: number; readonly back: number | null } | null;
  /** keepalived's checker: TCP_CHECK (connect) or HTTP_GET (GET / expecting 200). */
  readonly healthCheck: HealthCheck;
  /** Several virtual services (--service, repeatable); null = the one service the flat options describe. */
  readonly services: readonly LabServiceSpec[] | null;
}

/** The scheduler flags ipvsadm 1.31 takes with -b, and the scheduler each belongs to. */
export const SCHED_FLAGS = ['mh-port', 'mh-fallback', 'sh-port', 'sh-fallback'] as const;
export type SchedFlag = (typeof SCHED_FLAGS)[number];

export const HEALTH_CHECKS = ['tcp', 'http'] as const;
export type HealthCheck = (typeof HEALTH_CHECKS)[number];

/** Applies the preset, then defaults, then checks combinations. */
export function resolveOptions(given: Partial<LabOptions> & { method?: LabMethod }): LabOptions {
  const preset = given.preset ?? null;
  let base: Partial<LabOptions> = {};
  if (preset === 'seed-dr') {
    if (given.method !== undefined && given.method !== 'dr') throw new LabConfigError(`preset seed-dr is a DR lab, not ${given.method}`);
    base = { method: 'dr', realServers: 2, scheduler: 'rr', clients: 1, requests: 4, captureAt: 'firewall' };
  } else if (preset === 'seed-nat') {
    if (given.method !== undefined && given.method !== 'nat') throw new LabConfigError(`preset seed-nat is a NAT lab, not ${given.method}`);
    base = { method: 'nat', realServers: 2, scheduler: 'rr', clients: 1, requests: 4, captureAt: 'any' };
  }
  const method = given.method ?? base.method;
  if (method === undefined) throw new LabConfigError('which forwarding method? dr, nat or tun');
  const pick = <K extends keyof LabOptions>(k: K, dflt: LabOptions[K]): LabOptions[K] =>
    (given[k] ?? base[k] ?? dflt) as LabOptions[K];
  const services = given.services != null && given.services.length > 0 ? given.services : null;
  const realServers = pick('realServers', services !== null ? realServersNamed(services) : 2);
  if (preset !== null && given.realServers !== undefined && given.realServers !== 2) {
    throw new LabConfigError(`preset ${preset} has exactly 2 real servers`);
  }
  const opts: LabOptions = {
    method,
    realServers,
    scheduler: pick('scheduler', given.weights ? 'wrr' : 'rr'),
    weights: given.weights ?? null,
    clients: pick('clients', 1),
    requests: pick('requests', 4),
    captureAt: pick('captureAt', method === 'nat' ? 'any' : 'firewall'),
    misconfig: given.misconfig ?? null,
    preset,
    alsoCapture: given.alsoCapture ?? [],
    lan: given.lan ?? 'switch',
    tunType: given.tunType ?? 'ipip',
    persistence: given.persistence ?? null,
    netmask: given.netmask ?? null,
    schedFlags: given.schedFlags ?? [],
    hold: given.hold ?? false,
    flap: given.flap ?? null,
    fwmark: given.fwmark ?? null,
    masquerade: given.masquerade ?? false,
    udp: given.udp ?? false,
    onePacket: given.onePacket ?? false,
    samePort: given.samePort ?? false,
    timeouts: given.timeouts ?? null,
    idle: given.idle ?? null,
    quiesce: given.quiesce ?? null,
    synFlood: given.synFlood ?? null,
    post: given.post ?? null,
    ha: given.ha === true || given.haFailover != null || given.sync === true || given.rsFail != null,
    haFailover: given.haFailover ?? null,
    sync: given.sync ?? false,
    rsFail: given.rsFail ?? null,
    healthCheck: given.healthCheck ?? 'tcp',
    services,
  };
  if (!Number.isInteger(opts.realServers) || opts.realServers < 1 || opts.realServers > MAX_REAL_SERVERS) {
    throw new LabConfigError(`--real-servers must be 1..${MAX_REAL_SERVERS}`);
  }
  if (!Number.isInteger(opts.clients) || opts.clients < 1 || opts.clients > MAX_CLIENTS) {
    throw new LabConfigError(`--clients must be 1..${MAX_CLIENTS}`);
  }
  if (!Number.isInteger(opts.requests) || opts.requests < 0 || opts.requests > 10_000) {
    throw new LabConfigError('--requests must be 0..10000');
  }
  if (!SCHEDULERS.includes(opts.scheduler)) throw new LabConfigError(`unknown scheduler ${opts.scheduler}`);
  if (opts.weights !== null) {
    if (opts.weights.length !== opts.realServers) {
      throw new LabConfigError(`--weights has ${opts.weights.length} values for ${opts.realServers} real servers`);
    }
    if (opts.weights.some((w) => !Number.isInteger(w) || w < 0 || w > 65535)) {
      throw new LabConfigError('--weights must be integers 0..65535');
    }
    if (opts.weights.every((w) => w === 0)) throw new LabConfigError('--weights: at least one real server needs a weight above 0');
  }
  if (opts.method === 'nat' && opts.captureAt === 'firewall') {
    throw new LabConfigError('a NAT lab has no firewall (clients reach the VIP on the director directly): use --capture-at director, any or rs1');
  }
  if (opts.tunType !== 'ipip' && opts.method !== 'tun') throw new LabConfigError('--tun-type needs a TUN lab');
  if (opts.persistence !== null && (!Number.isInteger(opts.persistence) || opts.persistence < 1 || opts.persistence > 86400 * 31)) {
    throw new LabConfigError('--persistent needs a timeout in seconds, 1..2678400');
  }
  if (opts.netmask !== null && opts.persistence === null) throw new LabConfigError('--netmask groups clients for persistence: it needs --persistent');
  if (opts.netmask !== null && !isNetmask(opts.netmask)) throw new LabConfigError(`--netmask needs a dotted IPv4 netmask such as 255.255.255.0 (got ${opts.netmask})`);
  for (const f of opts.schedFlags) {
    if (!f.startsWith(`${opts.scheduler}-`)) throw new LabConfigError(`--sched-flags ${f} is a flag of the ${f.split('-')[0]} scheduler, not ${opts.scheduler}`);
  }
  if (opts.fwmark !== null && (!Number.isInteger(opts.fwmark) || opts.fwmark < 1 || opts.fwmark > 0xffffffff)) {
    throw new LabConfigError('--fwmark needs a mark 1..4294967295');
  }
  if (opts.flap !== null) {
    const f = opts.flap;
    if (f.rs < 1 || f.rs > opts.realServers) throw new LabConfigError(`--flap: no real server rs${f.rs} in this lab`);
    if (!(f.after >= 1 && f.after <= opts.requests && (f.back === null || f.back > f.after && f.back <= opts.requests))) {
      throw new LabConfigError(`--flap rsN:A[-B] needs 1 <= A < B <= --requests (got ${f.after}-${f.back ?? ''})`);
    }
  }
  if (opts.quiesce !== null && (opts.quiesce.rs < 1 || opts.quiesce.rs > opts.realServers || opts.quiesce.after < 1 || opts.quiesce.after > opts.requests)) {
    throw new LabConfigError(`--quiesce rsN:A needs a real server of this lab and 1 <= A <= --requests`);
  }
  if (opts.masquerade && (opts.method !== 'nat' || opts.ha)) throw new LabConfigError('--masquerade is for a NAT lab with one director (no --ha)');
  if (opts.onePacket && !opts.udp) throw new LabConfigError('--one-packet needs --udp (ipvsadm -o is for UDP services)');
  if (opts.udp && (opts.fwmark !== null || opts.hold || opts.idle !== null)) throw new LabConfigError('--udp does not combine with --fwmark, --hold or --idle');
  if (opts.idle !== null && (!Number.isInteger(opts.idle) || opts.idle < 1 || opts.idle > 600)) throw new LabConfigError('--idle needs 1..600 seconds');
  if (opts.idle !== null && opts.hold) throw new LabConfigError('--idle and --hold exclude each other');
  if (opts.timeouts !== null && [opts.timeouts.tcp, opts.timeouts.tcpfin, opts.timeouts.udp].some((x) => !Number.isInteger(x) || x < 0)) {
    throw new LabConfigError('--timeouts needs TCP,TCPFIN,UDP in whole seconds (0 keeps a value)');
  }
  if (opts.synFlood !== null && (!Number.isInteger(opts.synFlood) || opts.synFlood < 1 || opts.synFlood > MAX_FLOOD_SYNS)) {
    throw new LabConfigError(`--syn-flood needs 1..${MAX_FLOOD_SYNS} SYNs (syn-flood is reported from ${SYN_FLOOD_MIN_ENTRIES} entries held at once)`);
  }
  if (opts.post !== null && (!Number.isInteger(opts.post) || opts.post < 1 || opts.post > 10_000_000)) throw new LabConfigError('--post needs 1..10000000 bytes');
  if (opts.post !== null && (opts.udp || opts.hold || opts.idle !== null)) throw new LabConfigError('--post does not combine with --udp, --hold or --idle');
  if (opts.synFlood !== null && (opts.udp || opts.ha)) throw new LabConfigError('--syn-flood is for a TCP service on one director (no --udp, no --ha)');
  if (opts.ha) haProblems(opts);
  if (services !== null) servicesProblems(opts, services, given);
  const m = opts.misconfig;
  if (m === 'dr-vip-missing' && opts.method !== 'dr') throw new LabConfigError('--misconfig dr-vip-missing needs a DR lab');
  if (m === 'tun-rp-filter' && opts.method !== 'tun') throw new LabConfigError('--misconfig tun-rp-filter needs a TUN lab');
  if (m === 'rs-arp' && opts.method === 'nat') throw new LabConfigError('--misconfig rs-arp is a DR/TUN mistake (NAT real servers have no VIP)');
  if (m === 'nat-gateway' && opts.method !== 'nat') throw new LabConfigError('--misconfig nat-gateway needs a NAT lab');
  if (m === 'dr-reply-via-director' && opts.method !== 'dr') throw new LabConfigError('--misconfig dr-reply-via-director needs a DR lab');
  if (m === 'vip-primary' && opts.method === 'nat') throw new LabConfigError('--misconfig vip-primary is about a DR/TUN director (VIP and DIP on one interface)');
  return opts;
}

/** A contiguous dotted IPv4 netmask (ipvsadm -M refuses the rest). */
function isNetmask(mask: string): boolean {
  const m = /^(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(mask);
  if (!m) return false;
  const octets = m.slice(1).map(Number);
  if (octets.some((o) => o > 255)) return false;
  const bits = ((octets[0]! << 24) | (octets[1]! << 16) | (octets[2]! << 8) | octets[3]!) >>> 0;
  const inverted = ~bits >>> 0;
  return (inverted & (inverted + 1)) === 0;
}

/**
 * What --service cannot combine with: the flags that describe the one service (each --service says
 * its own), and the runs built around one service (flaps, misconfigurations, HA, floods).
 */
function servicesProblems(opts: LabOptions, services: readonly LabServiceSpec[], given: Partial<LabOptions>): void {
  const perService: [keyof LabOptions, string][] = [
    ['scheduler', '--scheduler'], ['weights', '--weights'], ['persistence', '--persistent'], ['udp', '--udp'],
  ];
  for (const [k, flag] of perService) {
    if (given[k] != null && given[k] !== false) throw new LabConfigError(`${flag} describes the one service; with --service each service says its own`);
  }
  const oneService: [unknown, string][] = [
    [opts.netmask, '--netmask'], [opts.schedFlags.length > 0 ? 1 : null, '--sched-flags'], [opts.fwmark, '--fwmark'],
    [opts.flap, '--flap'], [opts.quiesce, '--quiesce'], [opts.misconfig, '--misconfig'], [opts.preset, '--preset'],
    [opts.ha ? 1 : null, '--ha'], [opts.synFlood, '--syn-flood'], [opts.post, '--post'], [opts.idle, '--idle'],
    [opts.samePort ? 1 : null, '--same-port'], [opts.onePacket ? 1 : null, '--one-packet'],
  ];
  for (const [v, flag] of oneService) if (v !== null) throw new LabConfigError(`${flag} does not combine with --service`);
  checkServices(opts.method, services, opts.realServers);
}

/** What an HA lab (keepalived on two directors) cannot combine with; throws LabConfigError. */
function haProblems(opts: LabOptions): void {
  if (opts.method !== 'dr') throw new LabConfigError('--ha (keepalived on two directors) is built for DR labs');
  if (opts.misconfig !== null || opts.preset !== null || opts.flap !== null || opts.fwmark !== null) {
    throw new LabConfigError('--ha does not combine with --misconfig, --preset, --flap or --fwmark');
  }
  const f = opts.haFailover;
  if (f !== null && !(f.after >= 1 && f.back > f.after && f.back <= opts.requests)) {
    throw new LabConfigError(`--ha-failover A-B needs 1 <= A < B <= --requests (got ${f.after}-${f.back})`);
  }
  const r = opts.rsFail;
  if (r !== null) {
    if (r.rs < 1 || r.rs > opts.realServers) throw new LabConfigError(`--rs-fail: no real server rs${r.rs} in this lab`);
    if (opts.realServers < 2) throw new LabConfigError('--rs-fail needs at least 2 real servers (one must stay to answer)');
    if (!(r.after >= 1 && r.after < opts.requests)) throw new LabConfigError(`--rs-fail rsN:A needs 1 <= A < --requests (got ${r.after})`);
    if (r.back !== null && !(r.back > r.after && r.back <= opts.requests)) {
      throw new LabConfigError(`--rs-fail rsN:A-B needs A < B <= --requests (got ${r.after}-${r.back})`);
    }
  }
}
