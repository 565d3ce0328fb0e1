import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { compareIp, sortedByIp } from '../../src/model/packet.js';

describe('sortedByIp', () => {
  it('orders addresses exactly as sorting with compareIp does (IPv4 by value, the rest after it by text, ties kept in place)', () => {
    const address = fc.oneof(
      fc.ipV4(), fc.ipV6(),
      fc.constantFrom('?', '', '01.2.3.4', '1.2.3.4', '1.2.3', '1.2.3.4.5', '256.1.1.1', '1.2.3.-0', 'fe80::1', '00:0c:29:aa:00:10'),
      fc.string(),
    );
    fc.assert(fc.property(fc.array(address, { maxLength: 200 }), (ips) => {
      expect(sortedByIp(ips)).toEqual([...ips].sort(compareIp));
      expect(sortedByIp(new Set(ips))).toEqual([...new Set(ips)].sort(compareIp));
    }), { numRuns: 200 });
  });

  it('reads a dotted quad as Number() reads each of its parts, whatever its spelling', () => {
    // The order the split-and-Number() reading gave (the fast reading of plain quads must agree).
    const ips = ['10.0.0.2', '9.255.255.255', '010.0.0.1', '1..2.3', ' 1.2.3.4', '1.2.3.256', '::1', 'a.b.c.d', '1.2.3', '0x1.0.0.0',
      '255.255.255.255', '1.2.3.4.', '0.0.0.0', '1e2.0.0.1'];
    expect(sortedByIp(ips)).toEqual(['0.0.0.0', '0x1.0.0.0', '1..2.3', ' 1.2.3.4', '9.255.255.255', '010.0.0.1', '10.0.0.2', '1e2.0.0.1',
      '255.255.255.255', '1.2.3', '1.2.3.256', '1.2.3.4.', '::1', 'a.b.c.d']);
  });
});
