/**
 * The cluster as ipvsadm would list it on the director at the end of the capture: `-Ln` with the
 * inferred scheduler and Forward column, `-Lnc` with the connection entries still alive, and
 * `--stats`. Formatting is src/ipvs/ipvsadm's, character-exact; this file only maps the model.
 */
import type { Connection } from '../ipvs/connection-table.js';
import { FORWARD_OF_METHOD } from '../ipvs/methods.js';
import { formatConns, formatList, formatStats, type DestSpec, type ServiceSpec } from '../ipvs/ipvsadm/index.js';
import type { Summary } from '../model/index.js';
import { markWeights, schedulerLabel } from './guess.js';


/** The reconstructed rules and counters, one ServiceSpec per inferred service. */
export function inferredSpecs(summary: Summary): ServiceSpec[] {
  return summary.services.map(({ report: r, state: s }) => {
    const sched = r.scheduler;
    const top = sched.candidates[0];
    // A guess is printed as one (present/guess.ts): `rr?` when several schedulers fit, `?` when none can be told.
    const name = schedulerLabel(sched);
    const dests: DestSpec[] = r.realServers.map((rs) => {
      const st = s.rs.find((x) => x.ip === rs.ip && x.port === rs.port);
      return {
        // A service mixing methods: each real server's own Forward, as ipvsadm lists it.
        addr: rs.ip, port: rs.port, forward: FORWARD_OF_METHOD[rs.method ?? r.method], forwardUnseen: (rs.method ?? r.method) === 'unknown',
        weight: rs.weight ?? top?.weights?.[rs.ip] ?? 1,
        activeConns: rs.activeAtEnd, inactConns: rs.inactiveAtEnd, persistConns: 0,
        stats: { conns: st?.conns ?? rs.connections, inPkts: st?.inPkts ?? 0, outPkts: st?.outPkts ?? 0, inBytes: st?.inBytes ?? 0, outBytes: st?.outBytes ?? 0 },
      };
    });
    // Where no connection's real server can show (the method unknown, a cooked capture), the
    // director's new entries are still every new connection it received.
    const unbound = r.method === 'unknown' && !r.realServers.some((x) => x.method !== undefined) || (r.unseen?.includes('connection-real-server') ?? false);
    const conns = unbound ? Math.max(s.conns, s.newConns) : s.conns;
    return {
      protocol: r.protocol, vip: r.vip, port: r.port, fwmark: 0, ipv6: r.vip.includes(':'),
      scheduler: name, persistence: r.persistence === null ? null : r.persistence.timeoutAtLeast,
      netmask: r.persistence?.netmask ?? '255.255.255.255',
      // A flag is printed only with the scheduler it belongs to, once that scheduler is told.
      schedFlags: name === sched.name && top?.flags !== undefined ? Object.fromEntries(top.flags.map((f) => [f, true])) : {}, onePacket: r.onePacket === true, pe: null, dests,
      stats: { conns, inPkts: s.inPkts, outPkts: s.outPkts, inBytes: s.inBytes, outBytes: s.outBytes },
    };
  });
}

export function renderIpvsadmList(summary: Summary): string {
  return unknownVipPort(markWeights(formatList(inferredSpecs(summary))));
}

export function renderIpvsadmStats(summary: Summary): string {
  return unknownVipPort(formatStats(inferredSpecs(summary)));
}

/**
 * A VIP the capture never shows ('?', inside a NAT director) has no port either: `?:?`, not the
 * `?:0` of a port-0 (all ports) service, which would be a claim. Same width, so columns hold.
 */
function unknownVipPort(text: string): string {
  return text.replaceAll(' ?:0 ', ' ?:? ');
}

/** Stands for a port the capture never shows; printed as `?`. */
const UNKNOWN_PORT = -1;

/** `ipvsadm -Lnc` at the capture's last frame. */
export function renderIpvsadmConns(summary: Summary): string {
  const conns = summary.liveAtEnd.map((c) => {
    const [vaddr, vport] = splitIpPort(c.virtual);
    const [caddr, cport] = splitIpPort(c.client);
    // Only the fields the -Lnc formatter reads; the model keeps no kernel Connection objects.
    return {
      protocol: c.proto, caddr, cport, vaddr, vport,
      // A real server the capture cannot show is '?', never an address the kernel would not list.
      daddr: c.rs?.ip ?? '?', dport: c.rs?.port ?? UNKNOWN_PORT,
      state: c.state, expires: c.expiresAt ?? summary.endTime,
    } as unknown as Connection;
  });
  return unknownVipPort(formatConns(conns, summary.endTime).replaceAll(`?:${UNKNOWN_PORT}\n`, '?:?\n'));
}

function splitIpPort(s: string): [string, number] {
  const i = s.lastIndexOf(':');
  const host = s.slice(0, i).replace(/^\[|\]$/g, '');
  // "?:?": a VIP the capture never shows (inside a NAT director).
  const port = Number(s.slice(i + 1));
  return [host, Number.isNaN(port) ? 0 : port];
}
