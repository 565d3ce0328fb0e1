/**
 * Thin adapter over src/ipvs's ConnectionTable: the same kernel semantics, with hash indexes
 * (the kernel's ip_vs_conn_tab is a hash table too) and a timer heap, so a million-packet
 * synthesis does not scan every live entry per packet. Only lookups and timer bookkeeping are
 * replaced; states, counters and template rules stay the base class's.
 */
import { ConnectionTable, TEMPLATE_RECHECK, type Connection, type ConnProtocol, type Direction, type ExpiredEntry, type NewConnectionParams, type Transition } from '../ipvs/connection-table.js';
import type { TcpFlags } from '../ipvs/tcp-states.js';
import { MinHeap } from './heap.js';
import { FORWARD_REWRITES } from '../ipvs/methods.js';

interface Timer {
  readonly at: number;
  readonly conn: Connection;
}

export class IndexedConnectionTable extends ConnectionTable {
  /**
   * Entries by client address, then by a number packing the other end's interned address, its
   * port, the client port and the protocol: no key string is built per packet, and the address
   * strings the simulator passes are reused objects whose hashes V8 keeps.
   */
  private readonly byIn = new Map<string, Map<number, Connection>>();
  private readonly byOut = new Map<string, Map<number, Connection>>();
  private readonly addrIndex = new Map<string, number>();
  private readonly byTemplate = new Map<string, Connection>();
  private readonly live = new Set<Connection>();
  private readonly timers = new MinHeap<Timer>(earlier);
  /** The time each entry's one live heap timer fires; later re-arms are found when it fires. */
  private readonly armed = new Map<number, number>();

  override create(p: NewConnectionParams): Connection {
    const c = super.create(p);
    this.live.add(c);
    if (c.template) this.byTemplate.set(tplKey(c.protocol, c.caddr, c.vaddr, c.vport), c);
    else if (!c.onePacket) {
      inner(this.byIn, c.caddr).set(this.key(c.protocol, c.vaddr, c.vport, c.cport), c);
      const nat = FORWARD_REWRITES[c.forward];
      inner(this.byOut, c.caddr).set(nat ? this.key(c.protocol, c.daddr, c.dport, c.cport) : this.key(c.protocol, c.vaddr, c.vport, c.cport), c);
    }
    this.arm(c);
    return c;
  }

  override findIn(protocol: ConnProtocol, caddr: string, cport: number, vaddr: string, vport: number): Connection | null {
    const c = this.byIn.get(caddr)?.get(this.key(protocol, vaddr, vport, cport));
    return c !== undefined && this.live.has(c) ? c : null;
  }

  override findOut(protocol: ConnProtocol, saddr: string, sport: number, daddr: string, dport: number): Connection | null {
    const c = this.byOut.get(daddr)?.get(this.key(protocol, saddr, sport, dport));
    return c !== undefined && this.live.has(c) ? c : null;
  }

  override findTemplate(protocol: ConnProtocol, caddr: string, vaddr: string, vport: number): Connection | null {
    const c = this.byTemplate.get(tplKey(protocol, caddr, vaddr, vport));
    return c !== undefined && this.live.has(c) && !c.invalid ? c : null;
  }

  override onPacket(conn: Connection, direction: Direction, tcpFlags: TcpFlags, now: number, bytes = 0): Transition {
    const t = super.onPacket(conn, direction, tcpFlags, now, bytes);
    this.arm(conn);
    return t;
  }

  override touch(conn: Connection, now: number): void {
    super.touch(conn, now);
    this.arm(conn);
  }

  /** Same order and re-arm rules as ConnectionTable.expire, driven by a heap of (expires, entry). */
  override expire(now: number): ExpiredEntry[] {
    const out: ExpiredEntry[] = [];
    for (;;) {
      const top = this.timers.peek();
      if (top === undefined || top.at > now) return out;
      this.timers.pop();
      const c = top.conn;
      if (!this.live.has(c) || this.armed.get(c.id) !== top.at) continue;
      this.armed.delete(c.id);
      if (c.expires > top.at) {
        // Packets pushed the expiry later since this timer was set: sleep until then.
        this.arm(c);
        continue;
      }
      if (c.nControl > 0) {
        c.timeout = TEMPLATE_RECHECK;
        c.expires = top.at + TEMPLATE_RECHECK;
        this.arm(c);
        continue;
      }
      super.expireNow(c, top.at);
      this.forget(c);
      out.push({ conn: c, at: top.at });
    }
  }

  override expireNow(conn: Connection, now: number): void {
    super.expireNow(conn, now);
    if (conn.nControl > 0) this.arm(conn);
    else this.forget(conn);
  }

  /** Still in the table (not expired). */
  isLive(c: Connection): boolean {
    return this.live.has(c);
  }

  override entries(): Connection[] {
    return [...this.live];
  }

  override get size(): number {
    return this.live.size;
  }

  private forget(c: Connection): void {
    this.live.delete(c);
    this.armed.delete(c.id);
    if (c.template) {
      const k = tplKey(c.protocol, c.caddr, c.vaddr, c.vport);
      if (this.byTemplate.get(k) === c) this.byTemplate.delete(k);
      return;
    }
    const ins = this.byIn.get(c.caddr);
    const k = this.key(c.protocol, c.vaddr, c.vport, c.cport);
    if (ins !== undefined && ins.get(k) === c) ins.delete(k);
    const outs = this.byOut.get(c.caddr);
    const nat = FORWARD_REWRITES[c.forward];
    const o = nat ? this.key(c.protocol, c.daddr, c.dport, c.cport) : this.key(c.protocol, c.vaddr, c.vport, c.cport);
    if (outs !== undefined && outs.get(o) === c) outs.delete(o);
  }

  /** (address, port, client port, protocol) as one exact number: index < 2^19, so below 2^53. */
  private key(protocol: ConnProtocol, addr: string, port: number, cport: number): number {
    let i = this.addrIndex.get(addr);
    if (i === undefined) this.addrIndex.set(addr, (i = this.addrIndex.size));
    return ((i * 65536 + port) * 65536 + cport) * 4 + PROTOCOLS[protocol];
  }

  private arm(c: Connection): void {
    const cur = this.armed.get(c.id);
    if (cur !== undefined && cur <= c.expires) return;
    this.armed.set(c.id, c.expires);
    this.timers.push({ at: c.expires, conn: c });
  }
}

/** At equal times controlled connections go before templates, then creation order (ConnectionTable.expire). */
function earlier(x: Timer, y: Timer): boolean {
  if (x.at !== y.at) return x.at < y.at;
  if (x.conn.template !== y.conn.template) return !x.conn.template;
  return x.conn.id < y.conn.id;
}

const PROTOCOLS: Readonly<Record<ConnProtocol, number>> = { tcp: 0, udp: 1, sctp: 2, ip: 3 };

function inner(m: Map<string, Map<number, Connection>>, addr: string): Map<number, Connection> {
  let i = m.get(addr);
  if (i === undefined) m.set(addr, (i = new Map()));
  return i;
}

function tplKey(protocol: ConnProtocol, caddr: string, vaddr: string, vport: number): string {
  return `${protocol}|${caddr}|${vaddr}|${vport}`;
}
