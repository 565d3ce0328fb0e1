/**
 * The plain description of IPVS rules that ipvsadm text maps to and from: what `ipvsadm -S`
 * saves and `ipvsadm -L` lists, independent of the live VirtualService objects.
 */
import type { DestinationStats, ForwardMethod } from '../destination.js';
import type { SchedulerFlags, SchedulerOptions } from '../schedulers/types.js';
import { isSchedulerName } from '../schedulers/index.js';
import { VirtualService, type ServiceProtocol, type ServiceStats } from '../service.js';

export interface DestSpec {
  readonly addr: string;
  readonly port: number;
  readonly forward: ForwardMethod;
  /** A reconstruction whose capture does not show the method: the Forward column reads `?`, never a flag it cannot back. */
  readonly forwardUnseen?: boolean;
  readonly weight: number;
  readonly upperThreshold?: number;
  readonly lowerThreshold?: number;
  /** Tunnel type for -i dests (ipvsadm >= 1.31 always saves it). */
  readonly tunType?: 'ipip' | 'gue' | 'gre';
  readonly tunPort?: number;
  /** --tun-csum: GUE sends a UDP checksum, GRE sets the C bit (the default is --tun-nocsum). */
  readonly tunCsum?: boolean;
  /** Counters as listed (-Ln), when known. */
  readonly activeConns?: number;
  readonly inactConns?: number;
  readonly persistConns?: number;
  readonly stats?: Readonly<DestinationStats>;
}

export interface ServiceSpec {
  readonly protocol: ServiceProtocol;
  /** VIP ('0.0.0.0' for fwmark services). */
  readonly vip: string;
  readonly port: number;
  /** 0 unless a -f service. */
  readonly fwmark: number;
  readonly ipv6: boolean;
  /** Scheduler name as written (may be one this tool does not know). */
  readonly scheduler: string;
  readonly persistence: number | null;
  readonly netmask: string | number;
  readonly schedFlags: SchedulerFlags;
  readonly onePacket: boolean;
  readonly pe: string | null;
  /**
   * Dests in the order they were added, or would be by `ipvsadm -R` for saved rules and for a
   * sorted listing. The kernel list (newest first) is the reverse.
   */
  readonly dests: readonly DestSpec[];
  readonly stats?: Readonly<ServiceStats>;
}

/** Mutable builder twin used by the parsers. */
export interface MutableServiceSpec {
  protocol: ServiceProtocol;
  vip: string;
  port: number;
  fwmark: number;
  ipv6: boolean;
  scheduler: string;
  persistence: number | null;
  netmask: string | number;
  schedFlags: SchedulerFlags;
  onePacket: boolean;
  pe: string | null;
  dests: DestSpec[];
  stats?: ServiceStats;
}

/** The live service as a spec; dests in add order (the reverse of the kernel list). */
export function specFromService(svc: VirtualService): ServiceSpec {
  return {
    protocol: svc.protocol,
    vip: svc.vip,
    port: svc.port,
    fwmark: svc.fwmark,
    ipv6: svc.ipv6,
    scheduler: svc.schedulerNameValue,
    persistence: svc.persistence,
    netmask: svc.netmask,
    schedFlags: svc.schedFlags,
    onePacket: svc.onePacket,
    pe: svc.pe,
    stats: svc.stats,
    dests: [...svc.dests].reverse().map((d) => ({
      addr: d.addr,
      port: d.port,
      forward: d.forward,
      weight: d.weight,
      upperThreshold: d.upperThreshold,
      lowerThreshold: d.lowerThreshold,
      activeConns: d.activeConns,
      inactConns: d.inactConns,
      persistConns: d.persistConns,
      stats: d.stats,
    })),
  };
}

/**
 * Build the service `ipvsadm -R` would create: dests added in spec order, so the kernel list is
 * the reverse. Listed counters are copied onto the dests (the model starts from them).
 * Throws for a scheduler name the kernel does not have.
 */
export function serviceFromSpec(spec: ServiceSpec, schedulerOpts?: SchedulerOptions): VirtualService {
  if (!isSchedulerName(spec.scheduler)) throw new Error(`unknown scheduler '${spec.scheduler}'`);
  const svc = new VirtualService({
    protocol: spec.protocol,
    vip: spec.vip,
    port: spec.port,
    fwmark: spec.fwmark,
    ipv6: spec.ipv6,
    scheduler: spec.scheduler,
    persistence: spec.persistence,
    netmask: spec.netmask,
    schedFlags: spec.schedFlags,
    onePacket: spec.onePacket,
    pe: spec.pe,
  }, schedulerOpts);
  for (const d of spec.dests) {
    svc.addDest({
      addr: d.addr, port: d.port, weight: d.weight, forward: d.forward,
      upperThreshold: d.upperThreshold, lowerThreshold: d.lowerThreshold,
      activeConns: d.activeConns, inactConns: d.inactConns,
    });
  }
  return svc;
}

/** Forward column names (fwd_name). */
export const FORWARD_NAMES: Readonly<Record<ForwardMethod, string>> = {
  nat: 'Masq', local: 'Local', tun: 'Tunnel', dr: 'Route', fullnat: 'FullNat',
};

/** -S switches (fwd_switch): Local saves as -g. */
export const FORWARD_SWITCHES: Readonly<Record<ForwardMethod, string>> = {
  nat: '-m', local: '-g', tun: '-i', dr: '-g', fullnat: '-b',
};

export function forwardFromName(name: string): ForwardMethod | null {
  switch (name) {
    case 'Masq': return 'nat';
    case 'Local': return 'local';
    case 'Tunnel': return 'tun';
    case 'Route': return 'dr';
    case 'FullNat': return 'fullnat';
    default: return null;
  }
}

/** Scheduler flags as ipvsadm names them: sh-... and mh-... for sh and mh, flag-1..3 otherwise. */
export function schedFlagNames(scheduler: string, flags: SchedulerFlags): string[] {
  const out: string[] = [];
  if (scheduler === 'sh') {
    if (flags['sh-fallback']) out.push('sh-fallback');
    if (flags['sh-port']) out.push('sh-port');
  } else if (scheduler === 'mh') {
    if (flags['mh-fallback']) out.push('mh-fallback');
    if (flags['mh-port']) out.push('mh-port');
  } else {
    if (flags['sh-fallback'] || flags['mh-fallback']) out.push('flag-1');
    if (flags['sh-port'] || flags['mh-port']) out.push('flag-2');
  }
  return out;
}

/** Parse `-b` / listing flag names into flags (flag-1 = SCHED1, flag-2 = SCHED2). */
export function parseSchedFlags(text: string): SchedulerFlags {
  const flags: { -readonly [K in keyof SchedulerFlags]: boolean } = {};
  for (const raw of text.split(',')) {
    const f = raw.trim();
    if (f === 'sh-fallback' || f === 'mh-fallback' || f === 'flag-1') {
      flags['sh-fallback'] = true;
      flags['mh-fallback'] = true;
    } else if (f === 'sh-port' || f === 'mh-port' || f === 'flag-2') {
      flags['sh-port'] = true;
      flags['mh-port'] = true;
    }
  }
  return flags;
}
