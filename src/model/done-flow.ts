/**
 * A finished connection entry, as the report lists it. One per connection of the capture is kept
 * to the end: the entry itself (model/flow.ts), read once nothing changes it any more; the
 * "ip:port" texts are made when read, not stored.
 */
import type { Flow } from './flow.js';
import { ipPort } from './packet.js';
import type { RsState, ServiceState } from './state.js';

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

/** "vip:port" of an entry: one string per service, unless the entry's are not the service's. */
export function virtualText(svc: ServiceState, proto: 'tcp' | 'udp', vip: string, vport: number): string {
  if (proto !== svc.proto || vip !== svc.vip || vport !== svc.port) return ipPort(vip, vport);
  let text = VIRTUAL_TEXT.get(svc);
  if (text === undefined) {
    text = ipPort(svc.vip, svc.port);
    VIRTUAL_TEXT.set(svc, text);
  }
  return text;
}

/**
 * A finished entry of a connection that bypassed the director (rare): it never had an IPVS entry,
 * so no state and no timer. Every other finished entry is its `Flow` itself.
 */
export class BypassedFlow implements DoneFlow {
  readonly state = 'NONE';
  readonly expiresAt = null;
  private readonly f: Flow;

  constructor(f: Flow) {
    this.f = f;
  }

  get index(): number { return this.f.index; }
  get proto(): 'tcp' | 'udp' { return this.f.proto; }
  get client(): string { return this.f.client; }
  get cip(): string { return this.f.cip; }
  get cport(): number { return this.f.cport; }
  get virtual(): string { return this.f.virtual; }
  get svc(): ServiceState { return this.f.svc; }
  get rs(): RsState | null { return this.f.rs; }
  get firstN(): number { return this.f.firstN; }
  get lastN(): number { return this.f.lastN; }
  get firstT(): number { return this.f.firstT; }
  get lastT(): number { return this.f.lastT; }
  get handshake(): number { return this.f.handshake; }
}
