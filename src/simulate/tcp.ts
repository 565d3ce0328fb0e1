/**
 * A small Linux-flavoured TCP: random ISNs, SYN options in Linux's order (MSS, SACK-permitted,
 * timestamps, NOP, window scale), NOP NOP TS on later segments, immediate ACKs for data, FIN
 * teardown, RST for closed ports, SYN retransmission (1 s, 3 s), and PMTU discovery on ICMP
 * frag-needed. Applications (`tcp-apps.ts`: HTTP client and server, an SSH banner exchange, a
 * bare TLS-port connect) drive it through callbacks.
 */
import type { TcpOption } from '../wire/records.js';
import { formatIpv4 } from '../wire/address.js';
import type { Host, Iface } from './net.js';
import { SEC } from './net.js';
import {
  F_ACK, F_FIN, F_PSH, F_RST, F_SYN, PROTO_ICMP, PROTO_TCP, newPacket, type Flow, type Packet,
} from './packet.js';

export type TcpState = 'SYN_SENT' | 'SYN_RCVD' | 'ESTABLISHED' | 'FIN_WAIT1' | 'FIN_WAIT2' | 'CLOSE_WAIT' | 'LAST_ACK' | 'CLOSING' | 'TIME_WAIT' | 'CLOSED';

export interface TcpApp {
  onEstablished(s: Sock): void;
  onData(s: Sock, data: Uint8Array): void;
  /** The peer sent FIN. */
  onPeerClose(s: Sock): void;
  onReset?(s: Sock, why: string): void;
}

const WSCALE = 7;
const TS_HZ = 1000;

export class Sock {
  state: TcpState = 'CLOSED';
  iss = 0;
  sndNxt = 0;
  sndUna = 0;
  rcvNxt = 0;
  peerTs = 0;
  peerMss = 536;
  /** Our MSS limit from the path MTU. */
  pmtu = 1500;
  ipId = 0;
  finSent = false;
  synTries = 0;
  /** Unacknowledged data, for retransmission after a PMTU drop. */
  private unacked: Array<{ seq: number; data: Uint8Array; psh: boolean }> = [];
  app: TcpApp | null = null;
  /** Human name of the peer for packet notes. */
  label = '';

  readonly stack: TcpStack;
  readonly lip: number;
  readonly lport: number;
  readonly rip: number;
  readonly rport: number;
  flow: Flow | null;

  constructor(stack: TcpStack, lip: number, lport: number, rip: number, rport: number, flow: Flow | null) {
    this.stack = stack;
    this.lip = lip;
    this.lport = lport;
    this.rip = rip;
    this.rport = rport;
    this.flow = flow;
  }

  get host(): Host {
    return this.stack.host;
  }

  private base(flags: number): Packet {
    const h = this.stack.host;
    const p = newPacket(this.lip, this.rip, PROTO_TCP);
    p.sport = this.lport;
    p.dport = this.rport;
    p.ttl = h.ttl;
    p.flags = flags;
    p.seq = this.sndNxt >>> 0;
    p.ack = flags & F_ACK ? this.rcvNxt >>> 0 : 0;
    p.win = this.state === 'SYN_SENT' || this.state === 'CLOSED' ? 64240 : 502;
    p.id = this.ipId;
    this.ipId = (this.ipId + 1) & 0xffff;
    p.flow = this.flow;
    p.opts = [{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', tsval: this.stack.tsval(), tsecr: this.peerTs >>> 0 }];
    return p;
  }

  private synOptions(ack: boolean): TcpOption[] {
    return [
      { kind: 'mss', value: this.pmtu - 40 }, { kind: 'sackOk' },
      { kind: 'ts', tsval: this.stack.tsval(), tsecr: ack ? this.peerTs >>> 0 : 0 }, { kind: 'nop' }, { kind: 'wscale', value: WSCALE },
    ];
  }

  connect(note: string): void {
    this.iss = this.stack.host.rng.u32();
    this.sndNxt = this.iss;
    this.sndUna = this.iss;
    this.state = 'SYN_SENT';
    this.ipId = this.stack.host.rng.int(1, 0xffff);
    this.sendSyn(note);
  }

  private sendSyn(note: string): void {
    const p = this.base(F_SYN);
    p.seq = this.iss >>> 0;
    p.opts = this.synOptions(false);
    this.stack.host.sendIp(p, note);
    this.synTries++;
    const w = this.stack.host.world;
    const tries = this.synTries;
    // Linux's initial RTO is 1 s, doubling: retransmit at 1 s and 3 s, then give up.
    if (tries <= 2) {
      w.at(w.now + tries * SEC, () => {
        if (this.state === 'SYN_SENT' && this.synTries === tries) this.sendSyn(`${note} (retransmission: no SYN-ACK came back)`);
      });
    } else {
      w.at(w.now + 4 * SEC, () => {
        if (this.state === 'SYN_SENT') this.abort('no answer to three SYNs');
      });
    }
  }

  /** Passive open: answer a SYN. */
  accept(syn: Packet): void {
    this.iss = this.stack.host.rng.u32();
    this.sndNxt = this.iss;
    this.sndUna = this.iss;
    this.rcvNxt = (syn.seq + 1) >>> 0;
    this.readOptions(syn);
    this.state = 'SYN_RCVD';
    const p = this.base(F_SYN | F_ACK);
    p.seq = this.iss >>> 0;
    p.win = 65160;
    // The SYN-ACK leaves from the request socket with IP ID 0; the full socket then counts from a random start.
    p.id = 0;
    this.ipId = this.stack.host.rng.int(1, 0xffff);
    p.opts = this.synOptions(true);
    this.sndNxt = (this.iss + 1) >>> 0;
    this.stack.host.sendIp(p, `${this.stack.host.name} accepts: SYN-ACK to ${this.label}`);
  }

  private readOptions(p: Packet): void {
    if (p.opts === null) return;
    for (const o of p.opts) {
      if (o.kind === 'mss') this.peerMss = o.value;
      else if (o.kind === 'ts') this.peerTs = o.tsval;
    }
  }

  /** Segment size for data: the peer's MSS, our path MTU, minus the 12 bytes of NOP NOP TS. */
  private mss(): number {
    return Math.min(this.peerMss, this.pmtu - 40) - 12;
  }

  send(data: Uint8Array, note: string): void {
    const mss = this.mss();
    for (let off = 0; off < data.length; off += mss) {
      const chunk = data.subarray(off, Math.min(data.length, off + mss));
      const last = off + mss >= data.length;
      this.unacked.push({ seq: this.sndNxt, data: chunk, psh: last });
      this.transmitData(this.sndNxt, chunk, last, off === 0 ? note : `${note} (continued)`);
      this.sndNxt = (this.sndNxt + chunk.length) >>> 0;
    }
  }

  private transmitData(seq: number, chunk: Uint8Array, psh: boolean, note: string): void {
    const p = this.base(F_ACK | (psh ? F_PSH : 0));
    p.seq = seq >>> 0;
    p.payload = chunk;
    this.stack.host.sendIp(p, note);
  }

  sendAck(note: string): void {
    this.stack.host.sendIp(this.base(F_ACK), note);
  }

  close(note: string): void {
    if (this.finSent || this.state === 'CLOSED') return;
    this.finSent = true;
    const p = this.base(F_FIN | F_ACK);
    this.sndNxt = (this.sndNxt + 1) >>> 0;
    this.state = this.state === 'CLOSE_WAIT' ? 'LAST_ACK' : 'FIN_WAIT1';
    this.stack.host.sendIp(p, note);
  }

  abort(why: string): void {
    this.state = 'CLOSED';
    this.stack.remove(this);
    this.app?.onReset?.(this, why);
  }

  /** ICMP frag-needed for one of our segments: lower the path MTU and resend what is outstanding. */
  onFragNeeded(mtu: number): void {
    if (mtu >= this.pmtu || mtu < 576) return;
    this.pmtu = mtu;
    const pending = this.unacked;
    this.unacked = [];
    if (pending.length === 0) return;
    // tcp_simple_retransmit: the whole outstanding queue is cut again at the new MSS.
    let total = 0;
    for (const u of pending) total += u.data.length;
    const all = new Uint8Array(total);
    let at = 0;
    for (const u of pending) { all.set(u.data, at); at += u.data.length; }
    const start = pending[0]!.seq;
    const mss = this.mss();
    for (let off = 0; off < total; off += mss) {
      const chunk = all.subarray(off, Math.min(total, off + mss));
      const last = off + mss >= total;
      this.unacked.push({ seq: (start + off) >>> 0, data: chunk, psh: last });
      this.transmitData((start + off) >>> 0, chunk, last,
        `${this.stack.host.name} resends ${chunk.length} bytes in smaller segments after ICMP frag-needed (path MTU ${mtu})`);
    }
  }

  receive(p: Packet): void {
    const h = this.stack.host;
    if (p.flags & F_RST) {
      this.abort('connection reset by peer');
      return;
    }
    if (p.opts !== null) for (const o of p.opts) if (o.kind === 'ts') this.peerTs = o.tsval;
    if (this.state === 'SYN_SENT') {
      if ((p.flags & (F_SYN | F_ACK)) !== (F_SYN | F_ACK) || p.ack !== ((this.iss + 1) >>> 0)) {
        return;
      }
      this.readOptions(p);
      this.rcvNxt = (p.seq + 1) >>> 0;
      this.sndNxt = (this.iss + 1) >>> 0;
      this.sndUna = this.sndNxt;
      this.state = 'ESTABLISHED';
      this.sendAck(`${h.name} completes the handshake (ACK)`);
      this.app?.onEstablished(this);
      return;
    }
    if (p.flags & F_ACK) {
      this.sndUna = p.ack;
      if (this.unacked.length > 0) this.unacked = this.unacked.filter((u) => ((u.seq + u.data.length - p.ack) | 0) > 0);
      if (this.state === 'SYN_RCVD') {
        this.state = 'ESTABLISHED';
        this.app?.onEstablished(this);
      }
      if (this.finSent && p.ack === this.sndNxt) {
        if (this.state === 'FIN_WAIT1') this.state = 'FIN_WAIT2';
        else if (this.state === 'LAST_ACK') { this.state = 'CLOSED'; this.stack.remove(this); return; }
        else if (this.state === 'CLOSING') { this.state = 'TIME_WAIT'; this.stack.remove(this); return; }
      }
    }
    const len = p.payload?.length ?? 0;
    if (len > 0 && p.seq === this.rcvNxt) {
      this.rcvNxt = (this.rcvNxt + len) >>> 0;
      this.app?.onData(this, p.payload!);
    }
    if (p.flags & F_FIN) {
      this.rcvNxt = (this.rcvNxt + 1) >>> 0;
      if (this.state === 'FIN_WAIT2' || this.state === 'FIN_WAIT1') {
        this.state = this.state === 'FIN_WAIT2' ? 'TIME_WAIT' : 'CLOSING';
        this.sendAck(`${h.name} acknowledges the FIN; its side is now TIME_WAIT`);
        this.stack.remove(this);
        return;
      }
      this.state = 'CLOSE_WAIT';
      this.app?.onPeerClose(this);
    }
  }
}

export interface Listener {
  readonly port: number;
  readonly stopped: boolean;
  readonly make: (s: Sock) => TcpApp;
}

/** Per-host sockets: connected ones by 4-tuple, listeners by port. */
export class TcpStack {
  /** By local port, then remote address * 65536 + remote port. */
  private readonly socks = new Map<number, Map<number, Sock>>();
  private count = 0;
  readonly listeners = new Map<number, Listener>();
  private nextPort: number;
  /** The host's TCP timestamp clock at time 0 (tsval = tsOffset + ms). */
  readonly tsOffset: number;
  /** Fast synthesis: told when a socket leaves the table (its connection's frames are all sent). */
  onRemove: ((s: Sock) => void) | null = null;

  readonly host: Host;

  constructor(host: Host) {
    this.host = host;
    this.nextPort = host.rng.int(32768, 60999);
    this.tsOffset = host.rng.u32();
    host.deliver = (pkt, iface) => this.deliver(pkt, iface);
  }

  tsval(): number {
    return (this.tsOffset + Math.floor(this.host.world.now / (1e9 / TS_HZ))) >>> 0;
  }

  ephemeralPort(): number {
    const p = this.nextPort;
    this.nextPort = this.nextPort >= 60999 ? 32768 : this.nextPort + 1;
    return p;
  }

  private find(lport: number, rip: number, rport: number): Sock | undefined {
    return this.socks.get(lport)?.get(rip * 65536 + rport);
  }

  private add(s: Sock): void {
    let m = this.socks.get(s.lport);
    if (m === undefined) this.socks.set(s.lport, (m = new Map()));
    m.set(s.rip * 65536 + s.rport, s);
    this.count++;
  }

  /** `lport`: a port already taken from ephemeralPort() (fast synthesis hands a connection over). */
  open(lip: number, rip: number, rport: number, flow: Flow | null, app: TcpApp, label: string, lport = this.ephemeralPort()): Sock {
    const s = new Sock(this, lip, lport, rip, rport, flow);
    s.app = app;
    s.label = label;
    this.add(s);
    return s;
  }

  remove(s: Sock): void {
    const m = this.socks.get(s.lport);
    if (m !== undefined && m.get(s.rip * 65536 + s.rport) === s) {
      m.delete(s.rip * 65536 + s.rport);
      this.count--;
      if (m.size === 0) this.socks.delete(s.lport);
      this.onRemove?.(s);
    }
  }

  get openSockets(): number {
    return this.count;
  }

  private deliver(p: Packet, _iface: Iface): void {
    if (p.proto === PROTO_ICMP) {
      this.icmp(p);
      return;
    }
    if (p.proto !== PROTO_TCP) return;
    const s = this.find(p.dport, p.src, p.sport);
    if (s !== undefined) {
      s.receive(p);
      return;
    }
    const l = this.listeners.get(p.dport);
    if ((p.flags & (F_SYN | F_ACK | F_RST)) === F_SYN && l !== undefined && !l.stopped) {
      const ns = new Sock(this, p.dst, p.dport, p.src, p.sport, p.flow);
      ns.label = `${formatIpv4(p.src)}:${p.sport}`;
      ns.app = l.make(ns);
      this.add(ns);
      ns.accept(p);
      return;
    }
    if (p.flags & F_RST) return;
    // tcp_v4_send_reset: no socket (or a stopped service) answers RST, from the address the segment was sent to.
    const r = newPacket(p.dst, p.src, PROTO_TCP);
    r.sport = p.dport;
    r.dport = p.sport;
    r.ttl = this.host.ttl;
    r.flow = p.flow;
    r.id = 0;
    if (p.flags & F_ACK) {
      r.seq = p.ack;
      r.flags = F_RST;
    } else {
      r.seq = 0;
      r.ack = (p.seq + (p.payload?.length ?? 0) + (p.flags & F_SYN ? 1 : 0) + (p.flags & F_FIN ? 1 : 0)) >>> 0;
      r.flags = F_RST | F_ACK;
    }
    const why = l !== undefined && l.stopped ? `nothing listens on port ${p.dport} (service stopped)` : `no socket for this segment`;
    this.host.sendIp(r, `${this.host.name} refuses: RST, ${why}`, l !== undefined && l.stopped ? ['rs-not-responding'] : null);
  }

  private icmp(p: Packet): void {
    const q = p.quote;
    if (q === null || q.length < 28 || q[9] !== PROTO_TCP) return;
    const ihl = (q[0]! & 0x0f) * 4;
    const src = ((q[12]! << 24) | (q[13]! << 16) | (q[14]! << 8) | q[15]!) >>> 0;
    const dst = ((q[16]! << 24) | (q[17]! << 16) | (q[18]! << 8) | q[19]!) >>> 0;
    const sport = (q[ihl]! << 8) | q[ihl + 1]!;
    const dport = (q[ihl + 2]! << 8) | q[ihl + 3]!;
    const s = this.find(sport, dst, dport);
    if (s === undefined || s.lip !== src) return;
    if (p.icmpType === 3 && p.icmpCode === 4) s.onFragNeeded(p.mtu);
    else if (p.icmpType === 3 && s.state === 'SYN_SENT') s.abort(p.icmpCode === 3 ? 'connection refused (ICMP port unreachable)' : 'host unreachable');
  }
}

export { F_ACK, F_FIN, F_PSH, F_RST, F_SYN };
