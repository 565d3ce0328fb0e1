import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseIPv4 } from '../../src/ipvs/address.js';
import { ipv4FromQuad, parseIpv4 } from '../../src/wire/address.js';

/** The rule as the parsers wrote it before there was one of them: four parts of 1–3 digits, each at most 255. */
function byParts(text: string): number {
  const parts = text.split('.');
  if (parts.length !== 4) return NaN;
  let v = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return NaN;
    const n = Number(p);
    if (n > 255) return NaN;
    v = v * 256 + n;
  }
  return v;
}

describe('ipv4FromQuad, the one dotted-quad parser', () => {
  it('reads exactly the dotted quads the split-and-test rule reads, to the same value', () => {
    const digitsAndDots = fc.string({ unit: fc.constantFrom('0', '1', '2', '5', '9', '.'), maxLength: 18 });
    const text = fc.oneof(fc.ipV4(), digitsAndDots, fc.string(), fc.constantFrom('', '.', '1.2.3.4.', '.1.2.3', '256.0.0.1', '0001.2.3.4', '1..2.3', ' 1.2.3.4', '1.2.3.4 '));
    fc.assert(fc.property(text, (t) => {
      expect(ipv4FromQuad(t)).toEqual(byParts(t));
    }), { numRuns: 2000 });
  });

  it('gives the same answer through the cached parser and the kernel-side one', () => {
    for (const t of ['192.168.23.100', '255.255.255.255', '0.0.0.0', '010.0.0.1', '1.2.3', 'fe80::1', '1.2.3.256']) {
      const v = byParts(t);
      expect(parseIpv4(t)).toEqual(v);
      expect(parseIPv4(t)).toBe(Number.isNaN(v) ? null : v);
    }
    expect(ipv4FromQuad('255.255.255.255')).toBe(0xffffffff);
  });
});
