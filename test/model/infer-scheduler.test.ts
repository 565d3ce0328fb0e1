import { describe, expect, it } from 'vitest';
import { createDestination } from '../../src/ipvs/destination.js';
import type { SchedulerName } from '../../src/ipvs/report.js';
import { createScheduler } from '../../src/ipvs/schedulers/index.js';
import { inferScheduler, type ObservedDecision } from '../../src/model/index.js';

const SERVERS = ['10.0.0.1', '10.0.0.2', '10.0.0.3'];

/**
 * Run a real kernel scheduler (src/ipvs) over `count` new connections from varied clients, with
 * connections going inactive after 3 decisions and expiring after 6, and record what a capture
 * would show: who got each connection, and the counters just before.
 */
function generate(name: SchedulerName, weights: number[], count = 40, servers = SERVERS): ObservedDecision[] {
  const dests = servers.map((addr, i) => createDestination({ addr, port: 80, weight: weights[i] ?? 1 }));
  // Kernel list order is newest-added first: added in order, so reversed.
  const sched = createScheduler(name, [...dests].reverse(), { createdAt: 0 });
  const live: { d: number; age: number }[] = [];
  const out: ObservedDecision[] = [];
  for (let k = 0; k < count; k++) {
    for (const c of live) {
      c.age++;
      const d = dests[c.d]!;
      if (c.age === 3) { d.activeConns--; d.inactConns++; }
      if (c.age === 6) d.inactConns--;
    }
    for (let i = live.length - 1; i >= 0; i--) if (live[i]!.age >= 6) live.splice(i, 1);
    const saddr = `198.51.100.${(k * 37) % 23 + 1}`;
    const ctx = { saddr, daddr: '192.0.2.10', sport: 20000 + k, dport: 80, protocol: 'tcp' as const, now: k };
    const active = dests.map((d) => d.activeConns);
    const inactive = dests.map((d) => d.inactConns);
    const got = sched.schedule(ctx);
    if (got === null) continue;
    const idx = dests.indexOf(got);
    got.activeConns++;
    live.push({ d: idx, age: 0 });
    out.push({ t: k, saddr, sport: ctx.sport, daddr: ctx.daddr, dport: 80, proto: 'tcp', chosen: idx, active, inactive });
  }
  return out;
}

/** The true scheduler must score as well as any other (rank first, alone or tied). */
function checkRanksFirst(name: SchedulerName, weights: number[]) {
  const decisions = generate(name, weights);
  const rep = inferScheduler({ servers: SERVERS, ports: [80, 80, 80], decisions });
  const top = rep.candidates[0]!.score;
  const mine = rep.candidates.find((c) => c.name === name)!;
  expect(mine.score, `${name} scored ${mine.score}, top ${rep.candidates[0]!.name} ${top}`).toBe(top);
  const tied = rep.candidates.filter((c) => c.score === top).map((c) => c.name);
  if (tied.length === 1) expect(rep.name).toBe(name);
  else expect(rep.name).toBe('ambiguous');
  return { rep, tied };
}

describe('scheduler inference on sequences from the kernel schedulers', () => {
  const cases: [SchedulerName, number[]][] = [
    ['rr', [1, 1, 1]], ['wrr', [3, 2, 1]], ['lc', [1, 1, 1]], ['wlc', [3, 1, 1]], ['sed', [4, 2, 1]],
    ['nq', [4, 2, 1]], ['fo', [1, 5, 2]], ['ovf', [1, 3, 2]], ['sh', [1, 1, 1]], ['dh', [1, 1, 1]],
    ['mh', [1, 1, 1]], ['lblc', [1, 1, 1]], ['lblcr', [1, 1, 1]],
  ];
  for (const [name, weights] of cases) {
    it(`${name} (weights ${weights.join('/')}) ranks first`, () => {
      checkRanksFirst(name, weights);
    });
  }

  it('wrr 3/2/1 is told apart from rr, with its weights', () => {
    const { rep, tied } = checkRanksFirst('wrr', [3, 2, 1]);
    expect(tied).toEqual(['wrr']);
    expect(rep.name).toBe('wrr');
    expect(rep.candidates[0]!.weights).toEqual({ '10.0.0.1': 3, '10.0.0.2': 2, '10.0.0.3': 1 });
    expect(rep.candidates.find((c) => c.name === 'rr')!.score).toBeLessThan(1);
  });

  it('sh over many clients is unique', () => {
    const { rep } = checkRanksFirst('sh', [1, 1, 1]);
    expect(rep.name).toBe('sh');
  });

  it('2 servers, equal weights: rr and wrr cannot be told apart → ambiguous, rr listed first', () => {
    const servers = ['10.0.0.1', '10.0.0.2'];
    const decisions = generate('rr', [1, 1], 12, servers);
    const rep = inferScheduler({ servers, decisions });
    expect(rep.name).toBe('ambiguous');
    expect(rep.candidates[0]!.name).toBe('rr');
    expect(rep.candidates[1]!.name).toBe('wrr');
    expect(rep.candidates[1]!.score).toBe(1);
    expect(rep.confidence).toBeLessThan(0.6);
  });

  it('too little data is unknown', () => {
    const decisions = generate('rr', [1, 1, 1], 1);
    expect(inferScheduler({ servers: SERVERS, decisions }).name).toBe('unknown');
    expect(inferScheduler({ servers: [], decisions: [] })).toEqual({ name: 'unknown', confidence: 0, candidates: [] });
  });
});
