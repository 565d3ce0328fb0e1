import { describe, expect, it } from 'vitest';
import { AddressIds } from '../../src/model/flow-table.js';

describe('AddressIds.fed: the reading side\'s numbers map to the same ids as the texts', () => {
  it('gives each address one id, whether asked by text or by a number the reading side gave it', () => {
    const byText = new AddressIds();
    const mixed = new AddressIds();
    const texts = Array.from({ length: 1000 }, (_, i) => `10.${i >> 8}.${i & 255}.1`);
    // Reading-side numbers from 1 (0 is "no address"), sparse and beyond the first table's size.
    const fedIdOf = (i: number): number => 3 * i + 1;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < texts.length; i++) {
        const want = byText.id(texts[i]!);
        // Some packets come with a number, some without (decoded frames): one id either way.
        const got = (i + round) % 3 === 0 ? mixed.id(texts[i]!) : mixed.fed(fedIdOf(i), texts[i]!);
        expect(got, texts[i]).toBe(want);
      }
    }
    expect(mixed.fed(-1, '10.0.0.1')).toBe(byText.id('10.0.0.1'));
    expect(mixed.fed(0, '')).toBe(mixed.id(''));
  });
});
