/**
 * The failures operators meet in a running cluster, each recognised from its packets alone: a
 * flow black-holed by a stale connection entry, an idle connection whose entry expired, a reused
 * client port whose first SYN was dropped, a real server rejecting with ICMP. Each watcher keeps a
 * small bounded state per conversation; the engine feeds them every TCP/UDP packet and asks for
 * findings at the end. The English sentences are written here once; the catalog renders them.
 */
import type { FindingCode, FindingParamsByCode, FindingSeverity, IdleExpiry, PortReuse, StaleEntry } from '../ipvs/report.js';
import { IdleExpiries } from './idle-expiry.js';
import { PROTO_TCP, PROTO_UDP, type Packet } from './packet.js';
import { PortReuses } from './port-reuse.js';
import { StaleEntries } from './stale-entry.js';

interface Book {
  add<C extends FindingCode>(code: C, severity: FindingSeverity, subject: string, message: string, frame: number | null, params: FindingParamsByCode[C]): void;
}

export class FaultWatch {
  private readonly stale = new StaleEntries();
  private readonly idle: IdleExpiries;
  private readonly reuse = new PortReuses();

  constructor(isDirectorMac: (mac: string) => boolean) {
    this.idle = new IdleExpiries(isDirectorMac);
  }

  /** Every TCP or UDP packet (the inner one of a tunnel). */
  observe(p: Packet): void {
    if (p.proto === PROTO_TCP) { this.idle.observe(p); this.reuse.observe(p); }
    else if (p.proto === PROTO_UDP) this.stale.observe(p);
  }

  /** `rsName`: a real server's name for a MAC or address seen on the wire (its RIP where known). */
  report(book: Book, rsName: (id: string) => string): void {
    for (const e of this.stale.episodesFound()) {
      const params: StaleEntry = {
        client: e.client, virtual: e.virtual, rs: rsName(e.rsId), after: e.afterId === null ? null : rsName(e.afterId),
        lost: e.lost, seconds: e.seconds, othersAnswered: e.othersAnswered,
      };
      for (const n of e.frames) book.add('stale-entry', 'error', `${e.client}>${e.virtual}`, staleEntryMessage(params), n, params);
    }
    for (const e of this.idle.episodes()) {
      const { frames, ...params } = e;
      for (const n of frames) book.add('idle-entry-expired', 'warning', `${e.client}>${e.virtual}`, idleExpiryMessage(params), n, params);
    }
    for (const e of this.reuse.episodes()) {
      const { frames, ...params } = e;
      for (const n of frames) book.add('port-reuse-syn-dropped', 'warning', `${e.client}>${e.virtual}|${frames[1]}`, portReuseMessage(params), n, params);
    }
  }
}

export function staleEntryMessage(p: StaleEntry): string {
  const then = p.after !== null
    ? `; then ${p.after} answered: the flow was scheduled anew once its old connection entry expired`
    : p.othersAnswered ? ', while the service answered other clients' : '';
  return `client ${p.client}'s datagrams to ${p.virtual} went unanswered for ${p.seconds} s (${p.lost} datagrams) after real server ${p.rs} had answered them${then}. ` +
    'IPVS sends every packet of a connection entry (the same client ip:port) to that entry\'s real server: if the server was removed, the director drops them silently ' +
    '(net.ipv4.vs.expire_nodest_conn=0, the default) until the entry expires, the UDP timeout (300 s by default, ipvsadm --set) counted from the last packet forwarded; ' +
    'if it is dead but still listed, or quiesced (weight 0) while down, they keep going to it for as long as the client keeps sending. ' +
    'Set net.ipv4.vs.expire_nodest_conn=1 (the first such packet expires the entry and the next is scheduled again), shorten the UDP timeout, or remove a dead server rather than quiesce it; ipvsadm -Lnc shows the entry';
}

export function idleExpiryMessage(p: IdleExpiry): string {
  const who = p.by === 'director' ? 'the director' : 'another host than the one that answered before (the director, or a real server it was newly sent to)';
  return `connection ${p.client} → ${p.virtual} was idle for ${p.idle} s; the client's next segment was answered with a RST from ${who}: ` +
    'IPVS had expired the connection\'s ESTABLISHED entry (900 s by default, counted from its last packet; ipvsadm --set TCP TCPFIN UDP changes it, ipvsadm -Lnc shows it counting down). ' +
    'A segment that is not a SYN and finds no entry goes to the director\'s own stack, which owns the VIP and resets it ' +
    '(with net.ipv4.vs.sloppy_tcp=1 it is scheduled again, to a server that knows nothing of it). ' +
    'Keep such connections alive with TCP keepalives shorter than the timeout (net.ipv4.tcp_keepalive_time on the client or the server), or raise the established timeout';
}

export function portReuseMessage(p: PortReuse): string {
  return `client ${p.client} reused its port for a new connection to ${p.virtual} ${p.reuseAfter} s after the previous one on it: the first SYN went unanswered, ` +
    `and only the same SYN sent again ${p.gap} s later was answered. IPVS still held the old connection's entry (TIME_WAIT lasts 120 s); ` +
    'with net.ipv4.vs.conn_reuse_mode=1 and net.ipv4.vs.conntrack=1 (as kube-proxy sets them) kernels before 5.9 expire that entry but drop the SYN that found it, ' +
    'so each such reuse costs one retransmission timeout (1 s). Kernels 5.9 and later schedule the SYN at once; on older ones conn_reuse_mode=0 avoids the drop ' +
    '(the SYN then follows the old entry to the old real server), or let clients reuse ports less (a wider net.ipv4.ip_local_port_range)';
}

const UNREACHABLE: Readonly<Record<number, string>> = {
  3: 'port unreachable', 9: 'network administratively prohibited', 10: 'host administratively prohibited', 13: 'communication administratively prohibited',
};

export function rsRejectsMessage(p: FindingParamsByCode['rs-rejects']): string {
  const why = p.protocol === 'udp' && p.code === 3
    ? `nothing listens on UDP port ${p.virtual.slice(p.virtual.lastIndexOf(':') + 1)} there (the service is down, or bound to another address), or a firewall rule on it rejects the datagrams`
    : 'a firewall rule on it (iptables/nftables REJECT) refuses them; a closed TCP port would answer with RST instead';
  return `real server ${p.rs} answers ${p.protocol.toUpperCase()} packets for ${p.virtual} with ICMP ${UNREACHABLE[p.code] ?? `unreachable code ${p.code}`}: ` +
    `the director forwarded them (its own "no real server" answer comes from its MAC); ${why}. ` +
    'The director keeps scheduling new connections to it while it is in the rules with a weight above 0: fix the server, or let a health check (keepalived) take it out';
}

/** quiesced-server-used: with persistence, the template keeps the weight-0 server valid (expire_quiescent_template). */
export function quiescedMessage(p: FindingParamsByCode['quiesced-server-used']): string {
  return `real server ${p.rs} has weight 0 (quiesced) in the rules but received new connections${p.persistent
    ? ' (persistence templates still point at it: with net.ipv4.vs.expire_quiescent_template=0, the default, a template to a weight-0 server stays valid until it expires, so its clients\' new connections keep going there; 1 moves them at their next connection)'
    : ''}`;
}

/** ICMP codes a host's own stack or firewall sends for a packet it refuses. */
export function isRejectCode(code: number): boolean {
  return UNREACHABLE[code] !== undefined;
}
