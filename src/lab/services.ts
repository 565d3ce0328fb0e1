/**
 * Several virtual services on one director (`--service`, repeatable): each its own VIP:port,
 * protocol, scheduler, persistence and real servers, each real server with its own weight and
 * forwarding method (ipvsadm -a … -g/-m/-i is per destination, so one service can mix DR and TUN).
 * Pure: the text of a spec, its checks, and the addresses it gets.
 */
import type { SchedulerName } from '../ipvs/report.js';
import { LabConfigError, SCHEDULERS, type LabMethod } from './options.js';

/** One real server of a service: rsN, its weight, and its method (null: the lab's). */
export interface LabDestSpec {
  readonly rs: number;
  readonly weight: number;
  readonly method: LabMethod | null;
}

export interface LabServiceSpec {
  readonly protocol: 'tcp' | 'udp';
  readonly port: number;
  /** 1: the lab's VIP; 2, 3, 4: further VIPs on the director. */
  readonly vip: number;
  readonly scheduler: SchedulerName;
  /** ipvsadm -p SECONDS; null = none. */
  readonly persistence: number | null;
  readonly dests: readonly LabDestSpec[];
}

export const MAX_SERVICES = 8;
export const MAX_VIPS = 4;

/** The syntax, for errors and help. */
export const SERVICE_SYNTAX = 'PROTO:PORT[,vipN][,SCHED][,p=SECONDS],rsN[=WEIGHT][/dr|tun|nat],…';

/**
 * `tcp:443,wlc,p=60,rs2=3,rs3/tun` → a spec. Tokens after PROTO:PORT go in any order: vipN picks
 * the VIP (vip1, the lab's, by default), a scheduler name (rr by default), p=SECONDS persistence,
 * and one rsN token per real server.
 */
export function parseServiceSpec(text: string): LabServiceSpec {
  const bad = (why: string): LabConfigError => new LabConfigError(`--service ${text}: ${why} (syntax: ${SERVICE_SYNTAX})`);
  const [head = '', ...rest] = text.split(',').map((t) => t.trim());
  const m = /^(tcp|udp):(\d+)$/.exec(head);
  if (!m) throw bad('it starts with tcp:PORT or udp:PORT');
  const port = Number(m[2]);
  if (port < 1 || port > 65535) throw bad('the port must be 1..65535');
  let vip = 1;
  let scheduler: SchedulerName | null = null;
  let persistence: number | null = null;
  const dests: LabDestSpec[] = [];
  for (const t of rest) {
    const v = /^vip(\d)$/.exec(t);
    const p = /^p=(\d+)$/.exec(t);
    const r = /^rs(\d+)(?:=(\d+))?(?:\/(dr|tun|nat))?$/.exec(t);
    if (v) {
      vip = Number(v[1]);
      if (vip < 1 || vip > MAX_VIPS) throw bad(`vipN is vip1..vip${MAX_VIPS}`);
    } else if ((SCHEDULERS as readonly string[]).includes(t)) {
      if (scheduler !== null) throw bad('one scheduler per service');
      scheduler = t as SchedulerName;
    } else if (p) {
      persistence = Number(p[1]);
      if (persistence < 1 || persistence > 86400 * 31) throw bad('p=SECONDS needs 1..2678400');
    } else if (r) {
      const rs = Number(r[1]);
      const weight = r[2] === undefined ? 1 : Number(r[2]);
      if (weight > 65535) throw bad('weights are 0..65535');
      if (dests.some((d) => d.rs === rs)) throw bad(`rs${rs} is listed twice`);
      dests.push({ rs, weight, method: (r[3] as LabMethod | undefined) ?? null });
    } else {
      throw bad(`what is "${t}"?`);
    }
  }
  if (dests.length === 0) throw bad('a service needs at least one real server (rsN)');
  if (dests.every((d) => d.weight === 0)) throw bad('at least one real server needs a weight above 0');
  return { protocol: m[1] as 'tcp' | 'udp', port, vip, scheduler: scheduler ?? 'rr', persistence, dests };
}

/** Each real server's forwarding method in a lab of `method` with these services (rs1 first). */
export function realServerMethods(method: LabMethod, services: readonly LabServiceSpec[] | null, count: number): LabMethod[] {
  const out = new Array<LabMethod>(count).fill(method);
  for (const s of services ?? []) for (const d of s.dests) if (d.method !== null) out[d.rs - 1] = d.method;
  return out;
}

/**
 * What the lab can build. IPVS itself takes any method per destination; the lab's hosts cannot
 * be everything at once: a DR or TUN real server needs the VIP and a default route that bypasses
 * the director, a NAT one the director as its gateway, so a NAT lab's real servers are all NAT and
 * a DR/TUN lab's are DR or TUN, one method per real server across its services.
 */
export function checkServices(method: LabMethod, services: readonly LabServiceSpec[], realServers: number): void {
  if (services.length > MAX_SERVICES) throw new LabConfigError(`at most ${MAX_SERVICES} --service`);
  const seen = new Set<string>();
  const methodOf = new Map<number, LabMethod>();
  for (const s of services) {
    const key = `${s.protocol}:${s.vip}:${s.port}`;
    if (seen.has(key)) throw new LabConfigError(`two --service for ${s.protocol}:${s.port} on vip${s.vip}`);
    seen.add(key);
    for (const d of s.dests) {
      if (d.rs < 1 || d.rs > realServers) throw new LabConfigError(`--service ${s.protocol}:${s.port}: no real server rs${d.rs} in this lab (--real-servers ${realServers})`);
      const m = d.method ?? method;
      if (method === 'nat' ? m !== 'nat' : m === 'nat') {
        throw new LabConfigError(`--service ${s.protocol}:${s.port}: rs${d.rs}/${m} in a ${method.toUpperCase()} lab: the lab mixes DR and TUN real servers, but NAT ones need the director as their gateway (a NAT lab)`);
      }
      const before = methodOf.get(d.rs);
      if (before !== undefined && before !== m) {
        throw new LabConfigError(`rs${d.rs} is ${before} in one --service and ${m} in another: the lab gives each real server one method (its addresses and routes depend on it)`);
      }
      methodOf.set(d.rs, m);
    }
  }
}

/** The highest rsN the services name. */
export function realServersNamed(services: readonly LabServiceSpec[]): number {
  return Math.max(...services.flatMap((s) => s.dests.map((d) => d.rs)));
}

/**
 * The real server's port for a service: a NAT lab maps a TCP port below 1000 to 8000 + port (80 →
 * 8080, as the single-service NAT lab), so the port mapping shows; everything else keeps its port.
 */
export function destPort(method: LabMethod, protocol: 'tcp' | 'udp', vport: number): number {
  return method === 'nat' && protocol === 'tcp' && vport < 1000 ? 8000 + vport : vport;
}

/** VIP number n (1-based): DR/TUN 192.168.23.100, .101, …; NAT 172.16.23.80, .81, …. */
export function vipAddress(nat: boolean, n: number): string {
  return nat ? `172.16.23.${79 + n}` : `192.168.23.${99 + n}`;
}

/** Where clients connect for VIP n: DR/TUN the firewall's public address 172.16.23.80, .81, … (DNAT), NAT the VIP. */
export function publicAddress(nat: boolean, n: number): string {
  return nat ? vipAddress(true, n) : `172.16.23.${79 + n}`;
}
