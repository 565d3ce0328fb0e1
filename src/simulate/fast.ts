/**
 * The fast path's side of the workload (`lvscope synth --fast`, synthesizePackets): record the
 * full simulation's connections until both their sockets are closed, turn them into templates
 * (stamp.ts), and, once the first connections of a run have gone through the full model, stamp
 * each new connection whose real server (chosen by src/ipvs, as always) has templates. A
 * connection IPVS sends elsewhere (no template yet, a quiesced server kept by persistence, no
 * real server at all) is handed to the full simulation, which also turns it into a template.
 */
import type { Connection } from '../ipvs/connection-table.js';
import type { Destination } from '../ipvs/destination.js';
import { formatIpv4, parseIpv4, parseMac } from '../wire/address.js';
import type { BuiltWorld } from './build.js';
import { DirectorGlue } from './director.js';
import type { Host, Iface } from './net.js';
import type { Flow } from './packet.js';
import { Prng } from './prng.js';
import { makeTemplate, type Recording, type Template } from './stamp-template.js';
import type { Stamper } from './stamp.js';
import type { TcpStack } from './tcp.js';

/** Templates kept per key, and how many a key needs before its connections are stamped. */
export const TEMPLATES_MIN = 2;
export const TEMPLATES_MAX = 4;
/** Connections of a run that always go through the full model (they show the ARP warm-up). */
export const FAST_WARM = 8;
/** Recordings kept at most: connections that never finish (resets) must not pile up in a bulk run. */
const RECORDINGS_MAX = 1000;
/** IP length of a SYN with Linux's options, for the IPVS byte counters of a stamped SYN. */
const SYN_BYTES = 60;
const SYN_FLAGS = { syn: true } as const;

/** What the workload tells the fast path about a new connection. */
export interface Arrival {
  readonly client: Host;
  readonly stack: TcpStack;
  readonly src: number;
  readonly iface: Iface;
  /** The port the client connects to. */
  readonly port: number;
  /** "vip:port" as the director sees it (after the firewall's DNAT). */
  readonly virtual: string;
}

/** Templates by key (client class, target port, real server), shared by the collecting and the stamping run. */
export class TemplateStore {
  readonly byKey = new Map<string, Template[]>();
  /** Keys with at least TEMPLATES_MIN templates. */
  usable = 0;

  add(key: string, tpl: Template): void {
    let list = this.byKey.get(key);
    if (list === undefined) this.byKey.set(key, (list = []));
    if (list.length >= TEMPLATES_MAX) return;
    list.push(tpl);
    if (list.length === TEMPLATES_MIN) this.usable++;
  }
}

interface ClientInfo {
  readonly srcIp: number;
  readonly srcText: string;
  readonly virtualKey: string;
  readonly virtual: { readonly ip: number; readonly text: string; readonly port: number };
  readonly keyBase: string;
  readonly mac: Uint8Array;
  /** Template lists by the real server IPVS chose. */
  readonly lists: Map<Destination, Template[]>;
}

export interface StampingContext {
  readonly stamper: Stamper;
  readonly seed: number;
  readonly flows: Flow[];
  readonly flowConn: Map<Flow, Connection>;
}

export class FastPath {
  /** World connections being recorded, by flow. */
  readonly recordings = new Map<Flow, Recording>();
  private readonly b: BuiltWorld;
  private readonly glue: DirectorGlue;
  private readonly store: TemplateStore;
  private readonly stamping: StampingContext | null;
  private readonly rng: Prng;
  private readonly perClient: boolean;
  private readonly stackByIp = new Map<number, TcpStack>();
  private readonly virtuals = new Map<string, { ip: number; text: string; port: number }>();
  private readonly tsByAddr = new Map<string, number>();
  /** Per client interface and target port: what every arrival of it would compute again. */
  private readonly clients = new Map<Iface, Map<number, ClientInfo>>();
  private started = 0;

  /**
   * `perClient`: the capture sees one client's interface only, so templates are that client's own.
   * `stamping` null: only collect templates (the side run).
   */
  constructor(b: BuiltWorld, glue: DirectorGlue, linkType: number, perClient: boolean, store: TemplateStore, stamping: StampingContext | null) {
    this.b = b;
    this.glue = glue;
    this.store = store;
    this.stamping = stamping;
    this.perClient = perClient;
    this.rng = new Prng(((stamping?.seed ?? 0) ^ 0x5747a3b1) >>> 0);
    for (const h of b.hosts.values()) {
      const stack = b.stacks.get(h.name);
      if (stack !== undefined) for (const a of h.addrs) if (a.iface !== null) this.stackByIp.set(a.ip, stack);
    }
    const world = b.world;
    glue.onIpvs = (pkt, direction, flags, bytes) => {
      const f = pkt.flow;
      const rec = f === null ? undefined : this.recordings.get(f);
      if (rec !== undefined) rec.steps.push({ kind: 'ipvs', t: world.now, out: direction === 'out', flags, bytes, src: pkt.src, sport: pkt.sport, dst: pkt.dst, dport: pkt.dport });
    };
    for (const stack of b.stacks.values()) {
      stack.onRemove = (s) => {
        const f = s.flow;
        const rec = f === null ? undefined : this.recordings.get(f);
        if (rec === undefined || ++rec.closed < 2) return;
        this.recordings.delete(rec.flow);
        const rs = rec.flow.realServer;
        if (rs === null) return;
        const server = this.stackByIp.get(parseIpv4(rs.split(':')[0]!));
        const tpl = makeTemplate(rec, linkType, server?.tsOffset ?? 0);
        if (tpl !== null) this.store.add(`${rec.keyBase}|${rs}`, tpl);
      };
    }
  }

  private serverTs(daddr: string): number {
    let ts = this.tsByAddr.get(daddr);
    if (ts === undefined) this.tsByAddr.set(daddr, (ts = this.stackByIp.get(parseIpv4(daddr))?.tsOffset ?? 0));
    return ts;
  }

  private info(a: Arrival): ClientInfo {
    let m = this.clients.get(a.iface);
    if (m === undefined) this.clients.set(a.iface, (m = new Map()));
    let i = m.get(a.port);
    if (i === undefined || i.srcIp !== a.src || i.virtualKey !== a.virtual) {
      let v = this.virtuals.get(a.virtual);
      if (v === undefined) {
        const [text = '', port = '0'] = a.virtual.split(':');
        this.virtuals.set(a.virtual, (v = { ip: parseIpv4(text), text, port: Number(port) }));
      }
      i = {
        srcIp: a.src, srcText: formatIpv4(a.src), virtualKey: a.virtual, virtual: v, keyBase: this.keyBase(a),
        mac: parseMac(a.iface.mac) ?? new Uint8Array(6), lists: new Map(),
      };
      m.set(a.port, i);
    }
    return i;
  }

  private keyBase(a: Arrival): string {
    return `${this.perClient ? a.client.name : `${a.client.ttl}/${a.iface.net.name}`}|${a.port}`;
  }

  /** The full simulation opened `flow`: record it (after the warm-up only hand-overs get here). */
  opened(a: Arrival, flow: Flow, lport: number): void {
    this.started++;
    if (this.recordings.size >= RECORDINGS_MAX) this.recordings.delete(this.recordings.keys().next().value!);
    this.recordings.set(flow, {
      flow, start: this.b.world.now, keyBase: this.keyBase(a), clientName: a.client.name, clientIp: a.src, clientPort: lport,
      clientMac: parseMac(a.iface.mac) ?? new Uint8Array(6), clientTsOffset: a.stack.tsOffset, steps: [], why: null, closed: 0, tainted: false,
    });
  }

  /** IPVS scheduled a recorded connection: stop recording it when its real server has templates enough. */
  scheduled(flow: Flow, why: string): void {
    const rec = this.recordings.get(flow);
    if (rec === undefined) return;
    rec.why = why;
    const list = this.store.byKey.get(`${rec.keyBase}|${flow.realServer}`);
    if (list !== undefined && list.length >= TEMPLATES_MAX) this.recordings.delete(flow);
  }

  /** Ends the recording of connections under way (an ARP exchange delays them: not typical enough to copy). */
  taintAll(): void {
    for (const r of this.recordings.values()) r.tainted = true;
  }

  /**
   * 'stamped' when the connection was started by stamping; otherwise the client port the full
   * simulation must open it with (undefined: its own choice).
   */
  decide(a: Arrival): 'stamped' | number | undefined {
    const st = this.stamping;
    if (st === null || this.started < FAST_WARM || this.store.usable === 0) return undefined;
    const world = this.b.world;
    const glue = this.glue;
    const lport = a.stack.ephemeralPort();
    const info = this.info(a);
    const srcText = info.srcText;
    const v = info.virtual;
    const res = glue.stampInbound(srcText, lport, v.ip, v.text, v.port, SYN_FLAGS, SYN_BYTES, world.now);
    if (res.verdict !== 'forward' || !res.created || res.conn === null || res.dest === null) return lport;
    const conn = res.conn;
    const why = DirectorGlue.why(res);
    let list = info.lists.get(res.dest);
    if (list === undefined) {
      // Lists are created once and only grow, so a found one can be kept.
      list = this.store.byKey.get(`${info.keyBase}|${conn.daddr}:${conn.dport}`);
      if (list !== undefined) info.lists.set(res.dest, list);
    }
    if (list === undefined || list.length < TEMPLATES_MIN || (res.scheduling === 'persistent-template' && res.dest.weight === 0)) {
      glue.prescheduled.set(conn, why);
      return lport;
    }
    const f: Flow = {
      id: st.flows.length + 1, protocol: 'tcp', client: `${srcText}:${lport}`, virtual: `${conn.vaddr}:${conn.vport}`,
      realServer: `${conn.daddr}:${conn.dport}`, realServerName: null, firstFrame: 0, lastFrame: 0, state: 'NONE', serviceKey: null,
    };
    st.flows.push(f);
    st.flowConn.set(f, conn);
    const rng = this.rng;
    const tpl = list[rng.u32() % list.length]!;
    st.stamper.start(tpl, world.now, {
      clientIp: a.src, clientPort: lport, clientMac: info.mac, clientName: a.client.name,
      clientTsOffset: a.stack.tsOffset, serverTsOffset: this.serverTs(conn.daddr),
      seqShiftC: rng.u32(), seqShiftS: rng.u32(), idShiftC: rng.int(0, 0xffff), idShiftS: rng.int(0, 0xffff),
      flow: f, conn, service: res.service, why,
    });
    return 'stamped';
  }
}
