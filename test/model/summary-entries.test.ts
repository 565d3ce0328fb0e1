/**
 * The finished entries a report lists: gathered in one pass, in index order as a stable sort puts
 * them, with their clients; and the report's rows listed only when read, even through a copy.
 */
import { describe, expect, it } from 'vitest';
import type { ClusterReport } from '../../src/ipvs/report.js';
import { connectionRows, reportedEntries, reportWith } from '../../src/model/summary/entries.js';
import type { DoneFlowView, RsView, ServiceView } from '../../src/model/snapshot.js';
import { newRs, newService, type RsState, type ServiceState } from '../../src/model/state.js';

const shown = newService('tcp|10.0.0.100|80', 'tcp', '10.0.0.100', 80, 1);
const hidden = newService('udp|10.0.0.53|53', 'udp', '10.0.0.53', 53, 2);
const rs = newRs('10.0.0.11', 80, null, 3);

function entry(index: number, cip: string, svc: ServiceState, server: RsState | null): DoneFlowView {
  return {
    index, proto: svc.proto, cip, cport: 1000 + index, client: `${cip}:${1000 + index}`, virtual: `${svc.vip}:${svc.port}`,
    svc, rs: server, firstN: index, lastN: index + 1, firstT: index, lastT: index, state: 'CLOSE', expiresAt: null, handshake: 0,
  } as DoneFlowView;
}

describe('reportedEntries', () => {
  const shownCopy = { ...shown, rs: [] } as ServiceState;
  const rsCopy = { ...rs, ip: '10.0.0.12' };
  const reported = new Map<ServiceView, ServiceState | null>([[shown, shownCopy], [hidden, null]]);
  const copies = new Map<RsView, RsState>([[rs, rsCopy]]);

  it('keeps the reported services\' entries, seen through the copies, with their clients in order', () => {
    const done = [entry(1, '10.1.0.2', shown, rs), entry(2, '10.1.0.9', hidden, null), entry(3, '10.1.0.1', shown, null)];
    const { entries, copies: copied, clients, anyClients } = reportedEntries(done, reported, copies);
    expect(entries).toEqual([done[0], done[2]]);
    expect(copied().map((c) => [c.index, c.svc, c.rs, c.cport])).toEqual([[1, shownCopy, rsCopy, 1001], [3, shownCopy, null, 1003]]);
    expect([...clients]).toEqual(['10.1.0.2', '10.1.0.1']);
    expect(new Set(anyClients)).toEqual(new Set(['10.1.0.2', '10.1.0.9', '10.1.0.1']));
  });

  it('orders entries that finished out of order by index, equal indexes as they came', () => {
    const done = [entry(5, '10.1.0.5', shown, rs), entry(2, '10.1.0.2', shown, rs), entry(5, '10.1.0.6', shown, null), entry(1, '10.1.0.1', hidden, null)];
    const { entries, clients } = reportedEntries(done, reported, copies);
    expect(entries.map((c) => c.cip)).toEqual(['10.1.0.2', '10.1.0.5', '10.1.0.6']);
    expect([...clients]).toEqual(['10.1.0.2', '10.1.0.5', '10.1.0.6']);
  });

  it('puts distinct indexes in their places, however far apart, as a sort would', () => {
    for (const indexes of [[3, 1, 7, 2], [9, 4, 1_000_000, 5], [2, 1.5, 1]]) {
      const done = indexes.map((n) => entry(n, `10.2.0.${indexes.indexOf(n)}`, shown, null));
      const { entries, clients } = reportedEntries(done, reported, copies);
      expect(entries.map((c) => c.index)).toEqual([...indexes].sort((a, b) => a - b));
      expect([...clients]).toEqual(entries.map((c) => c.cip));
    }
  });

  it('lists its own copy: entries the engine finishes afterwards are not in it', () => {
    for (const done of [[entry(1, '10.1.0.1', shown, rs), entry(2, '10.1.0.2', shown, rs)], [entry(2, '10.1.0.2', shown, rs), entry(1, '10.1.0.1', shown, rs)]]) {
      const { entries } = reportedEntries(done, reported, copies);
      done.push(entry(3, '10.1.0.3', shown, rs));
      expect(entries.map((c) => c.index)).toEqual([1, 2]);
    }
  });

  it('lists rows with the copied real server\'s address', () => {
    const { copies: copied } = reportedEntries([entry(1, '10.1.0.2', shown, rs)], reported, copies);
    expect(connectionRows(copied())).toEqual([{
      protocol: 'tcp', client: '10.1.0.2:1001', virtual: '10.0.0.100:80', realServer: '10.0.0.12:80', firstFrame: 1, lastFrame: 2, state: 'CLOSE',
    }]);
  });
});

describe('reportWith', () => {
  it('is a spread with other members, that leaves a member read when asked unread', () => {
    let reads = 0;
    const r = {
      capture: { files: ['a.pcap'], frames: 1 }, hosts: [], services: [],
      get connections() { reads++; return []; },
      findings: [],
    } as unknown as ClusterReport;
    const copy = reportWith(r, { findings: [{ code: 'syn-flood' } as never], capture: { files: ['b.pcap'], frames: 2 } });
    expect(reads).toBe(0);
    expect(Object.keys(copy)).toEqual(['capture', 'hosts', 'services', 'connections', 'findings']);
    expect(copy.capture.files).toEqual(['b.pcap']);
    expect(copy.findings).toHaveLength(1);
    expect(copy.connections).toEqual([]);
    expect(reads).toBe(1);
  });
});
