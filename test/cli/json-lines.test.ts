import { describe, expect, it } from 'vitest';
import { jsonLines } from '../../src/cli/json-lines.js';
import type { ClusterReport } from '../../src/ipvs/report.js';
import { publishConnection, publishReport } from '../../src/ipvs/report-json.js';

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
});

