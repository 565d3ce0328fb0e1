/**
 * The fault watchers' shared records: one lookup answers a tuple and its reverse, across the
 * table's growth and the records' chunks, and a new tuple is found at once (no stale answer from
 * the last-lookup memo).
 */
import { describe, expect, it } from 'vitest';
import {
  COLD_F_IDLE_WAKE_T, COLD_STALE_GAP, FLAGS, IDLE_MINE, KEY_A, KEY_B, KEY_PORTS, REUSE_MINE, WatchRecords,
} from '../../src/model/watch-records.js';

describe('WatchRecords', () => {
  it('finds each of 5,000 tuples both ways, and nothing for tuples never added', () => {
    const w = new WatchRecords(10_000);
    const slots: number[] = [];
    for (let i = 0; i < 5000; i++) {
      w.lookup(i % 97, 1024 + i, 100000 + (i % 7), 80);
      expect(w.fwd).toBe(-1);
      slots.push(w.add(i % 97, 1024 + i, 100000 + (i % 7), 80));
    }
    expect(w.size).toBe(5000);
    for (let i = 0; i < 5000; i++) {
      w.lookup(i % 97, 1024 + i, 100000 + (i % 7), 80);
      expect([w.fwd, w.back]).toEqual([slots[i], -1]);
      w.lookup(100000 + (i % 7), 80, i % 97, 1024 + i);
      expect([w.fwd, w.back]).toEqual([-1, slots[i]]);
    }
    w.lookup(5, 1, 100000, 80);
    expect([w.fwd, w.back]).toEqual([-1, -1]);
    // Each record holds its tuple, and starts with no watcher's flags.
    const e = w.at(slots[4321]!);
    expect([w.i32[e + KEY_A], w.i32[e + KEY_B], w.i32[e + KEY_PORTS]! & 0xffff, w.i32[e + FLAGS]]).toEqual([4321 % 97, 100000 + (4321 % 7), 80, 0]);
  });

  it('answers both directions when both tuples are followed, and a tuple that is its own reverse', () => {
    const w = new WatchRecords(10_000);
    const ab = w.add(1, 40000, 2, 80);
    w.lookup(2, 80, 1, 40000);
    expect([w.fwd, w.back]).toEqual([-1, ab]);
    const ba = w.add(2, 80, 1, 40000);
    w.lookup(2, 80, 1, 40000);
    expect([w.fwd, w.back]).toEqual([ba, ab]);
    w.lookup(1, 40000, 2, 80);
    expect([w.fwd, w.back]).toEqual([ab, ba]);
    const self = w.add(3, 5000, 3, 5000);
    w.lookup(3, 5000, 3, 5000);
    expect([w.fwd, w.back]).toEqual([self, self]);
  });
});

describe('WatchRecords cold records', () => {
  it('makes one per slot asked, all zero at first, across its chunks, and none for a slot only read', () => {
    const w = new WatchRecords(10_000);
    for (let i = 0; i < 3000; i++) w.add(i, 1024, 7, 80);
    // Every seventh slot gets one: more than a chunk of them (256).
    for (let s = 0; s < 3000; s += 7) {
      const k = w.cold(s);
      expect([w.ci32[k + COLD_STALE_GAP], w.cf64[(k >> 1) + COLD_F_IDLE_WAKE_T]]).toEqual([0, 0]);
      w.ci32[k + COLD_STALE_GAP] = s;
      w.cf64[(k >> 1) + COLD_F_IDLE_WAKE_T] = s + 0.25;
    }
    for (let s = 0; s < 3000; s++) {
      const k = w.coldIfAny(s);
      const mine = s % 7 === 0;
      expect(w.hasCold(s)).toBe(mine);
      expect([w.ci32[k + COLD_STALE_GAP], w.cf64[(k >> 1) + COLD_F_IDLE_WAKE_T]]).toEqual(mine ? [s, s + 0.25] : [0, 0]);
      // Asked again, the same record.
      if (mine) expect(w.ci32[w.cold(s) + COLD_STALE_GAP]).toBe(s);
    }
    // Reading made none, and the flag word keeps every other bit.
    expect(w.hasCold(1)).toBe(false);
    const e = w.at(15);
    w.i32[e + FLAGS] = w.i32[e + FLAGS]! | IDLE_MINE | REUSE_MINE;
    w.cold(15);
    expect([w.flags(15) & (IDLE_MINE | REUSE_MINE), w.hasCold(15)]).toEqual([IDLE_MINE | REUSE_MINE, true]);
  });
});
