/**
 * What the director's copy changed, as the mark on its hop in the ladder ("dst MAC → WEB1", or
 * "dMAC→WEB1" where the ladder is narrow) and as a sentence under the explanation, in English
 * and Chinese. One row per forwarding method (Records over ForwardingMethod, so a new method
 * cannot be left out); the method's other facts are src/ipvs/methods.ts.
 */
import { TUNNEL_WORDS, type Lang } from '../annotate/index.js';
import type { ForwardingMethod } from '../ipvs/report.js';
import type { FrameFacts } from '../model/index.js';

type Flow = NonNullable<FrameFacts['flow']>;
/** What a hop's words are made from: the frame, its flow, the real server's name, the language. */
interface Hop { readonly facts: FrameFacts; readonly flow: Flow; readonly rs: string; readonly zh: boolean }

/** The mark on the forward's arrow. */
const FORWARD_MARK: Readonly<Record<ForwardingMethod, (h: Hop) => string>> = {
  dr: ({ rs, zh }) => (zh ? `目的 MAC → ${rs}` : `dst MAC → ${rs}`),
  nat: ({ flow, rs, zh }) => (zh ? `目的 IP → ${flow.realServer ?? rs}` : `dst IP → ${flow.realServer ?? rs}`),
  tun: ({ facts, rs, zh }) => (zh ? `+${tunnelWord(facts)} 外层 → ${rs}` : `+${tunnelWord(facts)} outer → ${rs}`),
  fullnat: ({ rs, zh }) => (zh ? `源+目的 IP → ${rs}` : `src+dst IP → ${rs}`),
  unknown: ({ rs }) => `→ ${rs}`,
};

/** The same where the ladder is narrow (the TUI). */
const FORWARD_MARK_NARROW: Readonly<Record<ForwardingMethod, (h: Hop) => string>> = {
  dr: ({ rs }) => `dMAC→${rs}`,
  nat: ({ flow, rs }) => `dIP→${flow.rsIp ?? rs}`,
  tun: ({ facts, rs }) => `+${tunnelWord(facts)}→${rs}`,
  fullnat: ({ rs }) => `sIP+dIP→${rs}`,
  unknown: ({ rs }) => `→${rs}`,
};

/** The mark on a NAT reply's arrow (the director put the VIP back, or for FULLNAT both addresses). */
const REPLY_MARK: Readonly<Record<ForwardingMethod, (h: Hop, narrow: boolean) => string>> = {
  dr: natReplyMark,
  nat: natReplyMark,
  tun: natReplyMark,
  fullnat: (h, narrow) => (narrow ? 'sIP+dIP→client' : h.zh ? '源+目的 IP → 客户端' : 'src+dst IP → client'),
  unknown: natReplyMark,
};

function natReplyMark(h: Hop, narrow: boolean): string {
  if (narrow) return 'sIP→VIP';
  return h.zh ? `源 IP → VIP ${h.flow.vip}` : `src IP → VIP ${h.flow.vip}`;
}

/** The hop in one sentence; null where the method's hop cannot be told. */
const HOP_SENTENCE: Readonly<Record<ForwardingMethod, (h: Hop) => string | null>> = {
  dr: ({ facts, rs, zh }) => (zh
    ? `Director 这一跳：目的 MAC → ${facts.dstMac}（${rs}），源 MAC → ${facts.srcMac}（Director），IP 地址和端口不变`
    : `director's hop: dst MAC → ${facts.dstMac} (${rs}'s), src MAC → ${facts.srcMac} (the director's); IP addresses and ports unchanged`),
  nat: ({ flow, rs, zh }) => (zh
    ? `Director 这一跳：目的 IP ${flow.vip} → ${flow.rsIp ?? '?'}（${rs}）`
    : `director's hop: dst IP ${flow.vip} → ${flow.rsIp ?? '?'} (${rs})`),
  tun: ({ facts, rs, zh }) => (zh
    ? `Director 这一跳：加上外层 IP 头 ${facts.outer?.src ?? '?'} → ${facts.outer?.dst ?? '?'}（${rs}），内层不变`
    : `director's hop: new outer IP header ${facts.outer?.src ?? '?'} → ${facts.outer?.dst ?? '?'} (${rs}); inner packet unchanged`),
  fullnat: ({ facts, rs, zh }) => (zh
    ? `Director 这一跳：源 IP → ${facts.src}，目的 IP → ${facts.dst}（${rs}）`
    : `director's hop: src IP → ${facts.src}, dst IP → ${facts.dst} (${rs})`),
  unknown: () => null,
};

/**
 * The short mark on the arrow, or null for a frame that is not a director's rewrite. `narrow`:
 * the TUI ladder's compact form.
 */
export function rewriteMark(facts: FrameFacts, rsName: string, lang: Lang, narrow = false): string | null {
  const flow = facts.flow;
  if (flow === null || facts.srcRole !== 'director') return null;
  const h: Hop = { facts, flow, rs: rsName, zh: lang === 'zh' };
  if (facts.step === 'director-forward' || facts.step === 'tunnel') return (narrow ? FORWARD_MARK_NARROW : FORWARD_MARK)[flow.method](h);
  if (facts.step === 'director-reply') return REPLY_MARK[flow.method](h, narrow);
  return null;
}

/**
 * The hop in one sentence: which header fields the director changed and which it kept (the TUI's
 * detail pane and the report page). `rsName` is the real server's name (WEB1) or address.
 */
export function hopSentence(facts: FrameFacts, rsName: string, lang: Lang): string | null {
  const flow = facts.flow;
  if (flow === null || facts.srcRole !== 'director' || (facts.step !== 'director-forward' && facts.step !== 'tunnel')) return null;
  return HOP_SENTENCE[flow.method]({ facts, flow, rs: rsName, zh: lang === 'zh' });
}

/** "IPIP", "GRE", "GUE": the first word of the tunnel's name. */
function tunnelWord(facts: FrameFacts): string {
  const k = facts.outer?.kind;
  return k === undefined ? 'IPIP' : TUNNEL_WORDS.en[k].split(' ')[0]!;
}
