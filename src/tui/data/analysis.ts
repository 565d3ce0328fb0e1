/**
 * The model's view of a capture, built in the background so the first screen never waits for it.
 *
 * Pass 1 learns the cluster (Knowledge + report); pass 2 explains every frame with it and keeps,
 * per frame, only a few typed-array columns (connection, state, actors, hosts) for filters, the
 * connection table and `n`/`p`. Facts objects are kept whole for ordinary captures; past
 * KEEP_ALL frames they are recomputed on demand for a window around the frame, the engine started
 * WARM frames earlier so the window opens with the connections already in flight.
 */
import { openFrames } from '../../decode/index.js';
import type { ClusterReport } from '../../ipvs/report.js';
import type { FrameFacts, FrameRole, Knowledge } from '../../model/types.js';
import type { DecodedFrame } from '../../wire/records.js';
import type { FrameIndex } from './frame-index.js';
import type { FrameStore } from './frame-store.js';
import type { EnginePort, LearningPass, ModelPort, PassResult } from './model-port.js';
import type { Actor, ActorKind } from './types.js';

export const KEEP_ALL = 200_000;
const WINDOW = 4096;
const WARM = 1024;
/** Frames between clock reads; the thread yields once a slice has run SLICE_MS. */
const CHECK_EVERY = 256;
/** A key press waits at most about this long for the background passes (4096 frames per slice took 0.4-0.9 s on a loaded machine). */
const SLICE_MS = 8;
const WINDOW_CACHE = 8;

/** Bits of `Analysis.protos`. */
export const PROTO = { eth: 1, arp: 2, ip: 4, ipv6: 8, tcp: 16, udp: 32, icmp: 64 } as const;

export type Phase = 'learning' | 'explaining' | 'done' | 'failed';

export interface ConnInfo {
  readonly protocol: 'tcp' | 'udp';
  readonly client: string;
  readonly virtual: string;
  realServer: string | null;
  rsName: string | null;
}

/** Actor columns in a stable order: client, gateway, director, real servers by name, other. */
export class Actors {
  readonly list: Actor[] = [];
  private readonly byKey = new Map<string, number>();

  index(key: string, kind: ActorKind, label: string): number {
    const hit = this.byKey.get(key);
    if (hit !== undefined) return hit;
    this.list.push({ key, kind, label });
    this.sort();
    return this.byKey.get(key)!;
  }

  private sort(): void {
    const rank: Record<ActorKind, number> = { client: 0, gateway: 1, director: 2, 'real-server': 3, other: 4 };
    this.list.sort((a, b) => rank[a.kind] - rank[b.kind] || a.label.localeCompare(b.label, 'en', { numeric: true }));
    this.byKey.clear();
    this.list.forEach((a, i) => this.byKey.set(a.key, i));
  }

  find(key: string): number {
    return this.byKey.get(key) ?? -1;
  }
}

export class Analysis {
  phase: Phase = 'learning';
  /** Frames through pass 2 (columns below are valid for 1..explained). */
  explained = 0;
  learned = 0;
  knowledge: Knowledge | null = null;
  report: ClusterReport | null = null;
  error: string | null = null;
  actors = new Actors();

  readonly conn: Int32Array;
  readonly state: Uint8Array;
  readonly srcActor: Int16Array;
  readonly dstActor: Int16Array;
  readonly srcHost: Uint32Array;
  readonly dstHost: Uint32Array;
  /** Protocol fields for the display filter (PROTO bits, addresses as ids into `addrs`). */
  readonly protos: Uint8Array;
  readonly ethSrc: Uint32Array;
  readonly ethDst: Uint32Array;
  readonly ipSrc: Uint32Array;
  readonly ipDst: Uint32Array;
  readonly sport: Uint16Array;
  readonly dport: Uint16Array;
  readonly tcpFlags: Uint16Array;
  readonly addrs: string[] = [''];
  private readonly addrIds = new Map<string, number>();
  readonly conns: ConnInfo[] = [];
  readonly stateNames: string[] = [''];
  private readonly stateIds = new Map<string, number>();
  readonly hosts: string[] = [''];
  private readonly hostIds = new Map<string, number>();
  private kept: (FrameFacts | undefined)[] | null;
  private readonly windows = new Map<number, (FrameFacts | null)[]>();
  private stopped = false;
  private learning: LearningPass | null = null;
  private readonly listeners = new Set<() => void>();

  private readonly index: FrameIndex;
  private readonly store: FrameStore;
  private readonly port: ModelPort;

  constructor(index: FrameIndex, store: FrameStore, port: ModelPort) {
    this.index = index;
    this.store = store;
    this.port = port;
    const n = index.count;
    this.conn = new Int32Array(n);
    this.state = new Uint8Array(n);
    this.srcActor = new Int16Array(n).fill(-1);
    this.dstActor = new Int16Array(n).fill(-1);
    this.srcHost = new Uint32Array(n);
    this.dstHost = new Uint32Array(n);
    this.protos = new Uint8Array(n);
    this.ethSrc = new Uint32Array(n);
    this.ethDst = new Uint32Array(n);
    this.ipSrc = new Uint32Array(n);
    this.ipDst = new Uint32Array(n);
    this.sport = new Uint16Array(n);
    this.dport = new Uint16Array(n);
    this.tcpFlags = new Uint16Array(n);
    this.kept = n <= KEEP_ALL ? new Array<FrameFacts | undefined>(n) : null;
  }

  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const fn of this.listeners) fn();
  }

  get progress(): number {
    const n = this.index.count;
    if (this.phase === 'done' || this.phase === 'failed' || n === 0) return 1;
    return (this.learned + this.explained) / (2 * n);
  }

  /** Both passes, synchronously: for small captures and tests. */
  runSync(): void {
    const it = this.passes();
    while (!it.next().done) { /* run to the end */ }
  }

  /**
   * Both passes, yielding to the event loop between batches so keys and resizes stay live. The
   * first pass runs on a worker thread where the port can (the real model, a built tree); this
   * thread then only explains. If that thread fails, the pass runs here after all.
   */
  async run(): Promise<void> {
    let it: Generator<void> | null = null;
    const pass = this.port.learn?.(this.index.paths, (frames) => this.learnedSoFar(frames)) ?? null;
    if (pass !== null) {
      this.learning = pass;
      try {
        const result = await pass.result;
        if (this.stopped) return;
        this.learned = this.index.count;
        this.learnedFrom(result);
        it = this.guarded(this.explain());
      } catch {
        if (this.stopped) return;
      } finally {
        this.learning = null;
      }
    }
    it ??= this.passes();
    let last = Date.now();
    for (;;) {
      const r = it.next();
      if (r.done || this.stopped) break;
      await new Promise<void>((resolve) => setImmediate(resolve));
      if (Date.now() - last > 250) { last = Date.now(); this.emit(); }
    }
    this.emit();
  }

  stop(): void {
    this.stopped = true;
    this.learning?.cancel();
  }

  private lastEmit = 0;

  private learnedSoFar(frames: number): void {
    this.learned = Math.min(frames, this.index.count);
    const now = Date.now();
    if (now - this.lastEmit > 250) { this.lastEmit = now; this.emit(); }
  }

  private passes(): Generator<void> {
    return this.guarded(this.both());
  }

  private *both(): Generator<void> {
    const first = this.port.engine(null);
    yield* this.feed(first, false);
    this.learnedFrom(first.finish(this.index.paths));
    yield* this.explain();
  }

  private learnedFrom(result: PassResult): void {
    this.knowledge = result.knowledge;
    this.report = result.report;
    this.resetActors();
    this.windows.clear();
    this.phase = 'explaining';
    this.emit();
  }

  private *explain(): Generator<void> {
    const second = this.port.engine(this.knowledge);
    yield* this.feed(second, true);
    const final = second.finish(this.index.paths);
    this.report = final.report;
    this.phase = 'done';
  }

  /** A failure in either pass leaves the analysis 'failed' with its message; the browser goes on. */
  private *guarded(inner: Generator<void>): Generator<void> {
    try {
      yield* inner;
    } catch (e) {
      this.phase = 'failed';
      this.error = e instanceof Error ? e.message : String(e);
    }
  }

  private *feed(engine: EnginePort, explain: boolean): Generator<void> {
    const source = openFrames(this.index.paths);
    try {
      let k = 0;
      let sliceStart = performance.now();
      for (const f of source) {
        if (this.stopped) return;
        if (!explain) {
          engine.observe(f, false);
          this.learned = ++k;
        } else {
          this.recordFields(k, f);
          const facts = engine.observe(f, true);
          if (facts !== null) this.record(k, facts);
          if (this.kept !== null && facts !== null) this.kept[k] = facts;
          this.explained = ++k;
        }
        if (k % CHECK_EVERY === 0 && performance.now() - sliceStart >= SLICE_MS) {
          yield;
          sliceStart = performance.now();
        }
      }
    } finally {
      source.close();
    }
  }

  private resetActors(): void {
    this.actors = new Actors();
    const r = this.report;
    if (r === null) return;
    for (const h of r.hosts) {
      if (h.role === 'client') this.actors.index('client', 'client', 'client');
      else if (h.role === 'gateway') this.actors.index('gateway', 'gateway', 'gateway');
      else if (h.role === 'director') { if (this.knowledge?.pair == null || this.knowledge.pair.routers.some((r) => r.ip === h.ip)) this.directorActor('', h.ip); }
      else if (h.role === 'real-server') this.actors.index(`rs:${h.ip}`, 'real-server', h.name ?? h.ip);
    }
  }

  private intern(table: string[], ids: Map<string, number>, s: string): number {
    let id = ids.get(s);
    if (id === undefined) {
      id = table.length;
      table.push(s);
      ids.set(s, id);
    }
    return id;
  }

  private record(k: number, facts: FrameFacts): void {
    this.srcActor[k] = this.actorOf(facts.srcRole, facts.srcMac, facts.src, facts);
    this.dstActor[k] = this.actorOf(facts.dstRole, facts.dstMac, facts.dst, facts);
    this.srcHost[k] = this.intern(this.hosts, this.hostIds, facts.src);
    this.dstHost[k] = this.intern(this.hosts, this.hostIds, facts.dst);
    const flow = facts.flow;
    if (flow === null) return;
    this.conn[k] = flow.connIndex;
    this.state[k] = this.intern(this.stateNames, this.stateIds, flow.state);
    let c = this.conns[flow.connIndex];
    if (c === undefined) {
      c = { protocol: flow.protocol, client: flow.client, virtual: flow.virtual, realServer: null, rsName: null };
      this.conns[flow.connIndex] = c;
    }
    if (c.realServer === null && flow.realServer !== null) {
      c.realServer = flow.realServer;
      c.rsName = flow.rsIp === null ? null : this.knowledge?.names.get(flow.rsIp) ?? null;
    }
  }

  /** The outermost header of each kind, as tshark's fields see a frame (no objects kept). */
  private recordFields(k: number, f: DecodedFrame): void {
    let bits = 0;
    for (const l of f.layers) {
      switch (l.type) {
        case 'eth':
          bits |= PROTO.eth;
          this.ethSrc[k] = this.intern(this.addrs, this.addrIds, l.src);
          this.ethDst[k] = this.intern(this.addrs, this.addrIds, l.dst);
          break;
        case 'arp': bits |= PROTO.arp; break;
        case 'ipv4':
        case 'ipv6':
          if ((bits & (PROTO.ip | PROTO.ipv6)) === 0) {
            this.ipSrc[k] = this.intern(this.addrs, this.addrIds, l.src);
            this.ipDst[k] = this.intern(this.addrs, this.addrIds, l.dst);
          }
          bits |= l.type === 'ipv4' ? PROTO.ip : PROTO.ipv6;
          break;
        case 'tcp':
        case 'udp':
          if ((bits & (PROTO.tcp | PROTO.udp)) === 0) {
            this.sport[k] = l.srcPort;
            this.dport[k] = l.dstPort;
            if (l.type === 'tcp') this.tcpFlags[k] = l.flagBits;
          }
          bits |= l.type === 'tcp' ? PROTO.tcp : PROTO.udp;
          break;
        case 'icmp': bits |= PROTO.icmp; break;
        default: break;
      }
    }
    this.protos[k] = bits;
  }

  /** Id of an address in `addrs` (0 when no frame carries it). */
  addrId(a: string): number {
    return this.addrIds.get(a) ?? 0;
  }

  /** Column of the sender or receiver of a frame. */
  actorOf(role: FrameRole, mac: string, ip: string, facts: FrameFacts): number {
    switch (role) {
      case 'client': return this.actors.index('client', 'client', 'client');
      case 'gateway': return this.actors.index('gateway', 'gateway', 'gateway');
      case 'director': return this.directorActor(mac, ip);
      case 'real-server': {
        const rip = this.ripOf(mac, ip, facts);
        return this.actors.index(`rs:${rip}`, 'real-server', this.nameOf(rip));
      }
      case 'broadcast': return -1;
      default: return this.actors.index('other', 'other', 'other');
    }
  }

  /** The director's column; a director pair's routers each get their own, named (DIR1, DIR2). */
  private directorActor(mac: string, ip: string): number {
    const routers = this.knowledge?.pair?.routers;
    const r = routers?.find((x) => x.mac === mac) ?? routers?.find((x) => x.ip === ip);
    return r === undefined ? this.actors.index('director', 'director', 'director') : this.actors.index(`dir:${r.ip}`, 'director', r.name);
  }

  ripOf(mac: string, ip: string, facts: FrameFacts): string {
    const k = this.knowledge;
    const byMac = k?.rsMacs.get(mac);
    if (byMac !== undefined) return byMac;
    if (k?.rsIps.has(ip)) return ip;
    if (facts.flow?.rsMac === mac && facts.flow.rsIp !== null) return facts.flow.rsIp;
    if (facts.flow?.rsIp) return facts.flow.rsIp;
    return ip;
  }

  nameOf(ip: string): string {
    return this.knowledge?.names.get(ip) ?? ip;
  }

  /** The model's facts for frame n (1-based), or null when the model says nothing about it. */
  facts(n: number): FrameFacts | null {
    const k = n - 1;
    if (k < 0 || k >= this.index.count) return null;
    if (this.kept !== null && k < this.explained) return this.kept[k] ?? null;
    const w = Math.floor(k / WINDOW);
    let win = this.windows.get(w);
    if (win === undefined) {
      win = this.runWindow(w);
      this.windows.set(w, win);
      if (this.windows.size > WINDOW_CACHE) this.windows.delete(this.windows.keys().next().value!);
    } else {
      this.windows.delete(w);
      this.windows.set(w, win);
    }
    return win[k - w * WINDOW] ?? null;
  }

  private runWindow(w: number): (FrameFacts | null)[] {
    const engine = this.port.engine(this.knowledge);
    const start = w * WINDOW;
    const end = Math.min(this.index.count, start + WINDOW);
    const out: (FrameFacts | null)[] = [];
    for (let k = Math.max(0, start - WARM); k < end; k++) {
      const stored = this.store.get(k + 1, false);
      if (stored === null) { if (k >= start) out.push(null); continue; }
      const facts = safeObserve(engine, stored.frame, k >= start);
      if (k >= start) out.push(facts);
    }
    return out;
  }
}

function safeObserve(engine: EnginePort, frame: DecodedFrame, want: boolean): FrameFacts | null {
  try {
    return engine.observe(frame, want);
  } catch {
    return null;
  }
}
