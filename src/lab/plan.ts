/**
 * The lab's cluster as data: every namespace, interface, address and MAC, decided before anything
 * is created. Pure and JSON-serialisable, so `lab up` can store it and `lab run` / `lab down`
 * can act on it later, and so tests can check the topology without root.
 *
 * Addresses follow seed 000: the LAN is 192.168.23.0/24, the public side 172.16.0.0/16, client
 * 172.16.0.100. MACs are fixed (02:aa:… locally administered) so truth files are exact.
 */
import type { HostRole, SchedulerName } from '../ipvs/report.js';
import { captureSpecs } from './capture-points.js';
import { DNS_PORT, LabConfigError, type LabMethod, type LabOptions } from './options.js';
import { destPort, publicAddress, realServerMethods, vipAddress } from './services.js';

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
  /** How the director reaches it (its addresses and routes follow): the lab's method, or its --service's. */
  readonly method: LabMethod;
  /** The misconfiguration applies to this server (always rs1 when there is one). */
  readonly misconfigured: boolean;
}

/** A real server of one virtual service: which one (index into plan.realServers), its port, weight and method. */
export interface LabDest {
  readonly rs: number;
  readonly port: number;
  readonly weight: number;
  readonly method: LabMethod;
}

/** One virtual service on the director (`ipvsadm -A`), and its real servers. */
export interface LabServicePlan {
  readonly protocol: 'tcp' | 'udp';
  readonly vip: string;
  readonly vport: number;
  /** What clients connect to for it (the firewall's DNAT, or the VIP itself for NAT). */
  readonly publicIp: string;
  readonly publicPort: number;
  readonly scheduler: SchedulerName;
  readonly persistence: number | null;
  readonly netmask: string | null;
  readonly schedFlags: readonly string[];
  readonly fwmark: number | null;
  readonly onePacket: boolean;
  /** rs1 first. */
  readonly dests: readonly LabDest[];
  /** Indices into dests in `ipvsadm -a` order; the kernel's list is the reverse (newest first). */
  readonly addOrder: readonly number[];
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
  /** Every virtual service, in `ipvsadm -A` order; the first is `vip`:`vport` with `realServers` as above. */
  readonly services: readonly LabServicePlan[];
  /** Every VIP, the lab's own first. */
  readonly vips: readonly string[];
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

  const specs = opts.services;
  const vips = specs === null ? [vipAddress(nat, 1)]
    : [...new Set(specs.map((x) => x.vip))].sort((a, b) => a - b).map((n) => vipAddress(nat, n));
  const vip = specs === null ? vipAddress(nat, 1) : vipAddress(nat, specs[0]!.vip);
  const vport = specs !== null ? specs[0]!.port : opts.udp ? DNS_PORT : 80;
  const extraVips = vips.filter((v) => v !== vip);
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
        { name: 'eth0', mac: wanMac, addrs: [`${vip}/16`, ...extraVips.map((v) => `${v}/16`)], segment: 'wan', bridgePort: 'p-dirw' },
        { name: 'eth1', mac: dirMac, addrs: [`${dip}/24`], segment: 'lan', bridgePort: 'p-dir' },
      ],
    });
  } else {
    const fwNs = ns('fw');
    // One public address per VIP: the firewall's DNAT tells the VIPs apart by it.
    const publics = [...new Set((specs ?? [{ vip: 1 }]).map((x) => x.vip))].sort((a, b) => a - b).map((n) => publicAddress(false, n));
    gateway = { ns: fwNs, ip: `${LAN}.1`, mac: '02:aa:00:00:00:fe', insideIf: 'eth1' };
    hosts.push({
      key: 'fw', ns: fwNs, role: 'gateway', name: 'firewall',
      ifaces: [
        { name: 'eth0', mac: '02:aa:00:00:02:fe', addrs: publics.map((a) => `${a}/16`), segment: 'wan', bridgePort: 'p-fww' },
        { name: 'eth1', mac: gateway.mac, addrs: [`${gateway.ip}/24`], segment: 'lan', bridgePort: 'p-fw' },
      ],
    });
    // With --misconfig vip-primary the VIP (with the LAN's mask) is added first and becomes the
    // primary address; the DIP turns secondary, and the director's own ARP requests carry the VIP.
    // In an HA lab keepalived adds the VIP on whichever director is master.
    const addrs = opts.misconfig === 'vip-primary' ? [`${vip}/24`, `${dip}/24`] : opts.ha ? [`${dip}/24`] : [`${dip}/24`, `${vip}/32`, ...extraVips.map((v) => `${v}/32`)];
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
  const methods = realServerMethods(opts.method, specs, opts.realServers);
  for (let i = 1; i <= opts.realServers; i++) {
    // TUN real servers sit in another subnet, behind a router, as IPIP lets them.
    const method = methods[i - 1] ?? opts.method;
    const tun = method === 'tun';
    const ip = tun ? `${RS_NET}.${9 + i}` : `${LAN}.${79 + i}`;
    const first = specs?.find((x) => x.dests.some((d) => d.rs === i));
    const port = first !== undefined ? destPort(method, first.protocol, first.port)
      : opts.udp ? DNS_PORT : nat ? (seedNat ? (i === 1 ? 8080 : 80) : 8080) : vport;
    const rs: LabRealServer = {
      key: `rs${i}`, name: `WEB${i}`, ns: ns(`rs${i}`), ip, port, mac: rsMac(i), weight: weights[i - 1] ?? 1, method,
      misconfigured: i === 1 && opts.misconfig !== null && opts.misconfig !== 'vip-primary',
    };
    realServers.push(rs);
    hosts.push({
      key: rs.key, ns: rs.ns, role: 'real-server', name: rs.name,
      ifaces: [{ name: 'eth0', mac: rs.mac, addrs: [`${ip}/24`], segment: tun ? 'rsnet' : 'lan', bridgePort: `p-rs${i}` }],
    });
  }
  if (realServers.some((r) => r.method === 'tun')) {
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

  const services: LabServicePlan[] = specs === null
    ? [{
      protocol: opts.udp ? 'udp' : 'tcp', vip, vport, publicIp: nat ? vip : publicAddress(false, 1), publicPort: vport,
      scheduler: opts.scheduler, persistence: opts.persistence, netmask: opts.netmask, schedFlags: opts.schedFlags,
      fwmark: opts.fwmark, onePacket: opts.onePacket,
      dests: realServers.map((r, i) => ({ rs: i, port: r.port, weight: r.weight, method: r.method })), addOrder,
    }]
    : specs.map((x) => {
      const dests = x.dests.map((d) => {
        const method = methods[d.rs - 1] ?? opts.method;
        return { rs: d.rs - 1, port: destPort(method, x.protocol, x.port), weight: d.weight, method };
      });
      return {
        protocol: x.protocol, vip: vipAddress(nat, x.vip), vport: x.port, publicIp: publicAddress(nat, x.vip), publicPort: x.port,
        scheduler: x.scheduler, persistence: x.persistence, netmask: null, schedFlags: [], fwmark: null, onePacket: false,
        // As the one-service lab: the last listed first, so the kernel's list is in the order given.
        dests, addOrder: dests.map((_, i) => i).reverse(),
      };
    });
  const captures = captureSpecs([opts.captureAt, ...opts.alsoCapture], opts, hosts, director);
  const capture = captures[0] as CaptureSpec;
  const switchNs = ns('sw');
  return {
    id, options: opts, method: opts.method, scheduler: services[0]!.scheduler, vip, vport,
    publicIp: services[0]!.publicIp, publicPort: vport,
    director, ha, gateway, realServers, addOrder, services, vips, clients, hosts, switchNs,
    namespaces: [switchNs, ...hosts.map((h) => h.ns)],
    capture, captures,
  };
}

export function randomLabId(): string {
  return `lv${Math.floor(Math.random() * 0x10000).toString(16).padStart(4, '0')}`;
}
