import { isUnavailable, type Destination } from '../destination.js';
import { hashPort } from './common.js';
import type { ScheduleContext } from './types.js';

/**
 * What sh and mh share (ip_vs_sh_schedule, ip_vs_mh_schedule): a table of dests looked up by a
 * hash of the client address (the packet's destination with IP_VS_HDR_INVERSE), and of its port
 * with the *-port flag. A dest that is unavailable (weight 0 or OVERLOAD) fails the lookup; with
 * the *-fallback flag the kernel then probes the buckets for offsets ihash, ihash+1, … and takes
 * the first available dest, stopping at an empty bucket.
 */
export abstract class HashTableScheduler {
  lastError: string | null = null;
  /** Buckets in the table, and so probes in a fallback walk. */
  readonly size: number;
  private readonly fallback: boolean;
  private readonly usePort: boolean;

  constructor(size: number, fallback: boolean, usePort: boolean) {
    this.size = size;
    this.fallback = fallback;
    this.usePort = usePort;
  }

  /** The bucket for the hashed address and port at probe `offset` (0: the first lookup). */
  protected abstract bucket(addr: string, port: number, offset: number): number;

  /** The dest in bucket c (null: none). */
  protected abstract slot(c: number): Destination | null;

  schedule(ctx: ScheduleContext): Destination | null {
    const addr = ctx.inverse ? ctx.daddr : ctx.saddr;
    const port = this.usePort ? hashPort(ctx) : 0;
    const ihash = this.bucket(addr, port, 0);
    let dest = this.slot(ihash);
    if (dest !== null && isUnavailable(dest)) {
      dest = null;
      if (this.fallback) {
        for (let offset = 0; offset < this.size; offset++) {
          const d = this.slot(this.bucket(addr, port, (offset + ihash) % this.size));
          if (d === null) break;
          if (!isUnavailable(d)) {
            dest = d;
            break;
          }
        }
      }
    }
    this.lastError = dest === null ? 'no destination available' : null;
    return dest;
  }
}
