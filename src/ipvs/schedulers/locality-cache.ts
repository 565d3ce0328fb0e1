/**
 * The periodic garbage collector lblc and lblcr share (ip_vs_lblc_check_expire /
 * ip_vs_lblcr_check_expire): a timer every 60 s from service creation; every 30th run a full
 * check drops entries unused for the expiration sysctl (24 h); otherwise, only while the table
 * holds more than 16 * 1024 entries, entries unused for 6 min are dropped, at most `goal`.
 * Timers are run lazily: each schedule() first fires every timer due at or before `now`.
 */

import { foldAddress } from '../address.js';
import { connOverhead, type Destination } from '../destination.js';
import { hash32 } from '../hash.js';
import { DestListScheduler, weightedLeast } from './common.js';

export const CHECK_EXPIRE_INTERVAL = 60;
export const COUNT_FOR_FULL_EXPIRATION = 30;
export const ENTRY_TIMEOUT = 6 * 60;
export const DEFAULT_EXPIRATION = 24 * 60 * 60;
export const LBLC_TAB_BITS = 10;
export const LBLC_TAB_SIZE = 1 << LBLC_TAB_BITS;
export const LBLC_MAX_SIZE = LBLC_TAB_SIZE * 16;

/** The bucket of a destination address (ip_vs_lblc_hashkey, which lblcr shares). */
export function lblcHashKey(addr: string): number {
  return hash32(foldAddress(addr), LBLC_TAB_BITS);
}

export interface CacheEntry {
  readonly addr: string;
  lastuse: number;
}

/**
 * What lblc and lblcr share around their cache: the service's dests, the table and its GC timers,
 * and the reference an entry holds on a dest. They differ in what an entry maps to (one dest, a
 * set) and so in how they schedule. Entries keep pointing at deleted dests (the kernel holds a
 * reference; AVAILABLE is cleared), so update() flushes nothing.
 */
export abstract class LocalityScheduler<E extends CacheEntry> extends DestListScheduler {
  readonly table: LocalityTable<E>;

  constructor(dests: readonly Destination[], expiration: number, createdAt: number) {
    super(dests);
    this.table = new LocalityTable<E>(lblcHashKey, expiration, createdAt);
  }

  /** Run the cache GC timers due by `now` without scheduling (schedule() does this itself). */
  tick(now: number): void {
    this.table.runTimers(now);
  }

  /** Whether a cache entry still holds a reference to `dest` (the kernel's ip_vs_dest_hold). */
  holds(dest: Destination, now: number): boolean {
    this.table.runTimers(now);
    return this.table.some((en) => this.entryHolds(en, dest));
  }

  protected abstract entryHolds(en: E, dest: Destination): boolean;

  /** Both fall back to wlc over the whole service; null, said in lastError, when no dest can take it. */
  protected wlcPick(): Destination | null {
    return this.picked(weightedLeast(this.dests, connOverhead));
  }

  /** After the GC timers due by `now`: the entry for the packet's destination address, marked used. */
  protected lookup(daddr: string, now: number): E | null {
    this.table.runTimers(now);
    const en = this.table.get(daddr);
    if (en !== null) en.lastuse = now;
    return en;
  }
}

export class LocalityTable<E extends CacheEntry> {
  /**
   * Buckets hold entries newest first (hlist_add_head); made when first used (the scheduler
   * inference builds a table per configuration it tries, and most buckets stay empty).
   */
  private readonly buckets: (E[] | undefined)[] = new Array<E[] | undefined>(LBLC_TAB_SIZE).fill(undefined);
  /**
   * tbl->entries. Like the kernel, replacing an lblc entry's dest (delete + re-add in
   * ip_vs_lblc_new) increments it without a matching decrement; only GC decrements.
   */
  entries = 0;
  private counter = 1;
  private rover = 0;
  private nextRun: number;

  private readonly hashKey: (addr: string) => number;
  private readonly expiration: number;

  constructor(hashKey: (addr: string) => number, expiration: number, createdAt: number) {
    this.hashKey = hashKey;
    this.expiration = expiration;
    this.nextRun = createdAt + CHECK_EXPIRE_INTERVAL;
  }

  get(addr: string): E | null {
    const bucket = this.buckets[this.hashKey(addr)];
    if (bucket !== undefined) for (const en of bucket) if (en.addr === addr) return en;
    return null;
  }

  add(en: E): void {
    const h = this.hashKey(en.addr);
    let bucket = this.buckets[h];
    if (bucket === undefined) {
      bucket = [];
      this.buckets[h] = bucket;
    }
    bucket.unshift(en);
    this.entries++;
  }

  /** Unlink without touching `entries` (ip_vs_lblc_del). */
  unlink(en: E): void {
    const bucket = this.buckets[this.hashKey(en.addr)];
    const i = bucket === undefined ? -1 : bucket.indexOf(en);
    if (i >= 0) bucket!.splice(i, 1);
  }

  /** Whether any entry satisfies `pred` (the trash asks whether a dest is still referred to). */
  some(pred: (en: E) => boolean): boolean {
    for (const b of this.buckets) if (b !== undefined && b.some(pred)) return true;
    return false;
  }

  size(): number {
    let n = 0;
    for (const b of this.buckets) n += b?.length ?? 0;
    return n;
  }

  /** Fire every GC timer due at or before `now`. */
  runTimers(now: number): void {
    while (this.nextRun <= now) {
      this.checkExpire(this.nextRun);
      this.nextRun += CHECK_EXPIRE_INTERVAL;
    }
  }

  private checkExpire(now: number): void {
    if (this.counter % COUNT_FOR_FULL_EXPIRATION === 0) {
      this.sweep(now, this.expiration, Number.POSITIVE_INFINITY);
      this.counter = 1;
      return;
    }
    if (this.entries <= LBLC_MAX_SIZE) {
      this.counter++;
      return;
    }
    let goal = Math.trunc(((this.entries - LBLC_MAX_SIZE) * 4) / 3);
    if (goal > LBLC_MAX_SIZE / 2) goal = LBLC_MAX_SIZE / 2;
    this.sweep(now, ENTRY_TIMEOUT, goal);
  }

  /** Walk buckets from rover+1, dropping entries with `now >= lastuse + age`, stopping when goal <= 0. */
  private sweep(now: number, age: number, goalIn: number): void {
    let goal = goalIn;
    let j = this.rover;
    for (let i = 0; i < LBLC_TAB_SIZE; i++) {
      j = (j + 1) & (LBLC_TAB_SIZE - 1);
      const bucket = this.buckets[j];
      for (let k = 0; bucket !== undefined && k < bucket.length; ) {
        const en = bucket[k] as E;
        if (now < en.lastuse + age) {
          k++;
          continue;
        }
        bucket.splice(k, 1);
        this.entries--;
        goal--;
      }
      if (goal <= 0) break;
    }
    this.rover = j;
  }
}
