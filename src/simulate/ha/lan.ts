/**
 * The director pair's LAN as a scripted timeline: frames are written at the times a keepalived
 * pair would send them, each with its note in English and Chinese. This is not the event
 * simulator of ../net.ts (one director): a pair's behaviour (who is master, when the gateway's
 * ARP entry moves, which connections the backup knows) is laid out by the preset scripts, which
 * say what really happened in the truth they return.
 */
import { buildFrame, type LayerSpec } from '../../wire/emit.js';
import { encodeIpvsSync, IP_VS_CONN_F, IPVS_SYNC_GROUP, IPVS_SYNC_PORT, type SyncConnSpec } from '../../wire/ipvs-sync.js';

export interface Note { readonly en: string; readonly zh: string }

export interface LanFrame {
  /** Seconds since the capture's start. */
  readonly t: number;
  readonly bytes: Uint8Array;
  readonly note: Note;
  /** Order among frames of the same time (the order they were written). */
  readonly seq: number;
}

export interface Station {
  readonly name: string;
  readonly mac: string;
  readonly ip: string;
}

export const VRRP_GROUP = '224.0.0.18';
const VRRP_MAC = '01:00:5e:00:00:12';
const SYNC_MAC = '01:00:5e:00:00:51';
const BROADCAST = 'ff:ff:ff:ff:ff:ff';
/** IPVS TCP states by number (include/net/ip_vs.h): ESTABLISHED is 1. */
export const IPVS_ESTABLISHED = 1;

export class Lan {
  readonly frames: LanFrame[] = [];
  private seq = 0;
  private ipId = 1;

  add(t: number, specs: readonly LayerSpec[], note: Note): void {
    this.frames.push({ t, bytes: buildFrame(specs), note, seq: this.seq++ });
  }

  nextId(): number { return this.ipId++ & 0xffff; }

  /** A VRRP v2 advert as keepalived sends it: TTL 255 to 224.0.0.18, from the router's own MAC. */
  advert(t: number, r: Station, vrid: number, priority: number, vips: readonly string[], note: Note): void {
    this.add(t, [
      { type: 'eth', src: r.mac, dst: VRRP_MAC },
      { type: 'ipv4', src: r.ip, dst: VRRP_GROUP, ttl: 255, id: this.nextId(), proto: 112 },
      { type: 'vrrp', vrid, priority, advertInterval: 1, addresses: vips },
    ], note);
  }

  /** A gratuitous ARP (request form, as keepalived sends): sender and target address both the VIP. */
  garp(t: number, r: Station, vip: string, note: Note): void {
    this.add(t, [
      { type: 'eth', src: r.mac, dst: BROADCAST },
      { type: 'arp', op: 1, sha: r.mac, spa: vip, tha: BROADCAST, tpa: vip },
    ], note);
  }

  /** A director resolves a real server's MAC (its neighbour cache is cold after boot). */
  arpExchange(t: number, asker: Station, target: Station): void {
    this.add(t, [
      { type: 'eth', src: asker.mac, dst: BROADCAST },
      { type: 'arp', op: 1, sha: asker.mac, spa: asker.ip, tha: '00:00:00:00:00:00', tpa: target.ip },
    ], { en: `${asker.name} asks who has ${target.ip} (tell ${asker.ip})`, zh: `${asker.name} 询问谁有 ${target.ip}（告诉 ${asker.ip}）` });
    this.add(t + 0.0001, [
      { type: 'eth', src: target.mac, dst: asker.mac },
      { type: 'arp', op: 2, sha: target.mac, spa: target.ip, tha: asker.mac, tpa: asker.ip },
    ], { en: `${target.name} answers: ${target.ip} is at ${target.mac}`, zh: `${target.name} 应答：${target.ip} 的 MAC 是 ${target.mac}` });
  }

  /** One IPVS sync message (v1) from the master's DIP to the sync group. */
  sync(t: number, r: Station, syncId: number, conns: readonly SyncConnSpec[], note: Note): void {
    const payload = encodeIpvsSync(1, syncId, conns);
    this.add(t, [
      { type: 'eth', src: r.mac, dst: SYNC_MAC },
      { type: 'ipv4', src: r.ip, dst: IPVS_SYNC_GROUP, ttl: 1, id: this.nextId(), df: true },
      { type: 'udp', srcPort: 39211, dstPort: IPVS_SYNC_PORT },
      { type: 'payload', bytes: payload },
    ], note);
  }

  tcp(t: number, from: { mac: string; ip: string }, toMac: string, toIp: string, sport: number, dport: number,
    flags: string, seq: number, ack: number, payload: number, ttl: number, id: number, note: Note): void {
    this.add(t, [
      { type: 'eth', src: from.mac, dst: toMac },
      { type: 'ipv4', src: from.ip, dst: toIp, ttl, id, df: true },
      { type: 'tcp', srcPort: sport, dstPort: dport, flags, seq, ack: flags.includes('A') ? ack : 0, window: 64240, payloadLength: payload },
    ], note);
  }

  sorted(): LanFrame[] {
    return [...this.frames].sort((a, b) => a.t - b.t || a.seq - b.seq);
  }
}

/** A DR sync entry for an established TCP connection (what ip_vs_sync_conn copies). */
export function syncEntry(cip: string, cport: number, vip: string, vport: number, rip: string): SyncConnSpec {
  return {
    protocol: 6, flags: IP_VS_CONN_F.DROUTE, state: IPVS_ESTABLISHED,
    caddr: cip, cport, vaddr: vip, vport, daddr: rip, dport: vport, timeout: 900,
  };
}
