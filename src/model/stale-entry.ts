/**
 * A UDP flow black-holed by its IPVS connection entry: a client keeps its source port (a resolver,
 * a syslog or metrics agent), so every datagram matches the same entry and goes to the real server
 * chosen for the first one. When that server is removed, IPVS drops the flow's packets
 * (expire_nodest_conn=0, the default) until the entry times out, the UDP timeout counted from the
 * last packet it forwarded; when it is quiesced (weight 0) or dead but still listed, they keep
 * going to it for as long as the client keeps sending.
 *
 * On the wire: the flow was answered, then a run of the client's datagrams goes unanswered while
 * the service answers other flows, or until a different real server answers (the entry expired and
 * the flow was scheduled again). A run ended by the same server answering is that server's own
 * hiccup, not the entry's, and is not reported.
 */
import type { StaleDatagrams } from '../ipvs/report.js';
import { PROTO_UDP, type Packet } from './packet.js';

/** Unanswered datagrams in a row, and the time they span, before a run counts as black-holed. */
const MIN_LOST = 3;
const MIN_SECONDS = 1;
/** A copy of the same datagram within this gap is another hop's (the director's forward). */
const COPY_GAP = 0.2;
const MAX_FLOWS = 50_000;
const MAX_EPISODES = 20;

interface UdpFlow {
  readonly client: string;
  readonly virtual: string;
  /** Replies seen; the server identity (MAC, else source address) of the last one. */
  answered: number;
  lastFrom: string;
  lastSendT: number;
  lastIpId: number;
  /** The current run of unanswered datagrams. */
  lost: number;
  runFirstN: number;
  runFirstT: number;
  runLastN: number;
  runLastT: number;
  /** The server that answered before the run. */
  runFrom: string;
}

export interface StaleEpisode extends Omit<StaleDatagrams, 'rs' | 'after' | 'protocol'> {
  /** Server identities (MAC, or address where the capture has no MAC); named by the engine. */
  readonly rsId: string;
  readonly afterId: string | null;
  readonly frames: readonly number[];
}

export class StaleEntries {
  private readonly flows = new Map<string, UdpFlow>();
  /** Per virtual service: times at which some flow got an answer (the service was alive). */
  private readonly answeredAt = new Map<string, number[]>();
  private readonly episodes: StaleEpisode[] = [];

  /** Every UDP packet (the inner one of a tunnel). */
  observe(p: Packet): void {
    if (p.proto !== PROTO_UDP) return;
    const fwd = this.flows.get(`${p.src}:${p.sport}>${p.dst}:${p.dport}`);
    if (fwd !== undefined) { this.send(fwd, p); return; }
    const back = this.flows.get(`${p.dst}:${p.dport}>${p.src}:${p.sport}`);
    if (back !== undefined) { this.reply(back, p); return; }
    if (this.flows.size >= MAX_FLOWS) return;
    const f: UdpFlow = {
      client: `${p.src}:${p.sport}`, virtual: `${p.dst}:${p.dport}`, answered: 0, lastFrom: '',
      lastSendT: p.t, lastIpId: p.ipId, lost: 1, runFirstN: p.n, runFirstT: p.t, runLastN: p.n, runLastT: p.t, runFrom: '',
    };
    this.flows.set(`${f.client}>${f.virtual}`, f);
  }

  private send(f: UdpFlow, p: Packet): void {
    // The director's forward of the datagram just seen is not another datagram.
    if (p.ipId === f.lastIpId && p.t - f.lastSendT < COPY_GAP) return;
    f.lastSendT = p.t;
    f.lastIpId = p.ipId;
    if (f.lost === 0) { f.runFirstN = p.n; f.runFirstT = p.t; f.runFrom = f.lastFrom; }
    f.lost++;
    f.runLastN = p.n;
    f.runLastT = p.t;
  }

  private reply(f: UdpFlow, p: Packet): void {
    const from = p.srcMac !== '' ? p.srcMac : p.src;
    let times = this.answeredAt.get(f.virtual);
    if (times === undefined) { times = []; this.answeredAt.set(f.virtual, times); }
    if (times.length < 10_000) times.push(p.t);
    // The datagram this reply answers is the run's last one: the ones before it were lost.
    if (f.answered > 0 && f.lost > MIN_LOST && f.runLastT - f.runFirstT >= MIN_SECONDS && from !== f.runFrom) {
      this.record(f, f.lost - 1, p.t - f.runFirstT, from, p.n);
    }
    f.answered++;
    f.lastFrom = from;
    f.lost = 0;
  }

  private record(f: UdpFlow, lost: number, seconds: number, after: string | null, endN: number | null): void {
    if (this.episodes.length >= MAX_EPISODES) return;
    const frames = endN === null ? [f.runFirstN, f.runLastN] : [f.runFirstN, f.runLastN, endN];
    this.episodes.push({
      client: f.client, virtual: f.virtual, rsId: f.runFrom, afterId: after, lost, seconds: round(seconds),
      othersAnswered: false, frames: [...new Set(frames)],
    });
  }

  /** Black-holed runs: those that ended in another server's answer, and those still open whose service answered others meanwhile. */
  episodesFound(): StaleEpisode[] {
    const out: StaleEpisode[] = [...this.episodes];
    for (const f of this.flows.values()) {
      if (f.answered === 0 || f.lost < MIN_LOST || f.runLastT - f.runFirstT < MIN_SECONDS) continue;
      const others = (this.answeredAt.get(f.virtual) ?? []).some((t) => t > f.runFirstT && t <= f.runLastT);
      if (!others || out.length >= MAX_EPISODES) continue;
      out.push({
        client: f.client, virtual: f.virtual, rsId: f.runFrom, afterId: null, lost: f.lost,
        seconds: round(f.runLastT - f.runFirstT), othersAnswered: true, frames: [f.runFirstN, f.runLastN],
      });
    }
    return out;
  }
}

function round(s: number): number {
  return Math.round(s * 10) / 10;
}
