/**
 * An HA lab as data (no root): the second director, the options that imply and exclude `--ha`,
 * the keepalived.conf each director gets (and, where keepalived is installed, that keepalived
 * itself accepts it), the director scripts, and keepalived's view of who was master when.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { mastersOf } from '../../src/lab/ha-run.js';
import { keepalivedConf, vrrpStateOf } from '../../src/lab/keepalived.js';
import { LabConfigError, resolveOptions, type LabOptions } from '../../src/lab/options.js';
import { planLab } from '../../src/lab/plan.js';
import { setupSteps } from '../../src/lab/rules.js';

const plan = (o: Partial<LabOptions>) => planLab(resolveOptions({ method: 'dr', requests: 6, ...o }), 'lv0a0a');

function haveKeepalived(): boolean {
  try {
    execFileSync('keepalived', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('HA lab options', () => {
  it('a failover, sync or a dying real server each imply --ha', () => {
    expect(resolveOptions({ method: 'dr', requests: 6, haFailover: { after: 2, back: 4 } }).ha).toBe(true);
    expect(resolveOptions({ method: 'dr', sync: true }).ha).toBe(true);
    expect(resolveOptions({ method: 'dr', requests: 6, rsFail: { rs: 1, after: 2, back: null } }).ha).toBe(true);
    expect(resolveOptions({ method: 'dr' }).ha).toBe(false);
  });

  it('refuses what it cannot build, saying why', () => {
    expect(() => resolveOptions({ method: 'nat', ha: true })).toThrow(/DR labs/);
    expect(() => resolveOptions({ method: 'dr', ha: true, misconfig: 'rs-arp' })).toThrow(LabConfigError);
    expect(() => resolveOptions({ method: 'dr', requests: 4, haFailover: { after: 3, back: 3 } })).toThrow(/1 <= A < B <= --requests/);
    expect(() => resolveOptions({ method: 'dr', requests: 4, haFailover: { after: 2, back: 5 } })).toThrow(/--requests/);
    expect(() => resolveOptions({ method: 'dr', requests: 4, rsFail: { rs: 3, after: 1, back: null } })).toThrow(/no real server rs3/);
    expect(() => resolveOptions({ method: 'dr', requests: 4, realServers: 1, rsFail: { rs: 1, after: 1, back: null } })).toThrow(/at least 2/);
    expect(() => resolveOptions({ method: 'dr', requests: 4, rsFail: { rs: 1, after: 2, back: 2 } })).toThrow(/A < B <= --requests/);
  });
});

describe('HA lab plan', () => {
  const p = plan({ haFailover: { after: 2, back: 4 }, sync: true, hold: true });

  it('adds dir2 on the LAN; keepalived, not the plan, puts the VIP on a director', () => {
    const dir = p.hosts.find((h) => h.key === 'dir')!;
    const dir2 = p.hosts.find((h) => h.key === 'dir2')!;
    expect(dir.ifaces[0]!.addrs).toEqual(['192.168.23.99/24']);
    expect(dir2).toMatchObject({ role: 'director', ifaces: [{ name: 'eth0', mac: '02:aa:00:00:00:62', addrs: ['192.168.23.98/24'], segment: 'lan', bridgePort: 'p-dir2' }] });
    expect(p.ha?.directors.map((d) => `${d.key} ${d.priority} ${d.bridgePort}`)).toEqual(['dir 150 p-dir', 'dir2 100 p-dir2']);
    expect(p.namespaces).toContain('lv0a0a-dir2');
    expect(plan({}).ha).toBeNull();
    expect(plan({}).hosts.find((h) => h.key === 'dir')!.ifaces[0]!.addrs).toEqual(['192.168.23.99/24', '192.168.23.100/32']);
  });

  it("the directors' scripts leave IPVS to keepalived", () => {
    const scripts = setupSteps(p, 'ipvs').scripts.filter((s) => s.ns.endsWith('-dir') || s.ns.endsWith('-dir2'));
    expect(scripts).toHaveLength(2);
    for (const s of scripts) {
      expect(s.script).not.toMatch(/ipvsadm -A/);
      expect(s.script).toMatch(/modprobe -q ip_vs_rr/);
    }
    expect(setupSteps(plan({}), 'ipvs').scripts.find((s) => s.ns.endsWith('-dir'))!.script).toMatch(/ipvsadm -A -t 192\.168\.23\.100:80 -s rr/);
  });

  it('keepalived.conf: dir MASTER 150, dir2 BACKUP 100, one VRID, the VIP, real servers in add order, sync only when asked', () => {
    const [dir, dir2] = p.ha!.directors;
    const a = keepalivedConf(p, dir!);
    const b = keepalivedConf(p, dir2!);
    expect(a).toMatch(/state MASTER\n\s+interface eth0\n\s+virtual_router_id 51\n\s+priority 150\n\s+advert_int 1/);
    expect(b).toMatch(/state BACKUP\n\s+interface eth0\n\s+virtual_router_id 51\n\s+priority 100/);
    for (const c of [a, b]) {
      expect(c).toContain('192.168.23.100/32 dev eth0');
      expect(c).toContain('lvs_sync_daemon eth0 VI_1 id 51');
      expect(c).toMatch(/lb_kind DR/);
      expect(c.indexOf('real_server 192.168.23.81 80')).toBeLessThan(c.indexOf('real_server 192.168.23.80 80'));
      expect(c.match(/TCP_CHECK/g)).toHaveLength(2);
    }
    const noSync = plan({ ha: true, healthCheck: 'http', persistence: 60 });
    const c = keepalivedConf(noSync, noSync.ha!.directors[0]!);
    expect(c).not.toContain('lvs_sync_daemon');
    expect(c.match(/HTTP_GET/g)).toHaveLength(2);
    expect(c).toContain('status_code 200');
    expect(c).toContain('persistence_timeout 60');
  });

  const dir = mkdtempSync(join(tmpdir(), 'lvscope-ha-plan-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  it.skipIf(!haveKeepalived())('keepalived itself accepts both configurations (keepalived -t: parse only)', () => {
    for (const d of p.ha!.directors) {
      const file = join(dir, `${d.key}.conf`);
      writeFileSync(file, keepalivedConf(p, d));
      const log = join(dir, `${d.key}.log`);
      // Exit status 0: no configuration error.
      expect(() => execFileSync('keepalived', [`-t${log}`, '-f', file], { stdio: 'ignore' })).not.toThrow();
    }
  });
});

describe("keepalived's view of who was master when", () => {
  it('reads state changes from its log', () => {
    expect(vrrpStateOf('Sat Dec  5 23:57:23 2026: (VI_1) Entering MASTER STATE')).toBe('MASTER');
    expect(vrrpStateOf('Sat Dec  5 23:56:45 2026: (VI_1) Entering BACKUP STATE (init)')).toBe('BACKUP');
    expect(vrrpStateOf('(VI_1) Entering FAULT STATE')).toBe('FAULT');
    expect(vrrpStateOf('(VI_1) received lower priority (100) advert from 192.168.23.98 - discarding')).toBeNull();
  });

  it('spans of mastership: from MASTER to the next change, open at the end', () => {
    expect(mastersOf([
      { atMs: -9000, director: 'dir', state: 'BACKUP' }, { atMs: -9000, director: 'dir2', state: 'BACKUP' },
      { atMs: -5000, director: 'dir', state: 'MASTER' }, { atMs: 14000, director: 'dir', state: 'FAULT' },
      { atMs: 17000, director: 'dir2', state: 'MASTER' }, { atMs: 24000, director: 'dir', state: 'BACKUP' },
      { atMs: 33090, director: 'dir', state: 'MASTER' }, { atMs: 33150, director: 'dir2', state: 'BACKUP' },
    ])).toEqual([
      { director: 'dir', fromMs: -5000, toMs: 14000 },
      { director: 'dir2', fromMs: 17000, toMs: 33150 },
      { director: 'dir', fromMs: 33090, toMs: null },
    ]);
  });
});
