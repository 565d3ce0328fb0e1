/**
 * `--syn-flood N`: N TCP SYNs to the service, each from a made-up client address and port, that
 * nobody ever completes (what `hping3 -S --rand-source` sends). The first client's namespace
 * sends them with tcpreplay, so they enter the lab where clients do and leave nothing outside it.
 * The director creates an entry in SYN_RECV for each (60 s, ip_vs_proto_tcp.c); the real
 * servers' SYN-ACKs go to addresses nobody owns and are retransmitted into silence.
 *
 * The kernel's drop defences (ip_vs_ctl.c update_defense_level, run every second) act only when
 * free memory (free + buffer pages) falls below amemthresh: drop_entry then expires random
 * SYN_RECV entries, drop_packet drops 1 in amemthresh/(amemthresh − available) new connections,
 * secure_tcp switches to the stricter state table. Their settings and the memory they are compared
 * with go into the truth, read before and after the flood.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileSink, LinkType, PcapWriter } from '../capture/index.js';
import { buildFrame } from '../wire/emit.js';
import { LabError, nsRun } from './host.js';
import type { LabPlan } from './plan.js';

/** The flood's rate: slow enough for tcpdump in the TCG microVM to keep every frame, and a few hundred SYNs still arrive well inside the 60 s SYN_RECV timeout. */
export const SYN_FLOOD_PPS = 40;
/** Made-up sources, on the clients' /16 but far from any host of the lab. */
const FLOOD_NET = [172, 16, 200];
const HOSTS_PER_NET = 250;
/**
 * Where replies to them go: nowhere, as on the Internet, where forged sources are mostly addresses
 * nobody uses. Without this route the host in front (the firewall, or a NAT director) would ARP for
 * each and, after 3 s, send ICMP host unreachable about every SYN-ACK back to the VIP.
 */
export const FLOOD_ROUTE = '172.16.200.0/21';

/** An address of FLOOD_ROUTE (172.16.200.0 – 172.16.207.255). */
export function inFloodRoute(ip: string): boolean {
  const o = ip.split('.').map(Number);
  return o.length === 4 && o[0] === FLOOD_NET[0] && o[1] === FLOOD_NET[1] && (o[2] as number) >> 3 === (FLOOD_NET[2] as number) >> 3;
}

/** The k-th SYN's source: 172.16.200.1, .2, … .250, 172.16.201.1, …, and a port that wanders. */
export function floodSource(k: number): { readonly ip: string; readonly port: number } {
  const net = (FLOOD_NET[2] as number) + Math.floor(k / HOSTS_PER_NET);
  return { ip: `${FLOOD_NET[0]}.${FLOOD_NET[1]}.${net}.${(k % HOSTS_PER_NET) + 1}`, port: 1024 + ((k * 7919 + 4099) % 60000) };
}

/** The MAC of the interface that owns `ip` in the plan: the client's next hop towards the service. */
function macOf(plan: LabPlan, ip: string): string {
  for (const h of plan.hosts) for (const i of h.ifaces) if (i.addrs.some((a) => a.split('/')[0] === ip)) return i.mac;
  throw new LabError(`no interface of the lab owns ${ip}`);
}

/** Writes the N SYN frames, as the first client's eth0 sends them, to a pcap file. */
export function writeSynFlood(plan: LabPlan, count: number, file: string): void {
  const client = plan.clients[0];
  if (client === undefined) throw new LabError('a SYN flood needs a client namespace to send from');
  const dst = macOf(plan, plan.publicIp);
  const sink = fileSink(file, { overwrite: true });
  const pcap = new PcapWriter(sink, { linkType: LinkType.ETHERNET, nanosecond: true });
  try {
    for (let k = 0; k < count; k++) {
      const src = floodSource(k);
      const frame = buildFrame([
        { type: 'eth', src: client.mac, dst },
        { type: 'ipv4', src: src.ip, dst: plan.publicIp, ttl: 64, id: (k * 40503) & 0xffff },
        { type: 'tcp', srcPort: src.port, dstPort: plan.publicPort, seq: (k * 2654435761) >>> 0, flags: 'S', window: 1024 },
      ]);
      pcap.writePacket(frame, k, 0);
    }
  } finally {
    pcap.close();
  }
}

export interface SynFloodTruth {
  readonly syns: number;
  readonly pps: number;
  /** The first and last made-up source address. */
  readonly sources: readonly [string, string];
  readonly sentFrom: string;
  /** tcpreplay's own summary line. */
  readonly tcpreplay: string;
}

/** Sends the flood from the first client's namespace; returns what was sent. */
export function sendSynFlood(plan: LabPlan, count: number, progress: (m: string) => void): SynFloodTruth {
  const client = plan.clients[0];
  if (client === undefined) throw new LabError('a SYN flood needs a client namespace to send from');
  const dir = mkdtempSync(join(tmpdir(), 'lvscope-flood-'));
  try {
    const file = join(dir, 'syns.pcap');
    writeSynFlood(plan, count, file);
    const front = plan.hosts.find((h) => h.ifaces.some((i) => i.addrs.some((a) => a.split('/')[0] === plan.publicIp)));
    if (front !== undefined) nsRun(front.ns, 'ip', ['route', 'add', 'blackhole', FLOOD_ROUTE]);
    progress(`SYN flood: ${count} SYNs at ${SYN_FLOOD_PPS}/s from ${client.ns}`);
    let out: string;
    try {
      out = nsRun(client.ns, 'tcpreplay', ['-q', '-i', 'eth0', `--pps=${SYN_FLOOD_PPS}`, file]);
    } catch (e) {
      throw new LabError(`the SYN flood needs tcpreplay (apt-get install tcpreplay): ${(e as Error).message}`);
    }
    const summary = out.split('\n').find((l) => /Actual:/.test(l))?.trim() ?? out.trim().split('\n')[0] ?? '';
    return { syns: count, pps: SYN_FLOOD_PPS, sources: [floodSource(0).ip, floodSource(count - 1).ip], sentFrom: client.ip, tcpreplay: summary };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
