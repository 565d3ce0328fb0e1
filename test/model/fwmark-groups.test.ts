/**
 * Services on one VIP whose clients keep one real server across ports are one firewall-mark
 * group: what counts is each client's ports (every connection of the group, with a real server or
 * not) and the servers its connections with one went to.
 */
import { describe, expect, it } from 'vitest';
import type { DoneFlow } from '../../src/model/done-flow.js';
import { newRs, newService, type RsState, type ServiceState } from '../../src/model/state.js';
import { fwmarkGroups } from '../../src/model/summary/scheduler.js';
import type { ServiceReportX } from '../../src/model/summary/summarize.js';

const web = newService('tcp|10.0.0.100|80', 'tcp', '10.0.0.100', 80, 1);
const tls = newService('tcp|10.0.0.100|443', 'tcp', '10.0.0.100', 443, 2);
const rs1 = newRs('10.0.0.11', 80, null, 3);
const rs2 = newRs('10.0.0.12', 80, null, 4);

function conn(cip: string, svc: ServiceState, rs: RsState | null): DoneFlow {
  return { cip, svc, rs } as unknown as DoneFlow;
}

function marks(conns: readonly DoneFlow[]): (number | null)[] {
  const services = [web, tls].map((state) => ({ state, report: { vip: state.vip, port: state.port, persistence: { timeoutAtLeast: 300 }, fwmark: null } as unknown as ServiceReportX }));
  fwmarkGroups(services, () => conns);
  return services.map((s) => s.report.fwmark);
}

describe('fwmarkGroups', () => {
  it('marks the services when every client seen on several ports kept one real server', () => {
    expect(marks([conn('1.1.1.1', web, rs1), conn('1.1.1.1', tls, rs1), conn('2.2.2.2', web, rs2), conn('2.2.2.2', tls, rs2), conn('3.3.3.3', web, rs1)])).toEqual([1, 1]);
  });

  it('does not when a client moved between real servers across ports', () => {
    expect(marks([conn('1.1.1.1', web, rs1), conn('1.1.1.1', tls, rs2)])).toEqual([null, null]);
  });

  it('does not when no client was seen on two ports', () => {
    expect(marks([conn('1.1.1.1', web, rs1), conn('2.2.2.2', tls, rs2)])).toEqual([null, null]);
  });

  it('counts a port whose connection has no real server, and only the connections that have one for the servers', () => {
    expect(marks([conn('1.1.1.1', web, rs1), conn('1.1.1.1', tls, null)])).toEqual([1, 1]);
    expect(marks([conn('1.1.1.1', web, null), conn('1.1.1.1', tls, null)])).toEqual([null, null]);
  });
});
