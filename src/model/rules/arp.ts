/**
 * Finding rules over who claimed each VIP in ARP (neighbours.ts keeps the frames), one function
 * per rule. They run once the report knows the VIPs, the director and the real servers.
 */
import type { FindingBook } from '../finding-book.js';
import type { ArpPair } from '../neighbours.js';
import type { DeepReadonly } from '../snapshot.js';

type Pair = DeepReadonly<ArpPair>;

/** A real server claiming the VIP in ARP. */
export interface ArpClaimer {
  readonly vip: string;
  readonly pair: Pair;
  /** The real server's RIP, or '' when only its MAC is known (the catalog names it by MAC). */
  readonly rip: string;
  /** Its display name (WEB1), when it has one. */
  readonly name: string | null;
}

/** rs-answers-arp-for-vip: clients' packets may go to the real server instead of the director. */
export function rsAnswersArpForVip(book: FindingBook, c: ArpClaimer): void {
  if (c.pair.replies.length === 0) return;
  book.addFrames('rs-answers-arp-for-vip', `${c.vip}|${c.pair.sha}`, c.pair.replies, { vip: c.vip, rip: c.rip, mac: c.pair.sha, name: c.name });
}

/** rs-announces-vip: the real server's own ARP carries the VIP as sender. */
export function rsAnnouncesVip(book: FindingBook, c: ArpClaimer): void {
  if (c.pair.announces.length === 0 && c.pair.requests.length === 0) return;
  book.addFrames('rs-announces-vip', `${c.vip}|${c.pair.sha}`, [...c.pair.announces, ...c.pair.requests], { vip: c.vip, rip: c.rip, mac: c.pair.sha, name: c.name });
}

/** vip-primary-on-director: the director asks ARP from the VIP. */
export function vipPrimaryOnDirector(book: FindingBook, vip: string, pair: Pair): void {
  if (pair.requests.length === 0) return;
  book.addFrames('vip-primary-on-director', `${vip}|${pair.sha}`, pair.requests, { vip });
}

/** vip-arp-flapping: several MACs claim the VIP (MAC → the frames of its claims). */
export function vipArpFlapping(book: FindingBook, vip: string, claimers: ReadonlyMap<string, readonly number[]>): void {
  if (claimers.size < 2) return;
  const frames = [...claimers.values()].flat().sort((a, b) => a - b);
  book.addFrames('vip-arp-flapping', vip, frames, { vip, macs: [...claimers.keys()] });
}

/** Every ARP rule, for each VIP; `rsMacs` maps a real server's MAC to its RIP (or to the MAC itself). */
export function arpFindings(
  book: FindingBook, arpPairs: Iterable<Pair>, vips: ReadonlySet<string>, directorMacs: ReadonlySet<string>,
  rsMacs: ReadonlyMap<string, string>, names: ReadonlyMap<string, string>,
): void {
  const pairs = [...arpPairs];
  for (const vip of vips) {
    const claimers = new Map<string, readonly number[]>();
    for (const pair of pairs) {
      if (pair.spa !== vip) continue;
      const frames = [...pair.replies, ...pair.announces];
      if (frames.length > 0) claimers.set(pair.sha, frames);
      const rip = rsMacs.get(pair.sha);
      if (rip !== undefined) {
        const c: ArpClaimer = { vip, pair, rip: rip !== pair.sha ? rip : '', name: names.get(rip) ?? null };
        rsAnswersArpForVip(book, c);
        rsAnnouncesVip(book, c);
      }
      if (directorMacs.has(pair.sha)) vipPrimaryOnDirector(book, vip, pair);
    }
    vipArpFlapping(book, vip, claimers);
  }
}

/**
 * vip-primary-on-director, seen where no service shows (a real server's own capture of a director
 * whose VIP is its primary address): a host asks ARP again and again from an address the gateway
 * itself resolves (the address the clients are sent to), and nobody answers. Real servers holding
 * the VIP on lo drop ARP requests whose sender address is their own VIP (a martian source), so the
 * director never learns their MACs and the clients get "no route to host".
 */
export function unansweredFromDestination(
  book: FindingBook, arpPairs: Iterable<Pair>, arpAsked: ReadonlyMap<string, readonly string[]>,
  ipMac: ReadonlyMap<string, string>, vips: ReadonlySet<string>,
): void {
  for (const pair of arpPairs) {
    if (vips.has(pair.spa) || pair.requests.length < 3) continue;
    const resolvedByOthers = [...arpAsked].some(([mac, asked]) => mac !== pair.sha && asked.includes(pair.spa));
    if (!resolvedByOthers) continue;
    const targets = arpAsked.get(pair.sha) ?? [];
    // Answered targets show in the capture's ARP (ipMac); none of these ever was.
    if (targets.length === 0 || targets.some((ip) => ipMac.has(ip))) continue;
    // A director resolving its real servers asks for several, all on its own link; a router
    // asking again and again for one host that is gone (or garbage off its link) is no director.
    if (targets.length < 2 || !targets.every((ip) => sameLink(ip, pair.spa))) continue;
    vipPrimaryOnDirector(book, pair.spa, pair);
  }
}

/** IPv4 in one /24 (the lab's and the tutorials' LANs); NDP targets are on-link by construction. */
function sameLink(a: string, b: string): boolean {
  if (a.includes(':') || b.includes(':')) return true;
  return a.slice(0, a.lastIndexOf('.')) === b.slice(0, b.lastIndexOf('.'));
}
