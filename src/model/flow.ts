/**
 * One IPVS connection entry as the model holds it. A capture keeps one per connection to the end
 * (the finished ones are the report's list: `DoneFlow`), tens of thousands of them, so an entry is
 * small: its numbers live in typed-array columns shared by a block of entries (a double in an
 * object field is a heap number of its own, and every field is a word the collector copies and
 * scans), its yes/no facts in one small integer, its texts as ids, and only references in the object.
 * The accessors keep the fields' names, so readers and writers see plain properties.
 */
import { TCP_STATES, type TcpState } from '../ipvs/tcp-states.js';
import { HANDSHAKE_CLIENT_ACKED, HANDSHAKE_SYN_ACKED, HANDSHAKE_SYN_RETRIED, virtualText, type DoneFlow } from './done-flow.js';
import { AddressIds } from './flow-table.js';
import { ipPort } from './packet.js';
import type { Decision, RsState, ServiceState } from './state.js';

/** Int32 columns, FLOW_INTS per entry; PORTS: cport | vport << 16. */
const PORTS = 0, FIRST_N = 1, LAST_N = 2, FORWARD_N = 3, SYN_RETRIES = 4, IN_PKTS = 5, LAST_IN_LEN = 6, KEY0 = 7, KEY1 = 8;
/**
 * BITS: the yes/no facts (the bits below), the first client frame's TTL (REQ_TTL_SHIFT) and the
 * TCP state's index (STATE_SHIFT); the ids (`FlowTexts`) of cip, vip and of the first client
 * frame's MACs.
 */
const BITS = 9, CIP = 10, VIP = 11, REQ_SRC_MAC = 12, REQ_DST_MAC = 13;
/** The entry's links in its expiry bucket (expiry.ts). */
const TIMER_NEXT = 14, TIMER_PREV = 15;
/** Sixteen: 64 bytes an entry, the size of a cache line (and every 64 entries a page first touched, a fault). */
const FLOW_INTS = 16;
const REQ_TTL_SHIFT = 16, STATE_SHIFT = 24;
/** Float64 columns (times, and a byte count that may pass 2^31), FLOW_DOUBLES per entry. */
const EXPIRES = 0, TIMER_AT = 1, FIRST_T = 2, LAST_T = 3, IN_BYTES = 4;
const FLOW_DOUBLES = 5;

const PATH_SEEN = 1, INACTIVE = 2, NO_OUTPUT = 4, CLIENT_ACKED = 8, SYN_ACK_SEEN = 16, LIVE = 32, BYPASS = 64, EXPIRED = 128, UDP = 256;

/** Answers of Flow.armTimer and Flow.sweptAt. */
export const NOT_ARMED = 0, ARMED = 1, MOVED = 2, NOT_DUE = 3, GONE = 4, DUE = 5;

/** What the first packet of an entry gives it. */
export interface FlowStart {
  readonly n: number;
  readonly t: number;
  readonly srcMac: string;
  readonly dstMac: string;
  readonly ttl: number;
}

/** Entries per block at first (most captures hold few connections), doubling up to BLOCK_MAX. */
const BLOCK_FIRST = 256;
const BLOCK_BITS = 13;
const BLOCK_MAX = 1 << BLOCK_BITS;

/**
 * A block of entries' columns and the entries themselves; entries are placed in it in creation
 * order, never moved. The entries' texts (addresses, MACs) are ids in tables every block of one
 * store shares.
 */
class FlowBlock {
  readonly ints: Int32Array;
  readonly nums: Float64Array;
  readonly flows: Flow[];
  readonly capacity: number;
  /** Place in the store's list of blocks. */
  readonly no: number;
  /** Index of the block's first entry (entries are numbered in creation order, from 1). */
  readonly first: number;
  readonly texts: FlowTexts;
  used = 0;

  constructor(capacity: number, no: number, first: number, texts: FlowTexts) {
    this.capacity = capacity;
    this.no = no;
    this.first = first;
    this.texts = texts;
    this.ints = new Int32Array(capacity * FLOW_INTS);
    this.nums = new Float64Array(capacity * FLOW_DOUBLES);
    this.flows = new Array<Flow>(capacity);
  }
}

/**
 * Every entry of one connection table, in creation order, in blocks that are never copied (a
 * growing array of tens of thousands of entries is copied, and its new memory first touched, at
 * every growth). An entry's handle (block << 13 | place) is a small integer that links it from
 * other structures (the expiry queue) without a reference array of their own.
 */
export class FlowStore {
  readonly texts: FlowTexts;
  private readonly blocks: FlowBlock[] = [];
  private count = 0;

  /** `addrs`: the packets' address ids (an entry's addresses are nearly always among them). */
  constructor(addrs: AddressIds) {
    this.texts = new FlowTexts(addrs);
  }

  /** A new entry, numbered (`index`) one after the last; `cipId`, `vipId`: `texts.hostId`. */
  add(proto: 'tcp' | 'udp', cipId: number, cport: number, svc: ServiceState, vipId: number, vport: number, p: FlowStart, bypass: boolean): Flow {
    let block = this.blocks.length === 0 ? undefined : this.blocks[this.blocks.length - 1]!;
    if (block === undefined || block.used === block.capacity) {
      block = new FlowBlock(block === undefined ? BLOCK_FIRST : Math.min(2 * block.capacity, BLOCK_MAX), this.blocks.length, this.count + 1, this.texts);
      this.blocks.push(block);
    }
    this.count++;
    const f = new Flow(block, proto, cipId, cport, svc, vipId, vport, p, bypass);
    block.flows[f.handle & (BLOCK_MAX - 1)] = f;
    return f;
  }

  /**
   * Puts the live entries numbered after `after` into `list` from place `at` on, in creation
   * order; the place after the last.
   */
  copyLive(list: Flow[], at: number, after: number): number {
    for (const block of this.blocks) {
      if (block.first + block.used - 1 <= after) continue;
      const flows = block.flows;
      for (let i = Math.max(0, after + 1 - block.first); i < block.used; i++) {
        const f = flows[i]!;
        if (f.live) list[at++] = f;
      }
    }
    return at;
  }

  /** The entry with this handle. */
  at(handle: number): Flow {
    return this.blocks[handle >>> BLOCK_BITS]!.flows[handle & (BLOCK_MAX - 1)]!;
  }

  get size(): number {
    return this.count;
  }
}

/**
 * Five fields: an entry's object is copied by the young-generation collector and kept to the
 * end, so every field is paid for tens of thousands of times (in memory first touched, a page
 * fault per 4 KiB); what is not a reference lives in the block's columns.
 */
export class Flow implements DoneFlow {
  svc: ServiceState;
  rs: RsState | null;
  decision: Decision | null;
  private readonly block: FlowBlock;
  /** Place in the block. */
  private readonly at: number;

  constructor(block: FlowBlock, proto: 'tcp' | 'udp', cipId: number, cport: number, svc: ServiceState, vipId: number, vport: number, p: FlowStart, bypass: boolean) {
    this.svc = svc;
    this.rs = null;
    this.decision = null;
    this.block = block;
    const at = block.used++;
    this.at = at;
    // The block's columns start zeroed and each place is used once.
    const i = at * FLOW_INTS;
    const ints = block.ints;
    ints[i + PORTS] = cport | (vport << 16);
    ints[i + FIRST_N] = p.n;
    ints[i + LAST_N] = p.n;
    ints[i + KEY0] = -1;
    ints[i + KEY1] = -1;
    ints[i + TIMER_NEXT] = -1;
    ints[i + TIMER_PREV] = -1;
    // State index 0: NONE, TCP_STATES[0].
    ints[i + BITS] = INACTIVE | NO_OUTPUT | LIVE | (bypass ? BYPASS : 0) | (proto === 'udp' ? UDP : 0) | ((p.ttl & 0xff) << REQ_TTL_SHIFT);
    ints[i + CIP] = cipId;
    ints[i + VIP] = vipId;
    ints[i + REQ_SRC_MAC] = block.texts.macId(p.srcMac);
    ints[i + REQ_DST_MAC] = block.texts.macId(p.dstMac);
    const d = at * FLOW_DOUBLES;
    const nums = block.nums;
    nums[d + EXPIRES] = p.t + 3;
    nums[d + TIMER_AT] = Number.NaN;
    nums[d + FIRST_T] = p.t;
    nums[d + LAST_T] = p.t;
  }

  /** Its place in the store (FlowStore.at). */
  get handle(): number { return (this.block.no << BLOCK_BITS) | this.at; }
  /** Creation number, from 1. */
  get index(): number { return this.block.first + this.at; }
  get proto(): 'tcp' | 'udp' { return (this.bits & UDP) !== 0 ? 'udp' : 'tcp'; }
  get cip(): string { return this.block.texts.host(this.block.ints[this.at * FLOW_INTS + CIP]!); }
  /** The address the client's packets were sent to; moved to the service's when a NAT-inside flow joins its service. */
  get vip(): string { return this.block.texts.host(this.block.ints[this.at * FLOW_INTS + VIP]!); }
  set vip(v: string) { this.block.ints[this.at * FLOW_INTS + VIP] = this.block.texts.hostId(v); }
  /** MACs of the first client frame ('' when the capture has none). */
  get reqSrcMac(): string { return this.block.texts.mac(this.block.ints[this.at * FLOW_INTS + REQ_SRC_MAC]!); }
  get reqDstMac(): string { return this.block.texts.mac(this.block.ints[this.at * FLOW_INTS + REQ_DST_MAC]!); }
  /** 'UDP', or TCP_STATES[stateIndex]: connections.ts sets the index. */
  get state(): TcpState | 'UDP' { return (this.bits & UDP) !== 0 ? 'UDP' : TCP_STATES[this.stateIndex]!; }

  get cport(): number { return this.block.ints[this.at * FLOW_INTS + PORTS]! & 0xffff; }
  get vport(): number { return this.block.ints[this.at * FLOW_INTS + PORTS]! >>> 16; }
  set vport(v: number) {
    const ints = this.block.ints;
    const i = this.at * FLOW_INTS + PORTS;
    ints[i] = (ints[i]! & 0xffff) | (v << 16);
  }
  /** TTL (hop limit) of the first client frame: an initial one (64, 128, 255) was sent on this link. */
  get reqTtl(): number { return (this.bits >>> REQ_TTL_SHIFT) & 0xff; }
  get firstN(): number { return this.block.ints[this.at * FLOW_INTS + FIRST_N]!; }
  get lastN(): number { return this.block.ints[this.at * FLOW_INTS + LAST_N]!; }
  set lastN(v: number) { this.block.ints[this.at * FLOW_INTS + LAST_N] = v; }
  /** Frame of the director's forwarded SYN, for rs-not-responding. */
  get forwardN(): number { return this.block.ints[this.at * FLOW_INTS + FORWARD_N]!; }
  set forwardN(v: number) { this.block.ints[this.at * FLOW_INTS + FORWARD_N] = v; }
  get synRetries(): number { return this.block.ints[this.at * FLOW_INTS + SYN_RETRIES]!; }
  set synRetries(v: number) { this.block.ints[this.at * FLOW_INTS + SYN_RETRIES] = v; }
  get inPkts(): number { return this.block.ints[this.at * FLOW_INTS + IN_PKTS]!; }
  set inPkts(v: number) { this.block.ints[this.at * FLOW_INTS + IN_PKTS] = v; }
  /** IP length of the last client packet counted (a rescheduled datagram moves it to its new server). */
  get lastInLen(): number { return this.block.ints[this.at * FLOW_INTS + LAST_IN_LEN]!; }
  set lastInLen(v: number) { this.block.ints[this.at * FLOW_INTS + LAST_IN_LEN] = v; }
  /**
   * Its keys in the connection table (FlowTable slots, NO_KEY when none): the client→VIP tuple
   * and, for a rewriting method, the server side; a third or later one is kept by the connection table (connections.ts).
   */
  get key0(): number { return this.block.ints[this.at * FLOW_INTS + KEY0]!; }
  set key0(v: number) { this.block.ints[this.at * FLOW_INTS + KEY0] = v; }
  /** `state`'s index in TCP_STATES (TCP only): connections.ts keeps the two together. */
  get stateIndex(): number { return this.bits >>> STATE_SHIFT; }
  set stateIndex(v: number) {
    const ints = this.block.ints;
    const i = this.at * FLOW_INTS + BITS;
    ints[i] = (ints[i]! & ((1 << STATE_SHIFT) - 1)) | (v << STATE_SHIFT);
  }
  /** Expiry bucket links (expiry.ts): the next entry's handle, the previous one's or the bucket's. */
  get timerNext(): number { return this.block.ints[this.at * FLOW_INTS + TIMER_NEXT]!; }
  set timerNext(v: number) { this.block.ints[this.at * FLOW_INTS + TIMER_NEXT] = v; }
  get timerPrev(): number { return this.block.ints[this.at * FLOW_INTS + TIMER_PREV]!; }
  set timerPrev(v: number) { this.block.ints[this.at * FLOW_INTS + TIMER_PREV] = v; }
  get key1(): number { return this.block.ints[this.at * FLOW_INTS + KEY1]!; }
  set key1(v: number) { this.block.ints[this.at * FLOW_INTS + KEY1] = v; }

  get expires(): number { return this.block.nums[this.at * FLOW_DOUBLES + EXPIRES]!; }
  set expires(v: number) { this.block.nums[this.at * FLOW_DOUBLES + EXPIRES] = v; }
  /** Time of the flow's entry in the expiry queue (NaN: none); never after `expires`. */
  get timerAt(): number { return this.block.nums[this.at * FLOW_DOUBLES + TIMER_AT]!; }
  set timerAt(v: number) { this.block.nums[this.at * FLOW_DOUBLES + TIMER_AT] = v; }
  // The expiry queue's questions, answered in small integers: a double read where the queue's
  // code is not optimized (a sweep runs once a second) or not inlined is a heap number each.

  /** Moves the timer to `expires` if that is earlier: NOT_ARMED, ARMED (it had none), MOVED (it had a later one). */
  armTimer(): number {
    const nums = this.block.nums;
    const d = this.at * FLOW_DOUBLES;
    const at = nums[d + EXPIRES]!;
    const was = nums[d + TIMER_AT]!;
    if (was <= at) return NOT_ARMED;
    nums[d + TIMER_AT] = at;
    return was === was ? MOVED : ARMED;
  }

  /** The whole second of the timer. */
  timerSecond(): number {
    return Math.floor(this.block.nums[this.at * FLOW_DOUBLES + TIMER_AT]!);
  }

  /**
   * At a sweep at t, for a flow taken out of its bucket: NOT_DUE (timer after t), GONE (finished
   * already: no timer), DUE (expired: no timer) or ARMED (its timer moved on to `expires`).
   */
  sweptAt(t: number): number {
    const nums = this.block.nums;
    const d = this.at * FLOW_DOUBLES;
    if (nums[d + TIMER_AT]! > t) return NOT_DUE;
    if (!this.live) { nums[d + TIMER_AT] = Number.NaN; return GONE; }
    const expires = nums[d + EXPIRES]!;
    nums[d + TIMER_AT] = expires <= t ? Number.NaN : expires;
    return expires <= t ? DUE : ARMED;
  }

  get firstT(): number { return this.block.nums[this.at * FLOW_DOUBLES + FIRST_T]!; }
  get lastT(): number { return this.block.nums[this.at * FLOW_DOUBLES + LAST_T]!; }
  set lastT(v: number) { this.block.nums[this.at * FLOW_DOUBLES + LAST_T] = v; }
  get inBytes(): number { return this.block.nums[this.at * FLOW_DOUBLES + IN_BYTES]!; }
  set inBytes(v: number) { this.block.nums[this.at * FLOW_DOUBLES + IN_BYTES] = v; }

  /** The first reply was looked at for what it says about the vantage point. */
  get pathSeen(): boolean { return (this.bits & PATH_SEEN) !== 0; }
  set pathSeen(v: boolean) { this.flag(PATH_SEEN, v); }
  /** IP_VS_CONN_F_INACTIVE */
  get inactive(): boolean { return (this.bits & INACTIVE) !== 0; }
  set inactive(v: boolean) { this.flag(INACTIVE, v); }
  /** IP_VS_CONN_F_NOOUTPUT: no reply has passed the director yet (INPUT_ONLY tables). */
  get noOutput(): boolean { return (this.bits & NO_OUTPUT) !== 0; }
  set noOutput(v: boolean) { this.flag(NO_OUTPUT, v); }
  get clientAcked(): boolean { return (this.bits & CLIENT_ACKED) !== 0; }
  set clientAcked(v: boolean) { this.flag(CLIENT_ACKED, v); }
  get synAckSeen(): boolean { return (this.bits & SYN_ACK_SEEN) !== 0; }
  set synAckSeen(v: boolean) { this.flag(SYN_ACK_SEEN, v); }
  /** Still in the table (not expired, not replaced by a reused port, not finished at the end). */
  get live(): boolean { return (this.bits & LIVE) !== 0; }
  set live(v: boolean) { this.flag(LIVE, v); }
  /** Answered by another host that claims the VIP in ARP: the director never saw this connection. */
  get bypass(): boolean { return (this.bits & BYPASS) !== 0; }
  set bypass(v: boolean) { this.flag(BYPASS, v); }
  /** Finished by its timer (not still in the table at the end of the capture). */
  get expired(): boolean { return (this.bits & EXPIRED) !== 0; }
  set expired(v: boolean) { this.flag(EXPIRED, v); }

  // ---- read as a finished entry (DoneFlow): nothing changes an entry once it is finished

  /** Seconds left on the entry's timer at the end of the capture; null once expired. */
  get expiresAt(): number | null {
    return this.expired ? null : this.expires;
  }

  get handshake(): number {
    return (this.clientAcked ? HANDSHAKE_CLIENT_ACKED : 0) | (this.synAckSeen ? HANDSHAKE_SYN_ACKED : 0) | (this.synRetries > 0 ? HANDSHAKE_SYN_RETRIED : 0);
  }

  get client(): string {
    return ipPort(this.cip, this.cport);
  }

  get virtual(): string {
    return virtualText(this.svc, this.proto, this.vip, this.vport);
  }

  private get bits(): number { return this.block.ints[this.at * FLOW_INTS + BITS]!; }

  private flag(bit: number, v: boolean): void {
    const ints = this.block.ints;
    const i = this.at * FLOW_INTS + BITS;
    ints[i] = v ? ints[i]! | bit : ints[i]! & ~bit;
  }
}

/**
 * The texts of entries' addresses and MACs as ids. An address is the packets' id for it
 * (`AddressIds`, asked only, so theirs stay as they are), else (a TOA's client, never a packet's
 * address) -2 - its id here; -1 is ''.
 */
export class FlowTexts {
  private readonly addrs: AddressIds;
  private readonly others = new AddressIds();
  private readonly macs = new AddressIds();

  constructor(addrs: AddressIds) {
    this.addrs = addrs;
  }

  hostId(text: string): number {
    if (text === '') return -1;
    const id = this.addrs.peek(text);
    return id >= 0 ? id : -2 - this.others.id(text);
  }

  host(id: number): string {
    return id >= 0 ? this.addrs.text(id) : id === -1 ? '' : this.others.text(-2 - id);
  }

  macId(text: string): number {
    return text === '' ? -1 : this.macs.id(text);
  }

  mac(id: number): string {
    return id < 0 ? '' : this.macs.text(id);
  }
}
