import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Writable } from 'node:stream';
import { jsonLines, writeJsonParts, type JsonPart } from '../../src/cli/json-lines.js';
import { LineWriter } from '../../src/cli/output.js';
import type { ClusterReport } from '../../src/ipvs/report.js';
import { publishConnection, publishReport } from '../../src/ipvs/report-json.js';
import { ipPort, type DoneFlow } from '../../src/model/index.js';
import { connectionRows } from '../../src/model/summary/entries.js';
import { connectionRowsWriter, type ConnectionEntry } from '../../src/present/report-json.js';

/** The parts as a LineWriter writes them (with a small buffer, so that rows cross its flushes), less the last newline. */
function written(parts: Iterable<JsonPart>, limit = 512): string {
  let text = '';
  const out = new LineWriter({ stream: new Writable({ write(chunk, _enc, done) { text += String(chunk); done(); } }) }, limit);
  writeJsonParts(parts, out);
  out.flush();
  return text.slice(0, -1);
}

const joined = (doc: object): string => written(jsonLines(doc));

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
    expect([...jsonLines(doc)].join('\n')).toBe(text);
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
    expect(written(jsonLines(publishReport(report, report.connections), { connections: publishConnection }))).toBe(whole);
    // Not deferred, the hook's absence leaves the elements as they are.
    expect(written(jsonLines(publishReport(report, report.connections)))).not.toBe(whole);
  });

  it('writes connections from the entries exactly as JSON.stringify writes the published form of their rows', () => {
    const address = fc.oneof(
      fc.ipV4(), fc.ipV6(), fc.constantFrom('?', '', '[::1]', 'a]', '00:0c:29:aa:00:10', 'x"y'), fc.string({ unit: 'binary' }),
    );
    const endpoint = fc.oneof(
      fc.tuple(address, fc.integer({ min: 0, max: 65535 })).map(([ip, port]) => ipPort(ip, port)),
      fc.constantFrom('?:?', '[::1]:', ':80', '', '1.2.3.4:080', '1.2.3.4:1e3'),
      fc.string({ unit: 'binary' }),
    );
    const servers = [null, { ip: null, port: 80 }, { ip: '192.168.23.85', port: 80 }, { ip: 'fc00::85', port: 8080 }, { ip: '?', port: 0 }];
    const entry = fc.record({
      proto: fc.constantFrom('tcp', 'udp'), cip: address, cport: fc.oneof(fc.integer({ min: 0, max: 65535 }), fc.double()),
      virtual: endpoint, rs: fc.constantFrom(...servers), firstN: fc.oneof(fc.nat(), fc.double()), lastN: fc.nat(),
      state: fc.oneof(fc.constantFrom('ESTABLISHED', 'FIN_WAIT', 'NONE', 'UDP'), fc.string({ unit: 'binary' })),
    }).map((e) => ({ ...e, client: ipPort(e.cip, e.cport) })) as fc.Arbitrary<ConnectionEntry>;
    fc.assert(fc.property(fc.array(entry, { maxLength: 600 }), (entries) => {
      const rows = connectionRows(entries as unknown as DoneFlow[]);
      const r = { capture: { files: ['a.pcap'], frames: 3 }, hosts: [], services: [], connections: rows, findings: [] } as unknown as ClusterReport;
      const text = written(jsonLines(publishReport(r, entries), {}, { connections: connectionRowsWriter() }));
      expect(text).toBe(JSON.stringify(publishReport(r), null, 2));
    }), { numRuns: 60 });
  });

  it('writes the document without reading the report\'s own connections', () => {
    const entries: ConnectionEntry[] = [{ proto: 'tcp', cip: '10.0.0.1', cport: 1, client: '10.0.0.1:1', virtual: '10.0.0.2:80', rs: null, firstN: 1, lastN: 2, state: 'NONE' }];
    const r = {
      capture: { files: ['a.pcap'], frames: 3 }, hosts: [], services: [], findings: [],
      get connections(): never { throw new Error('read'); },
    } as unknown as ClusterReport;
    const text = written(jsonLines(publishReport(r, entries), {}, { connections: connectionRowsWriter() }));
    expect(JSON.parse(text).connections).toEqual([{ protocol: 'tcp', client: { ip: '10.0.0.1', port: 1 }, virtual: { ip: '10.0.0.2', port: 80 }, realServer: null, firstFrame: 1, lastFrame: 2, state: 'NONE' }]);
  });

  it('names the real server the report names for an entry\'s own', () => {
    const known = { ip: null, port: 80 };
    const entries: ConnectionEntry[] = [{ proto: 'tcp', cip: '10.0.0.1', cport: 1, client: '10.0.0.1:1', virtual: '10.0.0.2:80', rs: known, firstN: 1, lastN: 2, state: 'CLOSE' }];
    const write = connectionRowsWriter<ConnectionEntry>((rs) => (rs === known ? { ip: '10.0.0.11', port: 80 } : rs));
    expect(JSON.parse(written(jsonLines({ x: entries }, {}, { x: write }))).x[0].realServer).toEqual({ ip: '10.0.0.11', port: 80 });
  });
});
