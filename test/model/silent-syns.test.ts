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
