/**
 * The director-pair findings' English sentences, written once: the model's `message` and the
 * catalog's `en` (src/annotate/findings.ts, which adds the Chinese) are both these.
 */
import type { FindingParamsByCode } from '../../ipvs/report.js';

export type HaFindingCode = 'ha-split-brain' | 'ha-failover-gap' | 'ha-conns-lost-no-sync' | 'ha-no-gratuitous-arp' | 'rs-failed-health-check-still-used' | 'health-check-flapping';

export const HA_FINDING_EN: { readonly [C in HaFindingCode]: (p: FindingParamsByCode[C]) => string } = {
  'ha-split-brain': (p) => `split brain: ${p.routers.join(' and ')} both advertised as VRRP master for VRID ${p.vrid} for ${p.seconds.toFixed(1)} s; each holds the VIP, so the gateway's ARP entry decides which director gets the clients. They do not hear each other's adverts (a firewall dropping protocol 112, different VLANs, or a virtual_router_id/auth mismatch)`,
  'ha-failover-gap': (p) => `failover of VRID ${p.vrid} from ${p.from} to ${p.to}: nobody answered for the VIP for ${p.gapMs} ms (over ${p.thresholdMs} ms); a backup takes over 3 × advert_int + skew after the master's last advert, a stopping keepalived (priority 0 advert) lets it take over at once`,
  'ha-conns-lost-no-sync': (p) => `${p.lost} connection${p.lost === 1 ? '' : 's'} open at the failover to ${p.to} broke (${p.clients.join(', ')}): ${p.to} had no IPVS entry for them, so its own TCP stack reset them or they retransmitted into silence; ${p.synced === 0 ? 'no sync message was seen; run the IPVS sync daemon (keepalived lvs_sync_daemon, or ipvsadm --start-daemon master/backup)' : `${p.synced} connection${p.synced === 1 ? ' was' : 's were'} synced, these were not`}`,
  'ha-no-gratuitous-arp': (p) => `${p.to} took over VRID ${p.vrid} but sent no gratuitous ARP for ${p.vips.join(', ')}: the gateway keeps sending to the old master's MAC until its ARP entry expires (check garp_master_delay/vrrp_garp_master_repeat, or that the VIPs are in virtual_ipaddress)`,
  'rs-failed-health-check-still-used': (p) => `real server ${p.rs} fails the health checks from ${p.director}, yet the director sent it ${p.connections} new connection${p.connections === 1 ? '' : 's'} afterwards: the checker does not manage this IPVS table, or checks the wrong address or port`,
  'health-check-flapping': (p) => `real server ${p.rs} flaps: ${p.director}'s health checks failed ${p.failures} times with passes in between, so it is removed and added back; IPVS keeps the connections of a removed server until they end (expire_nodest_conn=0) but sends it no new ones while it is out`,
};
