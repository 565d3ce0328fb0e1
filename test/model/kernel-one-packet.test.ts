/**
 * One-packet scheduling (ipvsadm -o) on the real kernel (lvscope lab dr --udp --one-packet
 * --same-port, Debian 6.1 in the microVM; test/fixtures/kernel-faults/README.md): one resolver port,
 * six queries, answered WEB1 WEB2 WEB1 WEB2 WEB1 WEB2, and `ipvsadm -Lnc` listed no entry. lvscope
 * names the per-datagram scheduling, prints ` ops` in the reconstructed `ipvsadm -Ln` with no
 * entry held, and infers the scheduler from the datagrams. A held UDP entry (no -o) and an entry
 * that expired once (stale-entry) are not called -o.
 */
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import { renderIpvsadmConns, renderIpvsadmList, renderIpvsadmStats } from '../../src/present/ipvsadm-view.js';
import type { ServiceReportX } from '../../src/model/summary/summarize.js';
import { FIXTURES } from '../helpers/paths.js';

const DIR = join(FIXTURES, 'kernel-faults');
const summaryOf = (name: string) => runModel(parseAnalyzeArgs([join(DIR, name, 'fw-eth1.pcap'), '--format', 'json'])).summary;

describe('-o: each datagram of one client port scheduled on its own', () => {
  const s = summaryOf('dns-one-packet');
  const svc = s.report.services[0] as ServiceReportX;

  it('the service is one-packet; the datagrams went WEB1 WEB2 … and rr fits them', () => {
    expect(svc.onePacket).toBe(true);
    expect(svc.realServers.map((r) => [r.ip, r.connections, r.activeAtEnd, r.inactiveAtEnd])).toEqual([
      ['192.168.23.80', 3, 0, 0], ['192.168.23.81', 3, 0, 0],
    ]);
    expect(svc.scheduler.candidates[0]?.name).toBe('rr');
    expect(s.report.findings).toEqual([]);
  });

  it('ipvsadm -Ln prints ops and no connection; -Lnc lists no entry; --stats counts each datagram where it went', () => {
    const list = renderIpvsadmList(s);
    expect(list).toMatch(/^UDP  192\.168\.23\.100:53 rr\?? ops$/m);
    expect(list).toMatch(/^  -> 192\.168\.23\.80:53 +Route +~?1 +0 +0 +$/m);
    expect(renderIpvsadmConns(s).trim().split('\n')).toHaveLength(2);
    const stats = renderIpvsadmStats(s);
    expect(stats).toMatch(/^  -> 192\.168\.23\.80:53 +3 +3 +0 +159 +0$/m);
    expect(stats).toMatch(/^  -> 192\.168\.23\.81:53 +3 +3 +0 +159 +0$/m);
  });

  it('without -o the same resolver port stays on one entry and one server', () => {
    const held = summaryOf('dns-same-port');
    expect((held.report.services[0] as ServiceReportX).onePacket).toBeUndefined();
    expect(renderIpvsadmList(held)).not.toContain(' ops');
    expect(held.liveAtEnd).toHaveLength(1);
  });

  it('an entry that expired once and moved its flow (stale-entry) is not -o', () => {
    const stale = summaryOf('udp-stale-removed');
    expect((stale.report.services[0] as ServiceReportX).onePacket).toBeUndefined();
    expect(stale.report.findings.map((f) => f.code)).toEqual(['stale-entry']);
  });
});
