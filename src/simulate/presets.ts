/**
 * Built-in scenarios: the seeds' labs (the NAT lab and the DR walkthrough of seed 000, the
 * firewall-mark and persistence labs of seed 002), one cluster per forwarding method, and the
 * classic misconfigurations as faults applied on top of a base cluster.
 */
import { allocateHosts, hostMac } from './addressing.js';
import type { HostDef, Scenario, WorkloadDef } from './scenario.js';
import { ScenarioError } from './scenario.js';

export interface PresetOptions {
  readonly realServers?: number;
  readonly clients?: number;
  readonly requests?: number;
}

/** Ordered like `--list-scenarios` prints them. */
export const PRESET_SUMMARIES: Readonly<Record<string, string>> = {
  'seed-dr': 'seed 000 DR walkthrough: firewall DNAT 172.16.23.80 → VIP 192.168.23.100, rr over WEB1/WEB2, captured on the firewall\'s eth1',
  'seed-nat': 'seed 000 NAT lab: VIP 172.16.23.80:80 → 192.168.23.80:8080 and 192.168.23.81:80, masquerading, rr (try --scheduler wrr --weights 1,5 or sh)',
  dr: 'a DR cluster behind a firewall (use --real-servers, --clients, --scheduler)',
  nat: 'a NAT cluster: the director is the real servers\' gateway',
  tun: 'a TUN cluster: real servers in three distant networks, IPIP from the director',
  fullnat: 'FULLNAT: local address pool 10.10.0.200-201, TOA option carrying the client address',
  fwmark: 'seed 002 firewall-mark service: ports 80 and 443 marked 3, sh scheduler',
  persistent: 'seed 002 port-0 persistent service (-p 360) carrying http and ssh from three clients',
  'weight-0': 'DR cluster with one real server at weight 0 (quiesced): it gets no new connections',
  'down-server': 'DR cluster where one real server\'s httpd is stopped: its connections are refused (RST)',
  'no-real-server': 'every real server at weight 0: the director answers ICMP port unreachable',
  'rs-arp': 'misconfiguration: a real server answers ARP for the VIP (arp_ignore 0)',
  'rs-announce': 'misconfiguration: a real server announces the VIP in its ARP requests (arp_announce 0)',
  'vip-primary': 'misconfiguration: the VIP is the director\'s primary address',
  'nat-gateway': 'misconfiguration: NAT real server whose gateway is not the DIP',
  'dr-via-director': 'misconfiguration: DR real servers route their replies through the director',
  'tun-mtu': 'TUN MTU trouble: full-size requests plus the IPIP header exceed the MTU (ICMP frag-needed)',
  'port-reuse': 'NAT, one client port reused while IPVS holds it in TIME_WAIT, conntrack=1: the first SYN of each reuse is dropped (kernels before 5.9)',
};

export function listPresets(): string[] {
  return Object.keys(PRESET_SUMMARIES);
}

const mac = hostMac;

/** A host with a leg on the outside network (eth0) and one on an inside network (eth1), forwarding between them. */
function twoLegs(
  name: string, role: HostDef['role'], [outMac, outAddr]: [string, string], inside: string, [inMac, inAddr]: [string, string],
  rest: Partial<HostDef> = {},
): HostDef {
  return {
    name, role, forward: true,
    ifaces: [{ name: 'eth0', net: 'outside', mac: outMac, addrs: [outAddr] }, { name: 'eth1', net: inside, mac: inMac, addrs: [inAddr] }],
    ...rest,
  };
}

/** Clients in 172.16.0.0/16 from 172.16.0.<base> up; `gw` is the only other host there. */
function clientHosts(scenario: string, n: number, net: string, gw: string, base = 100): HostDef[] {
  const ips = allocateHosts(n, { subnet: '172.16.0.0/16', first: `172.16.0.${base}`, taken: [gw], what: scenario, noun: 'clients', network: net });
  return ips.map((ip, i): HostDef => ({
    name: n === 1 ? 'client' : `client${i + 1}`, role: 'client',
    ifaces: [{ net, mac: mac(0x10, i + 1), addrs: [`${ip}/16`] }],
    routes: [{ to: 'default', via: gw }],
  }));
}

/** Real-server addresses in a /24 beside the hosts that already hold `taken` there. */
function rsAddrs(scenario: string, n: number, subnet: string, first: string, taken: readonly string[], network: string, step = 1): string[] {
  return allocateHosts(n, { subnet, first, step, taken, what: scenario, noun: 'real servers', network });
}

/**
 * The TUN preset's distant sites: five documentation / shared-space /24s, then further /24s of
 * 100.64.0.0/10 from 100.64.40.0 on (clear of the 100.64.10/20/30 sites).
 */
const TUN_SITES = ['198.51.100', '192.0.2', '100.64.10', '100.64.20', '100.64.30'] as const;
const TUN_EXTRA_SITES = (64 << 8) - 40;

function tunSitePrefix(scenario: string, i: number, n: number): string {
  const fixed = TUN_SITES[i];
  if (fixed !== undefined) return fixed;
  const j = 40 + i - TUN_SITES.length;
  if (j >= 64 << 8) {
    throw new ScenarioError(`${scenario}: 100.64.0.0/10 cannot hold ${n} real-server sites; at most ${TUN_SITES.length + TUN_EXTRA_SITES} fit`);
  }
  return `100.${64 + (j >>> 8)}.${j & 255}`;
}

const page = (text: string): string => `<html><body><h1>${text}</h1></body></html>`;

/** The DR walkthrough topology, generalised to N real servers. */
function drBase(name: string, o: PresetOptions, seedExact: boolean): Scenario {
  const n = o.realServers ?? 2;
  const rips = rsAddrs(name, n, '192.168.23.0/24', '192.168.23.80', ['192.168.23.1', '192.168.23.99', '192.168.23.100'], 'lan');
  const rsName = (i: number): string => (seedExact || n <= 2 ? `WEB${i + 1}` : `rs${i + 1}`);
  // The walkthrough added .81 then .80, so the kernel list is [.80, .81] and rr starts at WEB1.
  const rules = ['-A -t 192.168.23.100:80 -s rr', ...rips.slice().reverse().map((r) => `-a -t 192.168.23.100:80 -r ${r}:80 -g -w 1`)].join('\n');
  const hosts: HostDef[] = [
    ...clientHosts(name, o.clients ?? 1, 'outside', '172.16.23.80'),
    twoLegs('firewall', 'gateway', [mac(0, 0xfd), '172.16.23.80/16'], 'lan', [mac(0, 0xfe), '192.168.23.1/24'], {
      dnat: [{ from: '172.16.23.80:80', to: '192.168.23.100' }],
    }),
    {
      name: 'director', role: 'director',
      ifaces: [{ name: 'eth0', net: 'lan', mac: '00:0c:29:06:13:ea', addrs: ['192.168.23.99/24', '192.168.23.100/32'] }],
      routes: [{ to: 'default', via: '192.168.23.1' }],
      arpWarm: rips,
      ipvs: rules,
    },
    ...rips.map((rip, i): HostDef => ({
      name: rsName(i), role: 'real-server',
      ifaces: [{ name: 'eth0', net: 'lan', mac: mac(1, i + 1), addrs: [`${rip}/24`] }],
      lo: ['192.168.23.100/32'], arpIgnore: 1, arpAnnounce: 2,
      routes: [{ to: 'default', via: '192.168.23.1' }],
      // Seed 000: the DR lab kept the NAT lab's index.html.
      listen: [{ port: 80, app: 'http', page: page(i === 0 ? '192.168.23.80:8080' : `${rip}:80`) }],
    })),
  ];
  return {
    name, description: PRESET_SUMMARIES[name],
    networks: [{ name: 'outside', latencyUs: 250 }, { name: 'lan', latencyUs: 60 }],
    hosts,
    workload: {
      target: '172.16.23.80:80', connections: o.requests ?? 4, intervalMs: 1000,
      close: 'server', keepAliveMs: 5000, userAgent: 'Mozilla/5.0 (Windows NT 6.1; rv:31.0) Gecko/20100101 Firefox/31.0',
    },
    capture: { at: 'firewall', host: 'firewall', iface: 'eth1' },
  };
}

function natBase(name: string, o: PresetOptions): Scenario {
  const n = o.realServers ?? 2;
  const rs = rsAddrs(name, n, '192.168.23.0/24', '192.168.23.80', ['192.168.23.1'], 'lan').map((ip, i) => ({ ip, port: i === 0 ? 8080 : 80 }));
  const rules = ['-A -t 172.16.23.80:80 -s rr', ...rs.map((r) => `-a -t 172.16.23.80:80 -r ${r.ip}:${r.port} -m -w 1`)].join('\n');
  return {
    name, description: PRESET_SUMMARIES[name],
    networks: [{ name: 'outside', latencyUs: 250 }, { name: 'lan', latencyUs: 60 }],
    hosts: [
      ...clientHosts(name, o.clients ?? 1, 'outside', '172.16.23.80'),
      twoLegs('director', 'director', ['00:0c:29:5a:0e:01', '172.16.23.80/16'], 'lan', ['00:0c:29:5a:0e:02', '192.168.23.1/24'], { ipvs: rules }),
      ...rs.map((r, i): HostDef => ({
        name: `WEB${i + 1}`, role: 'real-server',
        ifaces: [{ name: 'eth0', net: 'lan', mac: mac(1, i + 1), addrs: [`${r.ip}/24`] }],
        routes: [{ to: 'default', via: '192.168.23.1' }],
        listen: [{ port: r.port, app: 'http', page: page(`${r.ip}:${r.port}`) }],
      })),
    ],
    workload: { target: '172.16.23.80:80', connections: o.requests ?? 10, intervalMs: 1000, close: 'client' },
    capture: { at: 'director-any' },
  };
}

function tunBase(name: string, o: PresetOptions): Scenario {
  const n = o.realServers ?? 3;
  const sites = Array.from({ length: n }, (_, i) => ({ net: `site${i + 1}`, prefix: tunSitePrefix(name, i, n) }));
  const vip = '203.0.113.100';
  const rules = [`-A -t ${vip}:80 -s wrr`, ...sites.map((s) => `-a -t ${vip}:80 -r ${s.prefix}.10:80 -i -w 1 --tun-type ipip`)].join('\n');
  return {
    name, description: PRESET_SUMMARIES[name],
    networks: [
      { name: 'outside', latencyUs: 250 }, { name: 'dmz', latencyUs: 60 },
      ...sites.map((s, i) => ({ name: s.net, latencyUs: 8000 + 7000 * i })),
    ],
    hosts: [
      ...clientHosts(name, o.clients ?? 2, 'outside', '172.16.0.1'),
      {
        name: 'core', role: 'router', forward: true,
        ifaces: [
          { name: 'eth0', net: 'outside', mac: mac(0, 0xf0), addrs: ['172.16.0.1/16'] },
          { name: 'eth1', net: 'dmz', mac: mac(0, 0xf1), addrs: ['203.0.113.1/24'] },
          ...sites.map((s, i) => ({ name: `eth${i + 2}`, net: s.net, mac: mac(0, 0xf2 + i), addrs: [`${s.prefix}.1/24`] })),
        ],
      },
      {
        name: 'director', role: 'director',
        ifaces: [{ name: 'eth0', net: 'dmz', mac: '00:0c:29:06:13:ea', addrs: ['203.0.113.2/24', `${vip}/32`] }],
        routes: [{ to: 'default', via: '203.0.113.1' }],
        arpWarm: ['203.0.113.1'],
        ipvs: rules,
      },
      ...sites.map((s, i): HostDef => ({
        name: `rs${i + 1}`, role: 'real-server',
        ifaces: [{ name: 'eth0', net: s.net, mac: mac(1, i + 1), addrs: [`${s.prefix}.10/24`] }],
        tunl: [`${vip}/32`], arpIgnore: 1, arpAnnounce: 2,
        routes: [{ to: 'default', via: `${s.prefix}.1` }],
        listen: [{ port: 80, app: 'http', page: page(`rs${i + 1} ${s.prefix}.10`) }],
      })),
    ],
    workload: { target: `${vip}:80`, connections: o.requests ?? 6, intervalMs: 500, close: 'client' },
    capture: { at: 'director' },
  };
}

function fullnatBase(name: string, o: PresetOptions): Scenario {
  const n = o.realServers ?? 2;
  // .1 is the DIP, .200-.201 the local address pool, .254 the real servers' (absent) gateway.
  const rips = rsAddrs(name, n, '10.10.0.0/24', '10.10.0.11', ['10.10.0.1', '10.10.0.200', '10.10.0.201', '10.10.0.254'], 'inside');
  const rules = ['-A -t 172.16.23.80:80 -s rr', ...rips.map((r) => `-a -t 172.16.23.80:80 -r ${r}:8080 -b -w 1`)].join('\n');
  return {
    name, description: PRESET_SUMMARIES[name],
    networks: [{ name: 'outside', latencyUs: 250 }, { name: 'inside', latencyUs: 60 }],
    hosts: [
      ...clientHosts(name, o.clients ?? 2, 'outside', '172.16.23.80'),
      twoLegs('director', 'director', ['00:0c:29:f0:00:01', '172.16.23.80/16'], 'inside', ['00:0c:29:f0:00:02', '10.10.0.1/24'], {
        laddrs: ['10.10.0.200/32', '10.10.0.201/32'], ipvs: rules,
      }),
      ...rips.map((r, i): HostDef => ({
        name: `rs${i + 1}`, role: 'real-server',
        ifaces: [{ name: 'eth0', net: 'inside', mac: mac(1, i + 1), addrs: [`${r}/24`] }],
        // Replies go to the LIP, which is on-link: the default gateway does not matter for FULLNAT.
        routes: [{ to: 'default', via: '10.10.0.254' }],
        listen: [{ port: 8080, app: 'http', page: page(`${r}:8080`) }],
      })),
    ],
    workload: { target: '172.16.23.80:80', connections: o.requests ?? 4, intervalMs: 500, close: 'client' },
    capture: { at: 'director-any' },
  };
}

/** Seed 002's DR lab (VIP 192.168.79.99, RS .27 and .37), used by the fwmark and persistence presets. */
function seed002(name: string, o: PresetOptions, rulesFor: (rips: string[]) => string, extra: Partial<Scenario> & { ports?: WorkloadDef['ports']; listen?: HostDef['listen'] }): Scenario {
  const n = o.realServers ?? 2;
  // Seed 002 numbers its real servers ten apart (.27, .37); past .247 the gaps fill in.
  const rips = rsAddrs(name, n, '192.168.79.0/24', '192.168.79.27', ['192.168.79.1', '192.168.79.7', '192.168.79.99'], 'lan', 10);
  const vip = '192.168.79.99';
  return {
    name, description: PRESET_SUMMARIES[name],
    networks: [{ name: 'outside', latencyUs: 250 }, { name: 'lan', latencyUs: 60 }],
    hosts: [
      ...clientHosts(name, o.clients ?? 3, 'outside', '172.16.0.1', 57),
      twoLegs('router', 'gateway', [mac(0, 0xfd), '172.16.0.1/16'], 'lan', [mac(0, 0xfe), '192.168.79.1/24']),
      {
        name: 'director', role: 'director',
        ifaces: [{ name: 'eth0', net: 'lan', mac: '00:0c:29:79:00:07', addrs: ['192.168.79.7/24', `${vip}/32`] }],
        routes: [{ to: 'default', via: '192.168.79.1' }],
        ipvs: rulesFor(rips),
        ...(extra.hosts === undefined ? {} : {}),
        fwmarks: name === 'fwmark' ? [{ dst: vip, ports: [80, 443], mark: 3 }] : undefined,
      },
      ...rips.map((r, i): HostDef => ({
        name: `rs${i + 1}`, role: 'real-server',
        ifaces: [{ name: 'eth0', net: 'lan', mac: mac(1, i + 1), addrs: [`${r}/24`] }],
        lo: [`${vip}/32`], arpIgnore: 1, arpAnnounce: 2,
        routes: [{ to: 'default', via: '192.168.79.1' }],
        listen: extra.listen ?? [{ port: 80, app: 'http', page: page(r) }],
      })),
    ],
    workload: {
      target: `${vip}:80`, connections: o.requests ?? 9, intervalMs: 700, close: 'client',
      ...(extra.ports !== undefined ? { ports: extra.ports } : {}),
    },
    capture: { at: 'director' },
  };
}

/** A named fault applied to a base scenario (also `--fault NAME` on the command line). */
export const FAULTS = ['rs-arp', 'rs-announce', 'vip-primary', 'nat-gateway', 'dr-via-director', 'tun-mtu', 'rs-down', 'weight-0', 'no-rs', 'port-reuse'] as const;
export type FaultName = (typeof FAULTS)[number];

export function isFaultName(s: string): s is FaultName {
  return (FAULTS as readonly string[]).includes(s);
}

const lastRs = (sc: Scenario): HostDef => {
  const rs = sc.hosts.filter((h) => h.role === 'real-server');
  const h = rs[rs.length - 1];
  if (h === undefined) throw new ScenarioError(`${sc.name}: the fault needs a real server`);
  return h;
};

function mapHost(sc: Scenario, name: string, f: (h: HostDef) => HostDef): Scenario {
  return { ...sc, hosts: sc.hosts.map((h) => (h.name === name ? f(h) : h)) };
}

function rulesEdit(sc: Scenario, f: (line: string) => string): Scenario {
  return { ...sc, hosts: sc.hosts.map((h) => (h.ipvs === undefined ? h : { ...h, ipvs: h.ipvs.split('\n').map(f).join('\n') })) };
}

export function applyFault(sc: Scenario, fault: FaultName): Scenario {
  const faults = [...(sc.faults ?? [])];
  const director = sc.hosts.find((h) => h.role === 'director');
  switch (fault) {
    case 'rs-arp': {
      const rs = lastRs(sc);
      // It also answers faster than the director, so the firewall believes it.
      return { ...mapHost(sc, rs.name, (h) => ({ ...h, arpIgnore: 0, arpDelayUs: 10 })), faults: [...faults, 'rs-answers-arp-for-vip'] };
    }
    case 'rs-announce': {
      const rs = lastRs(sc);
      return { ...mapHost(sc, rs.name, (h) => ({ ...h, arpAnnounce: 0 })), faults: [...faults, 'rs-announces-vip'] };
    }
    case 'vip-primary': {
      if (director === undefined) throw new ScenarioError('vip-primary needs a director');
      return {
        ...mapHost(sc, director.name, (h) => ({
          ...h, arpWarm: [],
          ifaces: h.ifaces.map((f, i) => (i !== 0 ? f : {
            ...f,
            addrs: [...f.addrs.filter((a) => a.endsWith('/32')).map((a) => a.replace('/32', `/${f.addrs[0]!.split('/')[1]}`)), ...f.addrs.filter((a) => !a.endsWith('/32'))],
          })),
        })),
        faults: [...faults, 'vip-primary-on-director'],
      };
    }
    case 'dr-via-director': {
      if (director === undefined) throw new ScenarioError('dr-via-director needs a director');
      const dip = director.ifaces[0]!.addrs[0]!.split('/')[0]!;
      let out = mapHost(sc, director.name, (h) => ({ ...h, forward: true }));
      for (const rs of sc.hosts.filter((h) => h.role === 'real-server')) {
        out = mapHost(out, rs.name, (h) => ({ ...h, routes: [{ to: 'default', via: dip }] }));
      }
      return { ...out, faults: [...faults, 'dr-reply-via-director'] };
    }
    case 'nat-gateway': {
      const rs = lastRs(sc);
      const lanNet = rs.ifaces[0]!.net;
      const outside = sc.hosts.find((h) => h.role === 'client')?.ifaces[0]?.net ?? 'outside';
      const prefix = rs.ifaces[0]!.addrs[0]!.split('.').slice(0, 3).join('.');
      // 172.16.0.254 unless a client already holds it (more than 154 clients).
      const onOutside = sc.hosts.flatMap((h) => h.ifaces.filter((f) => f.net === outside).flatMap((f) => f.addrs));
      const [routerIp] = allocateHosts(1, { subnet: '172.16.0.0/16', first: '172.16.0.254', taken: onOutside, what: sc.name, noun: 'router addresses', network: outside });
      const router: HostDef = {
        name: 'router', role: 'router', forward: true,
        ifaces: [
          { name: 'eth0', net: lanNet, mac: mac(0, 0xee), addrs: [`${prefix}.254/24`] },
          { name: 'eth1', net: outside, mac: mac(0, 0xef), addrs: [`${routerIp!}/16`] },
        ],
      };
      return {
        ...mapHost({ ...sc, hosts: [...sc.hosts, router] }, rs.name, (h) => ({ ...h, routes: [{ to: 'default', via: `${prefix}.254` }] })),
        // The router's LAN port sees the replies that never reach the director.
        capture: { at: 'firewall', host: 'router', iface: 'eth0' },
        faults: [...faults, 'nat-reply-bypasses-director'],
      };
    }
    case 'tun-mtu': {
      // A bulk upload on its own service beside the first TCP service on a port: full-size
      // segments that no longer fit once wrapped in IPIP.
      const port = 9000;
      const rules = sc.hosts.find((h) => h.ipvs !== undefined)?.ipvs ?? '';
      const svc = rules.split('\n').map((l) => /^-A -t (\S+):(\d+)(?:\s|$)/.exec(l)).find((m) => m !== null && m[2] !== '0');
      if (svc === undefined || svc === null) {
        throw new ScenarioError(`${sc.name}: the tun-mtu fault adds an upload service beside a TCP virtual service on a port (-A -t VIP:PORT), and this scenario has none`);
      }
      const [, vip, vport] = svc;
      const own = (l: string): boolean => l.startsWith(`-A -t ${vip}:${vport} `) || l.startsWith(`-a -t ${vip}:${vport} `);
      const out: Scenario = {
        ...sc,
        hosts: sc.hosts.map((h) => {
          if (h.ipvs !== undefined) {
            const lines = h.ipvs.split('\n');
            const extra = lines.filter(own).map((l) => l.replace(`-t ${vip}:${vport} `, `-t ${vip}:${port} `).replace(/(-r [^\s:]+):\d+/, `$1:${port}`));
            return { ...h, ipvs: [...lines, ...extra].join('\n') };
          }
          if (h.role === 'real-server') return { ...h, listen: [...(h.listen ?? []), { port, app: 'upload' as const }] };
          return h;
        }),
      };
      const [target, targetPort = vport!] = out.workload.target.split(':');
      return {
        ...out,
        workload: { ...out.workload, target: `${target}:${targetPort}`, requestBytes: 3000, ports: [{ port: Number(targetPort), app: 'http' }, { port, app: 'upload' }] },
        faults: [...faults, 'tun-mtu'],
      };
    }
    case 'rs-down': {
      const rs = lastRs(sc);
      return { ...mapHost(sc, rs.name, (h) => ({ ...h, listen: (h.listen ?? []).map((l) => ({ ...l, stopped: true })) })), faults: [...faults, 'rs-not-responding'] };
    }
    case 'weight-0': {
      const rip = lastRs(sc).ifaces[0]!.addrs[0]!.split('/')[0]!;
      return rulesEdit(sc, (l) => (l.includes(`-r ${rip}:`) ? l.replace(/-w \d+/, '-w 0') : l));
    }
    case 'port-reuse': {
      // conn_reuse_mode=1 acts on TIME_WAIT/CLOSE entries, which only NAT reaches (a DR/TUN
      // director never sees the server's FIN).
      if (director === undefined || !/ -m(\s|$)/m.test(director.ipvs ?? '')) {
        throw new ScenarioError(`${sc.name}: the port-reuse fault needs a NAT service (-m): DR and TUN entries never reach TIME_WAIT`);
      }
      // The server closes (no TIME_WAIT on the client), the client opens its next connection from
      // the same port while IPVS still holds the old entry in TIME_WAIT (120 s).
      return {
        ...mapHost(sc, director.name, (h) => ({ ...h, ipvsSysctls: { ...h.ipvsSysctls, conntrack: true } })),
        workload: { ...sc.workload, reusePort: 40000, close: 'server', keepAliveMs: 100, intervalMs: Math.max(sc.workload.intervalMs ?? 0, 2500) },
        faults: [...faults, 'port-reuse-syn-dropped'],
      };
    }
    case 'no-rs':
      return { ...rulesEdit(sc, (l) => l.replace(/-w \d+/, '-w 0')), faults: [...faults, 'no-real-server'] };
  }
}

export function preset(name: string, o: PresetOptions = {}): Scenario {
  switch (name) {
    case 'seed-dr': return drBase('seed-dr', o, true);
    case 'seed-nat': return natBase('seed-nat', o);
    case 'dr': return drBase('dr', o, false);
    case 'nat': return natBase('nat', o);
    case 'tun': return tunBase('tun', o);
    case 'fullnat': return fullnatBase('fullnat', o);
    case 'fwmark':
      return seed002('fwmark', o, (rips) => ['-A -f 3 -s sh', ...rips.map((r) => `-a -f 3 -r ${r}:0 -g -w 1`)].join('\n'), {
        ports: [{ port: 80, app: 'http' }, { port: 443, app: 'https' }],
        listen: [{ port: 80, app: 'http' }, { port: 443, app: 'https' }],
      });
    case 'persistent':
      return seed002('persistent', o, (rips) => ['-A -t 192.168.79.99:0 -s rr -p 360', ...rips.map((r) => `-a -t 192.168.79.99:0 -r ${r}:0 -g -w 1`)].join('\n'), {
        ports: [{ port: 80, app: 'http' }, { port: 22, app: 'ssh' }],
        listen: [{ port: 80, app: 'http' }, { port: 22, app: 'ssh' }],
      });
    case 'weight-0': return { ...applyFault(drBase('weight-0', { realServers: 3, ...o }, false), 'weight-0'), name: 'weight-0' };
    case 'down-server': return { ...applyFault(drBase('down-server', o, false), 'rs-down'), name: 'down-server' };
    case 'no-real-server': return { ...applyFault(drBase('no-real-server', o, false), 'no-rs'), name: 'no-real-server' };
    case 'rs-arp': return { ...applyFault(drBase('rs-arp', o, false), 'rs-arp'), name: 'rs-arp' };
    case 'rs-announce': return { ...applyFault(drBase('rs-announce', o, false), 'rs-announce'), name: 'rs-announce' };
    case 'vip-primary': return { ...applyFault(drBase('vip-primary', o, false), 'vip-primary'), name: 'vip-primary' };
    case 'nat-gateway': return { ...applyFault(natBase('nat-gateway', o), 'nat-gateway'), name: 'nat-gateway' };
    case 'dr-via-director': return { ...applyFault(drBase('dr-via-director', o, false), 'dr-via-director'), name: 'dr-via-director' };
    case 'tun-mtu': return { ...applyFault(tunBase('tun-mtu', o), 'tun-mtu'), name: 'tun-mtu' };
    case 'port-reuse': return { ...applyFault(natBase('port-reuse', { requests: 4, ...o }), 'port-reuse'), name: 'port-reuse' };
    default:
      throw new ScenarioError(`unknown scenario ${JSON.stringify(name)}; --list-scenarios shows the presets`);
  }
}
