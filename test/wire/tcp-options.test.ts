/**
 * TcpView.options(): the shortcut for Linux's usual NOP, NOP, timestamps layout must give what
 * the general option walk gives, and anything else must still take the walk.
 */
import { describe, expect, it } from 'vitest';
import { TcpView } from '../../src/wire/tcp.js';

const hex = (...rows: string[]): Uint8Array => Uint8Array.from(Buffer.from(rows.join('').replace(/\s+/g, ''), 'hex'));
const FIXED = 'a93c 0050 6de79a1b 00000001 %s 10 01f6 0000 0000';
const header = (dataOffset: number, options: string): Uint8Array => hex(FIXED.replace('%s', (dataOffset << 4).toString(16)), options);

function optionsOf(bytes: Uint8Array): { options: unknown; bad: string[] } {
  const bad: string[] = [];
  const v = new TcpView().reset(bytes, 0, bytes.length);
  const options = v.options((at, message) => bad.push(`${at}: ${message}`));
  return { options, bad };
}

describe('TCP options', () => {
  it('reads NOP, NOP, timestamps (the usual segment) with values above 2^31', () => {
    const { options, bad } = optionsOf(header(8, '01 01 080a 8000_0001 ffff_fffe'.replace(/_/g, '')));
    expect(options).toEqual([{ kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', tsval: 0x8000_0001, tsecr: 0xffff_fffe }]);
    expect(bad).toEqual([]);
  });

  it('gives fresh arrays: a kept options list is not overwritten by the next header', () => {
    const v = new TcpView();
    const syn = header(10, '020405b4 0402 080a 00000001 00000000 01 030307');
    const first = v.reset(syn, 0, syn.length).options(() => {});
    const other = header(6, '01 01 0402');
    const second = v.reset(other, 0, other.length).options(() => {});
    expect(first).toEqual([
      { kind: 'mss', value: 1460 }, { kind: 'sackOk' }, { kind: 'ts', tsval: 1, tsecr: 0 }, { kind: 'nop' }, { kind: 'wscale', value: 7 },
    ]);
    expect(first).toHaveLength(5);
    expect(second).toEqual([{ kind: 'nop' }, { kind: 'nop' }, { kind: 'sackOk' }]);
  });

  it('walks the options when the NOP, NOP, timestamps start is followed by more', () => {
    // 16 option bytes: NOP NOP TS, then SACK-permitted and two NOPs.
    const { options, bad } = optionsOf(header(9, '01 01 080a 00000005 00000006 0402 0101'));
    expect(options).toEqual([
      { kind: 'nop' }, { kind: 'nop' }, { kind: 'ts', tsval: 5, tsecr: 6 }, { kind: 'sackOk' }, { kind: 'nop' }, { kind: 'nop' },
    ]);
    expect(bad).toEqual([]);
  });

  it('reports a timestamp of the wrong length in the usual place instead of taking the shortcut', () => {
    // NOP NOP, kind 8 with length 9 (timestamps are 10), then EOL: 12 option bytes, as the usual layout.
    const { options, bad } = optionsOf(header(8, '01 01 0809 0000000a 000000 00'));
    expect(options).toEqual([{ kind: 'nop' }, { kind: 'nop' }, { kind: 'unknown', code: 8, data: '0000000a000000' }, { kind: 'eol' }]);
    expect(bad).toEqual(['22: TCP option kind 8 has length 9, not its fixed length']);
  });
});
