/**
 * A finished connection entry, as the report lists it. One per connection of the capture is kept
 * to the end, so it is small: the "ip:port" texts are made when read, not stored, and the
 * protocol, VIP and port are the service's.
 */
import type { TcpState } from '../ipvs/tcp-states.js';
import { ipPort } from './packet.js';
import type { Flow, RsState, ServiceState } from './state.js';

export interface DoneFlow {
  readonly index: number;
  readonly proto: 'tcp' | 'udp';
  /** "cip:cport" as ipPort writes it. */
  readonly client: string;
  readonly cip: string;
  readonly cport: number;
  readonly virtual: string;
  readonly svc: ServiceState;
  readonly rs: RsState | null;
  readonly firstN: number;
  readonly lastN: number;
  readonly firstT: number;
  readonly lastT: number;
  readonly state: string;
  /** Seconds left on the entry's timer at the end of the capture; null once expired. */
  readonly expiresAt: number | null;
  /** What the handshake showed, HANDSHAKE_* bits: one small number, as one is kept per connection. */
  readonly handshake: number;
}

/** The client acknowledged the SYN-ACK (the handshake completed). */
export const HANDSHAKE_CLIENT_ACKED = 1;
/** A SYN-ACK to the client was seen. */
export const HANDSHAKE_SYN_ACKED = 2;
/** The client sent its SYN again. */
export const HANDSHAKE_SYN_RETRIED = 4;

const VIRTUAL_TEXT = new WeakMap<ServiceState, string>();

export class FinishedFlow implements DoneFlow {
  readonly index: number;
  readonly cip: string;
  readonly cport: number;
  readonly svc: ServiceState;
  readonly rs: RsState | null;
  readonly firstN: number;
  readonly lastN: number;
  readonly firstT: number;
  readonly lastT: number;
  readonly state: TcpState | 'UDP';
  readonly expiresAt: number | null;
  readonly handshake: number;
  /** Protocol, VIP and port when they are not the service's (never, as flows are made today). */
  private readonly own: { readonly proto: 'tcp' | 'udp'; readonly vip: string; readonly vport: number } | null;

  constructor(f: Flow, expiresAt: number | null) {
    this.index = f.index; this.cip = f.cip; this.cport = f.cport;
    this.svc = f.svc; this.rs = f.rs; this.firstN = f.firstN; this.lastN = f.lastN; this.firstT = f.firstT; this.lastT = f.lastT;
    // A connection that bypassed the director never had an IPVS entry.
    this.state = f.bypass ? 'NONE' : f.state; this.expiresAt = f.bypass ? null : expiresAt;
    this.handshake = (f.clientAcked ? HANDSHAKE_CLIENT_ACKED : 0) | (f.synAckSeen ? HANDSHAKE_SYN_ACKED : 0) | (f.synRetries > 0 ? HANDSHAKE_SYN_RETRIED : 0);
    const s = f.svc;
    this.own = f.proto === s.proto && f.vip === s.vip && f.vport === s.port ? null : { proto: f.proto, vip: f.vip, vport: f.vport };
  }

  get proto(): 'tcp' | 'udp' {
    return this.own?.proto ?? this.svc.proto;
  }

  get vip(): string {
    return this.own?.vip ?? this.svc.vip;
  }

  get vport(): number {
    return this.own?.vport ?? this.svc.port;
  }

  get client(): string {
    return ipPort(this.cip, this.cport);
  }

  /** One string per service. */
  get virtual(): string {
    if (this.own !== null) return ipPort(this.own.vip, this.own.vport);
    let text = VIRTUAL_TEXT.get(this.svc);
    if (text === undefined) {
      text = ipPort(this.svc.vip, this.svc.port);
      VIRTUAL_TEXT.set(this.svc, text);
    }
    return text;
  }
}
