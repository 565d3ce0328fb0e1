import { describe, expect, it } from 'vitest';
import { Director, type TcpFlags } from '../../src/ipvs/index.js';
import { LblcScheduler } from '../../src/ipvs/schedulers/lblc.js';

const SYN: TcpFlags = { syn: true };
const ACK: TcpFlags = { ack: true };
const VIP = '10.0.0.100';
const A = '192.168.1.11';
const B = '192.168.1.12';

const pkt = (saddr: string, sport: number, flags: TcpFlags, now: number) =>
  ({ protocol: 'tcp' as const, saddr, sport, daddr: VIP, dport: 80, tcpFlags: flags, now });

function lab(scheduler: 'wlc' | 'rr' | 'lblc', persistence: number | null = null) {
  const dir = new Director();
  const svc = dir.addService({ protocol: 'tcp', vip: VIP, port: 80, scheduler, persistence });
  svc.addDest({ addr: B, port: 80 });
  svc.addDest({ addr: A, port: 80 }); // kernel list [A, B]
  return { dir, svc };
}

/** Opens an ESTABLISHED connection from cip:sport. */
function open(dir: Director, cip: string, sport: number, now: number) {
  const r = dir.inbound(pkt(cip, sport, SYN, now));
  dir.inbound(pkt(cip, sport, ACK, now));
  return r;
}

describe('the dest trash (ip_vs_trash_get_dest, __ip_vs_del_dest)', () => {
  it('-d then -a while connections live: the same dest returns with its counters and stats', () => {
    const { dir, svc } = lab('wlc');
    for (let i = 0; i < 3; i++) expect(open(dir, `172.16.0.${i + 1}`, 40000, 1).dest?.addr).toBe([A, B, A][i]);
    const a = svc.findDest(A, 80)!;
    expect([a.activeConns, a.stats.conns]).toEqual([2, 2]);
    svc.delDest(A, 80, 10);
    expect(dir.trash.dests).toEqual([a]);
    const back = svc.addDest({ addr: A, port: 80, weight: 1 }, 20);
    expect(back).toBe(a);
    expect(dir.trash.dests).toEqual([]);
    expect([back.activeConns, back.stats.conns, back.flags.available]).toEqual([2, 2, true]);
    expect(svc.dests.map((d) => d.addr)).toEqual([A, B]);
    // wlc: A (2 active = 512) against B (1 active = 256): B. A fresh A (0) at the head would win.
    expect(dir.inbound(pkt('172.16.0.9', 40000, SYN, 21)).dest?.addr).toBe(B);
  });

  it('the connections of a re-added dest are forwarded again, not dropped', () => {
    const { dir, svc } = lab('wlc');
    open(dir, '172.16.0.1', 40000, 1);
    svc.delDest(A, 80, 2);
    expect(dir.inbound(pkt('172.16.0.1', 40000, ACK, 3)).verdict).toBe('drop');
    svc.addDest({ addr: A, port: 80 }, 4);
    const r = dir.inbound(pkt('172.16.0.1', 40000, ACK, 5));
    expect([r.verdict, r.dest?.addr]).toEqual(['forward', A]);
  });

  it('a persistence template to the flapped server stays valid: the client keeps its server', () => {
    const { dir, svc } = lab('rr', 360);
    expect(open(dir, '172.16.0.1', 40000, 1).dest?.addr).toBe(A);
    svc.delDest(A, 80, 2);
    svc.addDest({ addr: A, port: 80 }, 3);
    const r = dir.inbound(pkt('172.16.0.1', 40001, SYN, 4));
    expect([r.dest?.addr, r.scheduling]).toEqual([A, 'persistent-template']);
    expect(svc.findDest(A, 80)?.persistConns).toBe(1);
  });

  it('takes back the new weight, method and thresholds; last_weight follows even a 0 weight', () => {
    const { dir, svc } = lab('wlc');
    open(dir, '172.16.0.1', 40000, 1);
    const a = svc.findDest(A, 80)!;
    a.upperThreshold = 1;
    a.flags.overloaded = true;
    svc.delDest(A, 80, 2);
    const back = svc.addDest({ addr: A, port: 80, weight: 0, forward: 'nat', upperThreshold: 5 }, 3);
    expect(back).toBe(a);
    expect([back.weight, back.lastWeight, back.forward, back.upperThreshold, back.flags.overloaded]).toEqual([0, 0, 'nat', 5, false]);
  });

  it('an lblc cache entry keeps pointing at the returned dest and holds it in the trash', () => {
    const { dir, svc } = lab('lblc');
    expect(open(dir, '172.16.0.1', 40000, 1).dest?.addr).toBe(A);
    const lblc = svc.scheduler as LblcScheduler;
    const a = svc.findDest(A, 80)!;
    // the connection goes away; only the cache entry refers to A now
    dir.inbound(pkt('172.16.0.1', 40000, { rst: true }, 2));
    dir.expire(20);
    expect(a.activeConns + a.inactConns).toBe(0);
    svc.delDest(A, 80, 20);
    dir.expire(20 + 600);
    expect(dir.trash.dests).toEqual([a]);
    svc.addDest({ addr: A, port: 80 }, 700);
    expect(lblc.cached(VIP)).toBe(svc.findDest(A, 80));
    expect(open(dir, '172.16.0.2', 40000, 701).dest?.addr).toBe(A);
    // the hit reused the entry: no replacement (which would count one more entry)
    expect(lblc.table.entries).toBe(1);
  });

  it('the trash timer frees an idle dest 120 s after the first 60 s run that finds it idle', () => {
    const flap = (readdAt: number) => {
      const { dir, svc } = lab('wlc');
      dir.inbound(pkt('172.16.0.1', 40000, SYN, 0)); // SYN_RECV: expires at 60
      const a = svc.findDest(A, 80)!;
      svc.delDest(A, 80, 1); // timer runs at 61, 121, 181
      dir.expire(readdAt);
      return svc.addDest({ addr: A, port: 80 }, readdAt) === a;
    };
    // 61: idle since now; 121: 121 < 61 + 120; 181: freed
    expect(flap(180)).toBe(true);
    expect(flap(181)).toBe(false);
  });

  it('a dest referenced by a connection is never freed, however long it waits', () => {
    const { dir, svc } = lab('wlc');
    open(dir, '172.16.0.1', 40000, 0); // ESTABLISHED: 900 s
    const a = svc.findDest(A, 80)!;
    svc.delDest(A, 80, 1);
    dir.expire(850);
    expect(svc.addDest({ addr: A, port: 80 }, 850)).toBe(a);
  });
});

describe('expire_nodest_conn=1 on -d (ip_vs_expire_nodest_conn_flush)', () => {
  it('deletes the removed server\'s entries and templates at once, so the trash can free it', () => {
    const dir = new Director({ sysctls: { expireNodestConn: true } });
    const svc = dir.addService({ protocol: 'tcp', vip: VIP, port: 80, scheduler: 'rr', persistence: 360 });
    svc.addDest({ addr: B, port: 80 });
    svc.addDest({ addr: A, port: 80 });
    expect(open(dir, '172.16.0.1', 40000, 0).dest?.addr).toBe(A);
    expect(open(dir, '172.16.0.2', 40000, 0).dest?.addr).toBe(B);
    const a = svc.findDest(A, 80)!;
    dir.delDest(svc, A, 80, 1);
    expect(dir.table.entries().map((c) => c.daddr)).toEqual([B, B]);
    expect([a.activeConns, a.inactConns, a.persistConns]).toEqual([0, 0, 0]);
    // unreferenced from t=1: timer runs at 61 (idle), 121, 181 (freed)
    dir.expire(181);
    expect(dir.trash.dests).toEqual([]);
    expect(svc.addDest({ addr: A, port: 80 }, 181)).not.toBe(a);
  });

  it('with the default 0 the entries stay and keep the dest in the trash', () => {
    const { dir, svc } = lab('wlc');
    open(dir, '172.16.0.1', 40000, 0);
    dir.delDest(svc, A, 80, 1);
    expect(dir.table.entries().length).toBe(1);
    dir.expire(300);
    expect(dir.trash.dests.map((d) => d.addr)).toEqual([A]);
  });
});
