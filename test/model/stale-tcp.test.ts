/**
 * The TCP stale-entry watcher on real Linux retransmissions (test/fixtures/tcp-retransmit, no LVS):
 * a run of retransmissions that is answered in the end, even after seconds, is a loss, not a
 * black hole; one never answered is kept with the client's backoff. analyze claims nothing in
 * these captures, where no director is on the path.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Packet } from '../../src/model/packet.js';
import { ReadingWatch } from '../../src/model/reading-watch.js';
import { readPackets } from '../../src/pipeline/read-packets.js';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import { FIXTURES } from '../helpers/paths.js';

const file = (name: string): string => join(FIXTURES, 'tcp-retransmit', `${name}.pcap`);

function watched(name: string) {
  const w = new ReadingWatch();
  readPackets(file(name), Infinity, new Packet(), (p) => w.observe(p), { count: 0, first: 0 });
  return w.episodes().staleTcp;
}

describe('the TCP stale-entry watcher on real retransmissions', () => {
  it('a segment lost and sent again until answered: no run kept', () => {
    expect(watched('lost-once')).toEqual([]);
  });

  it('a run of six sendings over seconds, answered at last: no run kept', () => {
    expect(watched('late')).toEqual([]);
  });

  it('never answered: the run, its sendings and the backoff, while the other connection was answered', () => {
    const [e, ...more] = watched('forever');
    expect(more).toEqual([]);
    expect(e).toMatchObject({ virtual: '10.99.0.2:80', othersAnswered: true, server: expect.stringMatching(/^[0-9a-f:]{17}$/) });
    // Sent at 0, 0.21, 0.42, 0.85, 1.68, 3.35 and 6.87 s: the tail loss probe, then the timeout doubling from 200 ms.
    expect(e!.sent).toBe(7);
    expect(e!.seconds).toBeCloseTo(6.9, 1);
    expect(e!.firstGap).toBeGreaterThan(0.15);
    expect(e!.firstGap).toBeLessThan(0.3);
    expect(e!.lastGap).toBeGreaterThan(3);
    expect(e!.frames).toHaveLength(3);
  });

  it('analyze claims nothing: no director on the path', () => {
    for (const name of ['lost-once', 'late', 'forever']) {
      expect(runModel(parseAnalyzeArgs([file(name), '--format', 'json'])).summary.report.findings, name).toEqual([]);
    }
  });
});
