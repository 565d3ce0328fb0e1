import { describe, expect, it } from 'vitest';
import {
  ConnectionTable, createDestination, formatTimeouts, isActiveTcpState, nextTcpState, TCP_TIMEOUTS,
  type Destination, type ForwardMethod, type TcpFlags,
} from '../../src/ipvs/index.js';

const SYN: TcpFlags = { syn: true };
const SYNACK: TcpFlags = { syn: true, ack: true };
const ACK: TcpFlags = { ack: true };
const FINACK: TcpFlags = { fin: true, ack: true };
const RST: TcpFlags = { rst: true };

type Step = [dir: 'in' | 'out', flags: TcpFlags, state: string, active: number, inactive: number, expiresIn: number];

function run(forward: ForwardMethod, steps: Step[]): void {
  const table = new ConnectionTable();
  const dest: Destination = createDestination({ addr: '192.168.1.11', port: 80, forward });
  const conn = table.create({
    protocol: 'tcp', caddr: '10.0.0.5', cport: 51234, vaddr: '10.0.0.100', vport: 80,
    daddr: dest.addr, dport: 80, dest, now: 0,
  });
  expect([conn.state, dest.activeConns, dest.inactConns]).toEqual(['NONE', 0, 1]);
  steps.forEach(([dir, flags, state, active, inactive, expiresIn], i) => {
    const now = i + 1;
    table.onPacket(conn, dir, flags, now);
    expect({ step: i, state: conn.state, active: dest.activeConns, inactive: dest.inactConns, ttl: conn.expires - now })
      .toEqual({ step: i, state, active, inactive, ttl: expiresIn });
  });
}

describe('TCP state machine (ip_vs_proto_tcp.c)', () => {
  it('default timeouts', () => {
    expect(TCP_TIMEOUTS).toMatchObject({
      NONE: 2, ESTABLISHED: 900, SYN_SENT: 120, SYN_RECV: 60, FIN_WAIT: 120, TIME_WAIT: 120,
      CLOSE: 10, CLOSE_WAIT: 60, LAST_ACK: 30, LISTEN: 120, SYNACK: 120,
    });
    expect(formatTimeouts()).toBe('Timeout (tcp tcpfin udp): 900 120 300\n');
  });

  it('active states since 4.8, and before', () => {
    const states = ['NONE', 'ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'FIN_WAIT', 'TIME_WAIT', 'CLOSE', 'CLOSE_WAIT', 'LAST_ACK', 'LISTEN', 'SYNACK'] as const;
    expect(states.filter((s) => isActiveTcpState(s))).toEqual(['ESTABLISHED', 'SYN_SENT', 'SYN_RECV', 'SYNACK']);
    expect(states.filter((s) => isActiveTcpState(s, true))).toEqual(['ESTABLISHED']);
  });

  it.each([
    // current, table, flags, next
    ['NONE', 'INPUT', SYN, 'SYN_RECV'],
    ['SYN_RECV', 'INPUT', ACK, 'ESTABLISHED'],
    ['ESTABLISHED', 'INPUT', FINACK, 'CLOSE_WAIT'],
    ['ESTABLISHED', 'INPUT_ONLY', FINACK, 'FIN_WAIT'],
    ['ESTABLISHED', 'OUTPUT', FINACK, 'FIN_WAIT'],
    ['SYN_RECV', 'INPUT', RST, 'SYN_RECV'], // the kernel table keeps SYN_RECV here
    ['SYN_RECV', 'INPUT_ONLY', RST, 'SYN_RECV'],
    ['SYNACK', 'INPUT_ONLY', RST, 'CLOSE'],
    ['ESTABLISHED', 'INPUT', RST, 'CLOSE'],
    ['NONE', 'INPUT', ACK, 'ESTABLISHED'], // sloppy pick-up path
    ['TIME_WAIT', 'INPUT', SYN, 'SYN_RECV'],
    ['LAST_ACK', 'INPUT', ACK, 'CLOSE'],
    ['LAST_ACK', 'OUTPUT', ACK, 'LAST_ACK'],
    ['LISTEN', 'OUTPUT', ACK, 'ESTABLISHED'],
    ['ESTABLISHED', 'INPUT', {}, 'CLOSE'], // no RST/SYN/FIN/ACK
  ] as const)('%s + %s %o -> %s', (cur, set, flags, next) => {
    expect(nextTcpState(cur, set, flags)).toBe(next);
  });

  it('NAT, client closes first (INPUT/OUTPUT tables)', () => {
    run('nat', [
      ['in', SYN, 'SYN_RECV', 1, 0, 60],
      ['out', SYNACK, 'SYN_RECV', 1, 0, 60],
      ['in', ACK, 'ESTABLISHED', 1, 0, 900],
      ['in', ACK, 'ESTABLISHED', 1, 0, 900],
      ['in', FINACK, 'CLOSE_WAIT', 0, 1, 60],
      ['out', FINACK, 'TIME_WAIT', 0, 1, 120],
      ['in', ACK, 'TIME_WAIT', 0, 1, 120],
    ]);
  });

  it('NAT, server closes first', () => {
    run('nat', [
      ['in', SYN, 'SYN_RECV', 1, 0, 60],
      ['out', SYNACK, 'SYN_RECV', 1, 0, 60],
      ['in', ACK, 'ESTABLISHED', 1, 0, 900],
      ['out', FINACK, 'FIN_WAIT', 0, 1, 120],
      ['in', ACK, 'FIN_WAIT', 0, 1, 120],
      ['in', FINACK, 'TIME_WAIT', 0, 1, 120],
    ]);
  });

  it('DR: only client packets seen, INPUT_ONLY table, FIN_WAIT is the last state', () => {
    run('dr', [
      ['in', SYN, 'SYN_RECV', 1, 0, 60],
      ['in', ACK, 'ESTABLISHED', 1, 0, 900],
      ['in', ACK, 'ESTABLISHED', 1, 0, 900],
      ['in', FINACK, 'FIN_WAIT', 0, 1, 120],
      ['in', ACK, 'FIN_WAIT', 0, 1, 120],
    ]);
  });

  it('DR with a client RST, and a reply that clears NOOUTPUT for good', () => {
    run('tun', [
      ['in', SYN, 'SYN_RECV', 1, 0, 60],
      ['in', ACK, 'ESTABLISHED', 1, 0, 900],
      ['in', RST, 'CLOSE', 0, 1, 10],
    ]);
    run('dr', [
      ['in', SYN, 'SYN_RECV', 1, 0, 60],
      ['out', SYNACK, 'SYN_RECV', 1, 0, 60],
      ['in', ACK, 'ESTABLISHED', 1, 0, 900],
      ['in', FINACK, 'CLOSE_WAIT', 0, 1, 60], // INPUT table now, not INPUT_ONLY
    ]);
  });

  it('pre-4.8 accounting counts SYN_RECV as inactive', () => {
    const table = new ConnectionTable({ legacyActiveStates: true });
    const dest = createDestination({ addr: 'r', port: 80 });
    const c = table.create({ protocol: 'tcp', caddr: 'c', cport: 1, vaddr: 'v', vport: 80, daddr: 'r', dport: 80, dest, now: 0 });
    table.onPacket(c, 'in', SYN, 0);
    expect([dest.activeConns, dest.inactConns]).toEqual([0, 1]);
    table.onPacket(c, 'in', ACK, 1);
    expect([dest.activeConns, dest.inactConns]).toEqual([1, 0]);
  });

  it('UDP entries stay inactive with a 300 s timeout refreshed by every packet', () => {
    const table = new ConnectionTable();
    const dest = createDestination({ addr: 'r', port: 53, forward: 'nat' });
    const c = table.create({ protocol: 'udp', caddr: 'c', cport: 5353, vaddr: 'v', vport: 53, daddr: 'r', dport: 53, dest, now: 0 });
    table.onPacket(c, 'in', {}, 0);
    table.onPacket(c, 'out', {}, 100);
    expect([c.state, c.expires, dest.activeConns, dest.inactConns]).toEqual(['UDP', 400, 0, 1]);
    expect(table.expire(399)).toEqual([]);
    expect(table.expire(400).map((e) => e.conn.id)).toEqual([c.id]);
    expect([dest.activeConns, dest.inactConns]).toEqual([0, 0]);
  });

  it('expiry releases the counters of the state the entry died in', () => {
    const table = new ConnectionTable();
    const dest = createDestination({ addr: 'r', port: 80 });
    const c = table.create({ protocol: 'tcp', caddr: 'c', cport: 1, vaddr: 'v', vport: 80, daddr: 'r', dport: 80, dest, now: 0 });
    table.onPacket(c, 'in', SYN, 0);
    expect(table.expire(59)).toHaveLength(0);
    expect(dest.activeConns).toBe(1);
    expect(table.expire(60).map((e) => e.at)).toEqual([60]);
    expect([dest.activeConns, dest.inactConns, table.size]).toEqual([0, 0, 0]);
  });

  it('u_threshold sets OVERLOAD at bind; 3/4 of it (no l_threshold) clears it at unbind', () => {
    const table = new ConnectionTable();
    const dest = createDestination({ addr: 'r', port: 80, upperThreshold: 4 });
    const conns = [0, 1, 2, 3].map((i) =>
      table.create({ protocol: 'udp', caddr: 'c', cport: i, vaddr: 'v', vport: 53, daddr: 'r', dport: 53, dest, now: i }));
    expect(dest.flags.overloaded).toBe(true);
    conns.forEach((c, i) => table.onPacket(c, 'in', {}, i)); // expire at 300..303
    table.expire(300); // total 4 -> 3: 3*4 < 4*3 false, still overloaded
    expect([dest.inactConns, dest.flags.overloaded]).toEqual([3, true]);
    table.expire(301); // 2*4 < 12
    expect([dest.inactConns, dest.flags.overloaded]).toEqual([2, false]);
  });
});
