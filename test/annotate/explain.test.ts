import { describe, expect, it } from 'vitest';
import { explainFrames, type ExplainedFrame } from '../../src/annotate/index.js';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { wrapText } from '../../src/present/analyze-wrap.js';
import { DR, FrameScript, NAT, drArp, drConnection, natConnection } from '../helpers/frames.js';

const SEED = 'captures/seed-dr-kernel.pcap';

function explainSeed(lang: 'en' | 'zh'): ExplainedFrame[] {
  const s = analyzeFrames(openFrames([SEED]), { files: [SEED] });
  return [...explainFrames(openFrames([SEED]), s, lang)];
}

describe('seed walkthrough, English', () => {
  const ex = explainSeed('en');
  const at = (n: number) => ex[n - 1]!.explanation;

  it('explains every frame, numbered as Wireshark numbers them', () => {
    expect(ex).toHaveLength(86);
    expect(ex.map((e) => e.explanation.n)).toEqual(Array.from({ length: 86 }, (_, i) => i + 1));
    expect(ex.every((e) => e.explanation.text.length > 10)).toBe(true);
  });

  it('frame 1: the gateway asks ARP for the VIP', () => {
    expect(at(1)).toEqual({
      n: 1, srcRole: 'gateway', dstRole: 'broadcast', step: 'arp-request',
      text: "the gateway 192.168.23.1 must deliver the client's request to VIP 192.168.23.100, so it broadcasts ARP: who has 192.168.23.100?",
    });
  });

  it('frame 2: the director answers with …:06:13:ea', () => {
    expect(at(2).text).toBe('the director answers: VIP 192.168.23.100 is at its MAC (…:06:13:ea)');
    expect([at(2).srcRole, at(2).dstRole]).toEqual(['director', 'gateway']);
  });

  // Four connections cannot tell rr from wrr, lc or wlc: the cluster section says "ambiguous", so
  // the frames name the candidates instead of rr (one answer in every view).
  it('frame 3: the DNAT\'d SYN, handshake 1/3, and the director picks WEB1 (scheduler undecided)', () => {
    expect(at(3).step).toBe('handshake-1');
    expect(at(3).text).toContain('(handshake 1/3), CIP 172.16.0.100:44942 → VIP 192.168.23.100:80');
    expect(at(3).text).toContain("source MAC the gateway's, destination MAC the director's");
    expect(at(3).text).toContain('the director picks WEB1 (scheduler undecided: rr, wrr, lc or wlc)');
    expect(at(3).text).not.toContain('rr picks');
  });

  it('frame 6: the director rewrote only the destination MAC (not a retransmission)', () => {
    expect(at(6).step).toBe('director-forward');
    expect(at(6).text).toBe("the director picked WEB1 by rr, wrr, lc or wlc (undecided) and rewrote only the destination MAC to WEB1's (…:00:01:01), TTL 63→62; the IP header is otherwise unchanged. Wireshark calls this a retransmission; it is the director's hop");
  });

  it('frames 7, 9, 10, 11: ARP for the gateway, SYN-ACK straight to the gateway, handshake 3/3, dup-ACK is the hop', () => {
    expect(at(7).text).toBe('WEB1 asks ARP for its gateway 192.168.23.1, to send its reply');
    expect(at(9)).toMatchObject({ step: 'handshake-2', srcRole: 'real-server', dstRole: 'gateway' });
    expect(at(9).text).toBe('WEB1 sends the SYN-ACK (handshake 2/3) straight to the gateway with source VIP 192.168.23.100');
    expect(at(10).step).toBe('handshake-3');
    expect(at(11).text).toContain('Wireshark calls this a duplicate ACK; it is the director\'s hop');
  });

  it('frame 25: a new connection; the director picks WEB2; frame 28 goes to WEB2', () => {
    expect(at(25).text).toContain('connection #2, the director picks WEB2 (scheduler undecided');
    expect(at(28).text).toContain('picked WEB2 by rr, wrr, lc or wlc (undecided)');
  });
});

describe('seed walkthrough, Chinese', () => {
  const ex = explainSeed('zh');
  const at = (n: number) => ex[n - 1]!.explanation.text;
  it('is complete and in Chinese', () => {
    expect(ex).toHaveLength(86);
    expect(ex.every((e) => /[\u4e00-\u9fff]/.test(e.explanation.text))).toBe(true);
  });
  it('frames 1, 3, 6, 9 in the walkthrough\'s words', () => {
    expect(at(1)).toBe('网关 192.168.23.1 要把客户端的请求发往 VIP 192.168.23.100，所以广播 ARP 请求：谁拥有 192.168.23.100？');
    expect(at(3)).toContain('SYN（第一次握手）发给 Director');
    expect(at(6)).toContain('Director 用 rr、wrr、lc 或 wlc（尚无定论）挑选出 WEB1，只把目标 MAC 改成 WEB1 的');
    expect(at(9)).toContain('WEB1 把第二次握手的回应（SYN-ACK）直接发给网关');
  });
});

describe('other methods and plain frames', () => {
  it('NAT: the director rewrites the destination and the reply source', () => {
    const s = new FrameScript();
    natConnection(s, { cport: 50001, rs: NAT.rs[0] });
    const sum = analyzeFrames(s.frames, { files: [] });
    const ex = [...explainFrames(s.frames, sum, 'en')].map((e) => e.explanation);
    // One connection cannot show a scheduler, so none is named.
    // The rewritten copy is another TCP stream to Wireshark (another destination): it flags nothing.
    expect(ex[1]!.text).toBe('the director picked WEB1 (scheduler undecided) and rewrote the SYN\'s destination VIP 10.0.0.100:80 to 192.168.1.11:8080 (NAT) and forwards it, TTL 60→59');
    expect(ex[3]!).toMatchObject({ step: 'director-reply', srcRole: 'director' });
    expect(ex[3]!.text).toBe('the director rewrites WEB1\'s reply to come from VIP 10.0.0.100:80 and sends it on to the client 203.0.113.5:50001');
  });

  it('--name overrides the default WEBn names', () => {
    const s = new FrameScript();
    drArp(s, 2);
    drConnection(s, { cport: 1, rs: DR.rs[0] });
    const sum = analyzeFrames(s.frames, { files: [], names: new Map([[DR.rs[0].ip, 'alpha']]) });
    const texts = [...explainFrames(s.frames, sum, 'en')].map((e) => e.explanation.text);
    expect(texts.some((t) => t.startsWith("the director picked alpha (scheduler undecided) and rewrote only the destination MAC to alpha's"))).toBe(true);
    expect(sum.report.hosts.find((h) => h.ip === DR.rs[0].ip)!.name).toBe('alpha');
  });

  it('non-LVS traffic gets a short plain label', () => {
    const s = new FrameScript();
    drArp(s, 1);
    drConnection(s, { cport: 1, rs: DR.rs[0] });
    s.tcp({ srcMac: '02:00:00:00:00:09', dstMac: DR.gwMac, src: '192.168.23.50', dst: '192.168.23.1', sport: 22, dport: 51000, flags: 'PA', payload: 40 });
    const sum = analyzeFrames(s.frames, { files: [] });
    const last = [...explainFrames(s.frames, sum, 'en')].pop()!.explanation;
    expect(last.step).toBe('other');
    expect(last.text).toBe('not LVS traffic: TCP 192.168.23.50:22 → 192.168.23.1:51000 [PSH, ACK] len 40');
  });

  it('wraps Chinese by display width', () => {
    expect(wrapText('网关回应：192.168.23.1 在', 12)).toEqual(['网关回应：', '192.168.23.1', '在']);
    expect(wrapText('the director answers', 12)).toEqual(['the director', 'answers']);
    expect(wrapText('abcdefghij', 4)).toEqual(['abcd', 'efgh', 'ij']);
  });
});
