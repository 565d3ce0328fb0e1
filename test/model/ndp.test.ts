/**
 * NDP where IPv4 uses ARP (issue 13): neighbour solicitations and advertisements reach the model
 * in ARP's terms (who asks for which address, which MAC answers), with the same roles and
 * sentences under NDP's name. Public captures: Cilium's L2 announcement of a service address
 * (tc_l2_announce6 test packets) and Zeek's ICMPv6 trace (advertisements without the link-layer
 * option).
 */
import { describe, expect, it } from 'vitest';
import { explainFrames } from '../../src/annotate/index.js';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { thirdparty } from '../helpers/paths.js';

function run(path: string) {
  const frames = [...openFrames([path])];
  const s = analyzeFrames(frames, { files: [path] });
  return { s, en: [...explainFrames(frames, s, 'en')], zh: [...explainFrames(frames, s, 'zh')] };
}

describe('a service address announced by NDP (Cilium\'s L2 announcement)', () => {
  const { en, zh } = run(thirdparty('cilium', 'cilium-l2-announce6.pcap'));
  it('solicitations are requests to the solicited-node multicast group, advertisements replies naming the MAC', () => {
    expect(en.map((e) => [e.explanation.step, e.facts.summary])).toEqual([
      ['arp-request', 'NDP who has fd10::1? tell 2001::1'],
      ['arp-reply', 'NDP fd10::1 is at 13:37:13:37:13:37'],
      ['arp-request', 'NDP who has fd10::1? tell 2001::1'],
      ['arp-reply', 'NDP fd10::1 is at 13:37:13:37:13:37'],
    ]);
    expect(en[0]!.explanation.dstRole).toBe('broadcast');
    expect(en[0]!.explanation.text).toBe('2001::1 asks by NDP: who has fd10::1? tell 2001::1');
    expect(en[1]!.explanation.text).toMatch(/answers: fd10::1 is at …:37:13:37$/);
    for (const e of [...en, ...zh]) expect(e.explanation.text).not.toMatch(/\bARP\b|ICMPv6 type 13[56]/);
  });
});

describe('advertisements without a link-layer option (Zeek\'s ICMPv6 trace)', () => {
  const { en } = run(thirdparty('zeek', 'icmp6.pcap'));
  it('take the MAC from the frame: never "is at" nothing', () => {
    const replies = en.filter((e) => e.explanation.step === 'arp-reply');
    expect(replies.length).toBeGreaterThan(0);
    for (const e of replies) expect(e.facts.summary).toMatch(/ is at [0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
  });
});
