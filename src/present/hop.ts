/**
 * What the director's copy changed, as the mark on its hop in the ladder ("dst MAC → WEB1") and
 * as a sentence under the explanation, in English and Chinese.
 */
import type { Lang } from '../annotate/index.js';
import { TUNNEL_NAMES, type FrameFacts } from '../model/index.js';

/** The short mark on the arrow, or null for a frame that is not a director's rewrite. */
export function rewriteMark(facts: FrameFacts, rsName: string, lang: Lang): string | null {
  const flow = facts.flow;
  if (flow === null || facts.srcRole !== 'director') return null;
  const zh = lang === 'zh';
  if (facts.step === 'director-forward' || facts.step === 'tunnel') {
    switch (flow.method) {
      case 'dr': return zh ? `目的 MAC → ${rsName}` : `dst MAC → ${rsName}`;
      case 'nat': return zh ? `目的 IP → ${flow.realServer ?? rsName}` : `dst IP → ${flow.realServer ?? rsName}`;
      case 'tun': return zh ? `+${tunnelWord(facts)} 外层 → ${rsName}` : `+${tunnelWord(facts)} outer → ${rsName}`;
      case 'fullnat': return zh ? `源+目的 IP → ${rsName}` : `src+dst IP → ${rsName}`;
      default: return `→ ${rsName}`;
    }
  }
  if (facts.step === 'director-reply') {
    if (flow.method === 'fullnat') return zh ? `源+目的 IP → 客户端` : 'src+dst IP → client';
    return zh ? `源 IP → VIP ${flow.vip}` : `src IP → VIP ${flow.vip}`;
  }
  return null;
}

/**
 * The hop in one sentence: which header fields the director changed and which it kept (the TUI's
 * detail pane and the report page). `rsName` is the real server's name (WEB1) or address.
 */
export function hopSentence(facts: FrameFacts, rsName: string, lang: Lang): string | null {
  const flow = facts.flow;
  if (flow === null || facts.srcRole !== 'director' || (facts.step !== 'director-forward' && facts.step !== 'tunnel')) return null;
  const rs = rsName;
  const zh = lang === 'zh';
  switch (flow.method) {
    case 'dr': return zh
      ? `Director 这一跳：目的 MAC → ${facts.dstMac}（${rs}），源 MAC → ${facts.srcMac}（Director），IP 地址和端口不变`
      : `director's hop: dst MAC → ${facts.dstMac} (${rs}'s), src MAC → ${facts.srcMac} (the director's); IP addresses and ports unchanged`;
    case 'nat': return zh
      ? `Director 这一跳：目的 IP ${flow.vip} → ${flow.rsIp ?? '?'}（${rs}）`
      : `director's hop: dst IP ${flow.vip} → ${flow.rsIp ?? '?'} (${rs})`;
    case 'tun': return zh
      ? `Director 这一跳：加上外层 IP 头 ${facts.outer?.src ?? '?'} → ${facts.outer?.dst ?? '?'}（${rs}），内层不变`
      : `director's hop: new outer IP header ${facts.outer?.src ?? '?'} → ${facts.outer?.dst ?? '?'} (${rs}); inner packet unchanged`;
    case 'fullnat': return zh
      ? `Director 这一跳：源 IP → ${facts.src}，目的 IP → ${facts.dst}（${rs}）`
      : `director's hop: src IP → ${facts.src}, dst IP → ${facts.dst} (${rs})`;
    default: return null;
  }
}

/** "IPIP", "GRE", "GUE": the first word of the tunnel's name. */
function tunnelWord(facts: FrameFacts): string {
  const k = facts.outer?.kind;
  return k === undefined ? 'IPIP' : TUNNEL_NAMES[k].split(' ')[0]!;
}
