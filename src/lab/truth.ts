/**
 * Ground truth for a lab capture, in the ClusterReport schema: what the lab built (hosts, MACs,
 * service, scheduler), which real server answered each request (from the HTTP answers, not from
 * the packets), and the findings its misconfiguration must produce. Frame numbers and IPVS
 * connection states are read from the capture, because they depend on where it was taken.
 */
import type {
  ClusterReport, ConnectionReport, FindingReport, HostReport, RealServerReport, SchedulerCandidate,
} from '../ipvs/report.js';
import { innermost, type LabFrame } from './frames.js';
import type { LabClient, LabPlan, LabRealServer } from './plan.js';
import { describeDirector, type DirectorKind } from './rules.js';

export interface RequestResult {
  readonly client: LabClient;
  readonly localPort: number;
  /** The real server named in the HTTP answer; null when the request failed. */
  readonly answeredBy: LabRealServer | null;
  readonly error: string | null;
}

// IPVS TCP states (reference §2.4/2.5) by index.
const S = ['NONE', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK'] as const;
type Row = readonly number[];
// Columns NONE ES SS SR FW TW CL CW LA LI SA; values are indices into S.
const NO = 0, ES = 1, SS = 2, SR = 3, FW = 4, TW = 5, CL = 6, CW = 7, LA = 8, LI = 9;
const TABLES: Readonly<Record<'input' | 'output' | 'inputOnly', readonly [Row, Row, Row, Row]>> = {
  // rows: syn, fin, ack, rst
  input: [
    [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR],
    [CL, CW, SS, TW, TW, TW, CL, CW, LA, LI, TW],
    [ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES],
    [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, SR],
  ],
  output: [
    [SS, ES, SS, SR, SS, SS, SS, SS, SS, LI, SR],
    [TW, FW, SS, TW, FW, TW, CL, TW, LA, LI, TW],
    [ES, ES, SS, ES, FW, TW, CL, CW, LA, ES, ES],
    [CL, CL, SS, CL, CL, TW, CL, CL, CL, CL, CL],
  ],
  inputOnly: [
    [SR, ES, ES, SR, SR, SR, SR, SR, SR, SR, SR],
    [CL, FW, SS, TW, FW, TW, CL, CW, LA, LI, TW],
    [ES, ES, SS, ES, FW, TW, CL, CW, CL, LI, ES],
    [CL, CL, CL, SR, CL, CL, CL, CL, LA, LI, CL],
  ],
};

/** RST first, then SYN, FIN, ACK (tcp_state_idx); none of them → CLOSE. */
export function nextTcpState(state: number, flags: number, table: keyof typeof TABLES): number {
  const row = flags & 0x04 ? 3 : flags & 0x02 ? 0 : flags & 0x01 ? 1 : flags & 0x10 ? 2 : -1;
  if (row < 0) return CL;
  const rows: readonly Row[] = TABLES[table];
  return rows[row]?.[state] ?? state;
}

const ACTIVE = new Set(['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'SYNACK']);

interface ConnView {
  readonly report: ConnectionReport;
  readonly rs: LabRealServer | null;
}

export function buildTruth(
  plan: LabPlan, kind: DirectorKind, results: readonly RequestResult[], frames: readonly LabFrame[], file: string,
): ClusterReport {
  const segments = new Set(plan.capture.segments);
  const onCapture = (seg: 'lan' | 'wan', m: string): string | null => (segments.has(seg) ? m : null);

  const hosts: HostReport[] = [];
  for (const h of plan.hosts) {
    for (const i of h.ifaces) {
      for (const a of i.addrs) {
        const ip = a.split('/')[0] as string;
        if (ip === plan.vip) continue;
        hosts.push({ ip, mac: onCapture(i.segment, i.mac), role: h.role, name: h.name });
      }
    }
  }
  const vipSegment = plan.method === 'nat' ? 'wan' : 'lan';
  hosts.push({ ip: plan.vip, mac: onCapture(vipSegment, plan.director.vipMac), role: 'director', name: 'VIP' });

  const views: ConnView[] = [];
  for (const r of results) views.push(connectionView(plan, r, frames));
  const connections = views.filter((v) => v.report.firstFrame > 0).map((v) => v.report);

  const realServers: RealServerReport[] = plan.realServers.map((rs) => {
    const mine = views.filter((v) => v.rs === rs && v.report.firstFrame > 0);
    const active = mine.filter((v) => ACTIVE.has(v.report.state)).length;
    return {
      ip: rs.ip, port: rs.port, mac: rs.mac, weight: rs.weight,
      connections: mine.length, activeAtEnd: active, inactiveAtEnd: mine.length - active,
    };
  });
  const candidate: SchedulerCandidate = plan.scheduler === 'wrr' || plan.options.weights !== null
    ? { name: plan.scheduler, score: 1, weights: Object.fromEntries(plan.realServers.map((r) => [r.ip, r.weight])) }
    : { name: plan.scheduler, score: 1 };

  return {
    capture: { files: [file], frames: frames.length },
    hosts,
    services: [{
      vip: plan.vip, port: plan.vport, protocol: 'tcp', fwmark: null, method: plan.method,
      methodEvidence: [describeDirector(kind, plan), `built by lvscope lab ${plan.id}`],
      director: { ip: plan.director.dip, mac: plan.director.mac },
      scheduler: { name: plan.scheduler, confidence: 1, candidates: [candidate] },
      persistence: null,
      realServers,
    }],
    connections,
    findings: findingsFor(plan, frames),
  };
}

function connectionView(plan: LabPlan, r: RequestResult, frames: readonly LabFrame[]): ConnView {
  const cip = r.client.ip;
  const cport = r.localPort;
  const mine = frames.filter((f) => {
    const ip = innermost(f);
    if (!ip || !f.tcp) return false;
    return (ip.src === cip && f.tcp.sport === cport) || (ip.dst === cip && f.tcp.dport === cport);
  });
  const rs = r.answeredBy ?? pickedFromFrames(plan, mine);
  const d = plan.director;
  const toDirector = (f: LabFrame): boolean =>
    f.pktType !== null ? f.pktType === 0 : f.ethDst === d.mac || f.ethDst === d.vipMac;
  let state = NO;
  let sawInput = false;
  let noOutput = plan.method !== 'nat';
  for (const f of mine) {
    const ip = innermost(f);
    if (!ip || !f.tcp || !toDirector(f) || f.inner !== null) continue;
    if (ip.src === cip && ip.dst === plan.vip && f.tcp.dport === plan.vport) {
      state = nextTcpState(state, f.tcp.flags, noOutput ? 'inputOnly' : 'input');
      sawInput = true;
    } else if (ip.dst === cip && rs !== null && (ip.src === rs.ip || ip.src === plan.vip)) {
      noOutput = false;
      state = nextTcpState(state, f.tcp.flags, 'output');
    }
  }
  // A capture that does not show what reaches the director from clients (at rs1, or on a NAT
  // director's LAN side) gets the state the exchange leads to: the server closes first, so
  // DR/TUN end in FIN_WAIT and NAT in TIME_WAIT. Where it could be seen, no packet means no entry.
  const inputVisible = plan.options.captureAt !== 'rs1' && !(plan.method === 'nat' && plan.options.captureAt === 'director');
  const fallback = plan.method === 'nat' ? 'TIME_WAIT' : 'FIN_WAIT';
  const name = sawInput ? S[state] : inputVisible ? 'NONE' : r.answeredBy ? fallback : 'NONE';
  return {
    rs,
    report: {
      protocol: 'tcp',
      client: `${cip}:${cport}`,
      virtual: `${plan.vip}:${plan.vport}`,
      realServer: rs ? `${rs.ip}:${rs.port}` : null,
      firstFrame: mine[0]?.n ?? 0,
      lastFrame: mine[mine.length - 1]?.n ?? 0,
      state: name as string,
    },
  };
}

/** For a request that got no answer: where the director sent it, as the frames show. */
function pickedFromFrames(plan: LabPlan, mine: readonly LabFrame[]): LabRealServer | null {
  for (const f of mine) {
    for (const rs of plan.realServers) {
      if (plan.method === 'nat' && f.ip?.dst === rs.ip && f.tcp?.dport === rs.port) return rs;
      if (plan.method === 'tun' && f.inner !== null && f.ip?.dst === rs.ip) return rs;
      if (plan.method === 'dr' && f.ethSrc === plan.director.mac && f.ethDst === rs.mac && f.ip?.dst === plan.vip) return rs;
    }
  }
  return null;
}

function findingsFor(plan: LabPlan, frames: readonly LabFrame[]): FindingReport[] {
  const m = plan.options.misconfig;
  const bad = plan.realServers.find((r) => r.misconfigured);
  const out: FindingReport[] = [];
  const nums = (pred: (f: LabFrame) => boolean): number[] => frames.filter(pred).map((f) => f.n);
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
