/**
 * The failures operators meet, recognised from hand-built captures: each fault names its code with
 * its evidence, and the same traffic without the fault raises nothing.
 */
import { describe, expect, it } from 'vitest';
import type { FindingCode, FindingReport } from '../../src/ipvs/report.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { DR, type FrameScript } from '../helpers/frames.js';
import { idleConnection, portReuse, rsReject, staleTcp, staleUdp } from '../helpers/fault-frames.js';

function findings(s: FrameScript): readonly FindingReport[] {
  return analyzeFrames(s.frames, { files: ['built'], rules: null, rulesText: null }).report.findings;
}
const codes = (s: FrameScript): FindingCode[] => [...new Set(findings(s).map((f) => f.code))].sort();
const one = (s: FrameScript, code: FindingCode): FindingReport => {
  const f = findings(s).filter((x) => x.code === code);
  expect(f).toHaveLength(1);
  return f[0]!;
};

describe('stale-entry: a UDP flow black-holed by its connection entry', () => {
  it('names the silence, its length, the server before and after', () => {
    const s = staleUdp(true);
    const f = one(s, 'stale-entry');
    expect(f.severity).toBe('error');
    expect(f.params).toMatchObject({ client: '172.16.0.100:40000', virtual: '192.168.23.100:53', rs: '192.168.23.80', after: '192.168.23.81', lost: 5, seconds: 5 });
    expect(f.message).toContain('expire_nodest_conn');
    // The first and last unanswered query, and the answer that ended the silence.
    const nums = f.frames.map((n) => s.frames[n - 1]!);
    expect(nums).toHaveLength(3);
    expect(codes(s)).toEqual(['stale-entry']);
  });

  it('raises nothing when every query is answered', () => {
    expect(codes(staleUdp(false))).toEqual([]);
  });
});

describe('stale-entry: a TCP connection black-holed by its connection entry', () => {
  it('a removed server: the retransmissions reach the director and none leaves it', () => {
    const s = staleTcp('removed');
    const f = one(s, 'stale-entry');
    expect(f.severity).toBe('error');
    expect(f.params).toMatchObject({
      protocol: 'tcp', client: '172.16.0.100:40002', virtual: '192.168.23.100:80', rs: '192.168.23.80', sent: 6, director: 'dropped', othersAnswered: true,
    });
    const p = f.params as { seconds: number; firstGap: number; lastGap: number };
    expect(p.seconds).toBeCloseTo(6.2, 1);
    expect(p.firstGap).toBeCloseTo(0.2, 2);
    expect(p.lastGap).toBeCloseTo(3.2, 2);
    expect(f.message).toMatch(/forwarded none of them/);
    expect(f.message).toMatch(/expire_nodest_conn=0.*ESTABLISHED.*expire_nodest_conn=1.*5\.9/);
    // The server's last word, the first unanswered sending, the last one.
    expect(f.frames).toHaveLength(3);
    expect(codes(s)).toEqual(['stale-entry']);
  });

  it('a silent server: the director forwards them and nothing answers', () => {
    const f = one(staleTcp('silent'), 'stale-entry');
    expect(f.params).toMatchObject({ protocol: 'tcp', rs: '192.168.23.80', sent: 6, director: 'forwarded' });
  });

  it('on the silent real server: the retransmissions arrive from the director and nothing leaves', () => {
    const RS1 = DR.rs[0];
    const onRs1 = staleTcp('silent').frames.filter((f) => f.layers.some((l) => l.type === 'eth' && (l.dst === RS1.mac || l.src === RS1.mac || l.dst === 'ff:ff:ff:ff:ff:ff')));
    const f = analyzeFrames(onRs1, { files: ['built'], rules: null, rulesText: null }).report.findings.filter((x) => x.code === 'stale-entry');
    expect(f).toHaveLength(1);
    expect(f[0]!.params).toMatchObject({ protocol: 'tcp', client: '172.16.0.100:40002', sent: 6, director: 'forwarded' });
  });

  it('raises nothing for one lost segment that is sent again and answered', () => {
    expect(codes(staleTcp('lost-once'))).toEqual([]);
  });

  it('raises nothing when the request is answered', () => {
    expect(codes(staleTcp('healthy'))).toEqual([]);
  });

  it('from the client\'s side: what the director did is unseen; with no other connection answered meanwhile, no claim', () => {
    const clientSide = (s: FrameScript) => s.frames.filter((f) => !f.layers.some((l) => l.type === 'eth' && l.src === DR.dirMac));
    const seen = analyzeFrames(clientSide(staleTcp('removed')), { files: ['built'], rules: null, rulesText: null }).report.findings;
    expect(seen.map((x) => x.code)).toEqual(['stale-entry']);
    expect(seen[0]!.params).toMatchObject({ director: 'unseen', othersAnswered: true });
    // Alone, a path or a director gone silent would look the same.
    const alone = analyzeFrames(clientSide(staleTcp('removed', true)), { files: ['built'], rules: null, rulesText: null }).report.findings;
    expect(alone.map((x) => x.code)).toEqual([]);
  });

  it('with no director on the path (a plain client and server, a firewall dropping the connection\'s state), no claim', () => {
    const ROUTER = '02:cc:00:00:00:01';
    const plain = staleTcp('removed').frames
      .filter((f) => f.layers.some((l) => l.type === 'tcp') && !f.layers.some((l) => l.type === 'eth' && l.src === DR.dirMac))
      .map((f) => ({ ...f, layers: f.layers.map((l) => (l.type !== 'eth' ? l : l.dst === DR.dirMac ? { ...l, dst: ROUTER } : l.dst === DR.gwMac ? { ...l, src: ROUTER } : l)) }));
    expect(analyzeFrames(plain, { files: ['built'], rules: null, rulesText: null }).report.findings.map((x) => x.code)).toEqual([]);
  });
});

describe('idle-entry-expired: the next segment after a silence meets the director\'s RST', () => {
  it('names the idle time and who reset it', () => {
    const f = one(idleConnection(true), 'idle-entry-expired');
    expect(f.severity).toBe('warning');
    expect(f.params).toMatchObject({ client: '172.16.0.100:40002', virtual: '192.168.23.100:80', by: 'director' });
    expect((f.params as { idle: number }).idle).toBeGreaterThanOrEqual(10);
    expect(f.frames).toHaveLength(3);
    expect(codes(idleConnection(true))).toEqual(['idle-entry-expired']);
  });

  it('raises nothing when the server answers after the silence', () => {
    expect(codes(idleConnection(false))).toEqual([]);
  });
});

describe('port-reuse-syn-dropped: a reused port whose first SYN waits 1 s', () => {
  it('names the gap and the earlier connection', () => {
    const s = portReuse(true);
    const f = one(s, 'port-reuse-syn-dropped');
    expect(f.params).toMatchObject({ client: '172.16.0.100:40000', virtual: '192.168.23.100:80' });
    expect((f.params as { gap: number }).gap).toBeCloseTo(1.003, 2);
    expect(f.message).toMatch(/conn_reuse_mode=1 .*conntrack=1.* before 5\.9/);
    expect(codes(s)).toEqual(['port-reuse-syn-dropped']);
  });

  it('raises nothing when the reused port\'s SYN is answered at once', () => {
    expect(codes(portReuse(false))).toEqual([]);
  });
});

describe('rs-rejects: a real server answers the forwarded SYN with ICMP', () => {
  it('is the real server, not the director\'s "no real server"', () => {
    const f = one(rsReject(true), 'rs-rejects');
    expect(f.params).toEqual({ rs: '192.168.23.80', virtual: '192.168.23.100:80', protocol: 'tcp', code: 3 });
    expect(codes(rsReject(true))).not.toContain('no-real-server');
  });

  it('raises nothing when it answers', () => {
    expect(codes(rsReject(false))).toEqual([]);
  });
});
