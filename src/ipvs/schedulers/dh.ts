import { foldAddress } from '../address.js';
import type { Destination } from '../destination.js';
import { hash32 } from '../hash.js';
import type { ScheduleContext, Scheduler } from './types.js';

/** IP_VS_DH_TAB_BITS default 8: 256 buckets. */
export const DH_TAB_BITS = 8;
export const DH_TAB_SIZE = 1 << DH_TAB_BITS;

/** ip_vs_dh_reassign: one bucket per dest, cycling through the list; weights ignored. */
export function buildDhTable(dests: readonly Destination[]): (Destination | null)[] {
  const table: (Destination | null)[] = new Array<Destination | null>(DH_TAB_SIZE).fill(null);
  if (dests.length === 0) return table;
  for (let i = 0; i < DH_TAB_SIZE; i++) table[i] = dests[i % dests.length] as Destination;
  return table;
}

/** ip_vs_dh_hashkey: hash_32(ntohl(addr_fold), 8). */
export function dhHashKey(addr: string): number {
  return hash32(foldAddress(addr), DH_TAB_BITS);
}

/**
 * ip_vs_dh.c: hashes the packet's destination address. For a plain VIP service every packet has
 * the same destination, so every client lands on one server.
 */
export class DestinationHashScheduler implements Scheduler {
  readonly name = 'dh' as const;
  lastError: string | null = null;
  private table: (Destination | null)[];

  constructor(dests: readonly Destination[]) {
    this.table = buildDhTable(dests);
  }

  // The kernel rebuilds only on add/del (no upd_dest hook); since weights are ignored and an edit
  // does not reorder the list, rebuilding on every update gives the same table.
  update(next: readonly Destination[]): void {
    this.table = buildDhTable(next);
  }

  buckets(): readonly (Destination | null)[] {
    return this.table;
  }

  schedule(ctx: ScheduleContext): Destination | null {
    const d = this.table[dhHashKey(ctx.daddr)] ?? null;
    if (d === null || !d.flags.available || d.weight <= 0 || d.flags.overloaded) {
      this.lastError = 'no destination available';
      return null;
    }
    this.lastError = null;
    return d;
  }
}
