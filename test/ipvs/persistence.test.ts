import { describe, expect, it } from 'vitest';
import { Director, formatConns, type TcpFlags } from '../../src/ipvs/index.js';

const SYN: TcpFlags = { syn: true };
const ACK: TcpFlags = { ack: true };
const VIP = '192.168.79.99';

/** The seed's port-zero lab: -A -t 192.168.79.99:0 -s rr -p; -a .27 -g; -a .37 -g (kernel list [.37, .27]). */
function portZeroLab(): Director {
  const dir = new Director();
  const svc = dir.addService({ protocol: 'tcp', vip: VIP, port: 0, scheduler: 'rr', persistence: 360 });
  svc.addDest({ addr: '192.168.79.27', port: 0, forward: 'dr' });
  svc.addDest({ addr: '192.168.79.37', port: 0, forward: 'dr' });
  return dir;
}

const syn = (saddr: string, sport: number, dport: number, now: number, daddr = VIP) =>
  ({ protocol: 'tcp' as const, saddr, sport, daddr, dport, tcpFlags: SYN, now });

describe('persistence (ip_vs_sched_persist)', () => {
  it('-p 360 on a port-zero service pins a client to one RS across ports', () => {
    const dir = portZeroLab();
    const r1 = dir.inbound(syn('172.16.0.100', 40001, 80, 0));
    const r2 = dir.inbound(syn('172.16.0.100', 40002, 22, 1));
    const r3 = dir.inbound(syn('172.16.0.101', 40003, 80, 2));
    expect([r1.dest?.addr, r2.dest?.addr, r3.dest?.addr]).toEqual(['192.168.79.37', '192.168.79.37', '192.168.79.27']);
    expect([r1.scheduling, r2.scheduling, r3.scheduling]).toEqual(['scheduled', 'persistent-template', 'scheduled']);
    // port-zero: the connection keeps the client's destination port
    expect([r1.conn?.dport, r2.conn?.dport]).toEqual([80, 22]);
    expect(r1.verdict).toBe('forward');
    const d37 = dir.services[0]?.findDest('192.168.79.37', 0);
    expect([d37?.persistConns, d37?.activeConns, d37?.inactConns]).toEqual([1, 2, 0]);
    // listed at t=2: expiries 361, 60, 61, 362, 62 -> /proc shows 358, 57, 58, 359, 59 seconds
    expect(formatConns(dir.table.entries(), 2)).toBe(
      'IPVS connection entries\n'
      + 'pro expire state       source             virtual            destination\n'
      + 'TCP 05:58  NONE        172.16.0.100:0     192.168.79.99:0    192.168.79.37:0\n'
      + 'TCP 00:57  SYN_RECV    172.16.0.100:40001 192.168.79.99:80   192.168.79.37:80\n'
      + 'TCP 00:58  SYN_RECV    172.16.0.100:40002 192.168.79.99:22   192.168.79.37:22\n'
      + 'TCP 05:59  NONE        172.16.0.101:0     192.168.79.99:0    192.168.79.27:0\n'
      + 'TCP 00:59  SYN_RECV    172.16.0.101:40003 192.168.79.99:80   192.168.79.27:80\n',
    );
  });

  it('the template expires persistence seconds after the last new connection, then rr moves on', () => {
    const dir = portZeroLab();
    dir.inbound(syn('172.16.0.100', 40001, 80, 0)); // .37, template until 360
    dir.inbound(syn('172.16.0.100', 40002, 22, 10)); // template re-armed to 370
    dir.expire(369);
    expect(dir.table.entries().filter((c) => c.template)).toHaveLength(1);
    dir.expire(370);
    expect(dir.table.entries()).toHaveLength(0);
    const r = dir.inbound(syn('172.16.0.100', 40003, 80, 371));
    expect([r.dest?.addr, r.scheduling]).toEqual(['192.168.79.27', 'scheduled']);
  });

  it('a template with live children is re-armed 60 s at a time, and keeps that 60 s timeout', () => {
    const dir = portZeroLab();
    dir.inbound(syn('172.16.0.100', 40001, 80, 0));
    dir.inbound({ ...syn('172.16.0.100', 40001, 80, 1), tcpFlags: ACK }); // ESTABLISHED until 901
    dir.expire(360);
    const tpl = dir.table.entries().find((c) => c.template);
    expect([tpl?.expires, tpl?.timeout, tpl?.state]).toEqual([420, 60, 'ASSURED']);
    dir.inbound(syn('172.16.0.100', 40005, 443, 400));
    expect(tpl?.expires).toBe(460); // not 400 + 360: cp->timeout stayed 60*HZ
  });

  it('a quiesced (weight 0) RS still gets clients holding a template, unless expire_quiescent_template', () => {
    for (const eqt of [false, true]) {
      const dir = new Director({ sysctls: { expireQuiescentTemplate: eqt } });
      const svc = dir.addService({ protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', persistence: 360 });
      svc.addDest({ addr: '192.168.79.27', port: 80 });
      svc.addDest({ addr: '192.168.79.37', port: 80 });
      dir.inbound(syn('172.16.0.100', 40001, 80, 0)); // .37
      svc.editDest('192.168.79.37', 80, { weight: 0 });
      const r = dir.inbound(syn('172.16.0.100', 40002, 80, 5));
      if (!eqt) {
        expect([r.dest?.addr, r.scheduling]).toEqual(['192.168.79.37', 'persistent-template']);
      } else {
        expect([r.dest?.addr, r.scheduling]).toEqual(['192.168.79.27', 'template-invalid-rescheduled']);
        const old = dir.table.entries().find((c) => c.template && c.invalid);
        expect([old?.cport, old?.vport, old?.dport]).toEqual([0, 65535, 65535]);
      }
    }
  });

  it('netmask -M 255.255.255.0 groups a client network under one template', () => {
    const dir = new Director();
    const svc = dir.addService({ protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', persistence: 360, netmask: '255.255.255.0' });
    svc.addDest({ addr: 'a', port: 80 });
    svc.addDest({ addr: 'b', port: 80 });
    const r1 = dir.inbound(syn('172.16.0.100', 1, 80, 0));
    const r2 = dir.inbound(syn('172.16.0.200', 2, 80, 0));
    const r3 = dir.inbound(syn('172.16.1.5', 3, 80, 0));
    expect([r1.dest?.addr, r2.dest?.addr, r3.dest?.addr]).toEqual(['b', 'b', 'a']);
    expect(dir.table.entries().filter((c) => c.template).map((c) => c.caddr)).toEqual(['172.16.0.0', '172.16.1.0']);
  });
});

describe('firewall-mark services', () => {
  it('FWM 3 with sh: 80 and 443 from one client go to one RS; the conn keeps the packet port for port-0 dests', () => {
    const dir = new Director();
    const svc = dir.addService({ protocol: 'tcp', vip: '0.0.0.0', port: 0, fwmark: 3, scheduler: 'sh' });
    svc.addDest({ addr: '192.168.79.27', port: 0 });
    svc.addDest({ addr: '192.168.79.37', port: 0 });
    const a = dir.inbound({ ...syn('172.16.0.100', 5000, 80, 0), fwmark: 3 });
    const b = dir.inbound({ ...syn('172.16.0.100', 5001, 443, 0), fwmark: 3 });
    expect(a.dest).toBe(b.dest);
    expect([a.conn?.dport, b.conn?.dport]).toEqual([80, 443]);
    // without the mark, nothing matches
    expect(dir.inbound(syn('172.16.0.100', 5002, 80, 0)).verdict).toBe('accept');
  });

  it('a persistent fwmark template is <IP, cip, 0, mark-as-address, 0>', () => {
    const dir = new Director();
    const svc = dir.addService({ protocol: 'tcp', vip: '0.0.0.0', port: 0, fwmark: 1, scheduler: 'rr', persistence: 360 });
    svc.addDest({ addr: '192.168.1.11', port: 0 });
    dir.inbound({ ...syn('10.0.0.5', 51234, 80, 0), fwmark: 1 });
    const out = formatConns(dir.table.entries().filter((c) => c.template), 0);
    expect(out.split('\n')[2]).toBe('IP  05:59  NONE        10.0.0.5:0         0.0.0.1:0          192.168.1.11:0');
  });
});

describe('director packet path', () => {
  it('no dest: ICMP port unreachable; non-SYN without an entry goes to the local stack', () => {
    const dir = new Director();
    const svc = dir.addService({ protocol: 'tcp', vip: VIP, port: 80, scheduler: 'wlc' });
    svc.addDest({ addr: 'a', port: 80, weight: 0 });
    const r = dir.inbound(syn('1.2.3.4', 1000, 80, 0));
    expect([r.verdict, r.conn]).toEqual(['icmp-port-unreachable', null]);
    expect(dir.inbound({ ...syn('1.2.3.4', 1001, 80, 0), tcpFlags: ACK }).verdict).toBe('accept');
  });

  it('conn_reuse_mode=1: a SYN on a TIME_WAIT entry is scheduled afresh; on ESTABLISHED it stays', () => {
    const dir = new Director();
    const svc = dir.addService({ protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr' });
    svc.addDest({ addr: 'a', port: 80, forward: 'nat' });
    svc.addDest({ addr: 'b', port: 80, forward: 'nat' });
    const first = dir.inbound(syn('1.2.3.4', 1000, 80, 0));
    expect(first.dest?.addr).toBe('b');
    dir.inbound({ ...syn('1.2.3.4', 1000, 80, 1), tcpFlags: ACK });
    const again = dir.inbound(syn('1.2.3.4', 1000, 80, 2));
    expect([again.created, again.dest?.addr, again.conn?.state]).toEqual([false, 'b', 'ESTABLISHED']);
    dir.inbound({ ...syn('1.2.3.4', 1000, 80, 3), tcpFlags: { fin: true, ack: true } }); // CLOSE_WAIT
    dir.outbound({ protocol: 'tcp', saddr: 'b', sport: 80, daddr: '1.2.3.4', dport: 1000, tcpFlags: { fin: true, ack: true }, now: 4 });
    expect(first.conn?.state).toBe('TIME_WAIT');
    const reuse = dir.inbound(syn('1.2.3.4', 1000, 80, 5));
    expect([reuse.created, reuse.replaced?.id, reuse.dest?.addr]).toEqual([true, first.conn?.id, 'a']);
  });

  it('a removed RS: its entries are dropped silently (expire_nodest_conn=0)', () => {
    const dir = new Director();
    const svc = dir.addService({ protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr' });
    svc.addDest({ addr: 'a', port: 80 });
    dir.inbound(syn('1.2.3.4', 1000, 80, 0));
    const gone = svc.delDest('a', 80);
    const r = dir.inbound({ ...syn('1.2.3.4', 1000, 80, 1), tcpFlags: ACK });
    expect(r.verdict).toBe('drop');
    expect(gone.inactConns + gone.activeConns).toBe(1);
  });
});
