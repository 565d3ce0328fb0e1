/**
 * Ground truth for a lab capture, in the ClusterReport schema: what the lab built (hosts, MACs,
 * service, scheduler), which real server answered each request (from the HTTP answers, not from
 * the packets), and the findings its misconfiguration must produce. Frame numbers are read from
 * the capture, because they depend on where it was taken. On a real IPVS kernel each connection's
 * real server and state are the kernel's own (`ipvsadm -Lnc`), and the `lab` block carries the
 * kernel's tables; only the emulation's states are replayed through src/ipvs.
 */
import { release } from 'node:os';
import type {
  ClusterReport, ConnectionReport, FindingReport, HostReport, RealServerReport, SchedulerCandidate,
} from '../ipvs/report.js';
import { ConnectionTable, type Connection } from '../ipvs/connection-table.js';
import type { VirtualService } from '../ipvs/service.js';
import { isActiveTcpState, type TcpFlags, type TcpState } from '../ipvs/tcp-states.js';
import { TCP_FLAG } from '../wire/tcp.js';
import { innermost, type LabFrame } from './frames.js';
import type { LabClient, LabPlan, LabRealServer, LabServicePlan, Segment } from './plan.js';
import { describeDirector, type DirectorKind } from './rules.js';
import { labService, labServiceOf } from './schedule.js';
import type { KernelConnection, KernelTruth } from './kernel-truth.js';
import type { HaTruth } from './ha-run.js';
import { FLOOD_ROUTE, inFloodRoute, type SynFloodTruth } from './syn-flood.js';
import { SYN_FLOOD_MIN_ENTRIES } from '../ipvs/finding-catalog.js';

/** Where the director ran: the host's own IPVS, the kernel in lvscope's microVM, or the nftables emulation. */
export type LabBackend = 'host-ipvs' | 'microvm' | 'emulation';

export function backendOf(kind: DirectorKind, env: NodeJS.ProcessEnv = process.env): LabBackend {
  if (kind === 'emulation') return 'emulation';
  return env['LVSCOPE_IN_VM'] === '1' ? 'microvm' : 'host-ipvs';
}

export interface LabTruthCapture {
  readonly label: string;
  readonly host: string;
  readonly ns: string;
  readonly iface: string;
  readonly file: string;
  readonly frames: number;
  readonly tcpdump: string;
}

/** What the lab built and what the kernel said: the `lab` block of a truth file. */
export interface LabTruth {
  readonly backend: LabBackend;
  /** `uname -r` of the kernel that ran the director (the guest's in the microVM). */
  readonly kernel: string;
  readonly id: string;
  readonly method: LabPlan['method'];
  readonly tunType: LabPlan['options']['tunType'] | null;
  readonly scheduler: string;
  readonly persistence: number | null;
  /** ipvsadm -M: the netmask that groups clients for persistence (null = one client each). */
  readonly netmask: string | null;
  /** ipvsadm -b: scheduler flags (mh-port, mh-fallback, …). */
  readonly schedFlags: readonly string[];
  /** The firewall mark of an `ipvsadm -f` service, or null. */
  readonly fwmark: number | null;
  readonly lan: LabPlan['options']['lan'];
  readonly hold: boolean;
  readonly flap: LabPlan['options']['flap'];
  readonly vip: string;
  readonly vport: number;
  readonly publicIp: string;
  readonly publicPort: number;
  readonly dip: string;
  readonly hosts: readonly {
    readonly key: string; readonly name: string; readonly role: string; readonly ns: string;
    readonly ifaces: readonly { readonly name: string; readonly mac: string; readonly addrs: readonly string[]; readonly segment: string }[];
  }[];
  readonly realServers: readonly { readonly key: string; readonly name: string; readonly ip: string; readonly port: number; readonly mac: string; readonly weight: number; readonly method: string }[];
  /**
   * Every virtual service, in `ipvsadm -A` order (the first is the one `vip`, `vport`, `scheduler`
   * and `persistence` above describe), with its real servers' ports, weights and methods.
   */
  readonly services: readonly LabTruthService[];
  /** Every request: the client's address and port, the service, the real server the kernel chose, the one that answered. */
  readonly requests: readonly {
    readonly client: string; readonly virtual: string; readonly protocol: 'tcp' | 'udp';
    readonly realServer: string | null; readonly answeredBy: string | null; readonly error: string | null;
  }[];
  readonly ipvsadmCommands: readonly string[];
  readonly captures: readonly LabTruthCapture[];
  /** The kernel's own tables (the first director's); null for the emulation. */
  readonly kernelTables: KernelTruth | null;
  /**
   * An HA lab (keepalived on two directors): both kernels' tables at each step, keepalived's log
   * and who was master when, the failover's and health checks' events; absent otherwise.
   */
  readonly ha?: HaTruth;
  /** `--syn-flood`: what was sent (the kernel's SYN_RECV entries are in kernelTables). */
  readonly synFlood?: SynFloodTruth;
}

export interface LabTruthService {
  readonly protocol: 'tcp' | 'udp';
  readonly vip: string;
  readonly vport: number;
  readonly publicIp: string;
  readonly publicPort: number;
  readonly fwmark: number | null;
  readonly scheduler: string;
  readonly persistence: number | null;
  readonly netmask: string | null;
  readonly schedFlags: readonly string[];
  readonly realServers: readonly { readonly key: string; readonly name: string; readonly ip: string; readonly port: number; readonly weight: number; readonly method: string }[];
}

/** A truth file: the first capture's ClusterReport (analyze --format json schema), plus the lab block. */
export type LabTruthFile = ClusterReport & { readonly lab: LabTruth };

type KernelReadings = Pick<KernelTruth, 'connections' | 'snapshots'>;

/**
 * The kernel's entry for a client connection (the last reading that had it), in the first
 * kernel that has it: the director's, then in an HA lab its partner's.
 */
function kernelEntry(kernels: readonly KernelReadings[], client: string): KernelConnection | null {
  for (const kernel of kernels) {
    const atEnd = kernel.connections.find((c) => c.client === client && !c.template);
    if (atEnd) return atEnd;
    for (let i = kernel.snapshots.length - 1; i >= 0; i--) {
      const c = kernel.snapshots[i]?.connections.find((x) => x.client === client && !x.template);
      if (c) return c;
    }
  }
  return null;
}

export function buildLabTruth(
  plan: LabPlan, kind: DirectorKind, results: readonly RequestResult[], frames: readonly LabFrame[], file: string,
  kernel: KernelTruth | null, captures: readonly { spec: { label: string; hostKey: string; ns: string; iface: string }; file: string; frames: number; tcpdumpSummary: string }[],
  ipvsadmCommands: readonly string[] = [],
  ha: HaTruth | null = null,
  synFlood: SynFloodTruth | null = null,
): LabTruthFile {
  const base = buildTruth(plan, kind, results, frames, file);
  const kernels: KernelReadings[] = kernel === null ? [] : [kernel, ...(ha?.directors.slice(1) ?? [])];
  // On a real IPVS kernel each connection's real server and state are the kernel's own.
  const connections = kernel === null ? base.connections : base.connections.map((c) => {
    const k = kernelEntry(kernels, c.client);
    return k ? { ...c, realServer: k.realServer, state: k.state as ConnectionReport['state'] } : c;
  });
  const lab: LabTruth = {
    backend: backendOf(kind),
    kernel: release(),
    id: plan.id,
    method: plan.method,
    tunType: plan.method === 'tun' ? plan.options.tunType : null,
    scheduler: plan.scheduler,
    persistence: plan.options.persistence,
    netmask: plan.options.netmask,
    schedFlags: plan.options.schedFlags,
    fwmark: plan.options.fwmark,
    lan: plan.options.lan,
    hold: plan.options.hold,
    flap: plan.options.flap,
    vip: plan.vip, vport: plan.vport, publicIp: plan.publicIp, publicPort: plan.publicPort, dip: plan.director.dip,
    hosts: plan.hosts.map((h) => ({ key: h.key, name: h.name, role: h.role, ns: h.ns, ifaces: h.ifaces.map((i) => ({ name: i.name, mac: i.mac, addrs: i.addrs, segment: i.segment })) })),
    realServers: plan.realServers.map((r) => ({ key: r.key, name: r.name, ip: r.ip, port: r.port, mac: r.mac, weight: r.weight, method: r.method })),
    services: plan.services.map((x) => ({
      protocol: x.protocol, vip: x.vip, vport: x.vport, publicIp: x.publicIp, publicPort: x.publicPort, fwmark: x.fwmark,
      scheduler: x.scheduler, persistence: x.persistence, netmask: x.netmask, schedFlags: x.schedFlags,
      realServers: x.dests.flatMap((d) => {
        const rs = plan.realServers[d.rs];
        return rs ? [{ key: rs.key, name: rs.name, ip: rs.ip, port: d.port, weight: d.weight, method: d.method }] : [];
      }),
    })),
    requests: results.map((r) => {
      const client = `${r.client.ip}:${r.localPort}`;
      const svc = plan.services[r.service ?? 0] ?? plan.services[0]!;
      const k = kernel ? kernelEntry(kernels, client) : null;
      const port = svc.dests.find((d) => plan.realServers[d.rs] === r.answeredBy)?.port ?? r.answeredBy?.port;
      const answeredBy = r.answeredBy ? `${r.answeredBy.ip}:${port}` : null;
      return {
        client, virtual: `${svc.vip}:${svc.vport}`, protocol: svc.protocol,
        realServer: k ? k.realServer : answeredBy,
        answeredBy,
        error: r.error,
      };
    }),
    ipvsadmCommands,
    captures: captures.map((c) => ({
      label: c.spec.label, host: c.spec.hostKey, ns: c.spec.ns, iface: c.spec.iface,
      file: c.file.slice(c.file.lastIndexOf('/') + 1), frames: c.frames, tcpdump: c.tcpdumpSummary,
    })),
    kernelTables: kernel,
    ...(ha ? { ha } : {}),
    ...(synFlood ? { synFlood } : {}),
  };
  return { ...base, connections, lab };
}

export interface RequestResult {
  readonly client: LabClient;
  readonly localPort: number;
  /** The real server named in the HTTP answer; null when the request failed. */
  readonly answeredBy: LabRealServer | null;
  readonly error: string | null;
  /** Which of plan.services it went to (absent: the first). */
  readonly service?: number;
}

interface ConnView {
  readonly report: ConnectionReport;
  readonly service: number;
  readonly rs: LabRealServer | null;
  readonly state: TcpState | 'UDP';
}

/** What the director's IPVS would hold: the lab's service, and one connection table for the run. */
interface DirectorReplay {
  readonly table: ConnectionTable;
  readonly service: VirtualService;
}

export function buildTruth(
  plan: LabPlan, kind: DirectorKind, results: readonly RequestResult[], frames: readonly LabFrame[], file: string,
): ClusterReport {
  const segments = new Set(plan.capture.segments);
  const onCapture = (seg: Segment, m: string): string | null => (segments.has(seg) ? m : null);

  const hosts: HostReport[] = [];
  for (const h of plan.hosts) {
    for (const i of h.ifaces) {
      for (const a of i.addrs) {
        const ip = a.split('/')[0] as string;
        if (plan.vips.includes(ip)) continue;
        hosts.push({ ip, mac: onCapture(i.segment, i.mac), role: h.role, name: h.name });
      }
    }
  }
  const vipSegment = plan.method === 'nat' ? 'wan' : 'lan';
  plan.vips.forEach((vip, k) => hosts.push({ ip: vip, mac: onCapture(vipSegment, plan.director.vipMac), role: 'director', name: k === 0 ? 'VIP' : `VIP${k + 1}` }));

  // The classic lab's service is built as the emulation builds it (labService); each of several as its own lines do.
  const replays: DirectorReplay[] = plan.services.length === 1
    ? [{ table: new ConnectionTable(), service: labService(plan).svc }]
    : plan.services.map((s) => ({ table: new ConnectionTable(), service: labServiceOf(plan, s).svc }));
  const views: ConnView[] = [];
  for (const r of results) {
    const k = r.service ?? 0;
    const replay = replays[k];
    const svc = plan.services[k];
    if (replay && svc) views.push(connectionView(plan, svc, k, r, frames, replay));
  }
  const connections = views.filter((v) => v.report.firstFrame > 0).map((v) => v.report);
  const weighted = plan.options.weights !== null || plan.services.length > 1;

  const services = plan.services.map((svc, k): ClusterReport['services'][number] => {
    const realServers: RealServerReport[] = svc.dests.flatMap((d) => {
      const rs = plan.realServers[d.rs];
      if (!rs) return [];
      const mine = views.filter((v) => v.service === k && v.rs === rs && v.report.firstFrame > 0);
      const active = mine.filter((v) => v.state !== 'UDP' && isActiveTcpState(v.state)).length;
      return [{
        ip: rs.ip, port: d.port, mac: rs.mac, weight: d.weight,
        connections: mine.length, activeAtEnd: active, inactiveAtEnd: mine.length - active,
      }];
    });
    const candidate: SchedulerCandidate = svc.scheduler === 'wrr' || weighted
      ? { name: svc.scheduler, score: 1, weights: Object.fromEntries(realServers.map((r) => [r.ip, r.weight ?? 1])) }
      : { name: svc.scheduler, score: 1 };
    const methods = [...new Set(svc.dests.map((d) => d.method))];
    return {
      vip: svc.vip, port: svc.vport, protocol: svc.protocol, fwmark: svc.fwmark,
      // A service whose real servers are reached by different methods has no one method.
      method: methods.length === 1 ? methods[0]! : 'unknown',
      methodEvidence: [describeDirector(kind, plan), `built by lvscope lab ${plan.id}`,
        ...(methods.length > 1 ? [`real servers by method: ${svc.dests.map((d) => `${plan.realServers[d.rs]?.ip} ${d.method}`).join(', ')}`] : [])],
      director: { ip: plan.director.dip, mac: plan.director.mac },
      scheduler: { name: svc.scheduler, confidence: 1, candidates: [candidate] },
      persistence: svc.persistence === null ? null : { timeoutAtLeast: svc.persistence },
      realServers,
    };
  });

  return {
    capture: { files: [file], frames: frames.length },
    hosts,
    services,
    connections,
    findings: findingsFor(plan, frames),
  };
}

function connectionView(plan: LabPlan, svc: LabServicePlan, service: number, r: RequestResult, frames: readonly LabFrame[], replay: DirectorReplay): ConnView {
  const cip = r.client.ip;
  const cport = r.localPort;
  const mine = frames.filter((f) => {
    const ip = innermost(f);
    if (!ip || !f.tcp) return false;
    return (ip.src === cip && f.tcp.sport === cport) || (ip.dst === cip && f.tcp.dport === cport);
  });
  const rs = r.answeredBy ?? pickedFromFrames(plan, svc, mine);
  const port = svc.dests.find((d) => plan.realServers[d.rs] === rs)?.port ?? rs?.port;
  if (svc.protocol === 'udp') {
    // A UDP entry has one state; with one client port every request shares it.
    return {
      rs, state: 'UDP', service,
      report: {
        protocol: 'udp', client: `${cip}:${cport}`, virtual: `${svc.vip}:${svc.vport}`,
        realServer: rs ? `${rs.ip}:${port}` : null, firstFrame: mine[0]?.n ?? 0, lastFrame: mine[mine.length - 1]?.n ?? 0, state: 'UDP',
      },
    };
  }
  const dest = rs && port !== undefined ? replay.service.findDest(rs.ip, port) : null;
  const d = plan.director;
  const toDirector = (f: LabFrame): boolean =>
    f.pktType !== null ? f.pktType === 0 : f.ethDst === d.mac || f.ethDst === d.vipMac;
  // The kernel's entry: created by the first client packet once a real server is chosen, then
  // every packet the director sees moves its state (INPUT_ONLY until a reply passes the director).
  let conn: Connection | null = null;
  for (const f of mine) {
    const ip = innermost(f);
    if (!ip || !f.tcp || !toDirector(f) || f.inner !== null) continue;
    if (ip.src === cip && ip.dst === svc.vip && f.tcp.dport === svc.vport) {
      if (conn === null && dest !== null) {
        conn = replay.table.create({
          protocol: 'tcp', caddr: cip, cport, vaddr: svc.vip, vport: svc.vport,
          daddr: dest.addr, dport: dest.port, dest, now: 0,
        });
      }
      if (conn !== null) replay.table.onPacket(conn, 'in', tcpFlags(f.tcp.flags), 0);
    } else if (conn !== null && ip.dst === cip && rs !== null && (ip.src === rs.ip || ip.src === svc.vip)) {
      replay.table.onPacket(conn, 'out', tcpFlags(f.tcp.flags), 0);
    }
  }
  // A capture that does not show what reaches the director from clients (at rs1, or on a NAT
  // director's LAN side) gets the state the exchange leads to: the server closes first, so
  // DR/TUN end in FIN_WAIT and NAT in TIME_WAIT. Where it could be seen, no packet means no entry,
  // and so does a request no real server took (IPVS keeps no entry without a destination).
  const inputVisible = plan.options.captureAt !== 'rs1' && !(plan.method === 'nat' && plan.options.captureAt === 'director');
  const fallback: TcpState = plan.method === 'nat' ? 'TIME_WAIT' : 'FIN_WAIT';
  // A TCP entry that is not a template only ever holds TCP states.
  const state: TcpState = conn !== null ? (conn.state as TcpState) : !inputVisible && r.answeredBy ? fallback : 'NONE';
  return {
    rs,
    state,
    service,
    report: {
      protocol: 'tcp',
      client: `${cip}:${cport}`,
      virtual: `${svc.vip}:${svc.vport}`,
      realServer: rs ? `${rs.ip}:${port}` : null,
      firstFrame: mine[0]?.n ?? 0,
      lastFrame: mine[mine.length - 1]?.n ?? 0,
      state,
    },
  };
}

function tcpFlags(bits: number): TcpFlags {
  return {
    syn: (bits & TCP_FLAG.SYN) !== 0, ack: (bits & TCP_FLAG.ACK) !== 0,
    fin: (bits & TCP_FLAG.FIN) !== 0, rst: (bits & TCP_FLAG.RST) !== 0,
  };
}

/** For a request that got no answer: where the director sent it, as the frames show. */
function pickedFromFrames(plan: LabPlan, svc: LabServicePlan, mine: readonly LabFrame[]): LabRealServer | null {
  for (const f of mine) {
    for (const d of svc.dests) {
      const rs = plan.realServers[d.rs];
      if (!rs) continue;
      if (d.method === 'nat' && f.ip?.dst === rs.ip && f.tcp?.dport === d.port) return rs;
      if (d.method === 'tun' && f.inner !== null && f.ip?.dst === rs.ip) return rs;
      if (d.method === 'dr' && f.ethSrc === plan.director.mac && f.ethDst === rs.mac && f.ip?.dst === svc.vip) return rs;
    }
  }
  return null;
}

function findingsFor(plan: LabPlan, frames: readonly LabFrame[]): FindingReport[] {
  const m = plan.options.misconfig;
  const bad = plan.realServers.find((r) => r.misconfigured);
  const out: FindingReport[] = [];
  const nums = (pred: (f: LabFrame) => boolean): number[] => frames.filter(pred).map((f) => f.n);
  const flood = plan.options.synFlood;
  if (flood !== null && flood >= SYN_FLOOD_MIN_ENTRIES) {
    out.push({
      code: 'syn-flood', severity: 'warning',
      message: `${flood} SYNs from made-up sources (${FLOOD_ROUTE}) that never complete the handshake: the director holds a SYN_RECV entry for each`,
      frames: nums((f) => f.tcp !== null && f.tcp.flags === TCP_FLAG.SYN && f.ip !== null && inFloodRoute(f.ip.src)).slice(0, 8),
    });
  }
  if (m === 'rs-arp' && bad) {
    out.push({
      code: 'rs-answers-arp-for-vip', severity: 'error',
      message: `real server ${bad.ip} (${bad.mac}) answers ARP for the VIP ${plan.vip}: it lacks arp_ignore=1/arp_announce=2`,
      frames: nums((f) => f.arp?.op === 2 && f.arp.spa === plan.vip && f.arp.sha === bad.mac),
    });
    const announces = nums((f) => f.arp?.op === 1 && f.arp.spa === plan.vip && f.arp.sha === bad.mac);
    if (announces.length > 0) {
      out.push({
        code: 'rs-announces-vip', severity: 'warning',
        message: `real server ${bad.ip} sends ARP requests with the VIP ${plan.vip} as sender address`,
        frames: announces,
      });
    }
  } else if (m === 'nat-gateway' && bad) {
    const clients = new Set(plan.clients.map((c) => c.ip));
    out.push({
      code: 'nat-reply-bypasses-director', severity: 'error',
      message: `real server ${bad.ip} replies through another gateway, not the DIP ${plan.director.dip}: its replies are never rewritten to the VIP`,
      frames: nums((f) => f.ip !== null && f.ip.src === bad.ip && clients.has(f.ip.dst) && f.tcp?.sport === bad.port &&
        f.ethDst !== plan.director.mac && f.pktType === null),
    });
  } else if (m === 'dr-reply-via-director' && bad) {
    out.push({
      code: 'dr-reply-via-director', severity: 'warning',
      message: `real server ${bad.ip} uses the director (${plan.director.dip}) as its default gateway: DR replies pass the director`,
      frames: nums((f) => f.ip !== null && f.ip.src === plan.vip && f.ethSrc === bad.mac && f.ethDst === plan.director.mac),
    });
  } else if (m === 'vip-primary') {
    out.push({
      code: 'vip-primary-on-director', severity: 'error',
      message: `the VIP ${plan.vip} is the director's primary address: its own ARP requests and pings carry the VIP, which real servers treat as their own`,
      frames: nums((f) => f.arp?.op === 1 && f.arp.spa === plan.vip && f.arp.sha === plan.director.mac),
    });
  }
  return out;
}
