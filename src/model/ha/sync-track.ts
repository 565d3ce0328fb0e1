/**
 * What the master's sync daemon announced: per sender, its messages, and per connection the last
 * state it sent (ip_vs_sync.c). A backup holding an entry forwards the connection's packets after
 * a takeover exactly as the old master did.
 */
import { TCP_STATES } from '../../ipvs/tcp-states.js';
import type { IpvsSyncConn, IpvsSyncRecord } from '../../wire/records.js';
import { ipPort } from '../packet.js';

export interface SyncSender {
  readonly ip: string;
  readonly mac: string;
  readonly group: string;
  readonly port: number;
  version: number;
  syncId: number;
  messages: number;
  readonly firstN: number;
}

export interface SyncedConn {
  readonly protocol: number;
  readonly client: string;
  readonly virtual: string;
  realServer: string;
  state: number;
  forward: string;
  flags: number;
  template: boolean;
  readonly firstN: number;
  readonly firstT: number;
  lastN: number;
  readonly sender: string;
}

/** Kept per capture: a sync daemon can announce every connection of a busy director. */
const MAX_CONNS = 100_000;

export function syncStateName(protocol: number, state: number): string {
  if (protocol === 6) return TCP_STATES[state] ?? `state ${state}`;
  if (protocol === 17) return 'UDP';
  return `state ${state}`;
}

export function syncConnKey(protocol: number, client: string, virtual: string): string {
  return `${protocol}|${client}|${virtual}`;
}

export class SyncTrack {
  readonly senders = new Map<string, SyncSender>();
  readonly conns = new Map<string, SyncedConn>();

  message(n: number, t: number, srcIp: string, srcMac: string, dstIp: string, dport: number, rec: IpvsSyncRecord): readonly IpvsSyncConn[] {
    let s = this.senders.get(srcIp);
    if (s === undefined) {
      s = { ip: srcIp, mac: srcMac, group: dstIp, port: dport, version: rec.version, syncId: rec.syncId, messages: 0, firstN: n };
      this.senders.set(srcIp, s);
    }
    s.messages++;
    s.version = rec.version;
    s.syncId = rec.syncId;
    for (const c of rec.conns) {
      const client = ipPort(c.caddr, c.cport);
      const virtual = ipPort(c.vaddr, c.vport);
      const key = syncConnKey(c.protocol, client, virtual);
      let e = this.conns.get(key);
      if (e === undefined) {
        if (this.conns.size >= MAX_CONNS) continue;
        e = { protocol: c.protocol, client, virtual, realServer: '', state: 0, forward: '', flags: 0, template: false, firstN: n, firstT: t, lastN: n, sender: srcIp };
        this.conns.set(key, e);
      }
      e.realServer = ipPort(c.daddr, c.dport);
      e.state = c.state;
      e.forward = c.forward;
      e.flags = c.flags;
      e.template = c.template;
      e.lastN = n;
    }
    return rec.conns;
  }

  /** Announced before time t. */
  syncedBefore(protocol: number, client: string, virtual: string, t: number): boolean {
    const e = this.conns.get(syncConnKey(protocol, client, virtual));
    return e !== undefined && e.firstT <= t;
  }
}
