/**
 * Everything the HTML walkthrough shows, as plain data: the ladder's columns, each frame with its
 * explanation in both languages, its layers and bytes, the connections, the cluster and the
 * findings. One pass of the model (seeded with the first pass's knowledge) feeds both languages.
 */
import { Explainer, localizeFindings, schedulerWord, type Lang } from '../../annotate/index.js';
import type { SourcedFrame } from '../../decode/index.js';
import { isActiveTcpState, TCP_STATES, TCP_TIMEOUTS, UDP_TIMEOUT } from '../../ipvs/tcp-states.js';
import type { FindingSeverity, ForwardingMethod, HostRole, SchedulerReport } from '../../ipvs/report.js';
import { ipPort, type Knowledge, type Summary } from '../../model/index.js';
import { factsPass } from '../../pipeline/index.js';
import { makeStyle } from '../analyze-style.js';
import { renderSummary } from '../analyze-summary.js';
import { frameDetail } from '../frame-detail.js';
import { inferredSpecs, renderIpvsadmConns, renderIpvsadmList } from '../ipvsadm-view.js';
import { hopSentence, rewriteMark } from '../hop.js';

/** Both languages of one text: [English, Chinese]. */
export type Both = readonly [string, string];

export type ColumnRole = HostRole | 'mixed';

export interface ReportColumn {
  readonly role: ColumnRole;
  readonly label: Both;
  /** The address under the label (an IP, or a count of hosts merged into the column). */
  readonly sub: string;
}

/** [name, value, start, end): a field and the frame bytes it came from. */
export type ReportField = readonly [string, string, number, number];

export interface ReportFrame {
  readonly n: number;
  /** Seconds since the first frame. */
  readonly t: number;
  /** Sender's and receiver's column; receiver -1 for a broadcast. */
  readonly a: number;
  readonly b: number;
  readonly s: string;
  readonly e: Both;
  /** The director's rewrite, on its hop: the mark and the sentence. */
  readonly m: Both | null;
  readonly h: Both | null;
  /** Connection (1-based) and its IPVS state after this frame; 0 and '' for none. */
  readonly c: number;
  readonly st: string;
  readonly f: readonly string[];
  readonly L: readonly (readonly [string, readonly ReportField[]])[];
  /** The frame's bytes, base64. */
  readonly x: string;
  readonly len: number;
}

export interface ReportConn {
  readonly p: 'TCP' | 'UDP';
  readonly client: string;
  readonly virtual: string;
  readonly rs: string | null;
}

export interface ReportService {
  readonly protocol: 'TCP' | 'UDP';
  readonly virtual: string;
  /** The scheduler, or the verdict and the candidates when none stands out. */
  readonly scheduler: Both;
  readonly method: ForwardingMethod;
  readonly dests: readonly { readonly rs: string; readonly forward: string; readonly weight: number; readonly name: string | null }[];
}

export interface ReportFinding {
  readonly severity: FindingSeverity;
  readonly code: string;
  readonly message: Both;
  readonly frames: readonly number[];
}

export interface ReportData {
  readonly version: 1;
  readonly title: string;
  readonly lang: Lang;
  /** Frames in the capture, and how many of them the page holds. */
  readonly total: number;
  readonly shown: number;
  readonly columns: readonly ReportColumn[];
  readonly frames: readonly ReportFrame[];
  readonly conns: readonly ReportConn[];
  readonly services: readonly ReportService[];
  /** Seconds an entry lives in each state (ip_vs_proto_tcp.c / udp), and the states counted active. */
  readonly timeouts: Readonly<Record<string, number>>;
  readonly active: readonly string[];
  readonly cluster: Both;
  readonly ipvsadmList: string;
  readonly ipvsadmConns: string;
  readonly findings: readonly ReportFinding[];
}

export interface ReportOptions {
  readonly title: string;
  readonly lang: Lang;
  /** Frames the page holds at most (the rest of the capture is in the cluster and the findings only). */
  readonly maxFrames: number;
  readonly vips?: readonly { ip: string; port: number | null }[];
  /** The frame's bytes, by its file and number there. */
  readonly bytes: (frame: SourcedFrame) => Uint8Array | null;
  readonly onFrame?: (n: number) => void;
}

/** More columns than this and the clients, then the other hosts, share one column each. */
const MAX_COLUMNS = 8;
const ROLE_ORDER: readonly ColumnRole[] = ['client', 'gateway', 'director', 'real-server', 'other', 'mixed'];
const FORWARD_WORD: Readonly<Record<string, string>> = { dr: 'Route', nat: 'Masq', tun: 'Tunnel', fullnat: 'FullNat' };

interface Ends {
  readonly from: string;
  readonly to: string | null;
}

export function buildReportData(frames: Iterable<SourcedFrame>, summary: Summary, opts: ReportOptions): ReportData {
  const k = summary.knowledge;
  const en = new Explainer({ knowledge: k, lang: 'en', findingFrames: summary.findingFrames });
  const zh = new Explainer({ knowledge: k, lang: 'zh', findingFrames: summary.findingFrames });
  const rows: Omit<ReportFrame, 'a' | 'b'>[] = [];
  const ends: Ends[] = [];
  const conns: ReportConn[] = [];
  let t0 = Number.NaN;
  for (const { frame, facts } of factsPass(frames, k, { vips: opts.vips })) {
    if (rows.length >= opts.maxFrames) break;
    const t = frame.tsSec + frame.tsNsec / 1e9;
    if (Number.isNaN(t0)) t0 = t;
    const flow = facts.flow;
    if (flow !== null) {
      const c = conns[flow.connIndex - 1];
      if (c === undefined) conns[flow.connIndex - 1] = { p: flow.protocol === 'udp' ? 'UDP' : 'TCP', client: flow.client, virtual: flow.virtual, rs: flow.realServer };
      else if (c.rs === null && flow.realServer !== null) conns[flow.connIndex - 1] = { ...c, rs: flow.realServer };
    }
    const rsName = flow === null ? '?' : nameOf(k, flow.rsIp, flow.rsMac);
    const mark = both((l) => rewriteMark(facts, rsName, l));
    const hop = both((l) => hopSentence(facts, rsName, l));
    const bytes = opts.bytes(frame);
    rows.push({
      n: frame.n, t: Number((t - t0).toFixed(9)), s: facts.summary,
      e: [en.explain(facts).text, zh.explain(facts).text], m: mark, h: hop,
      c: flow?.connIndex ?? 0, st: flow?.state ?? '',
      f: [...new Set([...facts.findings, ...(summary.findingFrames.get(frame.n) ?? [])])],
      L: frameDetail(frame).map((l) => [l.title, l.fields.map((x) => [x.name, x.value, x.start, x.end] as const)] as const),
      x: bytes === null ? '' : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64'),
      len: frame.len,
    });
    ends.push({ from: endKey(k, facts.srcRole, facts.srcMac, facts.src), to: facts.dstRole === 'broadcast' ? null : endKey(k, facts.dstRole, facts.dstMac, facts.dst) });
    opts.onFrame?.(frame.n);
  }
  for (let i = 0; i < conns.length; i++) conns[i] ??= { p: 'TCP', client: '?', virtual: '?', rs: null };
  const { columns, index } = layColumns(k, ends);
  const r = summary.report;
  const plain = makeStyle(false);
  const specs = inferredSpecs(summary);
  return {
    version: 1,
    title: opts.title,
    lang: opts.lang,
    total: r.capture.frames,
    shown: rows.length,
    columns,
    frames: rows.map((row, i) => ({ ...row, a: index(ends[i]!.from), b: ends[i]!.to === null ? -1 : index(ends[i]!.to!) })),
    conns,
    services: specs.map((s, i) => ({
      protocol: s.protocol === 'udp' ? 'UDP' : 'TCP',
      virtual: ipPort(s.vip, s.port),
      scheduler: schedulerText(summary.services[i]?.report.scheduler),
      method: summary.services[i]?.report.method ?? 'unknown',
      dests: s.dests.map((d) => ({ rs: ipPort(d.addr, d.port), forward: d.forwardUnseen === true ? '?' : FORWARD_WORD[d.forward] ?? d.forward, weight: d.weight, name: k.names.get(d.addr) ?? null })),
    })),
    timeouts: { ...TCP_TIMEOUTS, UDP: UDP_TIMEOUT },
    active: TCP_STATES.filter((s) => isActiveTcpState(s)),
    cluster: [renderSummary(summary, plain, 'en'), renderSummary(summary, plain, 'zh')],
    ipvsadmList: renderIpvsadmList(summary),
    ipvsadmConns: renderIpvsadmConns(summary),
    findings: zipFindings(summary),
  };
}

function both(make: (lang: Lang) => string | null): Both | null {
  const a = make('en');
  const b = make('zh');
  return a === null || b === null ? null : [a, b];
}

function nameOf(k: Knowledge, rip: string | null, mac: string | null): string {
  const ip = rip ?? (mac !== null ? k.rsMacs.get(mac) ?? null : null);
  if (ip === null) return '?';
  return k.names.get(ip) ?? ip;
}

function gatewayIpOf(k: Knowledge, mac: string): string | null {
  for (const ip of k.gatewayIps) if (k.ipMac.get(ip) === mac) return ip;
  return null;
}

/** One column per host on the wire: by MAC where the role says who is on the wire, else by IP. */
function endKey(k: Knowledge, role: string, mac: string, ip: string): string {
  switch (role) {
    case 'director': return 'director|';
    case 'real-server': return `real-server|${k.rsMacs.get(mac) ?? ip}`;
    case 'gateway': return `gateway|${gatewayIpOf(k, mac) ?? ip}`;
    case 'client': return `client|${ip}`;
    default: return `other|${ip !== '' ? ip : mac}`;
  }
}

const ROLE_LABEL: Readonly<Record<ColumnRole, Both>> = {
  client: ['client', '客户端'], gateway: ['gateway', '网关'], director: ['Director', 'Director'],
  'real-server': ['real server', 'Real Server'], other: ['host', '主机'], mixed: ['hosts', '主机'],
};
const MERGED_LABEL: Readonly<Record<ColumnRole, Both>> = {
  client: ['clients', '客户端'], gateway: ['gateways', '网关'], director: ['Director', 'Director'],
  'real-server': ['real servers', 'Real Server'], other: ['other hosts', '其他主机'], mixed: ['hosts', '主机'],
};

function layColumns(k: Knowledge, ends: readonly Ends[]): { columns: ReportColumn[]; index: (key: string) => number } {
  const seen = new Map<string, number>();
  for (const e of ends) for (const key of [e.from, e.to]) if (key !== null) seen.set(key, (seen.get(key) ?? 0) + 1);
  const roleOf = (key: string): ColumnRole => key.slice(0, key.indexOf('|')) as ColumnRole;
  const keys = [...seen.keys()].sort((x, y) => ROLE_ORDER.indexOf(roleOf(x)) - ROLE_ORDER.indexOf(roleOf(y)) || compareAddr(x, y));
  // Too many hosts for a projector: merge clients, then other hosts, into one column each.
  const merged = new Set<ColumnRole>();
  for (const role of ['client', 'other', 'gateway', 'real-server'] as const) {
    const distinct = new Set(keys.map((key) => (merged.has(roleOf(key)) ? roleOf(key) : key)));
    if (distinct.size <= MAX_COLUMNS) break;
    merged.add(role);
  }
  const columns: ReportColumn[] = [];
  const at = new Map<string, number>();
  const mergedAt = new Map<ColumnRole, number>();
  for (const key of keys) {
    const role = roleOf(key);
    const addr = key.slice(key.indexOf('|') + 1);
    if (merged.has(role)) {
      let i = mergedAt.get(role);
      if (i === undefined) {
        i = columns.length;
        mergedAt.set(role, i);
        const count = keys.filter((x) => roleOf(x) === role).length;
        columns.push({ role, label: MERGED_LABEL[role], sub: `×${count}` });
      }
      at.set(key, i);
      continue;
    }
    at.set(key, columns.length);
    const name = addr === '' ? null : k.names.get(addr) ?? null;
    const sub = role === 'director' ? [...k.vips].slice(0, 2).map((v) => `VIP ${v}`).join(' ') || [...k.directorIps][0] || '' : addr;
    columns.push({ role, label: name !== null ? [name, name] : ROLE_LABEL[role], sub });
  }
  return { columns, index: (key) => at.get(key) ?? 0 };
}

function compareAddr(x: string, y: string): number {
  return x.localeCompare(y, 'en', { numeric: true });
}

function zipFindings(summary: Summary): ReportFinding[] {
  const en = localizeFindings(summary.report.findings, 'en');
  const zh = localizeFindings(summary.report.findings, 'zh');
  return en.map((f, i) => ({ severity: f.severity, code: f.code, message: [f.message, zh[i]?.message ?? f.message], frames: f.frames }));
}

function schedulerText(s: SchedulerReport | undefined): Both {
  if (s === undefined) return ['?', '?'];
  const top = s.candidates[0]?.score ?? 0;
  const cands = s.candidates.filter((c) => c.score >= top - 1e-9).map((c) => c.name).join('/');
  const tail = s.name === 'ambiguous' && cands !== '' ? ` (${cands})` : '';
  return [`${schedulerWord(s, 'en')}${tail}`, `${schedulerWord(s, 'zh')}${tail === '' ? '' : `（${cands}）`}`];
}
