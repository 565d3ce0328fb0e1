/**
 * The lab's cluster as data: every namespace, interface, address and MAC, decided before anything
 * is created. Pure and JSON-serialisable, so `lab up` can store it and `lab run` / `lab down`
 * can act on it later, and so tests can check the topology without root.
 *
 * Addresses follow seed 000: the LAN is 192.168.23.0/24, the public side 172.16.0.0/16, client
 * 172.16.0.100. MACs are fixed (02:aa:… locally administered) so truth files are exact.
 */
import type { HostRole, SchedulerName } from '../ipvs/report.js';

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
  /** Keep every connection open until all requests are done (lc, wlc, sed, nq then differ from rr). */
  readonly hold: boolean;
  /** Take a real server out (ipvsadm -d) after request `after` and add it back after request `back`. */
  readonly flap: { readonly rs: number; readonly after: number; readonly back: number } | null;
  /** A firewall-mark service (ipvsadm -f MARK; nftables marks VIP:port); null = a VIP:port service. */
  readonly fwmark: number | null;
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
}

export const HEALTH_CHECKS = ['tcp', 'http'] as const;
export type HealthCheck = (typeof HEALTH_CHECKS)[number];

/** One director of an HA pair: its VRRP priority, and the switch port its LAN cable plugs into. */
export interface HaDirector {
  readonly key: string;
  readonly ns: string;
  readonly name: string;
  readonly dip: string;
  readonly mac: string;
  readonly lanIf: string;
  readonly bridgePort: string;
  readonly priority: number;
}

/** The director pair: VRRP router id and advert interval, the sync daemon's id, both directors (master first). */
export interface HaPlan {
  readonly vrid: number;
  readonly advertIntervalS: number;
  readonly syncId: number;
  readonly directors: readonly HaDirector[];
}

/** lan: the director's LAN; wan: clients and the public side; rsnet: TUN real servers behind the router. */
export type Segment = 'lan' | 'wan' | 'rsnet';

export interface LabIface {
  /** Name inside the host's namespace: eth0, eth1 (as in the tutorials). */
  readonly name: string;
  readonly mac: string;
  /** Addresses with prefix length, in the order they are added (the first is primary). */
  readonly addrs: readonly string[];
  readonly segment: Segment;
  /** The veth peer's name on the switch namespace's bridge. */
  readonly bridgePort: string;
}

export interface LabHost {
  /** Short key: c0, fw, dir, rs1, rtr. */
  readonly key: string;
  readonly ns: string;
  readonly role: HostRole;
  readonly name: string;
  readonly ifaces: readonly LabIface[];
}

export interface LabRealServer {
  readonly key: string;
  /** WEB1, WEB2, … as in the tutorials; the HTTP answer starts with it. */
  readonly name: string;
  readonly ns: string;
  readonly ip: string;
  readonly port: number;
  readonly mac: string;
  readonly weight: number;
  /** The misconfiguration applies to this server (always rs1 when there is one). */
  readonly misconfigured: boolean;
}

export interface LabClient {
  readonly key: string;
  readonly ns: string;
  readonly ip: string;
  readonly mac: string;
}

export interface LabPlan {
  readonly id: string;
  readonly options: LabOptions;
  readonly method: LabMethod;
  readonly scheduler: SchedulerName;
  readonly vip: string;
  readonly vport: number;
  /** What clients connect to: the firewall's public address (DR/TUN) or the VIP itself (NAT). */
  readonly publicIp: string;
  readonly publicPort: number;
  readonly director: {
    readonly ns: string;
    readonly dip: string;
    /** MAC of the LAN interface (DR/TUN: also the VIP's). */
    readonly mac: string;
    readonly lanIf: string;
    /** Interface holding the VIP. */
    readonly vipIf: string;
    readonly vipMac: string;
  };
  /** The director pair (the first is `director`); null for a lab with one director and no keepalived. */
  readonly ha: HaPlan | null;
  /** The LAN's router, default gateway of DR/TUN real servers; null for NAT. */
  readonly gateway: { readonly ns: string; readonly ip: string; readonly mac: string; readonly insideIf: string } | null;
  readonly realServers: readonly LabRealServer[];
  /** Indices into realServers in `ipvsadm -a` order; the kernel's list is the reverse (newest first). */
  readonly addOrder: readonly number[];
  readonly clients: readonly LabClient[];
  readonly hosts: readonly LabHost[];
  /** Namespace holding the bridges `lan` and `wan`. */
  readonly switchNs: string;
  /** Every namespace of the lab, switch first. */
  readonly namespaces: readonly string[];
  /** The first of `captures`. */
  readonly capture: CaptureSpec;
  /** Every capture point, one tcpdump and one file each. */
  readonly captures: readonly CaptureSpec[];
}

export interface CaptureSpec {
  /** File-name friendly: the host key and interface, e.g. fw-eth1, dir-any. */
  readonly label: string;
  readonly hostKey: string;
  readonly ns: string;
  readonly iface: string;
  /** Segments whose frames this point can see (all of the host's for `any`). */
  readonly segments: readonly Segment[];
}

const LAN = '192.168.23';
/** The TUN real servers' subnet, behind the router (LAN side .254). */
export const RS_NET = '10.23.0';
export const ROUTER_LAN_IP = `${LAN}.254`;
const ROUTER_MAC = '02:aa:00:00:00:fd';

export function rsMac(i: number): string {
  return `02:aa:00:00:01:${hex2(i)}`;
}

function hex2(n: number): string {
  return n.toString(16).padStart(2, '0');
}

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
  const realServers = pick('realServers', 2);
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
    hold: given.hold ?? false,
    flap: given.flap ?? null,
    fwmark: given.fwmark ?? null,
    udp: given.udp ?? false,
    onePacket: given.onePacket ?? false,
    samePort: given.samePort ?? false,
    timeouts: given.timeouts ?? null,
    idle: given.idle ?? null,
    quiesce: given.quiesce ?? null,
    ha: given.ha === true || given.haFailover != null || given.sync === true || given.rsFail != null,
    haFailover: given.haFailover ?? null,
    sync: given.sync ?? false,
    rsFail: given.rsFail ?? null,
    healthCheck: given.healthCheck ?? 'tcp',
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
  if (opts.fwmark !== null && (!Number.isInteger(opts.fwmark) || opts.fwmark < 1 || opts.fwmark > 0xffffffff)) {
    throw new LabConfigError('--fwmark needs a mark 1..4294967295');
  }
  if (opts.flap !== null) {
    const f = opts.flap;
    if (f.rs < 1 || f.rs > opts.realServers) throw new LabConfigError(`--flap: no real server rs${f.rs} in this lab`);
    if (!(f.after >= 1 && f.back > f.after && f.back <= opts.requests)) {
      throw new LabConfigError(`--flap rsN:A-B needs 1 <= A < B <= --requests (got ${f.after}-${f.back})`);
    }
  }
  if (opts.quiesce !== null && (opts.quiesce.rs < 1 || opts.quiesce.rs > opts.realServers || opts.quiesce.after < 1 || opts.quiesce.after > opts.requests)) {
    throw new LabConfigError(`--quiesce rsN:A needs a real server of this lab and 1 <= A <= --requests`);
  }
  if (opts.onePacket && !opts.udp) throw new LabConfigError('--one-packet needs --udp (ipvsadm -o is for UDP services)');
  if (opts.udp && (opts.fwmark !== null || opts.hold || opts.idle !== null)) throw new LabConfigError('--udp does not combine with --fwmark, --hold or --idle');
  if (opts.idle !== null && (!Number.isInteger(opts.idle) || opts.idle < 1 || opts.idle > 600)) throw new LabConfigError('--idle needs 1..600 seconds');
  if (opts.idle !== null && opts.hold) throw new LabConfigError('--idle and --hold exclude each other');
  if (opts.timeouts !== null && [opts.timeouts.tcp, opts.timeouts.tcpfin, opts.timeouts.udp].some((x) => !Number.isInteger(x) || x < 0)) {
    throw new LabConfigError('--timeouts needs TCP,TCPFIN,UDP in whole seconds (0 keeps a value)');
  }
  if (opts.ha) haProblems(opts);
  const m = opts.misconfig;
  if (m === 'dr-vip-missing' && opts.method !== 'dr') throw new LabConfigError('--misconfig dr-vip-missing needs a DR lab');
  if (m === 'tun-rp-filter' && opts.method !== 'tun') throw new LabConfigError('--misconfig tun-rp-filter needs a TUN lab');
  if (m === 'rs-arp' && opts.method === 'nat') throw new LabConfigError('--misconfig rs-arp is a DR/TUN mistake (NAT real servers have no VIP)');
  if (m === 'nat-gateway' && opts.method !== 'nat') throw new LabConfigError('--misconfig nat-gateway needs a NAT lab');
  if (m === 'dr-reply-via-director' && opts.method !== 'dr') throw new LabConfigError('--misconfig dr-reply-via-director needs a DR lab');
  if (m === 'vip-primary' && opts.method === 'nat') throw new LabConfigError('--misconfig vip-primary is about a DR/TUN director (VIP and DIP on one interface)');
  return opts;
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

/** The HA pair: dir (priority 150, the master while it is up) and dir2 (priority 100). */
export const HA_VRID = 51;
export const DIR2_DIP = '192.168.23.98';
export const DIR2_MAC = '02:aa:00:00:00:62';

/** Builds the plan for a lab whose names start with `id` (e.g. "lv3f2a"). */
export function planLab(opts: LabOptions, id: string): LabPlan {
  if (!/^lv[0-9a-f]{4}$/.test(id)) throw new LabConfigError(`bad lab id ${id}`);
  const ns = (key: string): string => `${id}-${key}`;
  const nat = opts.method === 'nat';
  const seedNat = opts.preset === 'seed-nat';
  const hosts: LabHost[] = [];

  const clients: LabClient[] = [];
  for (let i = 0; i < opts.clients; i++) {
    const ip = `172.16.0.${100 + i}`;
    const c: LabClient = { key: `c${i}`, ns: ns(`c${i}`), ip, mac: `02:aa:00:00:02:${hex2(100 + i)}` };
    clients.push(c);
    hosts.push({
      key: c.key, ns: c.ns, role: 'client', name: `client${i === 0 ? '' : i}`,
      ifaces: [{ name: 'eth0', mac: c.mac, addrs: [`${ip}/16`], segment: 'wan', bridgePort: `p-c${i}` }],
    });
  }

  const vip = nat ? '172.16.23.80' : `${LAN}.100`;
  const vport = opts.udp ? DNS_PORT : 80;
  const dip = nat ? `${LAN}.1` : `${LAN}.99`;
  const dirMac = opts.preset === 'seed-dr' ? '00:0c:29:06:13:ea' : '02:aa:00:00:00:63';
  const dirNs = ns('dir');
  let gateway: LabPlan['gateway'] = null;
  let director: LabPlan['director'];
  if (nat) {
    const wanMac = '02:aa:00:00:02:63';
    director = { ns: dirNs, dip, mac: dirMac, lanIf: 'eth1', vipIf: 'eth0', vipMac: wanMac };
    hosts.push({
      key: 'dir', ns: dirNs, role: 'director', name: 'director',
      ifaces: [
        { name: 'eth0', mac: wanMac, addrs: [`${vip}/16`], segment: 'wan', bridgePort: 'p-dirw' },
        { name: 'eth1', mac: dirMac, addrs: [`${dip}/24`], segment: 'lan', bridgePort: 'p-dir' },
      ],
    });
  } else {
    const fwNs = ns('fw');
    gateway = { ns: fwNs, ip: `${LAN}.1`, mac: '02:aa:00:00:00:fe', insideIf: 'eth1' };
    hosts.push({
      key: 'fw', ns: fwNs, role: 'gateway', name: 'firewall',
      ifaces: [
        { name: 'eth0', mac: '02:aa:00:00:02:fe', addrs: ['172.16.23.80/16'], segment: 'wan', bridgePort: 'p-fww' },
        { name: 'eth1', mac: gateway.mac, addrs: [`${gateway.ip}/24`], segment: 'lan', bridgePort: 'p-fw' },
      ],
    });
    // With --misconfig vip-primary the VIP (with the LAN's mask) is added first and becomes the
    // primary address; the DIP turns secondary, and the director's own ARP requests carry the VIP.
    // In an HA lab keepalived adds the VIP on whichever director is master.
    const addrs = opts.misconfig === 'vip-primary' ? [`${vip}/24`, `${dip}/24`] : opts.ha ? [`${dip}/24`] : [`${dip}/24`, `${vip}/32`];
    director = { ns: dirNs, dip, mac: dirMac, lanIf: 'eth0', vipIf: 'eth0', vipMac: dirMac };
    hosts.push({
      key: 'dir', ns: dirNs, role: 'director', name: 'director',
      ifaces: [{ name: 'eth0', mac: dirMac, addrs, segment: 'lan', bridgePort: 'p-dir' }],
    });
    if (opts.ha) {
      hosts.push({
        key: 'dir2', ns: ns('dir2'), role: 'director', name: 'director2',
        ifaces: [{ name: 'eth0', mac: DIR2_MAC, addrs: [`${DIR2_DIP}/24`], segment: 'lan', bridgePort: 'p-dir2' }],
      });
    }
  }
  const ha: HaPlan | null = opts.ha ? {
    vrid: HA_VRID, advertIntervalS: 1, syncId: HA_VRID,
    directors: [
      { key: 'dir', ns: dirNs, name: 'director', dip, mac: dirMac, lanIf: 'eth0', bridgePort: 'p-dir', priority: 150 },
      { key: 'dir2', ns: ns('dir2'), name: 'director2', dip: DIR2_DIP, mac: DIR2_MAC, lanIf: 'eth0', bridgePort: 'p-dir2', priority: 100 },
    ],
  } : null;

  const weights = opts.weights ?? new Array<number>(opts.realServers).fill(1);
  const realServers: LabRealServer[] = [];
  const tun = opts.method === 'tun';
  for (let i = 1; i <= opts.realServers; i++) {
    // TUN real servers sit in another subnet, behind a router, as IPIP lets them.
    const ip = tun ? `${RS_NET}.${9 + i}` : `${LAN}.${79 + i}`;
    const port = opts.udp ? DNS_PORT : nat ? (seedNat ? (i === 1 ? 8080 : 80) : 8080) : vport;
    const rs: LabRealServer = {
      key: `rs${i}`, name: `WEB${i}`, ns: ns(`rs${i}`), ip, port, mac: rsMac(i), weight: weights[i - 1] ?? 1,
      misconfigured: i === 1 && opts.misconfig !== null && opts.misconfig !== 'vip-primary',
    };
    realServers.push(rs);
    hosts.push({
      key: rs.key, ns: rs.ns, role: 'real-server', name: rs.name,
      ifaces: [{ name: 'eth0', mac: rs.mac, addrs: [`${ip}/24`], segment: tun ? 'rsnet' : 'lan', bridgePort: `p-rs${i}` }],
    });
  }
  if (tun) {
    hosts.push({
      key: 'rtr', ns: ns('rtr'), role: 'gateway', name: 'router',
      ifaces: [
        { name: 'eth0', mac: ROUTER_MAC, addrs: [`${LAN}.254/24`], segment: 'lan', bridgePort: 'p-rtr' },
        { name: 'eth1', mac: '02:aa:00:00:03:fd', addrs: [`${RS_NET}.1/24`], segment: 'rsnet', bridgePort: 'p-rtrr' },
      ],
    });
  }

  if (opts.misconfig === 'nat-gateway') {
    // The LAN's other router: the misconfigured real server's default route, so its replies
    // reach the client without passing the director.
    hosts.push({
      key: 'rtr', ns: ns('rtr'), role: 'gateway', name: 'router',
      ifaces: [
        { name: 'eth0', mac: ROUTER_MAC, addrs: [`${LAN}.254/24`], segment: 'lan', bridgePort: 'p-rtr' },
        { name: 'eth1', mac: '02:aa:00:00:02:fd', addrs: ['172.16.23.254/16'], segment: 'wan', bridgePort: 'p-rtrw' },
      ],
    });
  }

  // The seed's DR lab adds WEB2 then WEB1 and its NAT lab WEB1 then WEB2 (kernel list: newest
  // first). Other labs add the last server first, so the kernel walks rs1, rs2, … in order.
  const idx = realServers.map((_, i) => i);
  const addOrder = seedNat ? idx : idx.slice().reverse();

  const captures = captureSpecs([opts.captureAt, ...opts.alsoCapture], opts, hosts, director);
  const capture = captures[0] as CaptureSpec;
  const switchNs = ns('sw');
  return {
    id, options: opts, method: opts.method, scheduler: opts.scheduler, vip, vport,
    publicIp: nat ? vip : '172.16.23.80', publicPort: vport,
    director, ha, gateway, realServers, addOrder, clients, hosts, switchNs,
    namespaces: [switchNs, ...hosts.map((h) => h.ns)],
    capture, captures,
  };
}

function hostByKeyOrName(hosts: readonly LabHost[], name: string): LabHost {
  const h = hosts.find((x) => x.key === name) ?? hosts.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!h) throw new LabConfigError(`no host ${name} in this lab (hosts: ${hosts.map((x) => x.key).join(', ')})`);
  return h;
}

function spec(h: LabHost, iface: string): CaptureSpec {
  const segments = iface === 'any' ? [...new Set(h.ifaces.map((i) => i.segment))] : [h.ifaces.find((i) => i.name === iface)?.segment ?? 'lan'];
  return { label: `${h.key}-${iface}`, hostKey: h.key, ns: h.ns, iface, segments };
}

/**
 * One capture point: a named one (firewall: its LAN side; director: its LAN side; any: every
 * director interface in one Linux cooked capture; rs1), HOST (every interface of it, one file
 * each), HOST:IFACE (HOST is a key such as c0, fw, dir, rs2, rtr, or a name such as WEB2), or
 * `all` (every interface of every host).
 */
export function resolveCapturePoint(point: CapturePoint, opts: LabOptions, hosts: readonly LabHost[], director: LabPlan['director']): CaptureSpec[] {
  switch (point) {
    case 'firewall':
      if (opts.method === 'nat') throw new LabConfigError('a NAT lab has no firewall (clients reach the VIP on the director directly): use --capture-at director, any or rs1');
      return [spec(hostByKeyOrName(hosts, 'fw'), 'eth1')];
    case 'director': return [spec(hostByKeyOrName(hosts, 'dir'), director.lanIf)];
    case 'any': {
      const s = spec(hostByKeyOrName(hosts, 'dir'), 'any');
      return [{ ...s, segments: opts.method === 'nat' ? ['wan', 'lan'] : ['lan'] }];
    }
    case 'all': return hosts.flatMap((h) => h.ifaces.map((i) => spec(h, i.name)));
    default: {
      const [name, iface] = point.split(':');
      const h = hostByKeyOrName(hosts, name ?? '');
      if (iface === undefined) return h.ifaces.map((i) => spec(h, i.name));
      if (iface !== 'any' && !h.ifaces.some((i) => i.name === iface)) {
        throw new LabConfigError(`${h.key} has no interface ${iface} (it has ${h.ifaces.map((i) => i.name).join(', ')}, or any)`);
      }
      return [spec(h, iface)];
    }
  }
}

function captureSpecs(points: readonly CapturePoint[], opts: LabOptions, hosts: readonly LabHost[], director: LabPlan['director']): CaptureSpec[] {
  const out: CaptureSpec[] = [];
  for (const p of points) {
    for (const s of resolveCapturePoint(p, opts, hosts, director)) {
      if (!out.some((o) => o.label === s.label)) out.push(s);
    }
  }
  return out;
}

export function randomLabId(): string {
  return `lv${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}
