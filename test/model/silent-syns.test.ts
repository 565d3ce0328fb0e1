import { describe, expect, it } from 'vitest';
import { AddressIds } from '../../src/model/flow-table.js';
import { ACK, Packet, PROTO_TCP, SYN } from '../../src/model/packet.js';
import { SilentSyns } from '../../src/model/silent-syns.js';

const CLIENT = '10.0.0.1';
const VIP = '10.0.0.100';

function tcp(ids: AddressIds, s: SilentSyns, n: number, t: number, from: string, sport: number, to: string, dport: number, flags: number, seq: number): void {
  const p = new Packet();
  p.n = n; p.t = t; p.proto = PROTO_TCP; p.src = from; p.dst = to; p.sport = sport; p.dport = dport; p.flags = flags; p.seq = seq;
  s.observe(p, ids.id(from), ids.id(to));
}

describe('SilentSyns.settled', () => {
  it('holds once a SYN was answered and while no SYN waits retransmitted', () => {
    const ids = new AddressIds();
    const s = new SilentSyns(ids);
    expect(s.settled).toBe(false); // nothing answered yet
    tcp(ids, s, 1, 0, CLIENT, 40000, VIP, 80, SYN, 100);
    tcp(ids, s, 2, 0.001, VIP, 80, CLIENT, 40000, SYN | ACK, 500);
    expect(s.settled).toBe(true);
    // Another client port sends its SYN again a second later: it may be reported.
    tcp(ids, s, 3, 1, CLIENT, 40001, VIP, 80, SYN, 200);
    tcp(ids, s, 4, 2, CLIENT, 40001, VIP, 80, SYN, 200);
    expect(s.settled).toBe(false);
    expect(s.silent()).toHaveLength(1);
    // The port starts a new connection (another ISN): nothing left to report.
    tcp(ids, s, 5, 30, CLIENT, 40001, VIP, 80, SYN, 900);
    expect(s.settled).toBe(true);
    expect(s.silent()).toHaveLength(0);
  });

  it('when settled, what the engine says of open connections changes nothing reported', () => {
    const ids = new AddressIds();
    const s = new SilentSyns(ids);
    tcp(ids, s, 1, 0, CLIENT, 40000, VIP, 80, SYN, 100);
    tcp(ids, s, 2, 0.001, VIP, 80, CLIENT, 40000, SYN | ACK, 500);
    tcp(ids, s, 3, 0, CLIENT, 40002, VIP, 80, SYN, 300);
    expect(s.settled).toBe(true);
    const before = { silent: s.silent(), none: s.noneAnswered };
    s.flowSeen(CLIENT, 40002, '10.0.0.2', 'dr', false);
    s.flowSeen(CLIENT, 40000, '10.0.0.2', 'dr', true);
    expect({ silent: s.silent(), none: s.noneAnswered }).toEqual(before);
  });
});

describe('SilentSyns counts', () => {
  it('reports a retransmitted SYN with its exact count and frames, and not one sent past the counts kept', () => {
    const ids = new AddressIds();
    const s = new SilentSyns(ids);
    // A client backing off: each sending seen twice (the director's forward 1 ms later).
    let n = 1;
    for (const t of [0, 1, 3, 7]) {
      tcp(ids, s, n++, t, CLIENT, 40000, VIP, 80, SYN, 100);
      tcp(ids, s, n++, t + 0.001, CLIENT, 40000, '10.0.0.2', 80, SYN, 100);
    }
    // A generator: one SYN 65,539 times in a burst (more copies than their count holds: wrapped
    // round, they would read as 4 copies and one retransmission more), sent again later.
    for (let i = 0; i < 65_539; i++) tcp(ids, s, 100 + i, 10 + i * 1e-6, CLIENT, 40001, VIP, 80, SYN, 200);
    tcp(ids, s, 80_000, 12, CLIENT, 40001, VIP, 80, SYN, 200);
    // Another sent again 40,000 times, a second apart (more retransmissions than their count holds).
    for (let i = 0; i < 40_000; i++) tcp(ids, s, 100_000 + i, 20 + i, CLIENT, 40002, VIP, 80, SYN, 300);
    expect(s.silent()).toEqual([{ rs: `${VIP}:80`, rsKnown: false, method: 'unknown', connections: 1, retransmits: 3, frames: [1, 3, 5, 7] }]);
    expect(s.settled).toBe(false);
    // Answered after all: nothing left to report.
    tcp(ids, s, 200_000, 50_000, VIP, 80, CLIENT, 40000, SYN | ACK, 900);
    expect(s.silent()).toEqual([]);
    expect(s.noneAnswered).toBe(false);
  });
});
