/** The ladder's headings at narrow widths: short role words, and a cut name marked as cut. */
import { describe, expect, it } from 'vitest';
import { ladderGeometry, ladderHeading } from '../../src/tui/components/Ladder.js';
import type { Actor } from '../../src/tui/data/types.js';

const actor = (kind: Actor['kind'], label: string): Actor => ({ key: `${kind}:${label}`, kind, label } as unknown as Actor);
const ACTORS = [actor('client', '172.16.0.100'), actor('gateway', '192.168.23.1'), actor('director', '192.168.23.99'), actor('real-server', 'WEB1'), actor('other', '192.168.23.254')];

describe('ladder headings', () => {
  it('at 40 columns: the roles\' short words, whole names, and a name too long cut with …', () => {
    const h = ladderHeading(ACTORS, ladderGeometry(ACTORS.length, 40), 'en');
    expect(h.trim().split(/\s+/)).toEqual(['cli', 'gw', 'dir', 'WEB1', '192.…']);
  });
  it('in Chinese too, by display cells', () => {
    const h = ladderHeading(ACTORS, ladderGeometry(ACTORS.length, 40), 'zh');
    expect(h.trim().split(/\s+/)).toEqual(['客户', '网关', 'Dir', 'WEB1', '192.…']);
  });
  it('wide enough, the full words', () => {
    const h = ladderHeading(ACTORS.slice(0, 4), ladderGeometry(4, 80), 'en');
    expect(h.trim().split(/\s+/)).toEqual(['client', 'gateway', 'director', 'WEB1']);
  });
});
