/**
 * `lvscope lab`'s command line: the flags, and the LabOptions they ask for (checked by
 * resolveOptions; a bad combination is a usage error).
 */
import { parseArgs } from 'node:util';
import type { SchedulerName } from '../ipvs/report.js';
import { LabUsageError as UsageError } from './io.js';
import {
  HEALTH_CHECKS, LAB_METHODS, LAN_KINDS, LabConfigError, MISCONFIGS, PRESETS, resolveOptions, SCHED_FLAGS, TUN_TYPES,
  type CapturePoint, type HealthCheck, type LabMethod, type LabOptions, type LanKind, type Misconfig, type Preset, type SchedFlag, type TunType,
} from './options.js';
import { parseServiceSpec } from './services.js';

export function oneOf<T extends string>(list: readonly T[], value: string | undefined, flag: string): T | undefined {
  if (value === undefined) return undefined;
  if (!(list as readonly string[]).includes(value)) throw new UsageError(`${flag} must be one of ${list.join(', ')} (got ${value})`);
  return value as T;
}

export function int(value: string | undefined, flag: string): number | undefined {
  if (value === undefined) return undefined;
  if (!/^\d+$/.test(value)) throw new UsageError(`${flag} needs a whole number (got ${value})`);
  return Number(value);
}

export function parse(args: readonly string[]) {
  return parseArgs({
    args: [...args],
    allowPositionals: true,
    strict: true,
    options: {
      write: { type: 'string', short: 'w' },
      'real-servers': { type: 'string' },
      scheduler: { type: 'string' },
      weights: { type: 'string' },
      clients: { type: 'string' },
      requests: { type: 'string' },
      'capture-at': { type: 'string' },
      misconfig: { type: 'string' },
      preset: { type: 'string' },
      truth: { type: 'string' },
      lan: { type: 'string' },
      'tun-type': { type: 'string' },
      persistent: { type: 'string' },
      netmask: { type: 'string' },
      'sched-flags': { type: 'string' },
      hold: { type: 'boolean' },
      flap: { type: 'string' },
      ha: { type: 'boolean' },
      'ha-failover': { type: 'string' },
      sync: { type: 'string' },
      'rs-fail': { type: 'string' },
      'health-check': { type: 'string' },
      fwmark: { type: 'string' },
      masquerade: { type: 'boolean' },
      udp: { type: 'boolean' },
      'one-packet': { type: 'boolean' },
      'same-port': { type: 'boolean' },
      timeouts: { type: 'string' },
      idle: { type: 'string' },
      quiesce: { type: 'string' },
      'syn-flood': { type: 'string' },
      post: { type: 'string' },
      service: { type: 'string', multiple: true },
      emulate: { type: 'boolean' },
      backend: { type: 'string' },
      'kernel-deb': { type: 'string' },
      'vm-timeout': { type: 'string' },
      all: { type: 'boolean' },
      quiet: { type: 'boolean', short: 'q' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

export type Parsed = ReturnType<typeof parse>;

export function labOptions(p: Parsed, method: string | undefined): LabOptions {
  const weights = p.values.weights?.split(',').map((w) => {
    if (!/^\d+$/.test(w.trim())) throw new UsageError(`--weights needs comma-separated whole numbers (got ${p.values.weights})`);
    return Number(w.trim());
  });
  const given: Partial<LabOptions> = {};
  const set = <K extends keyof LabOptions>(k: K, v: LabOptions[K] | undefined): void => {
    if (v !== undefined) (given as Record<string, unknown>)[k] = v;
  };
  if (method === 'fullnat') {
    throw new UsageError('FULLNAT is not in mainline Linux (it lives in out-of-tree IPVS patches such as Alibaba\'s), so no kernel lvscope lab can boot has it; use dr, nat or tun');
  }
  set('method', oneOf<LabMethod>(LAB_METHODS, method, 'the method'));
  set('realServers', int(p.values['real-servers'], '--real-servers'));
  set('scheduler', p.values.scheduler as SchedulerName | undefined);
  set('weights', weights ?? undefined);
  set('clients', int(p.values.clients, '--clients'));
  set('requests', int(p.values.requests, '--requests'));
  const points = p.values['capture-at']?.split(',').map((x) => x.trim()).filter((x) => x !== '');
  if (points && points.length > 0) {
    set('captureAt', points[0] as CapturePoint);
    set('alsoCapture', points.slice(1));
  }
  set('lan', oneOf<LanKind>(LAN_KINDS, p.values.lan, '--lan'));
  set('tunType', oneOf<TunType>(TUN_TYPES, p.values['tun-type'], '--tun-type'));
  set('persistence', int(p.values.persistent, '--persistent'));
  set('netmask', p.values.netmask);
  if (p.values['sched-flags'] !== undefined) {
    set('schedFlags', p.values['sched-flags'].split(',').map((f) => oneOf<SchedFlag>(SCHED_FLAGS, f.trim(), '--sched-flags') as SchedFlag));
  }
  set('hold', p.values.hold);
  set('fwmark', int(p.values.fwmark, '--fwmark'));
  set('masquerade', p.values.masquerade);
  if (p.values.flap !== undefined) {
    const m = /^rs(\d+):(\d+)(?:-(\d+))?$/.exec(p.values.flap);
    if (!m) throw new UsageError(`--flap needs rsN:A-B or rsN:A, e.g. rs1:2-4 (got ${p.values.flap})`);
    set('flap', { rs: Number(m[1]), after: Number(m[2]), back: m[3] === undefined ? null : Number(m[3]) });
  }
  set('udp', p.values.udp);
  set('onePacket', p.values['one-packet']);
  set('samePort', p.values['same-port']);
  set('idle', int(p.values.idle, '--idle'));
  if (p.values.timeouts !== undefined) {
    const m = /^(\d+),(\d+),(\d+)$/.exec(p.values.timeouts);
    if (!m) throw new UsageError(`--timeouts needs TCP,TCPFIN,UDP seconds, e.g. 5,10,5 (got ${p.values.timeouts})`);
    set('timeouts', { tcp: Number(m[1]), tcpfin: Number(m[2]), udp: Number(m[3]) });
  }
  if (p.values.quiesce !== undefined) {
    const m = /^rs(\d+):(\d+)$/.exec(p.values.quiesce);
    if (!m) throw new UsageError(`--quiesce needs rsN:A, e.g. rs1:2 (got ${p.values.quiesce})`);
    set('quiesce', { rs: Number(m[1]), after: Number(m[2]) });
  }
  set('synFlood', int(p.values['syn-flood'], '--syn-flood'));
  set('post', int(p.values.post, '--post'));
  set('ha', p.values.ha);
  if (p.values['ha-failover'] !== undefined) {
    const m = /^(\d+)-(\d+)$/.exec(p.values['ha-failover']);
    if (!m) throw new UsageError(`--ha-failover needs A-B, e.g. 2-4 (got ${p.values['ha-failover']})`);
    set('haFailover', { after: Number(m[1]), back: Number(m[2]) });
  }
  const sync = oneOf(['on', 'off'] as const, p.values.sync, '--sync');
  if (sync !== undefined) {
    set('sync', sync === 'on');
    set('ha', true);
  }
  if (p.values['rs-fail'] !== undefined) {
    const m = /^rs(\d+):(\d+)(?:-(\d+))?$/.exec(p.values['rs-fail']);
    if (!m) throw new UsageError(`--rs-fail needs rsN:A or rsN:A-B, e.g. rs1:3 (got ${p.values['rs-fail']})`);
    set('rsFail', { rs: Number(m[1]), after: Number(m[2]), back: m[3] === undefined ? null : Number(m[3]) });
  }
  set('healthCheck', oneOf<HealthCheck>(HEALTH_CHECKS, p.values['health-check'], '--health-check'));
  set('misconfig', oneOf<Misconfig>(MISCONFIGS, p.values.misconfig, '--misconfig'));
  set('preset', oneOf<Preset>(PRESETS, p.values.preset, '--preset'));
  try {
    if (p.values.service !== undefined) set('services', p.values.service.map(parseServiceSpec));
    return resolveOptions(given);
  } catch (e) {
    if (e instanceof LabConfigError) throw new UsageError(e.message);
    throw e;
  }
}
