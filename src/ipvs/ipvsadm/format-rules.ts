/** `ipvsadm -S -n` (ipvsadm-save): one line per service and per dest, sorted like the listings. */
import { formatAddrPort, maskAddress } from '../address.js';
import { FORWARD_SWITCHES, schedFlagNames, type ServiceSpec } from './model.js';
import { sortDests, sortServices } from './format-common.js';

function serviceSwitch(s: ServiceSpec): string {
  if (s.fwmark !== 0) return `-f ${s.fwmark}${s.ipv6 ? ' -6' : ''}`;
  const sw = s.protocol === 'tcp' ? '-t' : s.protocol === 'udp' ? '-u' : '--sctp-service';
  return `${sw} ${formatAddrPort(s.vip, s.port)}`;
}

export function formatRules(services: readonly ServiceSpec[], opts: { nosort?: boolean } = {}): string {
  let out = '';
  for (const s of opts.nosort ? services : sortServices(services)) {
    const svc = serviceSwitch(s);
    out += `-A ${svc} -s ${s.scheduler}`;
    if (s.persistence !== null) {
      out += ` -p ${s.persistence}`;
      if (!s.ipv6) {
        const mask = typeof s.netmask === 'number' ? maskAddress('255.255.255.255', s.netmask) : s.netmask;
        if (mask !== '255.255.255.255') out += ` -M ${mask}`;
      } else if (typeof s.netmask === 'number' && s.netmask !== 128) {
        out += ` -M ${s.netmask}`;
      }
      if (s.pe !== null && s.pe !== '') out += ` --pe ${s.pe}`;
    }
    if (s.onePacket) out += ' -o';
    const flags = schedFlagNames(s.scheduler, s.schedFlags);
    if (flags.length > 0) out += ` -b ${flags.join(',')}`;
    out += '\n';
    for (const d of opts.nosort ? s.dests : sortDests(s.dests)) {
      out += `-a ${svc} -r ${formatAddrPort(d.addr, d.port)} ${FORWARD_SWITCHES[d.forward]} -w ${d.weight}`;
      if (d.forward === 'tun') {
        const type = d.tunType ?? 'ipip';
        out += ` --tun-type ${type}`;
        if (type === 'gue' && d.tunPort !== undefined) out += ` --tun-port ${d.tunPort}`;
        if (type !== 'ipip' && d.tunCsum === true) out += ' --tun-csum';
      }
      out += '\n';
    }
  }
  return out;
}
