/**
 * `ipvsadm -L -n` (print_title + print_service_entry, default format), character for character,
 * including the trailing spaces the last `%-10u` leaves on every dest line.
 */
import { maskAddress } from '../address.js';
import { FORWARD_NAMES, schedFlagNames, type ServiceSpec } from './model.js';
import { destName, serviceName, sortDests, sortServices, versionLine, type ListHeaderOptions } from './format-common.js';

export interface FormatListOptions extends ListHeaderOptions {
  /** --nosort: keep the given order (services as given, dests in the order given). */
  readonly nosort?: boolean;
  /** --thresholds or --persistent-conn column sets. */
  readonly columns?: 'default' | 'thresholds' | 'persistent-conn';
}

export const LIST_TITLE =
  'Prot LocalAddress:Port Scheduler Flags\n'
  + '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n';

/** The service line after the name: scheduler, (flags), persistent N, mask, pe, ops. */
export function serviceDetails(s: ServiceSpec): string {
  let out = ` ${s.scheduler}`;
  const flags = schedFlagNames(s.scheduler, s.schedFlags);
  if (flags.length > 0) out += ` (${flags.join(',')})`;
  if (s.persistence !== null) {
    out += ` persistent ${s.persistence}`;
    if (!s.ipv6) {
      const mask = typeof s.netmask === 'number' ? maskAddress('255.255.255.255', s.netmask) : s.netmask;
      if (mask !== '255.255.255.255') out += ` mask ${mask}`;
    } else if (typeof s.netmask === 'number' && s.netmask !== 128) {
      out += ` mask ${s.netmask}`;
    }
    if (s.pe !== null && s.pe !== '') out += ` pe ${s.pe}`;
  }
  if (s.onePacket) out += ' ops';
  return out;
}

export function formatList(services: readonly ServiceSpec[], opts: FormatListOptions = {}): string {
  const columns = opts.columns ?? 'default';
  let out = versionLine(opts);
  if (columns === 'thresholds') {
    out += `${'Prot LocalAddress:Port'.padEnd(33)} ${'Uthreshold'.padEnd(10)} ${'Lthreshold'.padEnd(10)} ${'ActiveConn'.padEnd(10)} ${'InActConn'.padEnd(10)}\n`
      + '  -> RemoteAddress:Port\n';
  } else if (columns === 'persistent-conn') {
    out += `${'Prot LocalAddress:Port'.padEnd(33)} ${'Weight'.padEnd(9)} ${'PersistConn'.padEnd(11)} ${'ActiveConn'.padEnd(10)} ${'InActConn'.padEnd(10)}\n`
      + '  -> RemoteAddress:Port\n';
  } else {
    out += LIST_TITLE;
  }
  const svcs = opts.nosort ? services : sortServices(services);
  for (const s of svcs) {
    out += `${serviceName(s)}${serviceDetails(s)}\n`;
    const dests = opts.nosort ? s.dests : sortDests(s.dests);
    for (const d of dests) {
      const name = destName(d, s.ipv6);
      const active = d.activeConns ?? 0;
      const inact = d.inactConns ?? 0;
      if (columns === 'thresholds') {
        out += `  -> ${name.padEnd(28)} ${String(d.upperThreshold ?? 0).padEnd(10)} ${String(d.lowerThreshold ?? 0).padEnd(10)} ${String(active).padEnd(10)} ${String(inact).padEnd(10)}\n`;
      } else if (columns === 'persistent-conn') {
        out += `  -> ${name.padEnd(28)} ${String(d.weight).padEnd(9)} ${String(d.persistConns ?? 0).padEnd(11)} ${String(active).padEnd(10)} ${String(inact).padEnd(10)}\n`;
      } else {
        out += `  -> ${name.padEnd(28)} ${(d.forwardUnseen === true ? '?' : FORWARD_NAMES[d.forward]).padEnd(7)} ${String(d.weight).padEnd(6)} ${String(active).padEnd(10)} ${String(inact).padEnd(10)}\n`;
      }
    }
  }
  return out;
}
