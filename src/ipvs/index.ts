/**
 * `ipvs`: the Linux kernel's IPVS semantics as pure, deterministic TypeScript (no packets, no I/O).
 * Kernel facts come from the project's shared reference, ipvs-kernel-behaviour.md (6.x kernel unless noted).
 *
 * Schedulers (for the model and the simulator):
 *   const dests = [createDestination({ addr: '192.168.23.81', port: 80, weight: 5 }), ...]; // kernel order, newest-added first
 *   const s = createScheduler('wrr', dests, { flags, randomU32 });
 *   s.schedule({ saddr: cip, daddr: vip, sport, dport, now }) -> Destination | null (s.lastError says why)
 *   s.update(newDestList)       // after add/delete/edit (kernel add_dest/del_dest/upd_dest)
 *   Counters are read live from the Destination objects: set activeConns/inactConns before a pick
 *   to replay reconstructed load. ALL_SCHEDULERS lists every name.
 *
 * Services, connections and the packet path (for the simulator):
 *   const director = new Director({ sysctls: { connReuseMode: 1 } });
 *   const svc = director.addService({ protocol: 'tcp', vip, port: 80, scheduler: 'rr', persistence: 360 });
 *   svc.addDest({ addr, port, weight, forward: 'dr' }, now);  // list head; a deleted one returns from the trash
 *   director.inbound({ protocol: 'tcp', saddr, sport, daddr, dport, tcpFlags: { syn: true }, now })
 *     -> { verdict: 'forward' | 'icmp-port-unreachable' | 'accept' | 'drop' | 'bypass', conn, dest, transition, reason }
 *   director.outbound({...reply...}); director.expire(now); director.table.entries()
 *   Lower level: VirtualService.newConnection(req, table) and ConnectionTable.onPacket(conn, 'in'|'out', flags, now).
 *
 * ipvsadm text: parseRules (ipvsadm -S / command transcripts), parseList (-Ln, --stats),
 * formatList (-Ln), formatStats / formatRate (--stats / --rate), formatConns (-Lnc), formatRules (-S),
 * specFromService / serviceFromSpec to go between text and live services.
 */
export * from './report.js';
export * from './address.js';
export * from './hash.js';
export * from './destination.js';
export * from './tcp-states.js';
export * from './sctp-states.js';
export * from './dest-trash.js';
export * from './connection-table.js';
export * from './service.js';
export * from './director.js';
export * from './schedulers/index.js';
export { buildShTable, shHashKey, SH_TAB_SIZE } from './schedulers/sh.js';
export { buildDhTable, dhHashKey, DH_TAB_SIZE } from './schedulers/dh.js';
export { buildMhTable, mhHashKey, MH_PRIMES, MH_HASH1, MH_HASH2 } from './schedulers/mh.js';
export { lblcHashKey } from './schedulers/lblc.js';
export * from './ipvsadm/index.js';
