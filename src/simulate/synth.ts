/**
 * Runs a scenario and writes what the capture point saw: pcapng with one comment per packet
 * explaining it (or plain pcap), plus the truth (a ClusterReport) built from the simulation's
 * own knowledge, never from the capture.
 */
import { PcapWriter, PcapngWriter, type ByteSink } from '../capture/index.js';
import { FINDING_CATALOG } from '../ipvs/finding-catalog.js';
import { METHOD_OF_FORWARD } from '../ipvs/methods.js';
import type { ClusterReport, ConnectionReport, FindingCode, FindingReport, ForwardingMethod, HostReport, HostRole, SchedulerName, ServiceReport } from '../ipvs/report.js';
import type { Connection } from '../ipvs/connection-table.js';
import type { ServiceSpec } from '../ipvs/ipvsadm/model.js';
import { LINKTYPE } from '../decode/link-types.js';
import { emitFrame, MAX_FRAME, type LayerSpec } from '../wire/emit.js';
import { BROADCAST_MAC, formatIpv4, parseIpv4 } from '../wire/address.js';
import { buildWorld, type BuiltWorld } from './build.js';
import { FAST_WARM, FastPath, TemplateStore, type Arrival } from './fast.js';
import { MS, SEC, type Host, type Iface } from './net.js';
import { noteIn } from './notes-zh.js';
import { clonePacket, frameSpecs, packetSpecs, type Flow, type Frame, type Packet } from './packet.js';
import type { CapturePoint, Scenario } from './scenario.js';
import { ScenarioError } from './scenario.js';
import { PcapBatch } from './pcap-batch.js';
import { Stamper } from './stamp.js';
import type { Recording } from './stamp-template.js';
import { httpClient, probeClient, sshClient, uploadClient } from './tcp-apps.js';
import type { TcpApp } from './tcp.js';

export interface SynthOptions {
  readonly seed?: number;
  readonly format?: 'pcapng' | 'pcap';
  /** Per-packet comments (pcapng only); default true. */
  readonly comments?: boolean;
  /** Language of the packet comments (default en). */
  readonly lang?: 'en' | 'zh';
  readonly captureAt?: CapturePoint;
  /** Stop once this many frames are captured. */
  readonly maxFrames?: number;
  /** Name recorded in the truth's capture.files. */
  readonly fileName?: string;
  readonly adjustRules?: (specs: ServiceSpec[]) => ServiceSpec[];
  /** Called now and then with the frames written so far. */
  readonly onProgress?: (frames: number) => void;
  /**
   * Fast synthesis for bulk workloads (stamp.ts): once the full simulation has finished a few
   * connections per real server, later connections are scheduled by IPVS as usual but written
   * as stamped copies of a finished one. Not byte-identical to the full simulation; FULLNAT
   * scenarios always run in full.
   */
  readonly fast?: boolean;
}

export interface SynthResult {
  readonly frames: number;
  readonly truth: ClusterReport;
  /** Simulated time covered, seconds. */
  readonly seconds: number;
  /** Connections written by stamping (fast synthesis); 0 otherwise. */
  readonly stamped: number;
}

const DEFAULT_START = '2015-08-16T10:00:00Z';

interface CaptureTarget {
  readonly ifaces: readonly Iface[];
  /** Whole segment (flooding switch, like the walkthrough's firewall capture) or only this host's frames. */
  readonly promiscuous: boolean;
  readonly sll2: boolean;
  readonly name: string;
}

function resolveCapture(sc: Scenario, b: BuiltWorld, at: CapturePoint): CaptureTarget {
  const byRole = (role: string): Host | undefined => [...b.hosts.values()].find((h) => h.role === role);
  const named = sc.capture.at === at && sc.capture.host !== undefined ? b.hosts.get(sc.capture.host) : undefined;
  const dir = b.directorHost;
  const clusterNet = dir?.ifaces.find((i) => i.net.ifaces.some((o) => o.host.role === 'real-server'))?.net ?? dir?.ifaces[0]?.net;
  const pickIface = (h: Host): Iface => {
    if (sc.capture.at === at && sc.capture.iface !== undefined) {
      const f = h.ifaces.find((i) => i.name === sc.capture.iface);
      if (f === undefined) throw new ScenarioError(`capture: host ${h.name} has no interface ${sc.capture.iface}`);
      return f;
    }
    return h.ifaces.find((i) => i.net === clusterNet) ?? h.ifaces[0]!;
  };
  const need = (h: Host | undefined, what: string): Host => {
    if (h === undefined) throw new ScenarioError(`capture at ${at}: the scenario has no ${what}`);
    return h;
  };
  switch (at) {
    case 'firewall': {
      const h = need(named ?? byRole('gateway') ?? byRole('router'), 'firewall (a host with role gateway)');
      return { ifaces: [pickIface(h)], promiscuous: true, sll2: false, name: `${h.name}:${pickIface(h).name}` };
    }
    case 'director': {
      const h = need(named ?? dir ?? undefined, 'director');
      return { ifaces: [pickIface(h)], promiscuous: false, sll2: false, name: `${h.name}:${pickIface(h).name}` };
    }
    case 'director-any': {
      const h = need(named ?? dir ?? undefined, 'director');
      return { ifaces: h.ifaces, promiscuous: false, sll2: true, name: `${h.name}:any` };
    }
    case 'real-server': {
      const h = need(named ?? byRole('real-server'), 'real server');
      return { ifaces: [h.ifaces[0]!], promiscuous: false, sll2: false, name: `${h.name}:${h.ifaces[0]!.name}` };
    }
    case 'client': {
      const h = need(named ?? byRole('client'), 'client');
      return { ifaces: [h.ifaces[0]!], promiscuous: false, sll2: false, name: `${h.name}:${h.ifaces[0]!.name}` };
    }
  }
}

/** Simulate `sc` and write the capture into `sink`. */
export function synthesize(sc: Scenario, sink: ByteSink, opts: SynthOptions = {}): SynthResult {
  if (opts.fast !== true) return run(sc, sink, opts, null);
  // Fast synthesis: first a side run of a few unhurried connections gives templates for every
  // real server it reaches, so the main run can stamp after its first FAST_WARM connections.
  const store = new TemplateStore();
  const servers = sc.hosts.filter((h) => h.role === 'real-server').length;
  const side: Scenario = {
    ...sc,
    workload: { ...sc.workload, connections: Math.min(100, Math.max(FAST_WARM, 3 * servers + 1)), arrivals: 'fixed', intervalMs: 2000, longLived: 0 },
  };
  run(side, { write() {}, close() {} }, { ...opts, format: 'pcap', maxFrames: Infinity, onProgress: undefined }, { store, stamp: false });
  return run(sc, sink, opts, { store, stamp: true });
}

function run(sc: Scenario, sink: ByteSink, opts: SynthOptions, fastRun: { store: TemplateStore; stamp: boolean } | null): SynthResult {
  const seed = opts.seed ?? 1;
  const b = buildWorld(sc, { seed, adjustRules: opts.adjustRules });
  const { world } = b;
  const at = opts.captureAt ?? sc.capture.at;
  const target = resolveCapture(sc, b, at);
  const format = opts.format ?? 'pcapng';
  const comments = format === 'pcapng' && opts.comments !== false;
  const lang = opts.lang ?? 'en';
  const startMs = Date.parse(sc.start ?? DEFAULT_START);
  if (Number.isNaN(startMs)) throw new ScenarioError(`start ${JSON.stringify(sc.start)} is not an ISO 8601 time`);
  const startSec = Math.floor(startMs / 1000);
  const startNs = (startMs % 1000) * MS;
  const linkType = target.sll2 ? LINKTYPE.LINUX_SLL2 : LINKTYPE.ETHERNET;

  let pcapng: PcapngWriter | null = null;
  let pcap: PcapWriter | null = null;
  let ifIndex = 0;
  if (format === 'pcapng') {
    pcapng = new PcapngWriter(sink, {
      sectionComment: `lvscope synth: scenario ${sc.name}${sc.description !== undefined ? ` — ${sc.description}` : ''} (seed ${seed}, captured at ${at}: ${target.name})`,
      userAppl: 'lvscope synth',
    });
    ifIndex = pcapng.addInterface({ linkType, name: target.name, nanosecond: true });
  } else {
    pcap = new PcapWriter(sink, { linkType, nanosecond: true });
  }

  // ICMP quotes need the bytes of the offending datagram as it was sent.
  const quoteBuf = new Uint8Array(MAX_FRAME);
  world.quote = (p: Packet) => {
    const len = emitFrame(packetSpecs(clonePacket(p), []), quoteBuf);
    // Linux quotes up to 548 bytes; a cut segment would make Wireshark flag the quoted TCP
    // checksum as wrong, so a datagram that does not fit is quoted as RFC 792's header + 8 bytes.
    return quoteBuf.slice(0, len <= 548 ? len : 28);
  };

  const flows: Flow[] = [];
  const flowConn = new Map<Flow, Connection>();
  // FULLNAT rewrites client addresses, ports and sequence numbers per connection: always in full.
  const glue = fastRun !== null && b.director !== null && (b.director.opts.laddrs?.length ?? 0) === 0 ? b.director : null;
  const count = { frames: 0 };
  const maxFrames = opts.maxFrames ?? Infinity;
  const batch = glue !== null && pcap !== null ? new PcapBatch(sink) : null;
  const stamper = glue !== null && fastRun!.stamp ? new Stamper({
    glue, startSec, startNs, pcap: batch, comments, maxFrames, count, onProgress: opts.onProgress,
    writeNg: pcapng === null ? null : (data, sec, nsec, note) => pcapng!.writePacket(ifIndex, data, sec, nsec, note !== null ? { comment: noteIn(note, lang) } : undefined),
  }) : null;
  const fast = glue === null ? null : new FastPath(b, glue, linkType, target.ifaces.some((i) => i.host.role === 'client'), fastRun!.store,
    stamper === null ? null : { stamper, seed, flows, flowConn });
  const recordings = fast?.recordings ?? new Map<Flow, Recording>();
  const findings = new Map<FindingCode, number[]>();
  const natRips = new Set<string>();
  const directorMacs = new Set<string>(b.directorHost?.ifaces.map((i) => i.mac) ?? []);
  if (b.director !== null) {
    for (const svc of b.director.ipvs.services) for (const d of svc.dests) if (d.forward === 'nat') natRips.add(`${parseIpv4(d.addr)}:${d.port}`);
    b.director.onScheduled = (pkt, conn, _svc, why) => {
      const f = pkt.flow;
      if (f === null) return;
      f.realServer = `${conn.daddr}:${conn.dport}`;
      f.virtual = `${conn.vaddr}:${conn.vport}`;
      flowConn.set(f, conn);
      fast?.scheduled(f, why);
    };
  }

  const specs: LayerSpec[] = [];
  const out = new Uint8Array(MAX_FRAME);
  const record = (frame: Frame, from: Iface, capIface: Iface): void => {
    if (fast !== null && count.frames >= maxFrames) return;
    const frames = ++count.frames;
    specs.length = 0;
    if (target.sll2) {
      const outgoing = from === capIface;
      specs.push({ type: 'sll2', ifindex: capIface.index, pktType: outgoing ? 4 : frame.dst === BROADCAST_MAC ? 1 : 0, src: frame.src });
      if (frame.arp !== null) specs.push({ type: 'arp', op: frame.arp.op, sha: frame.arp.sha, spa: frame.arp.spa, tha: frame.arp.tha, tpa: frame.arp.tpa });
      else if (frame.ip !== null) packetSpecs(frame.ip, specs);
    } else {
      frameSpecs(frame, specs);
    }
    const len = emitFrame(specs, out);
    const t = startNs + world.now;
    const sec = startSec + Math.floor(t / SEC);
    const nsec = t % SEC;
    const data = out.subarray(0, len);
    if (pcapng !== null) pcapng.writePacket(ifIndex, data, sec, nsec, comments ? { comment: noteIn(frame.note, lang) } : undefined);
    else if (batch !== null) batch.write(data, sec, nsec);
    else pcap!.writePacket(data, sec, nsec);
    const p = frame.ip;
    let rec: Recording | undefined;
    if (p !== null) {
      const f = p.flow ?? p.inner?.flow ?? null;
      if (f !== null) {
        if (f.firstFrame === 0) f.firstFrame = frames;
        f.lastFrame = frames;
        if (fast !== null && (rec = recordings.get(f)) !== undefined) rec.steps.push({ kind: 'frame', t: world.now, bytes: data.slice(), note: frame.note });
      }
      if (natRips.size > 0 && natRips.has(`${p.src}:${p.sport}`) && !directorMacs.has(frame.dst) && !directorMacs.has(frame.src)) {
        addFinding(findings, 'nat-reply-bypasses-director', frames);
        if (rec !== undefined) rec.tainted = true;
      }
    } else {
      fast?.taintAll();
    }
    if (frame.findings !== null) {
      for (const c of frame.findings) addFinding(findings, c, frames);
      if (rec !== undefined) rec.tainted = true;
    }
    if (opts.onProgress !== undefined && (frames & 0xffff) === 0) opts.onProgress(frames);
  };
  for (const capIface of target.ifaces) {
    if (target.promiscuous) {
      capIface.net.observers.push((frame, from) => record(frame, from, capIface));
    } else {
      const mac = capIface.mac;
      capIface.net.observers.push((frame, from) => {
        if (from === capIface || frame.dst === mac || frame.dst === BROADCAST_MAC) record(frame, from, capIface);
      });
    }
  }

  if (stamper !== null) world.beforeEvent = (t) => stamper.drain(t);
  const lastStart = scheduleWorkload(sc, b, flows, () => count.frames >= maxFrames, fast);
  const tail = (sc.tailMs ?? 8000) * MS;
  const until = maxFrames === Infinity ? lastStart + tail : Infinity;
  world.run(until, () => count.frames >= maxFrames);
  if (stamper !== null) {
    world.beforeEvent = null;
    stamper.drain(until + 1);
  }
  batch?.flush();
  if (pcapng !== null) pcapng.close();
  else pcap!.close();

  for (const [f, c] of flowConn) f.state = c.state;
  const frames = count.frames;
  // Built when asked for (a bulk run may have tens of thousands of connections); nothing changes after the run.
  let truth: ClusterReport | null = null;
  return {
    frames, seconds: world.now / SEC, stamped: stamper?.started ?? 0,
    get truth(): ClusterReport { return (truth ??= buildTruth(sc, b, flows, findings, frames, opts.fileName ?? sc.name)); },
  };
}

function addFinding(map: Map<FindingCode, number[]>, code: FindingCode, frame: number): void {
  let list = map.get(code);
  if (list === undefined) map.set(code, (list = []));
  if (list.length < 100) list.push(frame);
}

/**
 * Client connections: fixed or Poisson arrivals over the client hosts in turn. Arrivals are
 * scheduled one at a time, so a million-packet run holds one pending arrival, not all of them.
 * Returns the time of the last arrival (Infinity when the workload is open-ended).
 */
function scheduleWorkload(sc: Scenario, b: BuiltWorld, flows: Flow[], stop: () => boolean, fast: FastPath | null = null): number {
  const w = sc.workload;
  const world = b.world;
  const clientNames = w.clients ?? [...b.defs.values()].filter((d) => d.role === 'client').map((d) => d.name);
  if (clientNames.length === 0) throw new ScenarioError('workload: no client hosts');
  const clients = clientNames.map((n) => {
    const h = b.hosts.get(n);
    if (h === undefined) throw new ScenarioError(`workload: unknown client host ${n}`);
    return h;
  });
  const [ta = '', tp = '80'] = w.target.split(':');
  const targetIp = parseIpv4(ta);
  if (Number.isNaN(targetIp)) throw new ScenarioError(`workload.target ${JSON.stringify(w.target)} is not ip:port`);
  const ports = w.ports ?? [{ port: Number(tp), app: 'http' as const }];
  // The address the director sees: the firewall's DNAT target when there is one.
  const dnatTo = new Map<string, string>();
  for (const d of sc.hosts) for (const r of d.dnat ?? []) dnatTo.set(r.from, r.to.includes(':') ? r.to : `${r.to}:${r.from.split(':')[1]}`);
  const interval = (w.intervalMs ?? 1000) * MS;
  const total = w.connections;
  const longLived = w.longLived ?? 0;
  const rng = world.rng.fork(999);
  let started = 0;

  const open = (i: number, long: boolean): void => {
    const client = clients[i % clients.length]!;
    const svc = ports[i % ports.length]!;
    const stack = b.stacks.get(client.name)!;
    const rt = client.route(targetIp);
    if (rt === null) throw new ScenarioError(`client ${client.name} has no route to ${ta}`);
    const pub = `${ta}:${svc.port}`;
    let arrival: Arrival | null = null;
    let lport: number | undefined;
    if (w.reusePort !== undefined) lport = w.reusePort;
    else if (fast !== null && !long) {
      arrival = { client, stack, src: rt.src, iface: rt.iface, port: svc.port, virtual: dnatTo.get(pub) ?? pub };
      const d = fast.decide(arrival);
      if (d === 'stamped') return;
      lport = d;
    }
    const onDone = (): void => {};
    let app: TcpApp;
    if (svc.app === 'ssh') app = sshClient(onDone);
    else if (svc.app === 'https') app = probeClient(onDone);
    else if (svc.app === 'upload') app = uploadClient(w.requestBytes ?? 4000, onDone);
    else {
      app = httpClient({
        host: ta, requests: long ? 1e9 : w.requestsPerConnection ?? 1, thinkNs: (long ? 1000 : w.thinkMs ?? 200) * MS,
        requestBytes: ports.some((p) => p.app === 'upload') ? 0 : w.requestBytes ?? 0, close: long ? 'server' : w.close ?? 'client', userAgent: w.userAgent ?? 'curl/7.29.0', onDone,
      });
    }
    const s = stack.open(rt.src, targetIp, svc.port, null, app, `${ta}:${svc.port}`, lport);
    const f: Flow = {
      id: flows.length + 1, protocol: 'tcp', client: `${formatIpv4(rt.src)}:${s.lport}`, virtual: dnatTo.get(pub) ?? pub,
      realServer: null, realServerName: null, firstFrame: 0, lastFrame: 0, state: 'NONE', serviceKey: null,
    };
    flows.push(f);
    s.flow = f;
    if (arrival !== null) fast!.opened(arrival, f, s.lport);
    s.connect(`${client.name} opens a connection to ${pub} (SYN)`);
  };

  const gap = (): number => Math.round(w.arrivals === 'poisson' ? rng.exp(interval) : interval);
  let t = 0;
  let last = 0;
  if (Number.isFinite(total)) {
    // Precompute the arrival times so the end of the run is known.
    const times: number[] = [];
    for (let i = 0; i < total; i++) { times.push(t); t += gap(); }
    last = times[times.length - 1] ?? 0;
    let next = 0;
    const arrive = (): void => {
      if (stop()) return;
      open(started++, false);
      next++;
      if (next < times.length) world.at(times[next]!, arrive);
    };
    if (times.length > 0) world.at(times[0]!, arrive);
  } else {
    const arrive = (): void => {
      if (stop()) return;
      open(started++, false);
      world.at(world.now + gap(), arrive);
    };
    world.at(0, arrive);
    last = Infinity;
  }
  for (let k = 0; k < longLived; k++) world.at(Math.round(interval / 2) + k * MS, () => open(started++, true));
  return last;
}

const ROLE: Readonly<Record<string, HostRole>> = {
  client: 'client', gateway: 'gateway', director: 'director', 'real-server': 'real-server', router: 'other',
};

function buildTruth(sc: Scenario, b: BuiltWorld, flows: readonly Flow[], findings: ReadonlyMap<FindingCode, number[]>, frames: number, file: string): ClusterReport {
  const hosts: HostReport[] = [];
  for (const h of b.hosts.values()) {
    for (const a of h.addrs) {
      if (a.iface === null) continue;
      hosts.push({ ip: formatIpv4(a.ip), mac: a.iface.mac, role: ROLE[h.role] ?? 'other', name: h.name });
    }
  }
  const services: ServiceReport[] = [];
  const seen = flows.filter((f) => f.firstFrame > 0);
  // Flows by real server address, with their virtual address split once (a million-packet run has tens of thousands).
  const byRip = new Map<string, Array<{ vip: string; port: number }>>();
  for (const f of seen) {
    if (f.realServer === null) continue;
    const ip = f.realServer.split(':')[0]!;
    let l = byRip.get(ip);
    if (l === undefined) byRip.set(ip, (l = []));
    const [vip = '', port = '0'] = f.virtual.split(':');
    l.push({ vip, port: Number(port) });
  }
  const glue = b.director;
  if (glue !== null) {
    for (const svc of glue.ipvs.services) {
      const first = svc.dests[0];
      const method: ForwardingMethod = first === undefined ? 'unknown' : METHOD_OF_FORWARD[first.forward];
      const rt = first !== undefined ? b.directorHost!.route(parseIpv4(first.addr)) : null;
      const mark = svc.fwmark !== 0 ? glue.opts.fwmarks?.find((m) => m.mark === svc.fwmark) : undefined;
      const vip = mark?.dst ?? svc.vip;
      const sched = svc.schedulerNameValue as SchedulerName;
      const weights: Record<string, number> = {};
      for (const d of svc.sortedDests()) weights[d.addr] = d.weight;
      services.push({
        vip, port: svc.port, protocol: svc.protocol === 'udp' ? 'udp' : 'tcp', fwmark: svc.fwmark !== 0 ? svc.fwmark : null, method,
        methodEvidence: ['simulated: the forwarding method is the one configured in the rules'],
        director: { ip: rt === null ? null : formatIpv4(rt.src), mac: rt?.iface.mac ?? null },
        scheduler: { name: sched, confidence: 1, candidates: [{ name: sched, score: 1, weights }] },
        persistence: svc.persistence === null ? null : { timeoutAtLeast: svc.persistence },
        realServers: svc.sortedDests().map((d) => ({
          ip: d.addr, port: d.port, mac: d.forward === 'tun' ? null : b.macOf.get(parseIpv4(d.addr)) ?? null, weight: d.weight,
          connections: (byRip.get(d.addr) ?? []).filter((v) => belongs(v, svc.vip, svc.port, vip)).length,
          activeAtEnd: d.activeConns, inactiveAtEnd: d.inactConns,
        })),
      });
    }
  }
  const connections: ConnectionReport[] = seen
    .sort((x, y) => x.firstFrame - y.firstFrame)
    .map((f) => ({ protocol: f.protocol, client: f.client, virtual: f.virtual, realServer: f.realServer, firstFrame: f.firstFrame, lastFrame: f.lastFrame, state: f.state }));
  const list: FindingReport[] = [...findings.entries()]
    .sort((x, y) => (x[1][0] ?? 0) - (y[1][0] ?? 0))
    .map(([code, fr]) => ({ code, severity: FINDING_CATALOG[code].severity, message: FINDING_CATALOG[code].about, frames: fr }));
  void sc;
  return { capture: { files: [file], frames }, hosts, services, connections, findings: list };
}

function belongs(v: { vip: string; port: number }, svcVip: string, svcPort: number, vip: string): boolean {
  if (svcVip === '0.0.0.0' || svcPort === 0) return v.vip === vip;
  return v.vip === svcVip && v.port === svcPort;
}
