/**
 * The TUI on a real keepalived failover (test/fixtures/kernel-ha): the cluster pane says who was
 * master at the selected frame, and the ladder gives each director its own column with the
 * takeover marked.
 */
import { describe, expect, it } from 'vitest';
import { CaptureSession } from '../../src/tui/data/session.js';
import { masterLine } from '../../src/tui/components/ClusterPane.js';
import { actorLabel } from '../../src/tui/components/Ladder.js';
import { modelPort } from '../../src/tui/data/model-binding.js';
import { haCapture } from '../helpers/ha-synth.js';

const FAILOVER = 'test/fixtures/kernel-ha/failover-sync-on/fw-eth1.pcap';

describe('TUI on a director pair', () => {
  const s = CaptureSession.open([FAILOVER], { port: modelPort() });
  s.analyseNow();

  it('the cluster pane names the master as of the selected frame, and says when none was answering', () => {
    expect(s.cluster(20).masters).toEqual([{ vrid: 51, name: 'DIR1', since: 1, previous: null }]);
    expect(s.cluster(31).masters?.[0]?.name).toBe('DIR1');
    // Frame 31 is DIR1's last advert, 32 DIR2's first: in between nobody; from 32 on DIR2.
    expect(s.cluster(32).masters).toEqual([{ vrid: 51, name: 'DIR2', since: 32, previous: 'DIR1' }]);
    expect(s.cluster(80).masters).toEqual([{ vrid: 51, name: 'DIR1', since: 78, previous: 'DIR2' }]);
    expect(masterLine({ vrid: 51, name: 'DIR2', since: 32, previous: 'DIR1' }, 'en')).toBe('VRID 51 master: DIR2 (since frame 32, after DIR1)');
    expect(masterLine({ vrid: 51, name: null, since: 31, previous: 'DIR1' }, 'zh')).toBe('VRID 51：没有 Master（DIR1 在帧 31 之后停止通告）');
  });

  it('between the old master\'s last advert and the takeover, nobody is master (synth failover)', () => {
    const { path, result } = haCapture('ha-failover-sync');
    const h = CaptureSession.open([path], { port: modelPort() });
    h.analyseNow();
    const last = result.marks.get('last-advert')!, first = result.marks.get('first-advert')!;
    expect(first - last).toBeGreaterThan(2);
    expect(h.cluster(last + 1).masters).toEqual([{ vrid: 51, name: null, since: last, previous: 'DIR1' }]);
    expect(h.cluster(first).masters?.[0]?.name).toBe('DIR2');
  });

  it('the ladder has a column per director, named, and marks the takeover and the preemption', () => {
    const labels = s.actors().map((a) => actorLabel(a, 'en'));
    expect(labels).toContain('DIR1');
    expect(labels).toContain('DIR2');
    expect(labels).not.toContain('director');
    const row = (n: number) => s.row(n)!;
    expect(row(32).rewrite).toBe('TAKEOVER');
    expect(row(78).rewrite).toBe('PREEMPT');
    expect(row(31).rewrite).toBeNull();
    const dir1 = s.actors().findIndex((a) => a.label === 'DIR1');
    const dir2 = s.actors().findIndex((a) => a.label === 'DIR2');
    expect(row(32).fromActor).toBe(dir2);
    expect(row(31).fromActor).toBe(dir1);
    expect(row(32).from).toBe('DIR2');
  });
});
