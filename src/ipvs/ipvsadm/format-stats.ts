/** `ipvsadm -L -n --stats` and `--rate` (print_title + print_service_entry, FMT_STATS / FMT_RATE). */
import type { ServiceSpec } from './model.js';
import {
  destName, largenum, serviceName, sortDests, sortServices, versionLine, type ListHeaderOptions,
} from './format-common.js';

export interface FormatStatsOptions extends ListHeaderOptions {
  readonly nosort?: boolean;
  /** --exact: full numbers instead of K/M/G/T. */
  readonly exact?: boolean;
}

function title(cols: readonly [string, string, string, string, string]): string {
  return `${'Prot LocalAddress:Port'.padEnd(33)} ${cols.map((c) => c.padStart(8)).join(' ')}\n  -> RemoteAddress:Port\n`;
}

export const STATS_TITLE = title(['Conns', 'InPkts', 'OutPkts', 'InBytes', 'OutBytes']);
export const RATE_TITLE = title(['CPS', 'InPPS', 'OutPPS', 'InBPS', 'OutBPS']);

const ZERO = { conns: 0, inPkts: 0, outPkts: 0, inBytes: 0, outBytes: 0 };

export function formatStats(services: readonly ServiceSpec[], opts: FormatStatsOptions = {}): string {
  const exact = opts.exact === true;
  const nums = (s: { conns: number; inPkts: number; outPkts: number; inBytes: number; outBytes: number }): string =>
    [s.conns, s.inPkts, s.outPkts, s.inBytes, s.outBytes].map((n) => largenum(n, exact)).join('');
  let out = versionLine(opts) + STATS_TITLE;
  for (const s of opts.nosort ? services : sortServices(services)) {
    out += `${serviceName(s).padEnd(33)}${nums(s.stats ?? ZERO)}\n`;
    for (const d of opts.nosort ? s.dests : sortDests(s.dests)) {
      out += `  -> ${destName(d, s.ipv6).padEnd(28)}${nums(d.stats ?? ZERO)}\n`;
    }
  }
  return out;
}

/** Estimator rates per service / dest; key = `ip:port` of the dest, or 'service'. */
export interface Rates {
  readonly cps: number;
  readonly inpps: number;
  readonly outpps: number;
  readonly inbps: number;
  readonly outbps: number;
}

export function formatRate(
  services: readonly ServiceSpec[],
  rates: (svc: ServiceSpec, dest: ServiceSpec['dests'][number] | null) => Rates = () => ({ cps: 0, inpps: 0, outpps: 0, inbps: 0, outbps: 0 }),
  opts: FormatStatsOptions = {},
): string {
  const exact = opts.exact === true;
  const nums = (r: Rates): string =>
    ` ${String(r.cps).padStart(8)} ${String(r.inpps).padStart(8)} ${String(r.outpps).padStart(8)}${largenum(r.inbps, exact)}${largenum(r.outbps, exact)}`;
  let out = versionLine(opts) + RATE_TITLE;
  for (const s of opts.nosort ? services : sortServices(services)) {
    out += `${serviceName(s).padEnd(33)}${nums(rates(s, null))}\n`;
    for (const d of opts.nosort ? s.dests : sortDests(s.dests)) {
      out += `  -> ${destName(d, s.ipv6).padEnd(28)}${nums(rates(s, d))}\n`;
    }
  }
  return out;
}
