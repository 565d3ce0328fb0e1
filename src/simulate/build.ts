/**
 * Scenario -> running world: segments, hosts with addresses and routes, warm neighbour caches,
 * listening services, the firewall's DNAT, the director's IPVS rules.
 */
import type { ServiceSpec } from '../ipvs/ipvsadm/model.js';
import { formatIpv4, parseIpv4 } from '../wire/address.js';
import { DirectorGlue } from './director.js';
import { Host, MS, Segment, US, World, parseCidr, type Iface } from './net.js';
import { PROTO_TCP, type Packet } from './packet.js';
import type { HostDef, Scenario } from './scenario.js';
import { ScenarioError } from './scenario.js';
import { httpServer, quietServer, sshServer } from './tcp-apps.js';
import { TcpStack } from './tcp.js';

export interface BuiltWorld {
  readonly world: World;
  readonly hosts: ReadonlyMap<string, Host>;
  readonly defs: ReadonlyMap<string, HostDef>;
  readonly stacks: ReadonlyMap<string, TcpStack>;
  readonly director: DirectorGlue | null;
  readonly directorHost: Host | null;
  /** MAC of every address, for the truth file. */
  readonly macOf: ReadonlyMap<number, string>;
}

export interface BuildOptions {
  readonly seed: number;
  readonly adjustRules?: (specs: ServiceSpec[]) => ServiceSpec[];
  /** Overrides of the workload's close behaviour for the servers' keep-alive. */
  readonly close?: 'client' | 'server';
  readonly keepAliveMs?: number;
}

export function buildWorld(sc: Scenario, opts: BuildOptions): BuiltWorld {
  const world = new World(opts.seed);
  for (const n of sc.networks) {
    world.segments.set(n.name, new Segment(world, n.name, (n.latencyUs ?? 60) * US, n.mtu ?? 1500));
  }
  const hosts = new Map<string, Host>();
  const defs = new Map<string, HostDef>();
  const stacks = new Map<string, TcpStack>();
  const macOf = new Map<number, string>();
  const names = new Map<number, string>();
  let label = 0;
  for (const d of sc.hosts) {
    const h = new Host(world, d.name, d.role, label++);
    hosts.set(d.name, h);
    defs.set(d.name, d);
    world.hosts.set(d.name, h);
    h.forward = d.forward ?? (d.role === 'gateway' || d.role === 'router');
    h.arpIgnore = d.arpIgnore ?? 0;
    h.arpAnnounce = d.arpAnnounce ?? 0;
    h.ttl = d.ttl ?? 64;
    h.arpDelayNs = (d.arpDelayUs ?? 30) * US;
    d.ifaces.forEach((f, i) => {
      const seg = world.segments.get(f.net);
      if (seg === undefined) throw new ScenarioError(`host ${d.name}: unknown network ${f.net}`);
      const iface = h.addIface(f.name ?? `eth${i}`, f.mac, seg);
      for (const a of f.addrs) {
        const c = parseCidr(a);
        h.addAddr(c.ip, c.prefix, iface);
        if (!macOf.has(c.ip) || d.role === 'director') macOf.set(c.ip, iface.mac);
        names.set(c.ip, d.name);
      }
    });
    for (const a of d.lo ?? []) { const c = parseCidr(a); h.addAddr(c.ip, c.prefix, null); }
    for (const a of d.tunl ?? []) { const c = parseCidr(a); h.addAddr(c.ip, c.prefix, null); h.acceptIpip = true; }
    stacks.set(d.name, new TcpStack(h));
  }
  // Routes after every host exists, so `via` can be checked against connected subnets.
  for (const d of sc.hosts) {
    const h = hosts.get(d.name)!;
    for (const r of d.routes ?? []) {
      const via = r.via !== undefined ? parseIpv4(r.via) : 0;
      if (Number.isNaN(via)) throw new ScenarioError(`host ${d.name}: route via ${JSON.stringify(r.via)} is not an address`);
      const dst = r.to === 'default' ? { ip: 0, prefix: 0 } : parseCidr(r.to);
      let iface: Iface | undefined = r.dev !== undefined ? h.ifaces.find((i) => i.name === r.dev) : undefined;
      if (iface === undefined && via !== 0) {
        const onLink = h.addrs.find((a) => a.iface !== null && a.prefix < 32 && ((a.ip ^ via) >>> (32 - a.prefix)) === 0);
        iface = onLink?.iface ?? undefined;
      }
      iface ??= h.ifaces[0];
      if (iface === undefined) throw new ScenarioError(`host ${d.name}: route ${r.to} has no interface`);
      h.addRoute(dst.ip, dst.prefix, via, iface, r.mtu ?? iface.net.mtu);
    }
  }
  // Warm neighbour caches: what the hosts learned before the capture started.
  for (const d of sc.hosts) {
    const h = hosts.get(d.name)!;
    for (const a of d.arpWarm ?? []) {
      const ip = parseIpv4(a);
      const mac = macOf.get(ip);
      if (mac === undefined) throw new ScenarioError(`host ${d.name}: arpWarm ${a} is no host's interface address`);
      h.arpCache.set(ip, mac);
    }
  }
  // Services.
  for (const d of sc.hosts) {
    const stack = stacks.get(d.name)!;
    const h = hosts.get(d.name)!;
    for (const l of d.listen ?? []) {
      const serviceNs = (d.serviceMs ?? 2) * MS;
      stack.listeners.set(l.port, {
        port: l.port, stopped: l.stopped === true,
        make: () => l.app === 'http'
          ? httpServer({
            page: l.page ?? `<html><body><h1>${d.name}</h1></body></html>`, serviceNs: Math.round(h.rng.jitter(serviceNs, 0.3)),
            close: opts.close ?? sc.workload.close ?? 'client', keepAliveNs: (opts.keepAliveMs ?? sc.workload.keepAliveMs ?? 5000) * MS,
            serverName: 'Apache/2.4.10 (Unix)',
          })
          : l.app === 'ssh' ? sshServer() : quietServer(),
      });
    }
    if (d.dnat !== undefined && d.dnat.length > 0) installDnat(h, d);
  }
  // The director.
  let director: DirectorGlue | null = null;
  let directorHost: Host | null = null;
  for (const d of sc.hosts) {
    if (d.ipvs === undefined) continue;
    if (director !== null) throw new ScenarioError(`only one director is simulated (${directorHost!.name} and ${d.name} both have ipvs rules)`);
    directorHost = hosts.get(d.name)!;
    director = new DirectorGlue(directorHost, {
      rules: d.ipvs, fwmarks: d.fwmarks, laddrs: d.laddrs, sysctls: d.ipvsSysctls, names, seed: opts.seed, adjust: opts.adjustRules,
    });
    for (const a of d.laddrs ?? []) {
      const c = parseCidr(a);
      const iface = directorHost.route(c.ip)?.iface ?? directorHost.ifaces[0]!;
      directorHost.addAddr(c.ip, 32, iface);
      macOf.set(c.ip, iface.mac);
    }
  }
  markVipAnnouncements(sc, hosts, director);
  return { world, hosts, defs, stacks, director, directorHost, macOf };
}

/** VIPs used as an ARP sender address are evidence: on a real server, or as the director's primary. */
function markVipAnnouncements(sc: Scenario, hosts: ReadonlyMap<string, Host>, director: DirectorGlue | null): void {
  if (director === null) return;
  const vips = new Set<number>();
  for (const s of director.specs) if (s.fwmark === 0) vips.add(parseIpv4(s.vip));
  for (const m of director.opts.fwmarks ?? []) vips.add(parseIpv4(m.dst));
  for (const d of sc.hosts) {
    const h = hosts.get(d.name)!;
    for (const v of vips) {
      if (!h.isLocal(v)) continue;
      if (d.role === 'real-server') {
        h.arpSenderFindings.set(v, { code: 'rs-announces-vip', why: 'a real server using the VIP as its ARP sender address poisons neighbour caches (arp_announce should be 2)' });
      } else if (d.role === 'director') {
        h.arpSenderFindings.set(v, { code: 'vip-primary-on-director', why: 'the VIP is the director\'s primary address, so its ARP requests carry the VIP, and real servers holding the VIP ignore them' });
      }
    }
  }
}

/** iptables -t nat PREROUTING DNAT with conntrack: replies are un-NATed on the way back. */
function installDnat(h: Host, d: HostDef): void {
  const rules = (d.dnat ?? []).map((r) => {
    const [fa = '', fp = '0'] = r.from.split(':');
    const [ta = '', tp] = r.to.split(':');
    return { pub: parseIpv4(fa), port: Number(fp), to: parseIpv4(ta), toPort: tp === undefined ? Number(fp) : Number(tp) };
  });
  // Conntrack keyed by the client end (address * 65536 + port: exact in a double), checked against the other end.
  const fwd = new Map<number, { pub: number; port: number; to: number; toPort: number }>();
  h.preRouting = (p: Packet) => {
    if (p.proto !== PROTO_TCP) return 'continue';
    let e = fwd.get(p.src * 65536 + p.sport);
    if (e !== undefined && (e.pub !== p.dst || e.port !== p.dport)) e = undefined;
    if (e === undefined) {
      const r = rules.find((x) => x.pub === p.dst && x.port === p.dport);
      if (r !== undefined) {
        e = { pub: r.pub, port: r.port, to: r.to, toPort: r.toPort };
        fwd.set(p.src * 65536 + p.sport, e);
      }
    }
    if (e !== undefined) {
      h.forwardNote = `${h.name} forwards ${formatIpv4(p.src)}:${p.sport} → ${formatIpv4(p.dst)}:${p.dport} after DNAT to ${formatIpv4(e.to)}:${e.toPort} (TTL ${p.ttl}→${p.ttl - 1})`;
      p.dst = e.to;
      p.dport = e.toPort;
      return 'continue';
    }
    const b = fwd.get(p.dst * 65536 + p.dport);
    const back = b !== undefined && b.to === p.src && b.toPort === p.sport ? b : undefined;
    if (back !== undefined) {
      h.forwardNote = `${h.name} forwards the reply to the client, source ${formatIpv4(p.src)}:${p.sport} rewritten back to ${formatIpv4(back.pub)}:${back.port} (conntrack)`;
      p.src = back.pub;
      p.sport = back.port;
    }
    return 'continue';
  };
}

export function describeHostAddr(h: Host): string {
  const a = h.addrs.find((x) => x.iface !== null);
  return a === undefined ? h.name : `${h.name} (${formatIpv4(a.ip)})`;
}
