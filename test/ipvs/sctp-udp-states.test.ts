import { describe, expect, it } from 'vitest';
import {
  Director, formatConns, nextSctpState, SCTP_CHUNK, SCTP_TIMEOUTS, sctpStateChunk, type ForwardMethod,
} from '../../src/ipvs/index.js';

const VIP = '10.0.0.100';
const RIP = '192.168.1.11';
const CIP = '172.16.0.1';
const C = SCTP_CHUNK;

function sctpLab(forward: ForwardMethod, persistence: number | null = null) {
  const dir = new Director();
  const svc = dir.addService({ protocol: 'sctp', vip: VIP, port: 5000, scheduler: 'rr', persistence });
  svc.addDest({ addr: RIP, port: 5000, forward });
  const dest = svc.findDest(RIP, 5000)!;
  const cin = (chunk: number, now: number, sport = 40000) =>
    dir.inbound({ protocol: 'sctp', saddr: CIP, sport, daddr: VIP, dport: 5000, sctpChunk: chunk, now });
  const cout = (chunk: number, now: number) =>
    dir.outbound({ protocol: 'sctp', saddr: RIP, sport: 5000, daddr: CIP, dport: 40000, sctpChunk: chunk, now });
  return { dir, dest, cin, cout };
}

describe('SCTP state machine (ip_vs_proto_sctp.c)', () => {
  it('NAT handshake: INIT1, C-SENT, C-REPLIED, ESTABLISHED (900 s, active), template ASSURED', () => {
    const { dir, dest, cin, cout } = sctpLab('nat', 360);
    const r = cin(C.INIT, 0);
    expect([r.verdict, r.conn?.state, r.conn?.timeout]).toEqual(['forward', 'INIT1', 4]);
    expect(cout(C.INIT_ACK, 0.1).conn?.state).toBe('C-SENT');
    expect(cin(C.COOKIE_ECHO, 0.2).conn?.state).toBe('C-REPLIED');
    expect([dest.activeConns, dest.inactConns]).toEqual([0, 1]);
    const est = cout(C.COOKIE_ACK, 0.3);
    expect([est.conn?.state, est.conn?.timeout, est.transition?.counter]).toEqual(['ESTABLISHED', 900, 'to-active']);
    expect([dest.activeConns, dest.inactConns]).toEqual([1, 0]);
    expect(r.template?.state).toBe('ASSURED');
    expect(cin(C.DATA, 1).conn?.state).toBe('ESTABLISHED');
    expect(cin(C.SHUTDOWN, 2).conn?.state).toBe('S-RECEIVED');
    expect([dest.activeConns, dest.inactConns]).toEqual([0, 1]);
    expect(cout(C.SHUTDOWN_ACK, 2.1).conn?.state).toBe('S-ACK-SENT');
    expect(cin(C.SHUTDOWN_COMPLETE, 2.2).conn?.state).toBe('CLOSED');
    expect(formatConns(dir.table.entries().filter((c) => !c.template), 2.2)).toContain('SCTP 01:00  CLOSED ');
  });

  it('DR (INPUT_ONLY): INIT then COOKIE ECHO is ESTABLISHED at once', () => {
    const { cin } = sctpLab('dr');
    expect(cin(C.INIT, 0).conn?.state).toBe('INIT1');
    expect(cin(C.COOKIE_ECHO, 0.2).conn?.state).toBe('ESTABLISHED');
    expect(cin(C.SHUTDOWN, 5).conn?.state).toBe('S-RECEIVED');
    expect(cin(C.SHUTDOWN_ACK, 5).conn?.state).toBe('S-RECEIVED');
    expect(cin(C.ABORT, 6).conn?.state).toBe('CLOSED');
  });

  it('only INIT opens an entry (ABORT never, others with sloppy_sctp), a retransmitted INIT goes to INIT', () => {
    const { cin } = sctpLab('dr');
    expect(cin(C.DATA, 0).verdict).toBe('accept');
    expect(cin(C.ABORT, 0).verdict).toBe('accept');
    expect(cin(C.INIT, 1).conn?.state).toBe('INIT1');
    const again = cin(C.INIT, 2);
    expect([again.created, again.conn?.state, again.conn?.timeout]).toEqual([false, 'INIT', 61]);
    const sloppy = new Director({ sysctls: { sloppySctp: true } });
    sloppy.addService({ protocol: 'sctp', vip: VIP, port: 5000, scheduler: 'rr' }).addDest({ addr: RIP, port: 5000 });
    const open = (chunk: number) => sloppy.inbound({ protocol: 'sctp', saddr: CIP, sport: 1, daddr: VIP, dport: 5000, sctpChunk: chunk, now: 0 });
    expect(open(C.ABORT).verdict).toBe('accept');
    expect([open(C.DATA).verdict, open(C.DATA).conn?.state]).toEqual(['forward', 'ESTABLISHED']);
  });

  it('an INIT on a CLOSED entry schedules afresh (is_new_conn_expected)', () => {
    const { cin } = sctpLab('dr');
    const first = cin(C.INIT, 0);
    cin(C.ABORT, 1);
    const next = cin(C.INIT, 2);
    expect(next.replaced).toBe(first.conn);
    expect(next.created).toBe(true);
  });

  it('COOKIE ECHO bundled before an ABORT acts as the ABORT; the tables and timeouts', () => {
    expect(sctpStateChunk(C.COOKIE_ECHO, C.ABORT)).toBe(C.ABORT);
    expect(sctpStateChunk(C.COOKIE_ACK, C.ABORT)).toBe(C.ABORT);
    expect(sctpStateChunk(C.DATA, C.ABORT)).toBe(C.DATA);
    expect(nextSctpState('C-WAIT', 'INPUT', C.ABORT)).toBe('REJECTED');
    expect(nextSctpState('INIT1', 'OUTPUT', C.ABORT)).toBe('REJECTED');
    expect(nextSctpState('C-WAIT', 'INPUT_ONLY', C.DATA)).toBe('ESTABLISHED');
    expect(nextSctpState('ESTABLISHED', 'OUTPUT', C.INIT)).toBe('ESTABLISHED');
    expect(nextSctpState('S-SENT', 'OUTPUT', 200)).toBe('S-SENT'); // unknown types count as DATA
    expect([SCTP_TIMEOUTS.REJECTED, SCTP_TIMEOUTS.CLOSED, SCTP_TIMEOUTS.ESTABLISHED]).toEqual([4, 61, 900]);
  });
});

describe('UDP templates (udp_state_transition)', () => {
  function udpLab(forward: ForwardMethod) {
    const dir = new Director();
    dir.addService({ protocol: 'udp', vip: VIP, port: 53, scheduler: 'rr', persistence: 360 })
      .addDest({ addr: RIP, port: 53, forward });
    const r = dir.inbound({ protocol: 'udp', saddr: CIP, sport: 5353, daddr: VIP, dport: 53, now: 0 });
    return { dir, r };
  }

  it('a reply seen by the director (NAT) marks the template ASSURED', () => {
    const { dir, r } = udpLab('nat');
    expect(r.template?.state).toBe('NONE');
    dir.outbound({ protocol: 'udp', saddr: RIP, sport: 53, daddr: CIP, dport: 5353, now: 0.01 });
    expect(r.template?.state).toBe('ASSURED');
    expect([r.conn?.state, r.conn?.inactive]).toEqual(['UDP', true]);
  });

  it('client datagrams alone (DR: replies bypass the director) leave it NONE', () => {
    const { dir, r } = udpLab('dr');
    dir.inbound({ protocol: 'udp', saddr: CIP, sport: 5353, daddr: VIP, dport: 53, now: 1 });
    expect(r.template?.state).toBe('NONE');
  });
});
