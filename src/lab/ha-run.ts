/**
 * An HA lab's run: keepalived on both directors, the failover (the master's LAN cable pulled
 * after one request, plugged back in after another), a real server whose web service dies, one
 * more GET on every held connection after each switch, and the truth of it all: both kernels'
 * connection tables at each step, keepalived's own log of who was master when, and what the lab
 * did and saw, in milliseconds since the run started (epoch: `startedEpochMs`, the clock the
 * capture's timestamps use).
 */
import { IPVS_SYNC_GROUP, IPVS_SYNC_PORT } from '../wire/ipvs-sync.js';
import { LabError, nsRunAsync, startProgram, type LineChannel } from './host.js';
import { IPVSADM_READS, parseIpvsadmLnc, type KernelConnection, type KernelSnapshot } from './kernel-truth.js';
import { startKeepalived, vrrpStateOf, type KeepalivedHandle } from './keepalived.js';
import type { HealthCheck } from './options.js';
import type { HaDirector, LabPlan, LabRealServer } from './plan.js';
import { SERVER_JS, type ClientAnswer } from './programs.js';

export interface HaDirectorTruth {
  readonly key: string;
  readonly name: string;
  readonly ns: string;
  readonly dip: string;
  readonly mac: string;
  readonly priority: number;
  /** keepalived's configured start state. */
  readonly initialState: 'MASTER' | 'BACKUP';
  readonly keepalivedConf: string;
  /** keepalived's console, each line timed on arrival (negative: before the run started). */
  readonly keepalivedLog: readonly { readonly atMs: number; readonly line: string }[];
  /** This kernel's `ipvsadm -Ln`, `-Lnc` and `-L --daemon` at the end of the run. */
  readonly ipvsadmLn: string;
  readonly ipvsadmLnc: string;
  readonly connections: readonly KernelConnection[];
  readonly syncDaemon: string;
  /** This kernel's connection table at each step of the run. */
  readonly snapshots: readonly KernelSnapshot[];
}

export interface HaTruth {
  /** Date.now() when the run started: every atMs counts from here. */
  readonly startedEpochMs: number;
  readonly vrid: number;
  readonly advertIntervalS: number;
  readonly vip: string;
  readonly sync: boolean;
  readonly syncId: number;
  readonly syncPort: number;
  readonly syncGroup: string;
  readonly healthCheck: HealthCheck;
  /** lan-cable: the master's switch port goes down (its link loses carrier), then up again. */
  readonly failover: { readonly after: number; readonly back: number; readonly how: 'lan-cable' } | null;
  /** back: absent in truth files written before --rs-fail took A-B. */
  readonly rsFail: { readonly rs: string; readonly realServer: string; readonly after: number; readonly back?: number | null } | null;
  readonly directors: readonly HaDirectorTruth[];
  /** keepalived's view: every VRRP state change in its log, in time order. */
  readonly vrrpStates: readonly { readonly atMs: number; readonly director: string; readonly state: 'MASTER' | 'BACKUP' | 'FAULT' }[];
  /** Who was master when, from those state changes (toMs null: still master at the end). */
  readonly masters: readonly { readonly director: string; readonly fromMs: number; readonly toMs: number | null }[];
  /** What the lab did and what it saw, in order. */
  readonly events: readonly { readonly atMs: number; readonly event: string; readonly director: string | null }[];
  /** One more GET on every held connection after a switch: which still reach their real server. */
  readonly pokes: readonly {
    readonly atMs: number; readonly after: string;
    readonly results: readonly { readonly client: string; readonly ok: boolean; readonly answeredBy: string | null; readonly error: string | null }[];
  }[];
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Polls `test` every `stepMs` until it holds or `ms` pass; returns whether it held. */
async function until(test: () => Promise<boolean>, ms: number, stepMs = 200): Promise<boolean> {
  const end = Date.now() + ms;
  for (;;) {
    if (await test()) return true;
    if (Date.now() >= end) return false;
    await sleep(stepMs);
  }
}

// Everything here runs without blocking the event loop, so keepalived's log lines are timed as
// they arrive.
async function holdsVip(plan: LabPlan, d: HaDirector): Promise<boolean> {
  try {
    return (await nsRunAsync(d.ns, 'ip', ['-4', '-o', 'addr', 'show', 'dev', d.lanIf])).includes(` ${plan.vip}/32 `);
  } catch {
    return false;
  }
}

async function ipvsadm(d: HaDirector, args: readonly string[]): Promise<string> {
  try {
    return await nsRunAsync(d.ns, 'ipvsadm', args);
  } catch (e) {
    return `(${(e as Error).message})`;
  }
}

async function lists(d: HaDirector, rs: LabRealServer): Promise<boolean> {
  return (await ipvsadm(d, IPVSADM_READS.ipvsadmLn)).includes(` ${rs.ip}:${rs.port} `);
}

function pair(plan: LabPlan): readonly [HaDirector, HaDirector] {
  const [a, b] = plan.ha?.directors ?? [];
  if (!a || !b) throw new LabError('not an HA lab');
  return [a, b];
}

/**
 * Starts keepalived on both directors and waits until the first is master (holds the VIP), both
 * kernels list every real server, and with sync the master and backup sync daemons run.
 */
export async function startHa(plan: LabPlan, progress: (m: string) => void): Promise<KeepalivedHandle[]> {
  const [master, backup] = pair(plan);
  progress('starting keepalived on both directors');
  const handles = [startKeepalived(plan, master), startKeepalived(plan, backup)];
  const ready = await until(async () => {
    if (!(await holdsVip(plan, master))) return false;
    for (const d of [master, backup]) {
      for (const rs of plan.realServers) if (!(await lists(d, rs))) return false;
    }
    return !plan.options.sync || ((await ipvsadm(master, ['-L', '--daemon'])).includes('master') && (await ipvsadm(backup, ['-L', '--daemon'])).includes('backup'));
  }, 60_000, 300);
  if (!ready) {
    const tail = handles.flatMap((h) => h.lines.slice(-6).map((l) => `${h.director.key}: ${l.line}`)).join('\n  ');
    await Promise.all(handles.map((h) => h.stop()));
    throw new LabError(`keepalived did not make ${master.key} master with every real server within 60 s${tail ? `; its log ends:\n  ${tail}` : ''}`);
  }
  return handles;
}

/** The HA steps of one run, called by runLab after each request. */
export class HaRun {
  private readonly started = Date.now();
  private readonly events: { atMs: number; event: string; director: string | null }[] = [];
  private readonly pokes: HaTruth['pokes'][number][] = [];
  private readonly snaps = new Map<string, KernelSnapshot[]>();
  private readonly directors: readonly [HaDirector, HaDirector];
  private readonly plan: LabPlan;
  private readonly handles: readonly KeepalivedHandle[];
  private readonly serverPids: readonly number[];
  private readonly progress: (m: string) => void;
  private readonly pokeTimeoutMs: number;

  constructor(plan: LabPlan, handles: readonly KeepalivedHandle[], serverPids: readonly number[], progress: (m: string) => void, pokeTimeoutMs: number) {
    this.plan = plan;
    this.handles = handles;
    this.serverPids = serverPids;
    this.progress = progress;
    this.pokeTimeoutMs = pokeTimeoutMs;
    this.directors = pair(plan);
  }

  /** The first snapshot, before any request. */
  async start(): Promise<void> {
    await this.snapshot('start');
  }

  private at(): number {
    return Date.now() - this.started;
  }

  private event(event: string, director: string | null = null): void {
    this.events.push({ atMs: this.at(), event, director });
    this.progress(event);
  }

  /** Both kernels' connection tables now. */
  async snapshot(after: string): Promise<void> {
    for (const d of this.directors) {
      const list = this.snaps.get(d.key) ?? [];
      // Stamped once ipvsadm has answered: the table is no younger than atMs (under the
      // microVM's emulated CPU running ipvsadm takes the better part of a second).
      const connections = parseIpvsadmLnc(await ipvsadm(d, IPVSADM_READS.ipvsadmLnc));
      list.push({ atMs: this.at(), after, connections });
      this.snaps.set(d.key, list);
    }
  }

  async afterRequest(k: number, channels: readonly LineChannel[]): Promise<void> {
    const o = this.plan.options;
    if (o.rsFail && k === o.rsFail.after) await this.failRealServer(o.rsFail.rs);
    if (o.rsFail && k === o.rsFail.back) await this.restoreRealServer(o.rsFail.rs);
    if (o.haFailover && k === o.haFailover.after) await this.failover(channels);
    if (o.haFailover && k === o.haFailover.back) await this.failback(channels);
  }

  private async failRealServer(n: number): Promise<void> {
    const rs = this.plan.realServers[n - 1];
    const pid = this.serverPids[n - 1];
    if (!rs || pid === undefined || pid <= 0) return;
    try { process.kill(pid, 'SIGKILL'); } catch { /* already gone */ }
    this.event(`${rs.name}'s web server killed (${rs.ip}:${rs.port} refuses connections)`);
    for (const d of this.directors) {
      const gone = await until(async () => !(await lists(d, rs)), 30_000, 250);
      this.event(gone ? `${d.key}'s kernel no longer lists ${rs.name} (keepalived's health check removed it)` : `${d.key}'s kernel still lists ${rs.name} after 30 s`, d.key);
    }
    await this.snapshot(`${rs.name} removed by health checks`);
  }

  private async restoreRealServer(n: number): Promise<void> {
    const rs = this.plan.realServers[n - 1];
    if (!rs) return;
    // Killed with the lab's namespaces at teardown, as the first one would have been.
    await startProgram(rs.ns, SERVER_JS, [String(rs.port), rs.name, rs.ip], false, `web server ${rs.name} in ${rs.ns}`);
    this.event(`${rs.name}'s web server started again`);
    for (const d of this.directors) {
      const back = await until(() => lists(d, rs), 30_000, 250);
      this.event(back ? `${d.key}'s kernel lists ${rs.name} again (keepalived's health check added it back)` : `${d.key}'s kernel still lacks ${rs.name} after 30 s`, d.key);
    }
    await this.snapshot(`${rs.name} added back by health checks`);
  }

  private async failover(channels: readonly LineChannel[]): Promise<void> {
    const [master, backup] = this.directors;
    if (this.plan.options.sync) {
      // The master sends sync messages in batches (at most every 2 s); wait until the backup's
      // kernel has every connection the master's has, so the test of sync is not a race.
      const clients = async (d: HaDirector): Promise<Set<string>> => new Set(parseIpvsadmLnc(await ipvsadm(d, IPVSADM_READS.ipvsadmLnc)).map((c) => c.client));
      const synced = await until(async () => {
        const b = await clients(backup);
        return [...(await clients(master))].every((c) => b.has(c));
      }, 10_000, 300);
      this.event(synced ? `${backup.key}'s kernel holds every connection of ${master.key} (synced)` : `${backup.key}'s kernel still misses connections of ${master.key} after 10 s`, backup.key);
    }
    await this.snapshot('before failover');
    await nsRunAsync(this.plan.switchNs, 'ip', ['link', 'set', master.bridgePort, 'down']);
    this.event(`${master.key}'s LAN cable pulled (switch port ${master.bridgePort} down)`, master.key);
    const took = await until(() => holdsVip(this.plan, backup), 30_000, 100);
    this.event(took ? `${backup.key} holds the VIP ${this.plan.vip}` : `${backup.key} did not take the VIP within 30 s`, backup.key);
    // keepalived's gratuitous ARPs go out as it takes the VIP; give the firewall's ARP cache a moment.
    await sleep(500);
    await this.snapshot('after takeover');
    await this.poke('takeover', channels);
  }

  private async failback(channels: readonly LineChannel[]): Promise<void> {
    const [master, backup] = this.directors;
    await nsRunAsync(this.plan.switchNs, 'ip', ['link', 'set', master.bridgePort, 'up']);
    this.event(`${master.key}'s LAN cable plugged back in`, master.key);
    const back = await until(async () => (await holdsVip(this.plan, master)) && !(await holdsVip(this.plan, backup)), 30_000, 100);
    this.event(back ? `${master.key} holds the VIP again (preempted ${backup.key})` : `${master.key} did not take the VIP back within 30 s`, master.key);
    await sleep(500);
    await this.snapshot('after failback');
    await this.poke('failback', channels);
  }

  private async poke(after: string, channels: readonly LineChannel[]): Promise<void> {
    if (!this.plan.options.hold) return;
    const atMs = this.at();
    const results: HaTruth['pokes'][number]['results'][number][] = [];
    for (const [i, ch] of channels.entries()) {
      const client = this.plan.clients[i];
      if (!client) continue;
      let answer: ClientAnswer;
      try {
        answer = JSON.parse(await ch.request(`poke ${this.pokeTimeoutMs}`)) as ClientAnswer;
      } catch {
        continue;
      }
      for (const p of answer.poked ?? []) {
        const m = p.ok ? /(\d+\.\d+\.\d+\.\d+:\d+)/.exec(p.body ?? '') : null;
        results.push({ client: `${client.ip}:${p.localPort}`, ok: p.ok, answeredBy: m ? (m[1] as string) : null, error: p.ok ? null : (p.error ?? 'failed') });
      }
    }
    this.pokes.push({ atMs, after, results });
    const ok = results.filter((r) => r.ok).length;
    this.event(`after the ${after}: ${ok} of ${results.length} held connections still answered`);
  }

  /** The truth, with both kernels' tables read now; then stops keepalived. */
  async finish(): Promise<HaTruth> {
    await this.snapshot('end');
    const plan = this.plan;
    const ha = plan.ha;
    if (!ha) throw new LabError('not an HA lab');
    const directors: HaDirectorTruth[] = [];
    for (const [i, d] of this.directors.entries()) {
      const lnc = await ipvsadm(d, IPVSADM_READS.ipvsadmLnc);
      const h = this.handles.find((x) => x.director.key === d.key);
      directors.push({
        key: d.key, name: d.name, ns: d.ns, dip: d.dip, mac: d.mac, priority: d.priority,
        initialState: i === 0 ? 'MASTER' : 'BACKUP',
        keepalivedConf: h?.conf ?? '',
        keepalivedLog: (h?.lines ?? []).map((l) => ({ atMs: l.epochMs - this.started, line: l.line })),
        ipvsadmLn: await ipvsadm(d, IPVSADM_READS.ipvsadmLn),
        ipvsadmLnc: lnc,
        connections: parseIpvsadmLnc(lnc),
        syncDaemon: await ipvsadm(d, ['-L', '--daemon']),
        snapshots: this.snaps.get(d.key) ?? [],
      });
    }
    await Promise.all(this.handles.map((h) => h.stop()));
    const vrrpStates = directors.flatMap((d) => d.keepalivedLog.flatMap((l) => {
      const state = vrrpStateOf(l.line);
      return state ? [{ atMs: l.atMs, director: d.key, state }] : [];
    })).sort((a, b) => a.atMs - b.atMs);
    const o = plan.options;
    const failed = o.rsFail ? plan.realServers[o.rsFail.rs - 1] : undefined;
    return {
      startedEpochMs: this.started,
      vrid: ha.vrid, advertIntervalS: ha.advertIntervalS, vip: plan.vip,
      sync: o.sync, syncId: ha.syncId, syncPort: IPVS_SYNC_PORT, syncGroup: IPVS_SYNC_GROUP,
      healthCheck: o.healthCheck,
      failover: o.haFailover ? { ...o.haFailover, how: 'lan-cable' } : null,
      rsFail: o.rsFail && failed ? { rs: failed.key, realServer: `${failed.ip}:${failed.port}`, after: o.rsFail.after, back: o.rsFail.back } : null,
      directors, vrrpStates, masters: mastersOf(vrrpStates), events: this.events, pokes: this.pokes,
    };
  }
}

/** Spans of mastership from VRRP state changes: a director is master from MASTER until its next change. */
export function mastersOf(states: HaTruth['vrrpStates']): HaTruth['masters'] {
  const out: { director: string; fromMs: number; toMs: number | null }[] = [];
  const open = new Map<string, { director: string; fromMs: number; toMs: number | null }>();
  for (const s of states) {
    const cur = open.get(s.director);
    if (s.state === 'MASTER') {
      if (!cur) {
        const span = { director: s.director, fromMs: s.atMs, toMs: null };
        open.set(s.director, span);
        out.push(span);
      }
    } else if (cur) {
      cur.toMs = s.atMs;
      open.delete(s.director);
    }
  }
  return out;
}
