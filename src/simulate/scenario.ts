/**
 * A scenario: the hosts of a small LVS network, the director's rules (ipvsadm -S text), the
 * client workload, where the capture is taken, and faults. Scenario files are JSON or YAML with
 * exactly this shape; presets (presets.ts) build the same objects in code.
 */
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';

export type CapturePoint = 'firewall' | 'director' | 'director-any' | 'real-server' | 'client';

export type HostRoleName = 'client' | 'gateway' | 'director' | 'real-server' | 'router';

export interface NetworkDef {
  readonly name: string;
  /** One-way latency of a frame on this segment, microseconds (jittered ±20%). Default 60. */
  readonly latencyUs?: number;
  /** Link MTU. Default 1500. */
  readonly mtu?: number;
}

export interface IfaceDef {
  /** eth0, eth1, ... (default by position). */
  readonly name?: string;
  readonly net: string;
  readonly mac: string;
  /** "a.b.c.d/len"; the first one in a subnet is that subnet's primary address. */
  readonly addrs: readonly string[];
}

export interface RouteDef {
  /** "default" or "a.b.c.d/len". */
  readonly to: string;
  readonly via?: string;
  /** Interface name; default: the interface whose subnet holds `via`. */
  readonly dev?: string;
  /** Route MTU (TUN MTU trouble), default the link MTU. */
  readonly mtu?: number;
}

export interface ListenDef {
  readonly port: number;
  readonly app: 'http' | 'ssh' | 'https' | 'upload';
  /** The HTTP test page (the tutorials' index.html). */
  readonly page?: string;
  /** Stopped service: SYNs are answered with RST (connection refused). */
  readonly stopped?: boolean;
}

export interface DnatDef {
  /** "public:port" the client connects to. */
  readonly from: string;
  /** Address (and optional :port) it is rewritten to, e.g. the VIP. */
  readonly to: string;
}

export interface FwmarkDef {
  readonly dst: string;
  readonly ports: readonly number[];
  readonly proto?: 'tcp' | 'udp';
  readonly mark: number;
}

export interface HostDef {
  readonly name: string;
  readonly role: HostRoleName;
  readonly ifaces: readonly IfaceDef[];
  /** Addresses on lo (the VIP on a DR real server), "a.b.c.d/32". */
  readonly lo?: readonly string[];
  /** Addresses on tunl0 (the VIP on a TUN real server); also makes the host accept IPIP. */
  readonly tunl?: readonly string[];
  readonly routes?: readonly RouteDef[];
  /** net.ipv4.ip_forward. */
  readonly forward?: boolean;
  /** Max of conf/all and conf/<iface>; default 0. */
  readonly arpIgnore?: number;
  /** Default 0. */
  readonly arpAnnounce?: number;
  /** Initial TTL of packets the host originates (64 Linux, 128 Windows). */
  readonly ttl?: number;
  readonly listen?: readonly ListenDef[];
  /** Firewall DNAT rules (iptables -t nat -A PREROUTING ... -j DNAT). */
  readonly dnat?: readonly DnatDef[];
  /** Director: the rules as `ipvsadm -S -n` prints them (or an ipvsadm command transcript). */
  readonly ipvs?: string;
  /** Director: iptables mangle marks for firewall-mark services. */
  readonly fwmarks?: readonly FwmarkDef[];
  /** Director (FULLNAT): the local address pool (ipvsadm -P ... -z LIP). */
  readonly laddrs?: readonly string[];
  /** Director: /proc/sys/net/ipv4/vs settings other than the defaults (conntrack, conn_reuse_mode, …). */
  readonly ipvsSysctls?: {
    readonly conntrack?: boolean;
    readonly connReuseMode?: number;
    readonly expireNodestConn?: boolean;
    readonly expireQuiescentTemplate?: boolean;
  };
  /** Neighbour entries already cached when the capture starts: IPs whose MAC this host knows. */
  readonly arpWarm?: readonly string[];
  /** Microseconds this host takes to answer an ARP request (default 30). */
  readonly arpDelayUs?: number;
  /** Milliseconds an application on this host takes to answer a request (default 2). */
  readonly serviceMs?: number;
}

export interface WorkloadDef {
  /** Client host names; connections are spread over them in turn. Default: every client host. */
  readonly clients?: readonly string[];
  /** "ip:port" clients connect to (the public DNAT address, or the VIP). */
  readonly target: string;
  /** Other ports on the same address, chosen in turn (port-0 / fwmark services). */
  readonly ports?: readonly { readonly port: number; readonly app: 'http' | 'ssh' | 'https' | 'upload' }[];
  /** Number of connections. */
  readonly connections: number;
  /** Mean gap between connection starts, ms. */
  readonly intervalMs?: number;
  /** 'fixed' (every intervalMs) or 'poisson'. Default 'fixed'. */
  readonly arrivals?: 'fixed' | 'poisson';
  /** Requests per connection (keep-alive). Default 1. */
  readonly requestsPerConnection?: number;
  /** Every connection from this one client port (a client reusing its source port at once). */
  readonly reusePort?: number;
  /** Client think time between requests on one connection, ms. Default 200. */
  readonly thinkMs?: number;
  /** Body bytes of each request (0 = GET). */
  readonly requestBytes?: number;
  /** Who closes: 'client' (curl, the default) or 'server' (keep-alive timeout, like a browser tab). */
  readonly close?: 'client' | 'server';
  /** Server keep-alive timeout when close is 'server', ms (Apache: 5000). */
  readonly keepAliveMs?: number;
  /** Long-lived connections: this many extra connections that stay open to the end. */
  readonly longLived?: number;
  readonly userAgent?: string;
}

export interface CaptureDef {
  readonly at: CapturePoint;
  /** Host whose interface is captured (default by role: the firewall, the director, the first real server, the first client). */
  readonly host?: string;
  /** Interface name on that host; default its interface on the cluster network. */
  readonly iface?: string;
}

export interface Scenario {
  readonly name: string;
  readonly description?: string;
  /** Capture start time, ISO 8601. */
  readonly start?: string;
  readonly networks: readonly NetworkDef[];
  readonly hosts: readonly HostDef[];
  readonly workload: WorkloadDef;
  readonly capture: CaptureDef;
  /** Finding codes this scenario is built to show (misconfiguration presets). */
  readonly faults?: readonly string[];
  /** Extra simulated time after the last connection starts, ms (lets FINs and timeouts happen). Default 8000. */
  readonly tailMs?: number;
}

export class ScenarioError extends Error {
  override readonly name = 'ScenarioError';
}

/** Reads a JSON or YAML scenario file (by extension, else by content). */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ScenarioError(`${path}: cannot read scenario: ${(err as Error).message}`);
  }
  let data: unknown;
  try {
    data = /\.json$/i.test(path) || text.trimStart().startsWith('{') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ScenarioError(`${path}: not valid ${/\.json$/i.test(path) ? 'JSON' : 'YAML'}: ${(err as Error).message}`);
  }
  return validateScenario(data, path);
}

/** Structural checks with messages that name the field; returns the value typed. */
export function validateScenario(data: unknown, where = 'scenario'): Scenario {
  const fail = (msg: string): never => {
    throw new ScenarioError(`${where}: ${msg}`);
  };
  if (typeof data !== 'object' || data === null) fail('expected an object');
  const s = data as Record<string, unknown>;
  if (typeof s['name'] !== 'string') fail('"name" must be a string');
  if (!Array.isArray(s['networks']) || s['networks'].length === 0) fail('"networks" must be a non-empty list');
  if (!Array.isArray(s['hosts']) || s['hosts'].length === 0) fail('"hosts" must be a non-empty list');
  const nets = new Set((s['networks'] as Array<Record<string, unknown>>).map((n, i) => {
    if (typeof n['name'] !== 'string') fail(`networks[${i}].name must be a string`);
    return n['name'] as string;
  }));
  const names = new Set<string>();
  (s['hosts'] as Array<Record<string, unknown>>).forEach((h, i) => {
    const at = `hosts[${i}]`;
    if (typeof h['name'] !== 'string') fail(`${at}.name must be a string`);
    if (names.has(h['name'] as string)) fail(`${at}: duplicate host name ${String(h['name'])}`);
    names.add(h['name'] as string);
    if (!['client', 'gateway', 'director', 'real-server', 'router'].includes(h['role'] as string)) {
      fail(`${at}.role must be client, gateway, director, real-server or router`);
    }
    if (!Array.isArray(h['ifaces']) || h['ifaces'].length === 0) fail(`${at}.ifaces must be a non-empty list`);
    (h['ifaces'] as Array<Record<string, unknown>>).forEach((f, j) => {
      if (!nets.has(f['net'] as string)) fail(`${at}.ifaces[${j}].net ${JSON.stringify(f['net'])} is not a declared network`);
      if (typeof f['mac'] !== 'string' || !/^([0-9a-f]{2}:){5}[0-9a-f]{2}$/i.test(f['mac'])) fail(`${at}.ifaces[${j}].mac must be a MAC address`);
      if (!Array.isArray(f['addrs'])) fail(`${at}.ifaces[${j}].addrs must be a list of a.b.c.d/len`);
    });
  });
  const w = s['workload'] as Record<string, unknown> | undefined;
  if (typeof w !== 'object' || w === null) fail('"workload" is required');
  if (typeof w!['target'] !== 'string') fail('workload.target must be "ip:port"');
  if (typeof w!['connections'] !== 'number') fail('workload.connections must be a number');
  const c = s['capture'] as Record<string, unknown> | undefined;
  if (typeof c !== 'object' || c === null) fail('"capture" is required');
  if (!['firewall', 'director', 'director-any', 'real-server', 'client'].includes(c!['at'] as string)) {
    fail('capture.at must be firewall, director, director-any, real-server or client');
  }
  return data as Scenario;
}
