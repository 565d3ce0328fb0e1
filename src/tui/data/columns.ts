/**
 * What the TUI keeps of pass 2 per frame: a few typed-array columns (connection, state, actors,
 * hosts, the display filter's protocol fields) and the tables their numbers point into. The same
 * code records them on the UI thread (analysis.ts) and on the analysis worker (analysis-worker.ts),
 * which sends them over in batches (`ColumnBatch`).
 */
import type { ClusterReport } from '../../ipvs/report.js';
import type { FrameFacts, FrameRole, Knowledge } from '../../model/types.js';
import type { DecodedFrame } from '../../wire/records.js';
import type { Actor, ActorKind } from './types.js';

/** Bits of `Columns.protos`. */
export const PROTO = { eth: 1, arp: 2, ip: 4, ipv6: 8, tcp: 16, udp: 32, icmp: 64 } as const;

export interface ConnInfo {
  readonly protocol: 'tcp' | 'udp';
  readonly client: string;
  readonly virtual: string;
  realServer: string | null;
  rsName: string | null;
}

/** Per-frame numbers, indexed by frame number - 1 (or by position in a batch). */
export interface Columns {
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
}

export const COLUMN_NAMES = [
  'conn', 'state', 'srcActor', 'dstActor', 'srcHost', 'dstHost', 'protos', 'ethSrc', 'ethDst', 'ipSrc', 'ipDst', 'sport', 'dport', 'tcpFlags',
] as const satisfies readonly (keyof Columns)[];

export function newColumns(n: number): Columns {
  return {
    conn: new Int32Array(n),
    state: new Uint8Array(n),
    srcActor: new Int16Array(n).fill(-1),
    dstActor: new Int16Array(n).fill(-1),
    srcHost: new Uint32Array(n),
    dstHost: new Uint32Array(n),
    protos: new Uint8Array(n),
    ethSrc: new Uint32Array(n),
    ethDst: new Uint32Array(n),
    ipSrc: new Uint32Array(n),
    ipDst: new Uint32Array(n),
    sport: new Uint16Array(n),
    dport: new Uint16Array(n),
    tcpFlags: new Uint16Array(n),
  };
}

/** Actor columns in a stable order: client, gateway, director, real servers by name, other. */
export class Actors {
  readonly list: Actor[] = [];
  /** Bumped when an actor is added (the list is re-sorted, so earlier numbers may move). */
  version = 0;
  private readonly byKey = new Map<string, number>();

  index(key: string, kind: ActorKind, label: string): number {
    const hit = this.byKey.get(key);
    if (hit !== undefined) return hit;
    this.list.push({ key, kind, label });
    this.version++;
    this.sort();
    return this.byKey.get(key)!;
  }

  private sort(): void {
    const rank: Record<ActorKind, number> = { client: 0, gateway: 1, director: 2, 'real-server': 3, other: 4 };
    this.list.sort((a, b) => rank[a.kind] - rank[b.kind] || a.label.localeCompare(b.label, 'en', { numeric: true }));
    this.reindex();
  }

  private reindex(): void {
    this.byKey.clear();
    this.list.forEach((a, i) => this.byKey.set(a.key, i));
  }

  /** Takes another thread's list as it stands (already in order). */
  replace(list: readonly Actor[]): void {
    this.list.length = 0;
    this.list.push(...list);
    this.version++;
    this.reindex();
  }

  find(key: string): number {
    return this.byKey.get(key) ?? -1;
  }
}

/** What one batch of pass 2 adds: its frames' columns and what the tables gained meanwhile. */
export interface ColumnBatch {
  /** First frame of the batch, 0-based. */
  readonly start: number;
  readonly count: number;
  readonly columns: Columns;
  readonly addrs: readonly string[];
  readonly hosts: readonly string[];
  readonly stateNames: readonly string[];
  /** Connections new or changed in the batch, by index. */
  readonly conns: readonly (readonly [number, ConnInfo])[];
  /** The whole actor list when it changed, else null. */
  readonly actors: readonly Actor[] | null;
  /** The batch's FrameFacts, v8-serialized (read on demand), or null when the UI keeps none. */
  readonly facts: Uint8Array | null;
}

/** The tables the columns' numbers point into, and how a frame's facts become numbers. */
export class FrameTables {
  knowledge: Knowledge | null = null;
  actors = new Actors();
  readonly addrs: string[] = [''];
  readonly hosts: string[] = [''];
  readonly stateNames: string[] = [''];
  readonly conns: ConnInfo[] = [];
  private readonly addrIds = new Map<string, number>();
  private readonly stateIds = new Map<string, number>();
  private readonly hostIds = new Map<string, number>();
  /** Connections touched since takeChanges (only when asked to track them: the worker). */
  private changedConns: number[] | null = null;
  private sent = { addrs: 1, hosts: 1, stateNames: 1, actors: 0 };

  trackChanges(): void {
    this.changedConns = [];
  }

  /** After pass 1: its knowledge, and the actor columns its report names. */
  learned(knowledge: Knowledge | null, report: ClusterReport | null): void {
    this.knowledge = knowledge;
    this.actors = new Actors();
    if (report === null) return;
    for (const h of report.hosts) {
      if (h.role === 'client') this.actors.index('client', 'client', 'client');
      else if (h.role === 'gateway') this.actors.index('gateway', 'gateway', 'gateway');
      else if (h.role === 'director') { if (knowledge?.pair == null || knowledge.pair.routers.some((r) => r.ip === h.ip)) this.directorActor('', h.ip); }
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

  record(c: Columns, k: number, facts: FrameFacts): void {
    c.srcActor[k] = this.actorOf(facts.srcRole, facts.srcMac, facts.src, facts);
    c.dstActor[k] = this.actorOf(facts.dstRole, facts.dstMac, facts.dst, facts);
    c.srcHost[k] = this.intern(this.hosts, this.hostIds, facts.src);
    c.dstHost[k] = this.intern(this.hosts, this.hostIds, facts.dst);
    const flow = facts.flow;
    if (flow === null) return;
    c.conn[k] = flow.connIndex;
    c.state[k] = this.intern(this.stateNames, this.stateIds, flow.state);
    let info = this.conns[flow.connIndex];
    if (info === undefined) {
      info = { protocol: flow.protocol, client: flow.client, virtual: flow.virtual, realServer: null, rsName: null };
      this.conns[flow.connIndex] = info;
      this.changedConns?.push(flow.connIndex);
    }
    if (info.realServer === null && flow.realServer !== null) {
      info.realServer = flow.realServer;
      info.rsName = flow.rsIp === null ? null : this.knowledge?.names.get(flow.rsIp) ?? null;
      this.changedConns?.push(flow.connIndex);
    }
  }

  /** The outermost header of each kind, as tshark's fields see a frame (no objects kept). */
  recordFields(c: Columns, k: number, f: DecodedFrame): void {
    let bits = 0;
    for (const l of f.layers) {
      switch (l.type) {
        case 'eth':
          bits |= PROTO.eth;
          c.ethSrc[k] = this.intern(this.addrs, this.addrIds, l.src);
          c.ethDst[k] = this.intern(this.addrs, this.addrIds, l.dst);
          break;
        case 'arp': bits |= PROTO.arp; break;
        case 'ipv4':
        case 'ipv6':
          if ((bits & (PROTO.ip | PROTO.ipv6)) === 0) {
            c.ipSrc[k] = this.intern(this.addrs, this.addrIds, l.src);
            c.ipDst[k] = this.intern(this.addrs, this.addrIds, l.dst);
          }
          bits |= l.type === 'ipv4' ? PROTO.ip : PROTO.ipv6;
          break;
        case 'tcp':
        case 'udp':
          if ((bits & (PROTO.tcp | PROTO.udp)) === 0) {
            c.sport[k] = l.srcPort;
            c.dport[k] = l.dstPort;
            if (l.type === 'tcp') c.tcpFlags[k] = l.flagBits;
          }
          bits |= l.type === 'tcp' ? PROTO.tcp : PROTO.udp;
          break;
        case 'icmp': bits |= PROTO.icmp; break;
        default: break;
      }
    }
    c.protos[k] = bits;
  }

  /** A batch of `count` frames from `start`, with what the tables gained since the last one. */
  takeBatch(start: number, count: number, columns: Columns, facts: Uint8Array | null): ColumnBatch {
    const changed = this.changedConns ?? [];
    const conns = [...new Set(changed)].map((i) => [i, this.conns[i]!] as const);
    changed.length = 0;
    const actors = this.actors.version === this.sent.actors ? null : [...this.actors.list];
    const batch: ColumnBatch = {
      start, count, columns, conns, actors, facts,
      addrs: this.addrs.slice(this.sent.addrs), hosts: this.hosts.slice(this.sent.hosts), stateNames: this.stateNames.slice(this.sent.stateNames),
    };
    this.sent = { addrs: this.addrs.length, hosts: this.hosts.length, stateNames: this.stateNames.length, actors: this.actors.version };
    return batch;
  }

  /** Takes in another thread's batch: its table entries, in the order that thread made them. */
  applyBatch(b: ColumnBatch): void {
    for (const s of b.addrs) this.intern(this.addrs, this.addrIds, s);
    for (const s of b.hosts) this.intern(this.hosts, this.hostIds, s);
    for (const s of b.stateNames) this.intern(this.stateNames, this.stateIds, s);
    for (const [i, info] of b.conns) this.conns[i] = info;
    if (b.actors !== null) this.actors.replace(b.actors);
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
}
