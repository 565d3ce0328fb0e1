/** Packets IPVS never schedules, which therefore start no connection in the model. */
import { SLL_PACKET_TYPE } from '../wire/sll.js';
import type { Packet } from './packet.js';

/**
 * Sent to a broadcast or multicast address (the destination MAC's group bit, or a cooked capture's
 * packet type): IPVS schedules only packets addressed to the host (ip_vs_in: PACKET_HOST).
 */
export function toGroup(p: Packet): boolean {
  if (p.pktType === SLL_PACKET_TYPE.BROADCAST || p.pktType === SLL_PACKET_TYPE.MULTICAST) return true;
  if (p.dstMac.length < 2) return false;
  const c = p.dstMac.charCodeAt(1);
  return ((c <= 57 ? c - 48 : (c | 32) - 87) & 1) === 1;
}
