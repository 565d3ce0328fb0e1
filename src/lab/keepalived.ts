/**
 * keepalived on an HA lab's directors: the configuration the lab writes (VRRP for the VIP, the
 * IPVS virtual server with one health checker per real server, and optionally the IPVS sync
 * daemon), and the daemon itself, run in the director's namespace with every file it writes in a
 * temporary directory, logging to its console so each line can be timed.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import type { HaDirector, LabPlan } from './plan.js';

/** keepalived's instance name for the VIP (it appears in its log lines). */
export const VRRP_INSTANCE = 'VI_1';

/**
 * keepalived.conf for one director. The first director starts as MASTER (as the tutorials'
 * master/backup pair does), the second as BACKUP; both program the same virtual server. Real
 * servers are listed in the lab's add order, so the kernel's list is rs1, rs2, … as in other labs.
 * Checker timings are short (1 s) so a dead real server leaves within a few seconds.
 */
export function keepalivedConf(plan: LabPlan, d: HaDirector): string {
  const ha = plan.ha;
  if (ha === null) throw new Error('keepalivedConf: not an HA lab');
  const first = ha.directors[0]?.key === d.key;
  const o = plan.options;
  const global = [`  router_id ${d.key}`];
  // The sync daemon follows the VRRP instance: master daemon while master, backup daemon otherwise.
  if (o.sync) global.push(`  lvs_sync_daemon ${d.lanIf} ${VRRP_INSTANCE} id ${ha.syncId}`);
  const check = o.healthCheck === 'http'
    ? ['    HTTP_GET {', '      url {', '        path /', '        status_code 200', '      }', '      connect_timeout 1', '      retry 1', '      delay_before_retry 1', '    }']
    : ['    TCP_CHECK {', '      connect_timeout 1', '      retry 1', '      delay_before_retry 1', '    }'];
  const realServers: string[] = [];
  for (const i of plan.addOrder) {
    const rs = plan.realServers[i];
    if (!rs) continue;
    realServers.push(`  real_server ${rs.ip} ${rs.port} {`, `    weight ${rs.weight}`, ...check, '  }');
  }
  return [
    'global_defs {', ...global, '}',
    '',
    `vrrp_instance ${VRRP_INSTANCE} {`,
    `  state ${first ? 'MASTER' : 'BACKUP'}`,
    `  interface ${d.lanIf}`,
    `  virtual_router_id ${ha.vrid}`,
    `  priority ${d.priority}`,
    `  advert_int ${ha.advertIntervalS}`,
    '  virtual_ipaddress {',
    `    ${plan.vip}/32 dev ${d.lanIf}`,
    '  }',
    '}',
    '',
    `virtual_server ${plan.vip} ${plan.vport} {`,
    '  delay_loop 1',
    `  lb_algo ${plan.scheduler}`,
    '  lb_kind DR',
    '  protocol TCP',
    ...(o.persistence !== null ? [`  persistence_timeout ${o.persistence}`] : []),
    ...realServers,
    '}',
    '',
  ].join('\n');
}

export interface KeepalivedLine {
  /** Date.now() when the line arrived. */
  readonly epochMs: number;
  readonly line: string;
}

export interface KeepalivedHandle {
  readonly director: HaDirector;
  readonly conf: string;
  /** Every console line so far, timed on arrival. */
  readonly lines: readonly KeepalivedLine[];
  /** Stops the daemon (SIGTERM, then SIGKILL) and removes its directory. */
  stop(): Promise<void>;
}

/** Log lines kept per daemon: enough for a lab run, bounded if a checker floods. */
const MAX_LINES = 2000;

/**
 * Starts keepalived in the director's namespace: in the foreground (-n), logging to the console
 * (-l, detailed -D, no syslog -G), its config and pid files in a fresh temporary directory, so it
 * reads and writes nothing of the machine's own keepalived.
 */
export function startKeepalived(plan: LabPlan, d: HaDirector): KeepalivedHandle {
  const conf = keepalivedConf(plan, d);
  const dir = mkdtempSync(join(tmpdir(), `lvscope-keepalived-${d.key}-`));
  const file = join(dir, 'keepalived.conf');
  writeFileSync(file, conf);
  // stdbuf: keepalived's console is stdio on a pipe, block-buffered; line-buffered, each line
  // arrives (and is timed) as keepalived writes it.
  const child: ChildProcess = spawn('ip', ['netns', 'exec', d.ns, 'stdbuf', '-oL', '-eL', 'keepalived', '-n', '-l', '-D', '-G', '-f', file,
    '-p', join(dir, 'keepalived.pid'), '-r', join(dir, 'vrrp.pid'), '-c', join(dir, 'checkers.pid')], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: KeepalivedLine[] = [];
  const take = (l: string): void => {
    if (lines.length < MAX_LINES && l.trim() !== '') lines.push({ epochMs: Date.now(), line: l.trimEnd() });
  };
  if (child.stdout) createInterface({ input: child.stdout }).on('line', take);
  if (child.stderr) createInterface({ input: child.stderr }).on('line', take);
  const exited = new Promise<void>((resolve) => {
    child.once('exit', () => resolve());
    child.once('error', (e) => { take(`lvscope: cannot run keepalived: ${e.message}`); resolve(); });
  });
  return {
    director: d, conf, lines,
    async stop(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** keepalived's VRRP state changes in its log: "(VI_1) Entering MASTER STATE". */
export function vrrpStateOf(line: string): 'MASTER' | 'BACKUP' | 'FAULT' | null {
  const m = /\(([^)]+)\) Entering (MASTER|BACKUP|FAULT) STATE/.exec(line);
  return m ? (m[2] as 'MASTER' | 'BACKUP' | 'FAULT') : null;
}
