/**
 * What ARP (and the first frames a MAC sends) say about the LAN: which MAC holds which address,
 * who claims an address in ARP and how (replies, requests, announcements), and which addresses
 * each MAC asked for (a director's own next hops: its real servers, its gateway).
 */
import { MAX_FINDING_FRAMES } from './finding-book.js';
import type { Packet } from './packet.js';

export interface ArpPair {
  readonly spa: string;
  readonly sha: string;
  readonly replies: number[];
  readonly requests: number[];
  readonly announces: number[];
}

export class Neighbours {
  readonly ipMac = new Map<string, string>();
  readonly macIps = new Map<string, Set<string>>();
  /** "spa|sha" → the frames in which that MAC claimed that address. */
  readonly arpPairs = new Map<string, ArpPair>();
  /** The same pairs by spa, then sha: found per ARP frame without building the "spa|sha" text. */
  private readonly pairsBySpa = new Map<string, Map<string, ArpPair>>();
  /** MAC → the addresses it asked ARP for. */
  readonly arpAsked = new Map<string, string[]>();
  /** IP → how many MACs used it as their ARP sender address. */
  private readonly arpClaims = new Map<string, number>();
  /** MAC → the first source address of a frame it sent outside any connection (a real server's RIP). */
  readonly macSrcIp = new Map<string, string>();

  learnArp(p: Packet): void {
    if (p.spa === '0.0.0.0' || p.sha === '') return;
    const gratuitous = p.spa === p.tpa;
    this.ipMac.set(p.spa, p.sha);
    let s = this.macIps.get(p.sha);
    if (s === undefined) { s = new Set(); this.macIps.set(p.sha, s); }
    s.add(p.spa);
    let bySha = this.pairsBySpa.get(p.spa);
    if (bySha === undefined) { bySha = new Map(); this.pairsBySpa.set(p.spa, bySha); }
    let pair = bySha.get(p.sha);
    if (pair === undefined) {
      pair = { spa: p.spa, sha: p.sha, replies: [], requests: [], announces: [] };
      bySha.set(p.sha, pair);
      this.arpPairs.set(`${p.spa}|${p.sha}`, pair);
      this.arpClaims.set(p.spa, (this.arpClaims.get(p.spa) ?? 0) + 1);
    }
    const list = gratuitous ? pair.announces : p.arpOp === 2 ? pair.replies : pair.requests;
    if (list.length < MAX_FINDING_FRAMES) list.push(p.n);
    if (!gratuitous && p.arpOp === 1) {
      let asked = this.arpAsked.get(p.sha);
      if (asked === undefined) { asked = []; this.arpAsked.set(p.sha, asked); }
      if (asked.length < MAX_FINDING_FRAMES && !asked.includes(p.tpa)) asked.push(p.tpa);
    }
  }

  learnSource(p: Packet): void {
    if (p.srcMac !== '' && !this.macSrcIp.has(p.srcMac)) this.macSrcIp.set(p.srcMac, p.src);
  }

  /** How many MACs claimed `ip` as their ARP sender address. */
  claims(ip: string): number {
    return this.arpClaims.get(ip) ?? 0;
  }
}
