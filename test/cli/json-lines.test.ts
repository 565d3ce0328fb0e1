import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { jsonLines } from '../../src/cli/json-lines.js';
import type { ClusterReport, ConnectionReport } from '../../src/ipvs/report.js';
import { connectionTextWriter, publishConnection, publishReport } from '../../src/ipvs/report-json.js';

const joined = (doc: object): string => [...jsonLines(doc)].join('\n');

describe('jsonLines', () => {
  it('joins to exactly JSON.stringify(doc, null, 2) for a report-shaped document', () => {
    const connections = Array.from({ length: 1000 }, (_, i) => ({
      protocol: 'tcp', client: `172.16.0.${i % 250}:${40000 + i}`, virtual: '192.168.23.100:80',
      realServer: i % 7 === 0 ? null : '192.168.23.85:80', firstFrame: i, lastFrame: i + 20, state: 'FIN_WAIT',
    }));
    const doc = {
      capture: { files: ['a.pcap'], frames: 1008332 },
      hosts: [{ ip: '10.0.0.1', mac: null, role: 'client', name: null }],
      services: [],
      connections,
      findings: [{ code: 'x', message: 'line one\nline two "quoted"', frames: [1, 2, 3] }],
      skipped: undefined,
      nested: { deep: { list: [[], {}, [1, [2, { a: null }]]] } },
    };
    const text = joined(doc);
    expect(text).toBe(JSON.stringify(doc, null, 2));
    // Streamed: the 1000 connections come in several pieces, not one string.
    expect([...jsonLines(doc)].length).toBeGreaterThan(5);
  });

  it('handles empty documents, empty arrays, sparse entries and a final array', () => {
    for (const doc of [{}, { a: [] }, { a: [undefined, 1, 'two'] }, { a: 1, b: [{ c: [] }] }, { only: undefined }]) {
      expect(joined(doc)).toBe(JSON.stringify(doc, null, 2));
    }
  });

  it('publishes a deferred array chunk by chunk exactly as the fully published document reads', () => {
    const report = {
      capture: { files: ['a.pcap'], frames: 3 },
      hosts: [],
      services: [],
      connections: Array.from({ length: 700 }, (_, i) => ({
        protocol: 'tcp' as const, client: `[2001:db8::${i}]:${40000 + i}`, virtual: '192.168.23.100:80',
        realServer: i % 3 === 0 ? null : '192.168.23.85:80', firstFrame: i, lastFrame: i + 2, state: 'ESTABLISHED',
      })),
      findings: [],
    } as unknown as ClusterReport;
    const whole = JSON.stringify(publishReport(report), null, 2);
    expect([...jsonLines(publishReport(report, true), { connections: publishConnection })].join('\n')).toBe(whole);
    // Not deferred, the hook's absence leaves the elements as they are.
    expect([...jsonLines(publishReport(report, true))].join('\n')).not.toBe(whole);
  });

  it('writes connections itself exactly as JSON.stringify writes their published form', () => {
    const endpoint = fc.oneof(
      fc.tuple(fc.ipV4(), fc.integer({ min: 0, max: 65535 })).map(([ip, port]) => `${ip}:${port}`),
      fc.tuple(fc.ipV6(), fc.integer({ min: 0, max: 65535 })).map(([ip, port]) => `[${ip}]:${port}`),
      fc.constantFrom('?:?', '00:0c:29:aa:00:10', '[::1]:', ':80', '', '1.2.3.4:080', '1.2.3.4:1e3'),
      fc.string({ unit: 'binary' }),
    );
    const connection = fc.record({
      protocol: fc.constantFrom('tcp', 'udp'),
      client: endpoint, virtual: endpoint, realServer: fc.option(endpoint),
      firstFrame: fc.oneof(fc.nat(), fc.double()), lastFrame: fc.nat(),
      state: fc.oneof(fc.constantFrom('ESTABLISHED', 'FIN_WAIT', 'NONE', 'UDP'), fc.string({ unit: 'binary' })),
    }) as fc.Arbitrary<ConnectionReport>;
    const report = (connections: ConnectionReport[]): ClusterReport =>
      ({ capture: { files: ['a.pcap'], frames: 3 }, hosts: [], services: [], connections, findings: [] }) as unknown as ClusterReport;
    fc.assert(fc.property(fc.array(connection, { maxLength: 600 }), (connections) => {
      const r = report(connections);
      const written = [...jsonLines(publishReport(r, true), {}, { connections: connectionTextWriter() })].join('\n');
      expect(written).toBe(JSON.stringify(publishReport(r), null, 2));
    }), { numRuns: 60 });
    // A shape the writer does not expect still comes out as JSON.stringify writes it.
    const odd = report([{ protocol: 'tcp', client: '10.0.0.1:1', virtual: '10.0.0.2:80', realServer: null, firstFrame: 1, lastFrame: 2, state: undefined } as unknown as ConnectionReport]);
    expect([...jsonLines(publishReport(odd, true), {}, { connections: connectionTextWriter() })].join('\n')).toBe(JSON.stringify(publishReport(odd), null, 2));
  });
});
