/**
 * The IPVS connection entries as the director would hold them (`ip_vs_conn` in the kernel): the
 * table they are found in by either side's tuple, their state and timer (set_tcp_state), the
 * real server they are bound to with its active/inactive counters, and the scheduling decision
 * each new entry records for the scheduler inference.
 */
import { UDP_TIMEOUT } from '../ipvs/tcp-states.js';
import { BypassedFlow, type DoneFlow } from './done-flow.js';
import { ExpiryQueue } from './expiry.js';
import { FlowStore, type Flow } from './flow.js';
import { AddressIds, FlowTable, NO_KEY } from './flow-table.js';
import { protoName, type Packet } from './packet.js';
import type { RsState, ServiceState } from './state.js';
import { SET_INPUT, SET_INPUT_ONLY, SET_OUTPUT, tcpStepAt } from './tcp-steps.js';
import type { Knowledge } from './types.js';

/** Scheduling decisions kept per service for inference; later ones only update counters. */
export const MAX_DECISIONS = 2000;

export class ConnectionEntries {
  /** Address → small integer, for the numeric keys of the table and the packet memory. */
  readonly addrs = new AddressIds();
  private table = new FlowTable();
  /**
   * The live entries in creation order, as far as `listed` (an index), with finished ones not yet
   * dropped (`Flow.live` says which); made only when asked for (`liveFlows`), from the store: kept
   * up per connection, it was one more array growing, and copied, with the connections.
   */
  private liveList: Flow[] = [];
  private listed = 0;
  /** Of `liveList`, entries finished since it was last compacted. */
  private finished = 0;
  /** Entries not finished. */
  private live = 0;
  /** Every entry, in creation order (model/flow.ts). */
  private readonly store = new FlowStore(this.addrs);
  private readonly timers = new ExpiryQueue(this.store);
  private doneList: DoneFlow[] = [];
  /** While entries finish at the end of the capture: the next place in `doneList`, reserved for them all at once. */
  private doneAt = -1;
  /** An entry's third and later keys (rare: a FULLNAT entry seen through more than one LIP). */
  private readonly moreKeys = new Map<Flow, number[]>();

  private readonly k: Knowledge | null;

  constructor(k: Knowledge | null) {
    this.k = k;
  }

  /** The live entry keyed by proto a:ap → b:bp, if any. */
  lookup(proto: number, a: string, ap: number, b: string, bp: number): Flow | undefined {
    const key = this.table.get(proto, this.addrs.id(a), ap, this.addrs.id(b), bp);
    return key === NO_KEY ? undefined : this.flowAt(key);
  }

  /** The key (NO_KEY when none) of proto a:ap → b:bp by address ids: read it with `flowAt` and `isServerKey`. */
  find(proto: number, a: number, ap: number, b: number, bp: number): number {
    return this.table.get(proto, a, ap, b, bp);
  }

  flowAt(key: number): Flow {
    return this.store.at(this.table.ownerAt(key));
  }

  /** Whether the key is its flow's server-side tuple (CIP/LIP→RIP, NAT and FULLNAT), not client→VIP. */
  isServerKey(key: number): boolean {
    return this.table.isServerKey(key);
  }

  /** Whether proto a:ap → b:bp (address ids) is a live entry's client→VIP tuple (not its server side). */
  isClientKey(proto: number, a: number, ap: number, b: number, bp: number): boolean {
    const key = this.table.get(proto, a, ap, b, bp);
    return key !== NO_KEY && !this.table.isServerKey(key);
  }

  /** The live entry keyed by proto a:ap → b:bp by address ids, if any. */
  get(proto: number, a: number, ap: number, b: number, bp: number): Flow | undefined {
    const key = this.table.get(proto, a, ap, b, bp);
    return key === NO_KEY ? undefined : this.flowAt(key);
  }

  /** Indexes f under proto a:ap → b:bp too, unless another flow holds that tuple. */
  addKey(f: Flow, server: boolean, proto: number, a: string, ap: number, b: string, bp: number): void {
    this.addKeyById(f, server, proto, this.addrs.id(a), ap, this.addrs.id(b), bp);
  }

  /** The same by address ids. */
  private addKeyById(f: Flow, server: boolean, proto: number, a: number, ap: number, b: number, bp: number): void {
    const key = this.table.add(f.handle, server, proto, a, ap, b, bp);
    if (key === NO_KEY) return;
    if (f.key0 === NO_KEY) f.key0 = key;
    else if (f.key1 === NO_KEY) f.key1 = key;
    else {
      const more = this.moreKeys.get(f);
      if (more === undefined) this.moreKeys.set(f, [key]); else more.push(key);
    }
  }

  /** The live entries in creation order (do not keep: the next call may compact it, or make a new one). */
  liveFlows(): readonly Flow[] {
    this.compact();
    const total = this.store.size;
    if (this.listed < total) {
      const old = this.liveList;
      // One array of the size wanted (pushing one by one copies it at each growth).
      const list = new Array<Flow>(this.live);
      for (let i = 0; i < old.length; i++) list[i] = old[i]!;
      const n = this.store.copyLive(list, old.length, this.listed);
      list.length = n;
      this.liveList = list;
      this.listed = total;
    }
    return this.liveList;
  }

  /** The finished entries, in the order they finished. */
  get done(): readonly DoneFlow[] {
    return this.doneList;
  }

  /**
   * A new entry for service `svc`; `serverSide` when the packet is the director's forward (the
   * client's own packet is not in the capture, `cip` is the TOA's address: FULLNAT inside).
   */
  create(p: Packet, svc: ServiceState, serverSide: boolean, cip = p.src, cport = p.sport): Flow {
    // The packet's address ids (given out when the engine first saw the packet).
    const src = this.addrs.fed(p.srcAddrId, p.src);
    const dst = this.addrs.fed(p.dstAddrId, p.dst);
    const texts = this.store.texts;
    const f = this.store.add(
      protoName(p.proto), cip === p.src ? src : texts.hostId(cip), cport, svc, svc.vip === p.dst ? dst : texts.hostId(svc.vip), svc.insideOf !== null ? svc.port : p.dport, p,
      // Pass 2: sent to a real server that answers for the VIP itself.
      this.k !== null && p.dstMac !== '' && this.k.rsOnlyMacs.has(p.dstMac),
    );
    svc.newConns++;
    f.decision = this.decisionOf(f, p.n, p.t);
    this.addKeyById(f, serverSide, p.proto, src, p.sport, dst, p.dport);
    this.live++;
    this.timers.rearm(f);
    return f;
  }

  /** The scheduler's decision for a new entry, with the counters it saw (null once enough are kept). */
  decisionOf(f: Flow, n: number, t: number): Flow['decision'] {
    const svc = f.svc;
    if (svc.decisions.length >= MAX_DECISIONS) return null;
    return {
      n, t, saddr: f.cip, sport: f.cport, daddr: f.vip, dport: f.vport, proto: f.proto,
      snap: svc.rs.map((rs) => ({ rs, a: rs.active, i: rs.inactive })),
      chosen: null,
    };
  }

  /** The director's choice became visible: the entry's destination. */
  bind(f: Flow, rs: RsState): void {
    if (f.rs === rs) return;
    if (f.rs !== null) {
      if (f.proto === 'udp') this.rescheduled(f, f.rs, rs);
      return;
    }
    f.rs = rs;
    rs.conns++;
    f.svc.conns++;
    if (f.inactive) rs.inactive++; else rs.active++;
    rs.inPkts += f.inPkts;
    rs.inBytes += f.inBytes;
    if (f.decision !== null) {
      f.decision.chosen = rs;
      f.svc.decisions.push(f.decision);
    }
  }

  /**
   * A UDP datagram of a live entry went to another real server: IPVS scheduled it afresh (with -o
   * every datagram is its own connection, scheduled and freed at once). One more decision for the
   * scheduler inference, and the entry follows it. Only on a change of server, never per packet.
   */
  private rescheduled(f: Flow, from: RsState, to: RsState): void {
    f.svc.onePacket++;
    if (f.inactive) { from.inactive--; to.inactive++; } else { from.active--; to.active++; }
    // The datagram just counted (before its forward or reply showed where it went) is the new server's.
    if (f.inPkts > 0) { from.inPkts--; from.inBytes -= f.lastInLen; to.inPkts++; to.inBytes += f.lastInLen; }
    f.rs = to;
    to.conns++;
    f.svc.conns++;
    const d = this.decisionOf(f, f.lastN, f.lastT);
    if (d !== null) {
      d.chosen = to;
      f.svc.decisions.push(d);
    }
  }

  /** The director processed a packet of this entry (set_tcp_state, timer re-armed). */
  transition(f: Flow, output: boolean, flags: number, t: number): void {
    if (f.proto === 'udp') {
      f.expires = t + UDP_TIMEOUT;
      this.timers.rearm(f);
      return;
    }
    if (output) f.noOutput = false;
    const step = tcpStepAt(f.stateIndex, output ? SET_OUTPUT : f.noOutput ? SET_INPUT_ONLY : SET_INPUT, flags);
    const active = step.active;
    if (active === f.inactive) {
      // Activity changed: move the connection between the counters.
      if (f.rs !== null) {
        if (active) { f.rs.inactive--; f.rs.active++; } else { f.rs.active--; f.rs.inactive++; }
      }
      f.inactive = !active;
    }
    f.stateIndex = step.nextIndex;
    f.expires = t + step.timeout;
    this.timers.rearm(f);
  }

  countIn(f: Flow, p: Packet): void {
    f.lastN = p.n;
    f.lastT = p.t;
    if (f.bypass) return;
    f.inPkts++;
    f.inBytes += p.ipLen;
    f.lastInLen = p.ipLen;
    f.svc.inPkts++;
    f.svc.inBytes += p.ipLen;
    if (f.rs !== null) { f.rs.inPkts++; f.rs.inBytes += p.ipLen; }
  }

  countOut(f: Flow, p: Packet): void {
    f.svc.outPkts++;
    f.svc.outBytes += p.ipLen;
    if (f.rs !== null) { f.rs.outPkts++; f.rs.outBytes += p.ipLen; }
  }

  /**
   * The entry leaves the table: expired (its timer ran out), or still alive at the end of the
   * capture (then `endCapture` follows, once all are finished).
   */
  finish(f: Flow, expired: boolean): void {
    if (expired && f.rs !== null) {
      if (f.inactive) f.rs.inactive--; else f.rs.active--;
    }
    if (f.live) {
      f.live = false;
      this.live--;
      if (f.index <= this.listed) this.finished++;
      // The first entry finished at the end: a place for each one still live (`endCapture` trims what is not used).
      if (!expired && this.doneAt < 0) {
        this.doneAt = this.doneList.length;
        const list = new Array<DoneFlow>(this.doneAt + this.live + 1);
        for (let i = 0; i < this.doneAt; i++) list[i] = this.doneList[i]!;
        this.doneList = list;
      }
    }
    // At the end of the capture the whole table goes at once (`endCapture`): no key by key.
    if (expired) {
      const h = f.handle;
      this.table.remove(f.key0, h);
      this.table.remove(f.key1, h);
      if (this.moreKeys.size > 0) {
        const more = this.moreKeys.get(f);
        if (more !== undefined) {
          for (const k of more) this.table.remove(k, h);
          this.moreKeys.delete(f);
        }
      }
    }
    // The entry is its own finished record (nothing changes it from here on).
    if (expired) f.expired = true;
    const d = f.bypass ? new BypassedFlow(f) : f;
    if (this.doneAt < 0) this.doneList.push(d);
    else this.doneList[this.doneAt++] = d;
  }

  /** Live entries whose timer ran out by `t`, in creation order. */
  due(t: number): Flow[] {
    return this.timers.due(t);
  }

  /** After every live entry was finished at the end of the capture: the table and the timers are done with. */
  endCapture(): void {
    if (this.doneAt >= 0) {
      this.doneList.length = this.doneAt;
      this.doneAt = -1;
    }
    this.timers.clear();
    this.table = new FlowTable();
    this.moreKeys.clear();
  }

  /** Drops finished entries from the live list (in place, the order kept). */
  private compact(): void {
    if (this.finished === 0) return;
    const list = this.liveList;
    let n = 0;
    for (let i = 0; i < list.length; i++) if (list[i]!.live) list[n++] = list[i]!;
    list.length = n;
    this.finished = 0;
  }
}
