/**
 * The fault watchers' shared records: one lookup answers a tuple and its reverse, across the
 * table's growth and the records' chunks, and a new tuple is found at once (no stale answer from
 * the last-lookup memo).
 */
import { describe, expect, it } from 'vitest';
import { FLAGS, KEY_A, KEY_B, KEY_PORTS, WatchRecords } from '../../src/model/watch-records.js';

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
