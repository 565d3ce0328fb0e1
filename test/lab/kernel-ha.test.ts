/**
 * Real keepalived + IPVS captures (test/fixtures/kernel-ha, each with the command that made it):
 * what the wire shows, decoded by lvscope, held to what the kernels and keepalived said in the
 * same run (the truth file) and to tshark's dissectors. Runs anywhere: no root, no QEMU.
 * - failover: the VRRP adverts change hands after the master's cable is pulled, with the gap
 *   VRRP's master-down timer makes, gratuitous ARPs from the new master, and keepalived's log
 *   agreeing with the wire;
 * - sync: every sync message the master sent before the failover, field by field, is what the
 *   backup's kernel listed (`ipvsadm -Lnc`) just before the failover; tshark's ipvs dissector
 *   reads the same fields;
 * - held connections: with sync they still reach their real server through the new master; without
 *   it the new master's own TCP stack resets them;
 * - a real server whose web server died: the health checks meet RSTs and keepalived removes it.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import type { HaTruth } from '../../src/lab/ha-run.js';
import type { LabTruthFile } from '../../src/lab/truth.js';
import { TCP_STATES } from '../../src/ipvs/tcp-states.js';
import type { ArpRecord, DecodedFrame, EthRecord, IpvsSyncRecord, Ipv4Record, TcpRecord, UdpRecord, VrrpRecord } from '../../src/wire/records.js';
import { haveTshark } from '../decode/reference.js';

const ROOT = join(import.meta.dirname, '..', 'fixtures', 'kernel-ha');
const TCP = { SYN: 0x02, RST: 0x04, ACK: 0x10, SYN_ACK: 0x12, SYN_ACK_RST: 0x16 } as const;

interface Scenario {
  readonly dir: string;
  readonly truth: LabTruthFile;
  readonly ha: HaTruth;
}

function load(name: string): Scenario {
  const dir = join(ROOT, name);
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as LabTruthFile;
  if (!truth.lab.ha) throw new Error(`${name}: the truth has no ha block`);
  return { dir, truth, ha: truth.lab.ha };
}

interface Frame {
  readonly n: number;
  /** Milliseconds since the run started (the truth's atMs clock). */
  readonly t: number;
  readonly eth: EthRecord | undefined;
  readonly ip: Ipv4Record | undefined;
  readonly tcp: TcpRecord | undefined;
  readonly udp: UdpRecord | undefined;
  readonly arp: ArpRecord | undefined;
  readonly vrrp: VrrpRecord | undefined;
  readonly sync: IpvsSyncRecord | undefined;
}

function frames(s: Scenario, file: string): Frame[] {
  const src = openFrames([join(s.dir, file)]);
  try {
    return [...src].map((f: DecodedFrame) => {
      const layer = <T extends DecodedFrame['layers'][number]>(type: T['type']): T | undefined => f.layers.find((l) => l.type === type) as T | undefined;
      return {
        n: f.n, t: f.tsSec * 1000 + f.tsNsec / 1e6 - s.ha.startedEpochMs,
        eth: layer<EthRecord>('eth'), ip: layer<Ipv4Record>('ipv4'), tcp: layer<TcpRecord>('tcp'), udp: layer<UdpRecord>('udp'),
        arp: layer<ArpRecord>('arp'), vrrp: layer<VrrpRecord>('vrrp'), sync: layer<IpvsSyncRecord>('ipvs-sync'),
      };
    });
  } finally {
    src.close();
  }
}

function eventAt(s: Scenario, pattern: RegExp): number {
  const e = s.ha.events.find((x) => pattern.test(x.event));
  if (!e) throw new Error(`no event ${pattern} in the truth`);
  return e.atMs;
}

const director = (s: Scenario, key: string): HaTruth['directors'][number] => {
  const d = s.ha.directors.find((x) => x.key === key);
  if (!d) throw new Error(`no director ${key}`);
  return d;
};

const snapshot = (s: Scenario, key: string, after: string) => {
  const snap = director(s, key).snapshots.find((x) => x.after === after);
  if (!snap) throw new Error(`${key} has no snapshot "${after}"`);
  return snap;
};

const FAILOVERS = ['failover-sync-on', 'failover-sync-off'] as const;

for (const name of FAILOVERS) {
  describe(`${name}: keepalived moves the VIP when the master's cable is pulled, and takes it back`, () => {
    const s = load(name);
    const [dir, dir2] = [director(s, 'dir'), director(s, 'dir2')];
    const lan = frames(s, 'fw-eth1.pcap');
    const pulled = eventAt(s, /LAN cable pulled/);
    const plugged = eventAt(s, /plugged back in/);
    const adverts = lan.filter((f) => f.vrrp !== undefined);

    it('the adverts come from dir (priority 150), then dir2 (100), then dir again, VRID 51 for the VIP', () => {
      const runs: string[] = [];
      for (const f of adverts) {
        const who = `${f.ip?.src} ${f.vrrp?.priority}`;
        if (runs[runs.length - 1] !== who) runs.push(who);
      }
      expect(runs).toEqual([`${dir.dip} 150`, `${dir2.dip} 100`, `${dir.dip} 150`]);
      for (const f of adverts) expect({ vrid: f.vrrp?.vrid, addresses: f.vrrp?.addresses, version: f.vrrp?.version }).toEqual({ vrid: 51, addresses: [s.ha.vip], version: 2 });
      expect(s.ha.masters.map((m) => m.director)).toEqual(['dir', 'dir2', 'dir']);
    });

    it("the gap: no advert for VRRP's master-down interval (3 adverts + skew), then dir2's gratuitous ARPs", () => {
      const lastOld = adverts.filter((f) => f.ip?.src === dir.dip && f.t < pulled + 1000).at(-1)!;
      const firstNew = adverts.find((f) => f.ip?.src === dir2.dip)!;
      const gap = firstNew.t - lastOld.t;
      // 3 × 1 s + (256 − 100) / 256 s = 3.609 s after the last advert dir2 heard.
      expect(gap).toBeGreaterThan(3000);
      expect(gap).toBeLessThan(4500);
      const garps = lan.filter((f) => f.arp?.gratuitous && f.arp.spa === s.ha.vip && f.arp.sha === dir2.mac && f.t >= firstNew.t && f.t < firstNew.t + 1000);
      expect(garps.length).toBe(5);
      // keepalived's log, timed as it was written, agrees with the wire within a second.
      const became = s.ha.vrrpStates.find((x) => x.director === 'dir2' && x.state === 'MASTER')!;
      expect(Math.abs(became.atMs - firstNew.t)).toBeLessThan(1000);
    });

    it('dir preempts when its cable is back: its adverts resume after the plug, and it sends gratuitous ARPs', () => {
      const back = adverts.find((f) => f.ip?.src === dir.dip && f.t > plugged)!;
      expect(back).toBeDefined();
      expect(lan.some((f) => f.arp?.gratuitous && f.arp.spa === s.ha.vip && f.arp.sha === dir.mac && f.t >= back.t - 50)).toBe(true);
      const dirMaster = s.ha.masters[2]!;
      expect(Math.abs(dirMaster.fromMs - back.t)).toBeLessThan(1000);
    });

    it("a connection made while dir2 was master survives the failback exactly when dir's kernel learnt it from dir2's sync messages", () => {
      const fb = s.ha.pokes.find((p) => p.after === 'failback')!;
      const afterFailback = snapshot(s, 'dir', 'after failback').connections.map((c) => c.client);
      // What dir itself received (its capture sees nothing of the LAN while its cable is out).
      const heard = new Set(frames(s, 'dir-eth0.pcap').filter((f) => f.sync !== undefined && f.ip?.src === dir2.dip)
        .flatMap((f) => f.sync!.conns.map((c) => `${c.caddr}:${c.cport}`)));
      const duringDir2 = s.truth.lab.requests.slice(s.ha.failover!.after, s.ha.failover!.back).map((r) => r.client);
      expect(duringDir2.length).toBeGreaterThan(0);
      for (const c of duringDir2) {
        const learnt = heard.has(c);
        expect({ c, learnt, inTable: afterFailback.includes(c), ok: fb.results.find((x) => x.client === c)?.ok }).toEqual({ c, learnt, inTable: learnt, ok: learnt });
        if (learnt) continue;
        const port = Number(c.split(':')[1]);
        // Unknown to IPVS, the non-SYN segment reaches dir's own TCP stack, which holds the VIP and has no socket.
        expect(lan.some((f) => f.tcp?.dstPort === port && (f.tcp.flagBits & TCP.RST) !== 0 && f.ip?.src === s.ha.vip && f.eth?.src === dir.mac && f.t > plugged), c).toBe(true);
      }
    });
  });
}

describe('failover-sync-on: the sync daemon, decoded, is what the backup kernel holds', () => {
  const s = load('failover-sync-on');
  const [dir, dir2] = [director(s, 'dir'), director(s, 'dir2')];
  const pulled = eventAt(s, /LAN cable pulled/);
  // What the backup received, on its own LAN interface.
  const received = frames(s, 'dir2-eth0.pcap').filter((f) => f.sync !== undefined);
  const beforeFailover = received.filter((f) => f.ip?.src === dir.dip && f.t < pulled);
  const backup = snapshot(s, 'dir2', 'before failover');

  it('the master multicast v1 messages with its sync id to 224.0.0.81:8848 before the failover', () => {
    expect(beforeFailover.length).toBeGreaterThan(0);
    for (const f of beforeFailover) {
      expect({ dst: f.ip?.dst, port: f.udp?.dstPort, version: f.sync?.version, syncId: f.sync?.syncId, size: f.sync?.size })
        .toEqual({ dst: s.ha.syncGroup, port: s.ha.syncPort, version: 1, syncId: s.ha.syncId, size: f.udp!.payloadLength });
    }
  });

  it("each connection, field by field, is the backup's ipvsadm -Lnc entry taken before the failover", () => {
    expect(backup.connections.length).toBeGreaterThan(0);
    const latest = new Map<string, { f: Frame; c: IpvsSyncRecord['conns'][number] }>();
    for (const f of beforeFailover) for (const c of f.sync!.conns) latest.set(`${c.caddr}:${c.cport}`, { f, c });
    expect([...latest.keys()].sort()).toEqual(backup.connections.map((k) => k.client).sort());
    for (const k of backup.connections) {
      const { f, c } = latest.get(k.client)!;
      expect({
        protocol: c.protocol === 6 ? 'tcp' : String(c.protocol), client: `${c.caddr}:${c.cport}`, virtual: `${c.vaddr}:${c.vport}`,
        realServer: `${c.daddr}:${c.dport}`, state: TCP_STATES[c.state], template: c.template, forward: c.forward, fwmark: c.fwmark,
      }).toEqual({
        protocol: k.protocol, client: k.client, virtual: k.virtual, realServer: k.realServer, state: k.state, template: k.template, forward: 'dr', fwmark: 0,
      });
      // The backup's entry times out from the message's timeout: ipvsadm's countdown, read
      // (backup.atMs − f.t) ms after the message, is that much below it (to the second).
      const elapsed = Math.floor((backup.atMs - f.t) / 1000);
      expect(k.expire).toBeLessThanOrEqual(c.timeout!);
      expect(k.expire).toBeGreaterThanOrEqual(c.timeout! - elapsed - 2);
    }
  });

  it("the master's own table listed the same connections, on the same real servers, in the same state", () => {
    const master = snapshot(s, 'dir', 'before failover');
    const view = (cs: typeof master.connections): string[] => cs.map((c) => `${c.client} ${c.realServer} ${c.state}`).sort();
    expect(view(backup.connections)).toEqual(view(master.connections));
  });

  it('every held connection still reached its real server through dir2 after the takeover', () => {
    const poke = s.ha.pokes.find((p) => p.after === 'takeover')!;
    expect(poke.results.length).toBeGreaterThan(0);
    for (const r of poke.results) {
      const request = s.truth.lab.requests.find((q) => q.client === r.client)!;
      expect(r).toMatchObject({ ok: true, answeredBy: request.realServer });
    }
    expect(dir2.syncDaemon).toMatch(/backup sync daemon/);
    expect(dir.syncDaemon).toMatch(/master sync daemon/);
  });

  it.skipIf(!haveTshark())("tshark's ipvs dissector (decode-as udp.port==8848,ipvs) reads every message as lvscope does", () => {
    const fields = ['frame.number', 'ipvs.syncid', 'ipvs.conncount', 'ipvs.size', 'ipvs.proto', 'ipvs.cport', 'ipvs.vport', 'ipvs.dport',
      'ipvs.caddr', 'ipvs.vaddr', 'ipvs.daddr', 'ipvs.state', 'ipvs.timeout', 'ipvs.fwmark', 'ipvs.flags.v1'];
    const out = execFileSync('tshark', ['-n', '-r', join(s.dir, 'dir2-eth0.pcap'), '-d', `udp.port==${s.ha.syncPort},ipvs`, '-Y', 'ipvs',
      '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((x) => ['-e', x])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
    const rows = out.split('\n').filter((l) => l !== '').map((l) => l.split('\t').map((cell) => cell.split(',').map((x) => (/^0x[0-9a-f]+$/i.test(x) ? String(Number(x)) : x)).join(',')));
    expect(rows.map((r) => Number(r[0]))).toEqual(received.map((f) => f.n));
    rows.forEach((r, i) => {
      const m = received[i]!.sync!;
      const col = (k: (c: IpvsSyncRecord['conns'][number]) => string | number | null): string => m.conns.map(k).join(',');
      expect(r.slice(1)).toEqual([String(m.syncId), String(m.count), String(m.size), col((c) => c.protocol), col((c) => c.cport), col((c) => c.vport),
        col((c) => c.dport), col((c) => c.caddr), col((c) => c.vaddr), col((c) => c.daddr), col((c) => c.state), col((c) => c.timeout),
        col((c) => c.fwmark), col((c) => c.flags)]);
    });
  });
});

describe('failover-sync-off: without sync the new master resets every held connection', () => {
  const s = load('failover-sync-off');
  const dir2 = director(s, 'dir2');
  const lan = frames(s, 'fw-eth1.pcap');
  const took = eventAt(s, /dir2 holds the VIP/);

  it('no sync message is on the wire, and dir2 knew none of the connections when it took over', () => {
    for (const file of s.truth.lab.captures.map((c) => c.file)) {
      expect(frames(s, file).filter((f) => f.sync !== undefined || f.udp?.dstPort === s.ha.syncPort), file).toEqual([]);
    }
    expect(snapshot(s, 'dir2', 'before failover').connections).toEqual([]);
  });

  it("each held connection's next request meets an RST from the VIP, sent by dir2's own TCP stack", () => {
    const poke = s.ha.pokes.find((p) => p.after === 'takeover')!;
    expect(poke.results.length).toBeGreaterThan(0);
    for (const r of poke.results) {
      expect(r).toMatchObject({ ok: false, answeredBy: null });
      const port = Number(r.client.split(':')[1]);
      const rst = lan.find((f) => f.tcp?.dstPort === port && (f.tcp.flagBits & TCP.RST) !== 0 && f.t > took);
      expect(rst, r.client).toBeDefined();
      expect({ src: rst!.ip?.src, mac: rst!.eth?.src }).toEqual({ src: s.ha.vip, mac: dir2.mac });
    }
  });
});

for (const name of ['rs-fail', 'rs-flap-http'] as const) {
  describe(`${name}: a real server whose web server dies is removed by the health checks`, () => {
    const s = load(name);
    const dir = director(s, 'dir');
    const failed = s.ha.rsFail!;
    const [rip, rport] = failed.realServer.split(':') as [string, string];
    const killed = eventAt(s, /web server killed/);
    const restarted = failed.back ? eventAt(s, /web server started again/) : Infinity;
    const local = frames(s, 'dir-eth0.pcap');
    const checks = local.filter((f) => f.ip?.src === dir.dip && f.ip.dst === rip && f.tcp?.dstPort === Number(rport) && (f.tcp.flagBits & TCP.SYN_ACK_RST) === TCP.SYN);
    const answers = local.filter((f) => f.ip?.src === rip && f.ip.dst === dir.dip && f.tcp?.srcPort === Number(rport));
    const refused = answers.filter((f) => f.t > killed && f.t < restarted && (f.tcp!.flagBits & TCP.RST) !== 0);

    it(`before the kill dir's ${s.ha.healthCheck === 'http' ? 'HTTP_GET' : 'TCP_CHECK'}s to the real server complete; after it they meet RSTs`, () => {
      expect(checks.filter((f) => f.t < killed).length).toBeGreaterThan(0);
      expect(checks.filter((f) => f.t > killed && f.t < restarted).length).toBeGreaterThan(0);
      expect(answers.some((f) => f.t < killed && (f.tcp!.flagBits & TCP.SYN_ACK) === TCP.SYN_ACK)).toBe(true);
      // HTTP_GET sends a request and reads the answer; TCP_CHECK only connects.
      const talked = (f: Frame): boolean => f.t < killed && (f.tcp?.payloadLength ?? 0) > 0;
      expect(local.some((f) => talked(f) && f.ip?.src === dir.dip && f.ip.dst === rip)).toBe(s.ha.healthCheck === 'http');
      expect(answers.some(talked)).toBe(s.ha.healthCheck === 'http');
      expect(refused.length).toBeGreaterThan(0);
      // keepalived removes it after one retry (delay_before_retry 1 s): its log says so within a
      // few seconds of the first refusal on the wire.
      const removed = dir.keepalivedLog.find((l) => l.atMs > killed && l.line.includes(`Removing service [${rip}]:tcp:${rport}`))!;
      expect(removed).toBeDefined();
      expect(removed.atMs - refused[0]!.t).toBeGreaterThan(0);
      expect(removed.atMs - refused[0]!.t).toBeLessThan(5000);
    });

    it('the kernel lists it no more, and every request after the kill went to the other real server', () => {
      const name = s.truth.lab.realServers.find((r) => r.key === failed.rs)!.name;
      expect(snapshot(s, 'dir', `${name} removed by health checks`).atMs).toBeGreaterThan(killed);
      if (!failed.back) expect(dir.ipvsadmLn).not.toContain(` ${failed.realServer} `);
      const out = s.truth.lab.requests.slice(failed.after, failed.back ?? undefined);
      expect(out.length).toBeGreaterThan(0);
      for (const r of out) expect(r.answeredBy).not.toBe(failed.realServer);
      for (const r of s.truth.lab.requests) expect(r.error).toBeNull();
    });

    if (failed.back) {
      it('started again, it passes the checks, keepalived adds it back and new connections reach it again', () => {
        expect(answers.some((f) => f.t > restarted && (f.tcp!.flagBits & TCP.SYN_ACK) === TCP.SYN_ACK)).toBe(true);
        const added = dir.keepalivedLog.find((l) => l.atMs > restarted && l.line.includes(`Adding service [${rip}]:tcp:${rport}`));
        expect(added).toBeDefined();
        expect(dir.ipvsadmLn).toContain(` ${failed.realServer} `);
        expect(s.truth.lab.requests.slice(failed.back!).map((r) => r.answeredBy)).toContain(failed.realServer);
      });
    }
  });
}

describe('kernel-ha fixtures', () => {
  it('each folder has its truth and every capture the truth names', () => {
    for (const name of [...FAILOVERS, 'rs-fail', 'rs-flap-http']) {
      const s = load(name);
      expect(s.truth.lab.backend).not.toBe('emulation');
      for (const c of s.truth.lab.captures) expect(existsSync(join(s.dir, c.file)), `${name}/${c.file}`).toBe(true);
    }
  });
});
