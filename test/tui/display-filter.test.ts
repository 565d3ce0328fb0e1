import { describe, expect, test } from 'vitest';
import { openFrames } from '../../src/decode/index.js';
import type { DecodedFrame } from '../../src/wire/records.js';
import { parseDisplayFilter } from '../../src/tui/data/display-filter.js';
import { WORDS } from '../../src/tui/words.js';
import { SEED, seedSession } from './fixtures.js';

const session = seedSession();
const decoded: DecodedFrame[] = [];
{
  const src = openFrames([SEED]);
  try { for (const f of src) decoded.push(f); } finally { src.close(); }
}

function shown(filter: string): number[] {
  const set = session.filter(filter);
  expect(set.error).toBeUndefined();
  return Array.from({ length: set.count }, (_, k) => set.at(k));
}
function truth(pred: (f: DecodedFrame) => boolean): number[] {
  return decoded.filter(pred).map((f) => f.n);
}
const layer = <T extends DecodedFrame['layers'][number]['type']>(f: DecodedFrame, t: T) =>
  f.layers.find((l) => l.type === t) as Extract<DecodedFrame['layers'][number], { type: T }> | undefined;

describe('TUI display filter, tshark words', () => {
  test('fields and operators select the frames tshark would', () => {
    const ip = (f: DecodedFrame) => layer(f, 'ipv4');
    const tcp = (f: DecodedFrame) => layer(f, 'tcp');
    expect(shown('ip.addr==172.16.0.100')).toEqual(truth((f) => ip(f)?.src === '172.16.0.100' || ip(f)?.dst === '172.16.0.100'));
    expect(shown('ip.src == 192.168.23.80')).toEqual(truth((f) => ip(f)?.src === '192.168.23.80'));
    expect(shown('ip.dst==192.168.23.0/24 && tcp')).toEqual(truth((f) => tcp(f) !== undefined && (ip(f)?.dst ?? '').startsWith('192.168.23.')));
    expect(shown('eth.addr==02:aa:00:00:01:01')).toEqual(truth((f) => { const e = layer(f, 'eth'); return e?.src === '02:aa:00:00:01:01' || e?.dst === '02:aa:00:00:01:01'; }));
    expect(shown('tcp.port==80')).toEqual(truth((f) => tcp(f)?.srcPort === 80 || tcp(f)?.dstPort === 80));
    expect(shown('tcp.flags.syn==1 and not tcp.flags.ack==1')).toEqual(truth((f) => tcp(f) !== undefined && (tcp(f)!.flagBits & 0x12) === 0x02));
    expect(shown('arp')).toEqual(truth((f) => layer(f, 'arp') !== undefined));
    expect(shown('frame.number>=10 and frame.number<13')).toEqual([10, 11, 12]);
    expect(shown('frame.number==3 || (frame.number > 84 && !tcp)')).toEqual([3, ...truth((f) => f.n > 84 && tcp(f) === undefined)]);
    expect(shown('udp.port==53')).toEqual(truth((f) => { const u = layer(f, 'udp'); return u?.srcPort === 53 || u?.dstPort === 53; }));
    expect(shown('arp')).not.toHaveLength(0);
  });

  test("the TUI's own words still work, alone and inside an expression", () => {
    const web1 = shown('WEB1');
    expect(web1.length).toBeGreaterThan(0);
    expect(shown('WEB1 and arp')).toEqual(web1.filter((n) => layer(decoded[n - 1]!, 'arp') !== undefined));
  });

  test('a filter that does not parse says where, in both languages, and shows nothing', () => {
    const bad = session.filter('ip.addr==');
    expect(bad.count).toBe(0);
    expect(bad.error).toEqual({ at: 9, code: 'expected-value', token: '' });
    expect(WORDS.en.badFilter(bad.error!)).toBe('Filter syntax error at column 10 (end): a value is missing after the operator.');
    expect(WORDS.zh.badFilter(bad.error!)).toContain('第 10 列');
    const field = parseDisplayFilter('ip.adr==1.2.3.4');
    expect(field.ok ? null : field.error).toEqual({ at: 0, code: 'unknown-field', token: 'ip.adr' });
    const kw = parseDisplayFilter('ip.addr== and tcp');
    expect(kw.ok ? null : kw.error).toEqual({ at: 10, code: 'expected-value', token: 'and' });
    const paren = parseDisplayFilter('(tcp or arp');
    expect(paren.ok ? null : paren.error.code).toBe('expected-close');
    const op = parseDisplayFilter('ip.addr > 1.2.3.4');
    expect(op.ok ? null : op.error).toEqual({ at: 8, code: 'bad-op', token: '>' });
    expect(WORDS.zh.badFilter({ at: 0, code: 'bad-op', token: '>' })).toContain('地址只能用 == 和 !=');
  });
});
