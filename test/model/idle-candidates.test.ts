/**
 * The idle-expiry watcher keeps the resets after a silence for the end's director check
 * (idleEpisodes). A server's own resets (its MAC and TTL, as it answered before) can be many; they
 * must not crowd out a reset from another host, which is an episode whoever the director is.
 */
import { describe, expect, it } from 'vitest';
import { IdleExpiries, idleEpisodes } from '../../src/model/idle-expiry.js';
import { ACK, Packet, RST, SYN } from '../../src/model/packet.js';
import { WatchRecords } from '../../src/model/watch-records.js';

const SERVER_MAC = '02:00:00:00:00:0a';
const DIRECTOR_MAC = '02:00:00:00:00:0d';

function packet(n: number, t: number, flags: number, srcMac: string, dstMac: string): Packet {
  const p = new Packet();
  p.n = n; p.t = t; p.flags = flags; p.srcMac = srcMac; p.dstMac = dstMac; p.ttl = 64;
  p.src = '10.0.0.1'; p.dst = '192.168.0.100'; p.sport = 40000; p.dport = 80;
  return p;
}

const CLIENT_MAC = '02:00:00:00:00:01';
/** Connection c's record: the watcher keeps its numbers in the fault watchers' shared records. */
let recs = new WatchRecords(2000);

/**
 * Connection `c`: the client's SYN sent to `entryMac`, answered from `serverMac`, 5 s of silence,
 * the client's next segment, then a RST from `rstMac` (the same TTL throughout).
 */
function idleThenReset(w: IdleExpiries, c: number, entryMac: string, serverMac: string, rstMac: string): number {
  let n = c * 10 + 1;
  const t0 = c * 100;
  const slot = recs.add(c, 40000, 1_000_000, 80);
  const e = recs.at(slot);
  const r = recs.i32;
  const f = recs.f64;
  w.start(r, f, e, packet(n++, t0, SYN, CLIENT_MAC, entryMac));
  w.fromServer(slot, r, f, e, packet(n++, t0 + 0.001, SYN | ACK, serverMac, CLIENT_MAC));
  w.fromClient(slot, r, f, e, packet(n++, t0 + 0.002, ACK, CLIENT_MAC, entryMac));
  w.fromServer(slot, r, f, e, packet(n++, t0 + 0.003, ACK, serverMac, CLIENT_MAC));
  w.fromClient(slot, r, f, e, packet(n++, t0 + 5, ACK, CLIENT_MAC, entryMac));
  const rst = n++;
  w.fromServer(slot, r, f, e, packet(rst, t0 + 5.001, RST, rstMac, CLIENT_MAC));
  return rst;
}

describe('idle-expiry candidates', () => {
  it('a reset from another host is kept after 1,500 resets of a plain server (no director) to its own clients', () => {
    recs = new WatchRecords(2000);
    const w = new IdleExpiries(recs);
    for (let c = 0; c < 1500; c++) idleThenReset(w, c, SERVER_MAC, SERVER_MAC, SERVER_MAC);
    expect(w.candidates().length).toBeGreaterThan(0);
    const rst = idleThenReset(w, 1500, DIRECTOR_MAC, SERVER_MAC, DIRECTOR_MAC);
    const episodes = idleEpisodes(w.candidates(), (mac) => mac === DIRECTOR_MAC);
    expect(episodes.map((e) => e.frames[2])).toEqual([rst]);
    expect(episodes[0]!.by).toBe('director');
  });

  it('a reset from the MAC that answered before is an episode only when it turns out to be a director\'s (NAT: replies come through it)', () => {
    recs = new WatchRecords(2000);
    const w = new IdleExpiries(recs);
    idleThenReset(w, 0, DIRECTOR_MAC, DIRECTOR_MAC, DIRECTOR_MAC);
    expect(idleEpisodes(w.candidates(), () => false)).toEqual([]);
    expect(idleEpisodes(w.candidates(), (mac) => mac === DIRECTOR_MAC).map((e) => e.by)).toEqual(['director']);
  });
});
