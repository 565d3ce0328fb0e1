/** Writes a director-pair preset (presets.ts) as a capture, with each frame's note as its comment. */
import { PcapngWriter, PcapWriter, type ByteSink } from '../../capture/index.js';
import type { ClusterReport, HostReport } from '../../ipvs/report.js';
import { FINDING_CATALOG } from '../../ipvs/finding-catalog.js';
import { haPreset, type HaExpectation } from './presets.js';

export { HA_PRESET_SUMMARIES, isHaPreset, listHaPresets, type HaExpectation } from './presets.js';

export interface HaSynthOptions {
  readonly format?: 'pcapng' | 'pcap';
  readonly comments?: boolean;
  readonly lang?: 'en' | 'zh';
  readonly fileName?: string;
}

export interface HaSynthResult {
  readonly frames: number;
  readonly truth: ClusterReport;
  readonly seconds: number;
  readonly stamped: 0;
  readonly expect: HaExpectation;
  /** Mark name → frame number (1-based). */
  readonly marks: ReadonlyMap<string, number>;
}

/** 2015-08-16T10:00:00Z, the simulator's default start. */
const START_SEC = 1439719200;
const LINKTYPE_ETHERNET = 1;

export function synthesizeHa(name: string, sink: ByteSink, opts: HaSynthOptions = {}): HaSynthResult {
  const sc = haPreset(name);
  const frames = sc.lan.sorted();
  const lang = opts.lang ?? 'en';
  const comments = opts.comments ?? true;
  let ng: PcapngWriter | null = null;
  let pc: PcapWriter | null = null;
  let iface = 0;
  if ((opts.format ?? 'pcapng') === 'pcapng') {
    ng = new PcapngWriter(sink, { sectionComment: `lvscope synth: scenario ${sc.name} — ${sc.description} (captured on the directors' LAN)`, userAppl: 'lvscope synth' });
    iface = ng.addInterface({ linkType: LINKTYPE_ETHERNET, name: 'gateway:eth1', nanosecond: true });
  } else {
    pc = new PcapWriter(sink, { linkType: LINKTYPE_ETHERNET, nanosecond: true });
  }
  const marks = new Map<string, number>();
  frames.forEach((f, i) => {
    const ns = Math.round(f.t * 1e9);
    const sec = START_SEC + Math.floor(ns / 1e9);
    const nsec = ns % 1e9;
    if (ng !== null) ng.writePacket(iface, f.bytes, sec, nsec, comments ? { comment: f.note[lang] } : undefined);
    else pc!.writePacket(f.bytes, sec, nsec);
    for (const [m, t] of sc.marks) if (!marks.has(m) && Math.abs(t - f.t) < 1e-9) marks.set(m, i + 1);
  });
  (ng ?? pc)!.close();
  const hosts: HostReport[] = [
    ...sc.stations.map((s) => ({ ip: s.ip, mac: s.mac, role: s.role, name: s.name })),
    { ip: sc.vip, mac: null, role: 'director' as const, name: 'VIP' },
    ...sc.clients.map((ip, i) => ({ ip, mac: null, role: 'client' as const, name: `client${i + 1}` })),
  ];
  const truth: ClusterReport = {
    capture: { files: [opts.fileName ?? sc.name], frames: frames.length },
    hosts,
    services: [{
      vip: sc.vip, port: 80, protocol: 'tcp', fwmark: null, method: 'dr', director: { ip: null, mac: null },
      scheduler: { name: 'rr', confidence: 1, candidates: [] }, persistence: null,
      realServers: sc.stations.filter((s) => s.role === 'real-server').map((s) => ({ ip: s.ip, port: 80, mac: s.mac, connections: 0, activeAtEnd: 0, inactiveAtEnd: 0 })),
    }],
    connections: [],
    // As the other presets' truth: the catalog's weight and general meaning (no params: no particulars).
    findings: sc.expect.findings.map((code) => ({ code, severity: FINDING_CATALOG[code].severity, message: FINDING_CATALOG[code].about, frames: [] })),
  };
  const last = frames[frames.length - 1];
  return { frames: frames.length, truth, seconds: last?.t ?? 0, stamped: 0, expect: sc.expect, marks };
}
