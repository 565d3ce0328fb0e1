/**
 * Where the lab captures: the named points (firewall, director, any, rs1), HOST, HOST:IFACE and
 * `all`, resolved against the plan's hosts into one tcpdump each.
 */
import { LabConfigError, type CapturePoint, type LabOptions } from './options.js';
import type { CaptureSpec, LabHost, LabPlan } from './plan.js';

function hostByKeyOrName(hosts: readonly LabHost[], name: string): LabHost {
  const h = hosts.find((x) => x.key === name) ?? hosts.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!h) throw new LabConfigError(`no host ${name} in this lab (hosts: ${hosts.map((x) => x.key).join(', ')})`);
  return h;
}

function spec(h: LabHost, iface: string): CaptureSpec {
  const segments = iface === 'any' ? [...new Set(h.ifaces.map((i) => i.segment))] : [h.ifaces.find((i) => i.name === iface)?.segment ?? 'lan'];
  return { label: `${h.key}-${iface}`, hostKey: h.key, ns: h.ns, iface, segments };
}

/**
 * One capture point: a named one (firewall: its LAN side; director: its LAN side; any: every
 * director interface in one Linux cooked capture; rs1), HOST (every interface of it, one file
 * each), HOST:IFACE (HOST is a key such as c0, fw, dir, rs2, rtr, or a name such as WEB2), or
 * `all` (every interface of every host).
 */
export function resolveCapturePoint(point: CapturePoint, opts: LabOptions, hosts: readonly LabHost[], director: LabPlan['director']): CaptureSpec[] {
  switch (point) {
    case 'firewall':
      if (opts.method === 'nat') throw new LabConfigError('a NAT lab has no firewall (clients reach the VIP on the director directly): use --capture-at director, any or rs1');
      return [spec(hostByKeyOrName(hosts, 'fw'), 'eth1')];
    case 'director': return [spec(hostByKeyOrName(hosts, 'dir'), director.lanIf)];
    case 'any': {
      const s = spec(hostByKeyOrName(hosts, 'dir'), 'any');
      return [{ ...s, segments: opts.method === 'nat' ? ['wan', 'lan'] : ['lan'] }];
    }
    case 'all': return hosts.flatMap((h) => h.ifaces.map((i) => spec(h, i.name)));
    default: {
      const [name, iface] = point.split(':');
      const h = hostByKeyOrName(hosts, name ?? '');
      if (iface === undefined) return h.ifaces.map((i) => spec(h, i.name));
      if (iface !== 'any' && !h.ifaces.some((i) => i.name === iface)) {
        throw new LabConfigError(`${h.key} has no interface ${iface} (it has ${h.ifaces.map((i) => i.name).join(', ')}, or any)`);
      }
      return [spec(h, iface)];
    }
  }
}

export function captureSpecs(points: readonly CapturePoint[], opts: LabOptions, hosts: readonly LabHost[], director: LabPlan['director']): CaptureSpec[] {
  const out: CaptureSpec[] = [];
  for (const p of points) {
    for (const s of resolveCapturePoint(p, opts, hosts, director)) {
      if (!out.some((o) => o.label === s.label)) out.push(s);
    }
  }
  return out;
}
