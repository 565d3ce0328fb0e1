/**
 * One client's HTTP connection through a DR director pair, as the LAN sees it: the gateway hands
 * the client's packets to whichever MAC its ARP entry holds for the VIP; a live director that knows
 * the connection copies them to the real server's MAC (TTL − 1); the real server answers the
 * gateway straight from the VIP. A packet to a dead director shows once and goes nowhere.
 */
import type { Lan, Note, Station } from './lan.js';

const REQUEST = 78;
const RESPONSE = 320;
/** The director's copy follows the gateway's frame by this much (seconds). */
const HOP = 0.00005;
const RS_DELAY = 0.0004;

export type Delivery =
  | { readonly kind: 'forward'; readonly dir: Station }
  | { readonly kind: 'dead'; readonly mac: string; readonly dir: Station }
  /** The director has no entry for the connection: its own TCP stack answers with a RST from the VIP. */
  | { readonly kind: 'reset'; readonly dir: Station };

export class DrConn {
  private cseq: number;
  private sseq: number;
  /** What the client has sent but the real server has not yet acknowledged (for retransmissions). */
  private pendingLen = 0;
  closed = false;

  private readonly lan: Lan;
  readonly gw: Station;
  readonly cip: string;
  readonly cport: number;
  readonly vip: string;
  readonly rs: Station;

  constructor(lan: Lan, gw: Station, cip: string, cport: number, vip: string, rs: Station, base: number) {
    this.lan = lan; this.gw = gw; this.cip = cip; this.cport = cport; this.vip = vip; this.rs = rs;
    this.cseq = 1000 + base * 7919;
    this.sseq = 5000 + base * 104729;
  }

  get client(): string { return `${this.cip}:${this.cport}`; }

  /** A client segment: the gateway's frame, then what the director does with it. */
  private fromClient(t: number, d: Delivery, flags: string, len: number, en: string, zh: string): void {
    const id = this.lan.nextId();
    const to = d.kind === 'dead' ? d.mac : d.dir.mac;
    const seq = this.cseq;
    const ack = this.sseq;
    this.lan.tcp(t, { mac: this.gw.mac, ip: this.cip }, to, this.vip, this.cport, 80, flags, seq, ack, len, 63, id,
      d.kind === 'dead'
        ? { en: `${en}; the gateway still sends it to ${d.dir.name}'s MAC, and ${d.dir.name} is down: nobody answers`, zh: `${zh}；网关仍把它发给 ${d.dir.name} 的 MAC，而 ${d.dir.name} 已经宕机：没有人应答` }
        : { en: `${en} arrives at ${d.dir.name}`, zh: `${zh}到达 ${d.dir.name}` });
    if (d.kind === 'forward') {
      this.lan.tcp(t + HOP, { mac: d.dir.mac, ip: this.cip }, this.rs.mac, this.vip, this.cport, 80, flags, seq, ack, len, 62, id,
        { en: `${d.dir.name} → ${this.rs.name}: DR rewrites only the destination MAC (TTL 63→62)`, zh: `${d.dir.name} → ${this.rs.name}：DR 只改写目的 MAC（TTL 63→62）` });
    } else if (d.kind === 'reset') {
      this.lan.tcp(t + HOP, { mac: d.dir.mac, ip: this.vip }, this.gw.mac, this.cip, 80, this.cport, 'R', ack, 0, 0, 64, this.lan.nextId(),
        { en: `${d.dir.name} has no IPVS entry for ${this.client} (no sync): the segment goes to its own TCP stack, which answers RST from the VIP`, zh: `${d.dir.name} 没有 ${this.client} 的 IPVS 连接（没有同步）：报文交给它自己的 TCP 协议栈，由它从 VIP 回 RST` });
      this.closed = true;
    }
  }

  private fromServer(t: number, flags: string, len: number, note: Note): void {
    this.lan.tcp(t, { mac: this.rs.mac, ip: this.vip }, this.gw.mac, this.cip, 80, this.cport, flags, this.sseq, this.cseq, len, 64, this.lan.nextId(), note);
  }

  open(t: number, d: Delivery): number {
    this.fromClient(t, d, 'S', 0, `client ${this.client} SYN to the VIP`, `客户端 ${this.client} 向 VIP 发 SYN`);
    this.cseq += 1;
    const t2 = t + HOP + RS_DELAY;
    this.fromServer(t2, 'SA', 0, { en: `${this.rs.name} SYN-ACK from the VIP straight to the gateway`, zh: `${this.rs.name} 以 VIP 为源直接向网关回 SYN-ACK` });
    this.sseq += 1;
    this.fromClient(t2 + 0.001, d, 'A', 0, 'client ACK (handshake 3/3)', '客户端 ACK（第三次握手）');
    return t2 + 0.001;
  }

  /** A request; `answered` false leaves it unacknowledged (the director is gone). */
  request(t: number, d: Delivery, answered = true): number {
    this.fromClient(t, d, 'AP', REQUEST, `client GET / (${REQUEST} bytes)`, `客户端 GET /（${REQUEST} 字节）`);
    if (!answered || d.kind !== 'forward') { this.pendingLen = REQUEST; return t; }
    this.cseq += REQUEST;
    return this.answer(t + HOP + RS_DELAY, d);
  }

  /** The unacknowledged request again (TCP retransmission). */
  retransmit(t: number, d: Delivery, answered: boolean): number {
    this.fromClient(t, d, 'AP', this.pendingLen, `client retransmits its request (${this.pendingLen} bytes)`, `客户端重传请求（${this.pendingLen} 字节）`);
    if (!answered || d.kind !== 'forward') return t;
    this.cseq += this.pendingLen;
    this.pendingLen = 0;
    return this.answer(t + HOP + RS_DELAY, d);
  }

  private answer(t: number, d: Delivery): number {
    this.fromServer(t, 'AP', RESPONSE, { en: `${this.rs.name} answers (${RESPONSE} bytes) from the VIP straight to the gateway`, zh: `${this.rs.name} 以 VIP 为源直接向网关发送响应（${RESPONSE} 字节）` });
    this.sseq += RESPONSE;
    this.fromClient(t + 0.002, d, 'A', 0, 'client ACK', '客户端 ACK');
    return t + 0.002;
  }

  close(t: number, d: Delivery): number {
    this.fromClient(t, d, 'AF', 0, 'client FIN', '客户端 FIN');
    this.cseq += 1;
    const t2 = t + HOP + RS_DELAY;
    this.fromServer(t2, 'AF', 0, { en: `${this.rs.name} FIN`, zh: `${this.rs.name} FIN` });
    this.sseq += 1;
    this.fromClient(t2 + 0.001, d, 'A', 0, 'client ACK (closed)', '客户端 ACK（连接关闭）');
    this.closed = true;
    return t2 + 0.001;
  }

  /** A whole short connection: handshake, one request, close. */
  whole(t: number, d: Delivery): void {
    const t1 = this.open(t, d);
    const t2 = this.request(t1 + 0.001, d);
    this.close(t2 + 0.002, d);
  }

  /** The RS refuses the SYN (its service is down): SYN forwarded, RST-ACK from the VIP. */
  refused(t: number, d: Delivery): void {
    this.fromClient(t, d, 'S', 0, `client ${this.client} SYN to the VIP`, `客户端 ${this.client} 向 VIP 发 SYN`);
    this.cseq += 1;
    this.fromServer(t + HOP + RS_DELAY, 'AR', 0, { en: `${this.rs.name} refuses: RST (nothing listens on port 80)`, zh: `${this.rs.name} 拒绝连接：RST（80 端口上没有服务在监听）` });
    this.closed = true;
  }
}
