/**
 * keepalived director-pair presets: a DR cluster (VIP 192.168.23.100:80, WEB1 and WEB2) behind
 * a firewall, with two directors in VRRP instance 51 (DIR1 priority 150, DIR2 priority 100,
 * adverts every second), captured on the LAN the directors share (a mirror of the firewall's
 * inside interface, like the seed DR walkthrough). Timings are keepalived's and the kernel's:
 * master_down_interval = 3 × interval + (256 − priority)/256 s; a priority-0 advert lets the backup
 * take over after its skew time alone; 5 gratuitous ARPs at takeover; a client's TCP
 * retransmissions at 0.2, 0.4, 0.8 … s.
 */
import type { FindingCode } from '../../ipvs/report.js';
import type { ConnOutcome, FailoverReason } from '../../ipvs/director-pair.js';
import { TcpChecker } from './checks.js';
import { DrConn, type Delivery } from './conn.js';
import { Lan, syncEntry, type Station } from './lan.js';

export const HA_PRESET_SUMMARIES: Readonly<Record<string, string>> = {
  'ha-failover-sync': 'keepalived pair: the master (DIR1) dies; DIR2 takes over after 3.6 s; the sync daemon had announced the open connections, so they continue on DIR2',
  'ha-failover-nosync': 'keepalived pair without the sync daemon: the master dies; DIR2 takes over and resets the open connections (RST from the VIP)',
  'ha-no-garp': 'keepalived pair whose new master sends no gratuitous ARP: the gateway keeps sending to the dead master\'s MAC, and the clients retransmit into silence',
  'ha-preempt': 'keepalived pair: DIR1 stops gracefully (priority-0 advert), DIR2 takes over at once; DIR1 comes back and preempts with its higher priority',
  'ha-health-check': 'keepalived TCP_CHECK every 3 s from both directors; WEB2\'s httpd stops, the check fails, and new connections go to WEB1 only',
  'ha-health-flap': 'keepalived TCP_CHECK: WEB2 fails, comes back and fails again (health-check flapping)',
  'ha-health-ignored': 'TCP checks of WEB2 fail (its httpd now listens on the VIP only, so the RIP refuses) while the director, whose rules the checker does not manage, keeps sending it new connections',
  'ha-split-brain': 'keepalived pair that cannot hear each other (VRRP blocked between them): both advertise as master for VRID 51',
};

export function listHaPresets(): string[] {
  return Object.keys(HA_PRESET_SUMMARIES);
}

export function isHaPreset(name: string): boolean {
  return Object.hasOwn(HA_PRESET_SUMMARIES, name);
}

/** What the script did, in words a test can hold the model to (frame numbers once sorted). */
export interface HaExpectation {
  readonly findings: readonly FindingCode[];
  readonly masters: readonly { readonly name: string; readonly priority: number }[];
  readonly failovers: readonly {
    readonly reason: FailoverReason; readonly from: string; readonly to: string;
    /** Mark names of the old master's last advert and the new master's first. */
    readonly lastAdvert: string; readonly firstAdvert: string;
    readonly gapMs: number;
    readonly connections: readonly { readonly client: string; readonly synced: boolean; readonly outcome: ConnOutcome }[];
  }[];
  readonly synced: readonly string[];
  readonly healthChecked: readonly { readonly director: string; readonly realServer: string; readonly intervalMs: number }[];
  readonly removed: readonly { readonly realServer: string; readonly usedAfterFailure: boolean }[];
  readonly flapping: readonly string[];
  readonly splitBrain: boolean;
}

export interface HaScript {
  readonly name: string;
  readonly description: string;
  readonly lan: Lan;
  readonly stations: readonly (Station & { readonly role: 'gateway' | 'director' | 'real-server' })[];
  readonly clients: readonly string[];
  readonly vip: string;
  /** Mark name → time of the marked frame (the frame at exactly that time written first). */
  readonly marks: ReadonlyMap<string, number>;
  readonly expect: HaExpectation;
}

const VRID = 51;
const VIP = '192.168.23.100';
const GW: Station = { name: 'gateway', mac: '02:aa:00:00:01:01', ip: '192.168.23.1' };
const DIR1: Station = { name: 'DIR1', mac: '02:aa:00:00:02:01', ip: '192.168.23.11' };
const DIR2: Station = { name: 'DIR2', mac: '02:aa:00:00:02:02', ip: '192.168.23.12' };
const WEB1: Station = { name: 'WEB1', mac: '02:aa:00:00:03:01', ip: '192.168.23.80' };
const WEB2: Station = { name: 'WEB2', mac: '02:aa:00:00:03:02', ip: '192.168.23.81' };
const STATIONS = [
  { ...GW, role: 'gateway' as const }, { ...DIR1, role: 'director' as const }, { ...DIR2, role: 'director' as const },
  { ...WEB1, role: 'real-server' as const }, { ...WEB2, role: 'real-server' as const },
];
const PRIO: ReadonlyMap<Station, number> = new Map([[DIR1, 150], [DIR2, 100]]);
const client = (i: number): string => `172.16.0.${100 + i}`;

/** keepalived's master_down_interval for a backup of this priority, 1 s adverts. */
const masterDown = (prio: number): number => 3 + (256 - prio) / 256;
const skew = (prio: number): number => (256 - prio) / 256;

class Script {
  readonly lan = new Lan();
  readonly marks = new Map<string, number>();
  private conns = 0;

  mark(name: string, t: number): void { this.marks.set(name, t); }

  /** Adverts every second from `from` while t < `until`; returns the time of the last one. */
  adverts(d: Station, from: number, until: number): number {
    const prio = PRIO.get(d)!;
    let last = from;
    for (let t = from; t < until; t += 1) {
      this.lan.advert(t, d, VRID, prio, [VIP], {
        en: `VRRP advert: ${d.name} is master for VRID ${VRID}, priority ${prio}, every 1 s`,
        zh: `VRRP 通告：${d.name} 是 VRID ${VRID} 的 Master，优先级 ${prio}，每 1 秒一次`,
      });
      last = t;
    }
    return last;
  }

  resign(t: number, d: Station): void {
    this.lan.advert(t, d, VRID, 0, [VIP], {
      en: `VRRP advert with priority 0: ${d.name}'s keepalived is stopping and gives up VRID ${VRID}`,
      zh: `优先级为 0 的 VRRP 通告：${d.name} 的 keepalived 正在停止，放弃 VRID ${VRID}`,
    });
  }

  garps(t: number, d: Station): void {
    for (let i = 0; i < 5; i++) {
      this.lan.garp(t + 0.0001 * (i + 1), d, VIP, {
        en: `${d.name}, the new master, announces VIP ${VIP} at its MAC by gratuitous ARP (${i + 1}/5)`,
        zh: `新的 Master ${d.name} 用免费 ARP 宣告 VIP ${VIP} 在它的 MAC 上（${i + 1}/5）`,
      });
    }
  }

  conn(i: number, rs: Station): DrConn {
    return new DrConn(this.lan, GW, client(i), 40000 + i, VIP, rs, ++this.conns);
  }

  done(name: string, expect: HaExpectation, clients: number): HaScript {
    return {
      name, description: HA_PRESET_SUMMARIES[name]!, lan: this.lan, stations: STATIONS,
      clients: Array.from({ length: clients }, (_, i) => client(i)), vip: VIP, marks: this.marks, expect,
    };
  }
}

const fwd = (dir: Station): Delivery => ({ kind: 'forward', dir });
const dead = (dir: Station): Delivery => ({ kind: 'dead', mac: dir.mac, dir });

/** DIR1 crashes after its advert at 4.1 s; DIR2 takes over; sync decides the open connections' fate. */
function failover(sync: boolean, garp = true): HaScript {
  const name = !garp ? 'ha-no-garp' : sync ? 'ha-failover-sync' : 'ha-failover-nosync';
  const s = new Script();
  const last1 = s.adverts(DIR1, 0.1, 4.5);
  s.mark('last-advert', last1);
  const take = last1 + masterDown(100);
  s.mark('first-advert', take);
  s.adverts(DIR2, take, take + 5);
  if (garp) s.garps(take, DIR2);

  s.lan.arpExchange(0.2, DIR1, WEB1);
  s.lan.arpExchange(0.25, DIR1, WEB2);
  const a = s.conn(0, WEB1);
  const b = s.conn(1, WEB2);
  a.request(a.open(0.3, fwd(DIR1)) + 0.001, fwd(DIR1));
  b.request(b.open(1.3, fwd(DIR1)) + 0.001, fwd(DIR1));
  a.request(2.3, fwd(DIR1));
  if (sync || !garp) {
    s.lan.sync(1.2, DIR1, 0, [syncEntry(a.cip, a.cport, VIP, 80, WEB1.ip)], {
      en: `IPVS sync: DIR1 tells the backup about connection ${a.client} → WEB1`, zh: `IPVS 同步：DIR1 把连接 ${a.client} → WEB1 告诉备机`,
    });
    s.lan.sync(3.3, DIR1, 0, [syncEntry(b.cip, b.cport, VIP, 80, WEB2.ip)], {
      en: `IPVS sync: DIR1 tells the backup about connection ${b.client} → WEB2`, zh: `IPVS 同步：DIR1 把连接 ${b.client} → WEB2 告诉备机`,
    });
  }
  // DIR1 is gone at 4.5 s; the gateway keeps its ARP entry until DIR2's gratuitous ARP.
  a.request(5.0, dead(DIR1), false);
  for (const dt of [0.2, 0.6, 1.4]) a.retransmit(5.0 + dt, dead(DIR1), false);
  if (!garp) {
    // The gateway's ARP entry still names DIR1: nothing reaches DIR2.
    for (const dt of [3.2, 6.4]) a.retransmit(5.0 + dt, dead(DIR1), false);
    b.request(9.5, dead(DIR1), false);
    b.retransmit(9.7, dead(DIR1), false);
    b.retransmit(10.1, dead(DIR1), false);
    return s.done(name, {
      findings: ['ha-failover-gap', 'ha-no-gratuitous-arp'],
      masters: [{ name: 'DIR1', priority: 150 }, { name: 'DIR2', priority: 100 }],
      failovers: [{
        reason: 'silent', from: 'DIR1', to: 'DIR2', lastAdvert: 'last-advert', firstAdvert: 'first-advert',
        gapMs: Math.round((take - 4.1) * 1000),
        connections: [{ client: a.client, synced: true, outcome: 'retransmit-silence' }, { client: b.client, synced: true, outcome: 'retransmit-silence' }],
      }],
      synced: [a.client, b.client], healthChecked: [], removed: [], flapping: [], splitBrain: false,
    }, 2);
  }
  const after = sync ? fwd(DIR2) : ({ kind: 'reset', dir: DIR2 } as const);
  const tA = a.retransmit(8.2, after, true);
  if (!a.closed) a.close(tA + 0.5, fwd(DIR2));
  if (sync) b.close(b.request(9.5, fwd(DIR2)) + 0.01, fwd(DIR2));
  else b.request(9.5, after);
  s.conn(2, WEB1).whole(10.0, fwd(DIR2));
  if (sync) {
    s.lan.sync(11.0, DIR2, 0, [syncEntry(client(2), 40002, VIP, 80, WEB1.ip)], {
      en: `IPVS sync: DIR2, now master, tells the backup about connection ${client(2)}:40002 → WEB1`, zh: `IPVS 同步：现在是 Master 的 DIR2 把连接 ${client(2)}:40002 → WEB1 告诉备机`,
    });
  }
  const outcome: ConnOutcome = sync ? 'continued' : 'reset';
  return s.done(name, {
    findings: sync ? ['ha-failover-gap'] : ['ha-failover-gap', 'ha-conns-lost-no-sync'],
    masters: [{ name: 'DIR1', priority: 150 }, { name: 'DIR2', priority: 100 }],
    failovers: [{
      reason: 'silent', from: 'DIR1', to: 'DIR2', lastAdvert: 'last-advert', firstAdvert: 'first-advert',
      gapMs: Math.round((take - 4.1) * 1000),
      connections: [{ client: a.client, synced: sync, outcome }, { client: b.client, synced: sync, outcome }],
    }],
    synced: sync ? [a.client, b.client, `${client(2)}:40002`] : [],
    healthChecked: [], removed: [], flapping: [], splitBrain: false,
  }, 3);
}

/** DIR1 stops gracefully, DIR2 takes over, DIR1 returns and preempts; sync keeps the connection. */
function preempt(): HaScript {
  const s = new Script();
  s.adverts(DIR1, 0.1, 3.2);
  s.resign(3.5, DIR1);
  s.mark('resign', 3.5);
  const take = 3.5 + skew(100);
  s.mark('take', take);
  s.garps(take, DIR2);
  // DIR1 restarts at 9.6 s as backup; DIR2's lower-priority adverts do not hold it back (preempt).
  const back = 9.6 + masterDown(150);
  const last2 = s.adverts(DIR2, take, back);
  s.mark('last2', last2);
  s.mark('back', back);
  s.adverts(DIR1, back, back + 3);
  s.garps(back, DIR1);

  s.lan.arpExchange(0.2, DIR1, WEB1);
  const a = s.conn(0, WEB1);
  a.request(a.open(0.4, fwd(DIR1)) + 0.001, fwd(DIR1));
  s.lan.sync(1.5, DIR1, 0, [syncEntry(a.cip, a.cport, VIP, 80, WEB1.ip)], {
    en: `IPVS sync: DIR1 tells the backup about connection ${a.client} → WEB1`, zh: `IPVS 同步：DIR1 把连接 ${a.client} → WEB1 告诉备机`,
  });
  a.request(6.0, fwd(DIR2));
  s.lan.sync(7.0, DIR2, 0, [syncEntry(a.cip, a.cport, VIP, 80, WEB1.ip)], {
    en: `IPVS sync: DIR2, now master, tells the backup about connection ${a.client} → WEB1`, zh: `IPVS 同步：现在是 Master 的 DIR2 把连接 ${a.client} → WEB1 告诉备机`,
  });
  a.close(a.request(back + 1, fwd(DIR1)) + 0.01, fwd(DIR1));
  return s.done('ha-preempt', {
    findings: [],
    masters: [{ name: 'DIR1', priority: 150 }, { name: 'DIR2', priority: 100 }, { name: 'DIR1', priority: 150 }],
    failovers: [
      { reason: 'resigned', from: 'DIR1', to: 'DIR2', lastAdvert: 'resign', firstAdvert: 'take', gapMs: Math.round(skew(100) * 1000), connections: [{ client: a.client, synced: true, outcome: 'continued' }] },
      { reason: 'preempted', from: 'DIR2', to: 'DIR1', lastAdvert: 'last2', firstAdvert: 'back', gapMs: 0, connections: [{ client: a.client, synced: true, outcome: 'continued' }] },
    ],
    synced: [a.client], healthChecked: [], removed: [], flapping: [], splitBrain: false,
  }, 1);
}

type HealthKind = 'check' | 'flap' | 'ignored';

/** TCP_CHECK every 3 s from both directors; WEB2's service goes down at 5 s. */
function health(kind: HealthKind): HaScript {
  const name = kind === 'check' ? 'ha-health-check' : kind === 'flap' ? 'ha-health-flap' : 'ha-health-ignored';
  const s = new Script();
  const end = kind === 'flap' ? 20 : 14;
  s.adverts(DIR1, 0.1, end);
  const checkPort = 80;
  /** Does WEB2 answer on its RIP at time t? */
  const web2Up = (t: number): boolean => kind === 'flap' ? t < 5 || (t >= 8 && t < 11) : t < 5;
  /** Is WEB2 in DIR1's IPVS table at time t (keepalived removes it at a failed check, re-adds at a passed one)? */
  let web2InTable = true;
  const checkTimes: number[] = [];
  for (let t = 0.5; t < end; t += 3) checkTimes.push(t);
  const checkers = [
    [new TcpChecker(s.lan, DIR1, WEB1, checkPort, 42000), new TcpChecker(s.lan, DIR1, WEB2, checkPort, 43000)],
    [new TcpChecker(s.lan, DIR2, WEB1, checkPort, 44000), new TcpChecker(s.lan, DIR2, WEB2, checkPort, 45000)],
  ] as const;
  const webUp = (rs: Station, t: number): boolean => rs === WEB1 || web2Up(t);
  const events: { t: number; run: () => void }[] = [];
  for (const t0 of checkTimes) {
    for (const c of checkers[0]) events.push({ t: t0, run: () => {
      const up = webUp(c.rs, t0);
      c.check(t0 + (c.rs === WEB2 ? 0.01 : 0), up);
      if (c.rs === WEB2 && kind !== 'ignored') web2InTable = up;
    } });
    for (const c of checkers[1]) events.push({ t: t0 + 1.2, run: () => c.check(t0 + 1.2 + (c.rs === WEB2 ? 0.01 : 0), webUp(c.rs, t0 + 1.2)) });
  }
  // A client connection every 1.5 s; rr over the real servers in DIR1's table.
  let rr = 0;
  let i = 0;
  for (let t = 0.8; t < end - 0.5; t += 1.5, i++) {
    const ti = t, ii = i;
    events.push({ t: ti, run: () => {
      const pool = web2InTable ? [WEB1, WEB2] : [WEB1];
      const rs = pool[rr++ % pool.length]!;
      const c = s.conn(ii, rs);
      if (rs === WEB2 && kind !== 'ignored' && !web2Up(ti)) c.refused(ti, fwd(DIR1));
      else c.whole(ti, fwd(DIR1));
    } });
  }
  for (const e of events.sort((x, y) => x.t - y.t)) e.run();
  const checked = [DIR1, DIR2].flatMap((d) => [WEB1, WEB2].map((r) => ({ director: d.ip, realServer: `${r.ip}:${checkPort}`, intervalMs: 3000 })));
  return s.done(name, {
    findings: kind === 'flap' ? ['health-check-flapping'] : kind === 'ignored' ? ['rs-failed-health-check-still-used'] : [],
    masters: [{ name: 'DIR1', priority: 150 }], failovers: [], synced: [],
    healthChecked: checked,
    removed: [{ realServer: WEB2.ip, usedAfterFailure: kind === 'ignored' }],
    flapping: kind === 'flap' ? [WEB2.ip] : [], splitBrain: false,
  }, i);
}

/** Both directors advertise for VRID 51 at once: neither hears the other. */
function splitBrain(): HaScript {
  const s = new Script();
  s.adverts(DIR1, 0.1, 8);
  s.adverts(DIR2, 0.6, 8);
  s.garps(0.6, DIR2);
  s.lan.arpExchange(1.0, DIR2, WEB1);
  s.lan.arpExchange(1.1, DIR2, WEB2);
  const a = s.conn(0, WEB1);
  a.whole(2.0, fwd(DIR2));
  const b = s.conn(1, WEB2);
  b.whole(4.0, fwd(DIR2));
  return s.done('ha-split-brain', {
    findings: ['ha-split-brain'], masters: [{ name: 'DIR1', priority: 150 }, { name: 'DIR2', priority: 100 }], failovers: [],
    synced: [], healthChecked: [], removed: [], flapping: [], splitBrain: true,
  }, 2);
}

export function haPreset(name: string): HaScript {
  switch (name) {
    case 'ha-failover-sync': return failover(true);
    case 'ha-failover-nosync': return failover(false);
    case 'ha-no-garp': return failover(true, false);
    case 'ha-preempt': return preempt();
    case 'ha-health-check': return health('check');
    case 'ha-health-flap': return health('flap');
    case 'ha-health-ignored': return health('ignored');
    case 'ha-split-brain': return splitBrain();
    default: throw new Error(`not a director-pair preset: ${name}`);
  }
}
