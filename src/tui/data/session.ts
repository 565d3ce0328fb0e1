/**
 * CaptureSession: the TUI's store. It owns the frame index, the on-demand decoder and the
 * background analysis, and answers the components in view records (types.ts). Components never
 * see a DecodedFrame or a FrameFacts; they subscribe and read slices (Gatsby's "store drives a TUI").
 */
import { markWeights, schedulerLabel } from '../../present/guess.js';
import { formatList, type ServiceSpec } from '../../ipvs/ipvsadm/index.js';
import { isActiveTcpState, TCP_TIMEOUTS, UDP_TIMEOUT, type TcpState } from '../../ipvs/tcp-states.js';
import { FORWARD_OF_METHOD } from '../../ipvs/methods.js';
import type { FindingCode, ServiceReport } from '../../ipvs/report.js';
import type { DirectorPairReport } from '../../ipvs/director-pair.js';
import type { FrameFacts } from '../../model/types.js';
import { frameDetail } from '../../present/frame-detail.js';
import { hopSentence, rewriteMark } from '../../present/hop.js';
import { formatFrameLine } from '../../present/frame-summary.js';
import { formatTimeOfDay } from '../../present/time.js';
import { Analysis, PROTO } from './analysis.js';
import { addressTest, compare, looksLikeDisplayFilter, numberValue, parseDisplayFilter, type FilterExpr } from './display-filter.js';
import { buildFrameIndex, type FrameIndex } from './frame-index.js';
import { FrameStore } from './frame-store.js';
import type { ModelPort } from './model-port.js';
import type {
  Actor, ClusterView, ConnRow, FindingView, FrameDetailView, FrameRow, FrameSet, Lang, RoleWord, StatusView, MasterAt,
} from './types.js';

export interface SessionOptions {
  readonly port: ModelPort;
  /** Bytes per read while indexing (tests use small values). */
  readonly chunkSize?: number;
}

const ROW_CACHE = 2048;

const ALL_FRAMES = (count: number): FrameSet => ({
  all: true, count, at: (k) => k + 1, indexOf: (n) => Math.min(Math.max(n - 1, 0), count),
});

export class CaptureSession {
  readonly index: FrameIndex;
  private readonly store: FrameStore;
  readonly analysis: Analysis;
  private readonly rows = new Map<number, FrameRow>();
  private readonly listeners = new Set<() => void>();
  private versionNo = 0;
  private findingFrames: Map<number, string[]> | null = null;
  private readonly nano: boolean;

  private readonly options: SessionOptions;

  private constructor(paths: readonly string[], options: SessionOptions) {
    this.options = options;
    this.index = buildFrameIndex(paths, options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize });
    this.store = new FrameStore(this.index);
    this.analysis = new Analysis(this.index, this.store, options.port);
    this.nano = this.index.infos.some((i) => i.nanosecond);
    this.analysis.onChange(() => {
      this.rows.clear();
      this.findingFrames = null;
      this.versionNo++;
      for (const fn of this.listeners) fn();
    });
  }

  /** Indexes the captures (one pass, nothing decoded). Throws CaptureFormatError for a non-capture. */
  static open(paths: readonly string[], options: SessionOptions): CaptureSession {
    return new CaptureSession(paths, options);
  }

  get count(): number {
    return this.index.count;
  }

  /** Bumped whenever the analysis learns something; components re-read on change. */
  get version(): number {
    return this.versionNo;
  }

  subscribe(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => { this.listeners.delete(fn); };
  }

  /** Runs the analysis in the background (resolves when it is done). */
  start(): Promise<void> {
    return this.analysis.run();
  }

  /** Runs the analysis to the end before returning (tests, small captures). */
  analyseNow(): void {
    this.analysis.runSync();
    this.rows.clear();
    this.findingFrames = null;
    this.versionNo++;
  }

  close(): void {
    this.analysis.stop();
    this.store.close();
  }

  actors(): readonly Actor[] {
    return this.analysis.actors.list;
  }

  private framesWithFindings(): Map<number, string[]> {
    if (this.findingFrames !== null) return this.findingFrames;
    const m = new Map<number, string[]>();
    for (const f of this.analysis.report?.findings ?? []) {
      for (const n of f.frames) {
        const list = m.get(n) ?? [];
        if (!list.includes(f.code)) list.push(f.code);
        m.set(n, list);
      }
    }
    this.findingFrames = m;
    return m;
  }

  row(n: number): FrameRow {
    const hit = this.rows.get(n);
    if (hit !== undefined) return hit;
    const row = this.buildRow(n);
    this.rows.set(n, row);
    if (this.rows.size > ROW_CACHE) this.rows.delete(this.rows.keys().next().value!);
    return row;
  }

  private buildRow(n: number): FrameRow {
    const ix = this.index;
    const k = n - 1;
    const stored = this.store.get(n);
    const facts = this.analysis.facts(n);
    const time = formatTimeOfDay(ix.tsSec[k] ?? 0, ix.tsNsec[k] ?? 0, this.nano);
    const rel = ix.count === 0 ? 0 : (ix.tsSec[k]! - ix.tsSec[0]!) + (ix.tsNsec[k]! - ix.tsNsec[0]!) / 1e9;
    const findings = [...new Set([...(facts?.findings ?? []), ...(this.framesWithFindings().get(n) ?? [])])];
    if (facts === null) {
      return {
        n, time, rel, from: '?', to: '?', fromKind: null, toKind: null, fromActor: -1, toActor: -1,
        summary: stored === null ? '(unreadable)' : formatFrameLine(stored.frame), conn: 0, rewrite: null, findings,
      };
    }
    const a = this.analysis;
    const recorded = k < a.explained && a.phase !== 'learning';
    const fromActor = recorded ? a.columns.srcActor[k]! : a.actorOf(facts.srcRole, facts.srcMac, facts.src, facts);
    const toActor = recorded ? a.columns.dstActor[k]! : a.actorOf(facts.dstRole, facts.dstMac, facts.dst, facts);
    return {
      n, time, rel,
      from: this.endName(fromActor, facts.srcRole, facts.src),
      to: this.endName(toActor, facts.dstRole, facts.dst),
      fromKind: this.endKind(fromActor, facts.srcRole),
      toKind: this.endKind(toActor, facts.dstRole),
      fromActor, toActor,
      summary: facts.summary,
      conn: facts.flow?.connIndex ?? 0,
      rewrite: this.rewriteOf(facts),
      findings,
    };
  }

  private endName(actor: number, role: string, address: string): string {
    if (role === 'broadcast') return 'broadcast';
    const a = this.analysis.actors.list[actor];
    if (a === undefined || a.kind === 'other') return address;
    return a.label;
  }

  private endKind(actor: number, role: string): RoleWord | null {
    if (role === 'broadcast') return 'broadcast';
    const a = this.analysis.actors.list[actor];
    if (a?.key.startsWith('dir:') === true) return null;
    const kind = a?.kind;
    return kind === 'client' || kind === 'gateway' || kind === 'director' ? kind : null;
  }

  /** What the director's copy changed, for the ladder's mark on the director's hop. */
  private rewriteOf(facts: FrameFacts): string | null {
    // The ladder marks a director pair's takeover on the new master's first advert.
    if (facts.ha?.kind === 'advert' && facts.ha.event === 'takeover') return facts.ha.reason === 'preempted' ? 'PREEMPT' : 'TAKEOVER';
    const flow = facts.flow;
    if (flow === null) return null;
    const rs = flow.rsIp === null ? flow.rsMac ?? '?' : this.analysis.nameOf(flow.rsIp);
    return rewriteMark(facts, rs, 'en', true);
  }

  detail(n: number, lang: Lang): FrameDetailView | null {
    const stored = this.store.get(n);
    if (stored === null) return null;
    const row = this.row(n);
    const facts = this.analysis.facts(n);
    const explanation = facts === null
      ? (lang === 'zh' ? '（模型对这一帧没有说明）' : '(the model has nothing to say about this frame)')
      : this.options.port.explain(facts, lang, this.analysis.knowledge);
    return { row, explanation, hop: facts === null ? null : this.hopOf(facts, lang), layers: frameDetail(stored.frame), bytes: stored.bytes };
  }

  private hopOf(facts: FrameFacts, lang: Lang): string | null {
    const rsIp = facts.flow?.rsIp ?? null;
    return hopSentence(facts, rsIp === null ? '?' : this.analysis.nameOf(rsIp), lang);
  }

  /** The 1-based connection of frame n, 0 for none. */
  connOf(n: number): number {
    const k = n - 1;
    if (k >= 0 && k < this.analysis.explained) return this.analysis.columns.conn[k]!;
    return this.analysis.facts(n)?.flow?.connIndex ?? 0;
  }

  /** The next (dir 1) or previous (dir -1) frame of conn after/before n, or null. */
  stepInConn(n: number, conn: number, dir: 1 | -1): number | null {
    if (conn <= 0) return null;
    const c = this.analysis.columns.conn;
    const limit = this.analysis.explained;
    for (let k = n - 1 + dir; k >= 0 && k < limit; k += dir) if (c[k] === conn) return k + 1;
    return null;
  }

  /** The connection table and `ipvsadm -Ln` as the director held them just after frame n. */
  cluster(n: number): ClusterView {
    const a = this.analysis;
    const ix = this.index;
    const upto = Math.min(n, a.explained);
    const lastK = new Int32Array(a.conns.length + 1).fill(-1);
    for (let k = 0; k < upto; k++) {
      const c = a.columns.conn[k]!;
      if (c > 0 && c < lastK.length) lastK[c] = k;
    }
    const now = upto === 0 ? 0 : ix.tsSec[upto - 1]! + ix.tsNsec[upto - 1]! / 1e9;
    const conns: ConnRow[] = [];
    const counts = new Map<string, { active: number; inactive: number }>();
    for (let c = 1; c < lastK.length; c++) {
      const k = lastK[c]!;
      const info = a.conns[c];
      if (k < 0 || info === undefined) continue;
      const state = a.stateNames[a.columns.state[k]!] ?? 'NONE';
      const timeout = info.protocol === 'udp' ? UDP_TIMEOUT : TCP_TIMEOUTS[state as TcpState] ?? 60;
      const left = ix.tsSec[k]! + ix.tsNsec[k]! / 1e9 + timeout - now;
      if (left <= 0) continue;
      const secs = Math.max(0, Math.trunc(left));
      conns.push({
        conn: c, protocol: info.protocol === 'udp' ? 'UDP' : 'TCP',
        expire: `${String(Math.trunc(secs / 60)).padStart(2, '0')}:${String(secs % 60).padStart(2, '0')}`,
        state, client: info.client, virtual: info.virtual, realServer: info.realServer ?? '-',
      });
      if (info.realServer !== null) {
        const key = `${info.protocol}|${info.virtual}|${info.realServer}`;
        const cnt = counts.get(key) ?? { active: 0, inactive: 0 };
        if (info.protocol === 'tcp' && isActiveTcpState(state as TcpState)) cnt.active++; else cnt.inactive++;
        counts.set(key, cnt);
      }
    }
    const services = (a.report?.services ?? []).map((s) => serviceSpec(s, counts));
    const ipvsadm = services.length === 0 ? [] : markWeights(formatList(services)).replace(/\n$/, '').split('\n').map((l) => l.trimEnd());
    const pair = a.report?.directorPair;
    return pair === undefined ? { ipvsadm, conns } : { ipvsadm, conns, masters: mastersAt(pair, n) };
  }

  /** The findings, each message in `lang` (the model's own words when the catalog has none). */
  findings(lang: Lang = 'en'): readonly FindingView[] {
    return (this.analysis.report?.findings ?? []).map((f) => ({ code: f.code, severity: f.severity, message: this.options.port.findingText(f, lang), frames: f.frames }));
  }

  status(): StatusView {
    const services = this.analysis.report?.services ?? [];
    const methods = [...new Set(services.map((s) => s.method.toUpperCase()))];
    // As the cluster pane and the reconstructed -Ln print it (present/guess.ts): "rr?" for a guess.
    const schedulers = [...new Set(services.map((s) => schedulerLabel(s.scheduler)))];
    return {
      files: this.index.paths,
      frames: this.index.count,
      method: methods.length === 0 ? '?' : methods.join(','),
      scheduler: schedulers.length === 0 ? '?' : schedulers.join(','),
      progress: this.analysis.progress,
      degraded: this.analysis.error,
    };
  }

  /**
   * Frames matching every word of `text`: a connection (#3, c3, conn:3), a finding code, a role
   * (client, gateway, director, rs), a host name (WEB1) or an address (prefix, or ip:port).
   * Text in tshark's display-filter syntax (display-filter.ts) is parsed as such instead.
   */
  filter(text: string): FrameSet {
    const words = text.trim().split(/\s+/).filter((w) => w !== '');
    if (words.length === 0) return ALL_FRAMES(this.count);
    const a = this.analysis;
    let preds: ((k: number) => boolean)[];
    if (looksLikeDisplayFilter(text)) {
      const parsed = parseDisplayFilter(text);
      if (!parsed.ok) return { all: false, count: 0, at: () => 0, indexOf: () => 0, error: parsed.error };
      preds = [this.compile(parsed.expr)];
    } else {
      preds = words.map((w) => this.predicate(w.toLowerCase()));
    }
    const limit = a.explained;
    let hits = new Uint32Array(1024);
    let count = 0;
    for (let k = 0; k < limit; k++) {
      let ok = true;
      for (const p of preds) if (!p(k)) { ok = false; break; }
      if (!ok) continue;
      if (count === hits.length) { const g = new Uint32Array(hits.length * 2); g.set(hits); hits = g; }
      hits[count++] = k + 1;
    }
    const list = hits.subarray(0, count);
    return {
      all: false,
      count,
      at: (k) => list[k] ?? 0,
      indexOf: (n) => {
        let lo = 0, hi = count;
        while (lo < hi) { const mid = (lo + hi) >> 1; if (list[mid]! < n) lo = mid + 1; else hi = mid; }
        return lo;
      },
    };
  }

  private compile(e: FilterExpr): (k: number) => boolean {
    const a = this.analysis;
    switch (e.kind) {
      case 'and': { const x = this.compile(e.a), y = this.compile(e.b); return (k) => x(k) && y(k); }
      case 'or': { const x = this.compile(e.a), y = this.compile(e.b); return (k) => x(k) || y(k); }
      case 'not': { const x = this.compile(e.a); return (k) => !x(k); }
      case 'word': return this.predicate(e.word);
      case 'proto': { const bit = PROTO[e.proto]; return (k) => (a.columns.protos[k]! & bit) !== 0; }
      case 'has': {
        const bit = e.field.startsWith('frame.') ? 0 : e.field.startsWith('eth.') ? PROTO.eth : e.field.startsWith('ip.') ? PROTO.ip | PROTO.ipv6 : e.field.startsWith('udp.') ? PROTO.udp : PROTO.tcp;
        return bit === 0 ? () => true : (k) => (a.columns.protos[k]! & bit) !== 0;
      }
      case 'cmp': return this.compileCompare(e.field, e.op, e.value);
    }
  }

  private compileCompare(field: Extract<FilterExpr, { kind: 'cmp' }>['field'], op: Extract<FilterExpr, { kind: 'cmp' }>['op'], value: string): (k: number) => boolean {
    const a = this.analysis;
    const [layer, name] = field.startsWith('tcp.flags.') ? ['tcp.flags', field.slice(10)] : [field.slice(0, field.indexOf('.')), field.slice(field.indexOf('.') + 1)];
    if (layer === 'ip' || layer === 'eth') {
      // Address ids that pass the test, found once; tshark's `!=` means "no such address".
      const test = addressTest(value);
      const ids = new Set<number>();
      a.addrs.forEach((s, i) => { if (i > 0 && test(s)) ids.add(i); });
      const [src, dst] = layer === 'ip' ? [a.columns.ipSrc, a.columns.ipDst] : [a.columns.ethSrc, a.columns.ethDst];
      const one = name === 'src' ? (k: number) => ids.has(src[k]!) : name === 'dst' ? (k: number) => ids.has(dst[k]!) : (k: number) => ids.has(src[k]!) || ids.has(dst[k]!);
      return op === '!=' ? (k) => !one(k) : one;
    }
    const v = numberValue(value);
    if (layer === 'frame') return (k) => compare(k + 1, op, v);
    if (layer === 'tcp.flags') {
      const bit = ({ fin: 1, syn: 2, reset: 4, push: 8, ack: 16, urg: 32 } as const)[name as 'syn'];
      return (k) => (a.columns.protos[k]! & PROTO.tcp) !== 0 && compare((a.columns.tcpFlags[k]! & bit) !== 0 ? 1 : 0, op, v);
    }
    const bit = layer === 'tcp' ? PROTO.tcp : PROTO.udp;
    const on = (k: number): boolean => (a.columns.protos[k]! & bit) !== 0;
    if (name === 'srcport') return (k) => on(k) && compare(a.columns.sport[k]!, op, v);
    if (name === 'dstport') return (k) => on(k) && compare(a.columns.dport[k]!, op, v);
    if (op === '!=') return (k) => on(k) && a.columns.sport[k] !== v && a.columns.dport[k] !== v;
    return (k) => on(k) && (compare(a.columns.sport[k]!, op, v) || compare(a.columns.dport[k]!, op, v));
  }

  private predicate(w: string): (k: number) => boolean {
    const a = this.analysis;
    const conn = /^(?:#|c|conn:?)(\d+)$/.exec(w);
    if (conn !== null) {
      const c = Number(conn[1]);
      return (k) => a.columns.conn[k] === c;
    }
    const finding = (a.report?.findings ?? []).filter((f) => f.code === (w as FindingCode));
    if (finding.length > 0) {
      const set = new Set(finding.flatMap((f) => f.frames));
      return (k) => set.has(k + 1);
    }
    const kind = ({ client: 'client', gateway: 'gateway', firewall: 'gateway', director: 'director', rs: 'real-server', 'real-server': 'real-server', realserver: 'real-server', other: 'other' } as const)[w as 'client'];
    const actors = a.actors.list;
    if (kind !== undefined) {
      const ids = new Set(actors.flatMap((x, i) => (x.kind === kind ? [i] : [])));
      return (k) => ids.has(a.columns.srcActor[k]!) || ids.has(a.columns.dstActor[k]!);
    }
    const named = new Set(actors.flatMap((x, i) => (x.label.toLowerCase() === w ? [i] : [])));
    if (named.size > 0) return (k) => named.has(a.columns.srcActor[k]!) || named.has(a.columns.dstActor[k]!);
    // An address: any host id whose text starts with it, or a connection's endpoint.
    const hostIds = new Set<number>();
    a.hosts.forEach((h, i) => { if (i > 0 && h.toLowerCase().startsWith(w)) hostIds.add(i); });
    const connIds = new Set<number>();
    a.conns.forEach((c, i) => {
      if (c !== undefined && [c.client, c.virtual, c.realServer ?? ''].some((e) => e.toLowerCase() === w)) connIds.add(i);
    });
    return (k) => hostIds.has(a.columns.srcHost[k]!) || hostIds.has(a.columns.dstHost[k]!) || connIds.has(a.columns.conn[k]!);
  }
}


function serviceSpec(s: ServiceReport, counts: ReadonlyMap<string, { active: number; inactive: number }>): ServiceSpec {
  const virtual = `${s.vip}:${s.port}`;
  return {
    protocol: s.protocol,
    vip: s.vip,
    port: s.port,
    fwmark: s.fwmark ?? 0,
    ipv6: s.vip.includes(':'),
    scheduler: schedulerLabel(s.scheduler),
    persistence: s.persistence === null ? null : s.persistence.timeoutAtLeast,
    netmask: '255.255.255.255',
    schedFlags: {},
    onePacket: false,
    pe: null,
    dests: s.realServers.map((r) => {
      const cnt = counts.get(`${s.protocol}|${virtual}|${r.ip}:${r.port}`);
      return { addr: r.ip, port: r.port, forward: FORWARD_OF_METHOD[s.method], forwardUnseen: s.method === 'unknown', weight: r.weight ?? 1, activeConns: cnt?.active ?? 0, inactConns: cnt?.inactive ?? 0 };
    }),
  };
}

/** Who was master of each VRID just after frame n. */
export function mastersAt(pair: DirectorPairReport, n: number): MasterAt[] {
  const out: MasterAt[] = [];
  for (const vrid of [...new Set(pair.masters.map((m) => m.vrid))]) {
    const spans = pair.masters.filter((m) => m.vrid === vrid && m.fromFrame <= n).sort((x, y) => x.fromFrame - y.fromFrame);
    const cur = spans.filter((m) => m.toFrame === null || m.toFrame >= n);
    const latest = cur[cur.length - 1];
    if (latest !== undefined) {
      const before = spans.filter((m) => m !== latest && m.fromFrame < latest.fromFrame).pop();
      // Two current masters is split brain: name both.
      out.push({ vrid, name: cur.map((m) => m.name).join(' + '), since: latest.fromFrame, previous: before?.name ?? null });
    } else {
      const last = spans[spans.length - 1];
      if (last !== undefined) out.push({ vrid, name: null, since: last.toFrame ?? last.fromFrame, previous: last.name });
    }
  }
  return out;
}
