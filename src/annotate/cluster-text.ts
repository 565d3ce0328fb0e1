/**
 * The cluster's words in English and Chinese: why a service's forwarding method is what it is,
 * the scheduler verdict, tunnel names, and the report with every sentence in one language.
 * As with findings, the English must read as the model's own (a test holds them together).
 */
import type { ClusterReport, ForwardingMethod, SchedulerReport } from '../ipvs/report.js';
import type { Summary, TunnelKind } from '../model/index.js';
import { localizeFindings } from './findings.js';
import type { Lang } from './labels.js';

export const TUNNEL_WORDS: Readonly<Record<Lang, Readonly<Record<TunnelKind, string>>>> = {
  en: {
    ipip: 'IPIP (IP protocol 4)', ip4ip6: 'IPv4-in-IPv6 (next header 4)', gre: 'GRE (IP protocol 47)', gue: 'GUE (UDP)',
    sit: 'IPv6-in-IPv4 (protocol 41)', ip6ip6: 'IPv6-in-IPv6',
  },
  zh: {
    ipip: 'IPIP（IP 协议号 4）', ip4ip6: 'IPv4-in-IPv6（下一报头 4）', gre: 'GRE（IP 协议号 47）', gue: 'GUE（UDP 封装）',
    sit: 'IPv6-in-IPv4（协议号 41）', ip6ip6: 'IPv6-in-IPv6',
  },
};

/** The counters the method is inferred from (a service's engine state). */
export interface MethodCounts {
  readonly dr: number;
  readonly nat: number;
  readonly natReply: number;
  readonly tun: number;
  readonly fullnat: number;
  readonly tunnelKinds: ReadonlySet<TunnelKind>;
}

/** Why the method is what it is (or unknown), one sentence per kind of evidence. */
export function methodEvidenceText(s: MethodCounts, method: ForwardingMethod, lang: Lang): string[] {
  const zh = lang === 'zh';
  const out: string[] = [];
  if (s.dr > 0) {
    out.push(zh
      ? `${s.dr} 个客户端报文出现了两次：先发往 Director 的 MAC，再由 Director 发往某台 Real Server 的 MAC，IP 头除 TTL 减 1 外没有变化（DR）`
      : `${s.dr} client packets seen twice: to the director's MAC, then from the director to a real server's MAC with the IP header unchanged except TTL−1 (DR)`);
  }
  if (s.nat > 0) {
    out.push(zh
      ? `${s.nat} 个客户端报文被 Director 把目标地址从 VIP 改成了 Real Server 的地址（NAT）`
      : `${s.nat} client packets rewritten by the director from the VIP to a real server's address (NAT)`);
  }
  if (s.natReply > 0) {
    out.push(zh
      ? `${s.natReply} 个响应被 Director 把源地址从 Real Server 的地址改回了 VIP（NAT）`
      : `${s.natReply} replies rewritten by the director from the real server's address back to the VIP (NAT)`);
  }
  if (s.tun > 0) {
    const kinds = [...s.tunnelKinds].sort().map((k) => TUNNEL_WORDS[lang][k]).join(zh ? '、' : ', ');
    out.push(zh
      ? `${s.tun} 个客户端报文被 Director 封装后发往 Real Server（${kinds}），内层的客户端→VIP 报文保持不变（TUN）`
      : `${s.tun} client packets encapsulated from the director to a real server (${kinds}) with the client→VIP packet inside unchanged (TUN)`);
  }
  if (s.fullnat > 0) {
    out.push(zh
      ? `${s.fullnat} 个报文从 Director 的本地地址发往 Real Server，并在 TCP 选项 254（TOA）中带上客户端地址（FULLNAT）`
      : `${s.fullnat} packets sent from a director local address to a real server, carrying the client in TCP option 254 (TOA) (FULLNAT)`);
  }
  if (method === 'unknown') {
    out.push(zh
      ? '抓包里只有客户端→VIP 的报文：没有转发后的副本、隧道报文或改写过的响应，无法判断转发模式；请在能看到 Director 发出报文的位置抓包'
      : 'only client→VIP packets are visible: no forwarded copy, tunnel or rewritten reply is in the capture, so the forwarding method cannot be told; capture where the director\'s output is visible too');
  }
  return out;
}

const SCHEDULER_VERDICT = {
  en: { ambiguous: 'ambiguous', unknown: 'unknown', confidence: 'confidence' },
  zh: { ambiguous: '无法确定', unknown: '未知', confidence: '置信度' },
} as const;

/** "rr", or the verdict when no scheduler stands out, in words. */
export function schedulerWord(s: SchedulerReport, lang: Lang): string {
  return s.name === 'ambiguous' || s.name === 'unknown' ? SCHEDULER_VERDICT[lang][s.name] : s.name;
}

export function confidenceWord(lang: Lang): string {
  return SCHEDULER_VERDICT[lang].confidence;
}

/**
 * The report with its sentences (finding messages, method evidence) in `lang`. Everything a
 * script keys on (codes, names such as 'ambiguous', addresses, params) stays as it is.
 */
export function localizeReport(summary: Summary, lang: Lang): ClusterReport {
  const r = summary.report;
  return {
    ...r,
    services: r.services.map((svc) => {
      const state = summary.services.find((x) => x.report === svc)?.state;
      return state === undefined || svc.methodEvidence === undefined
        ? svc
        : { ...svc, methodEvidence: methodEvidenceText(state, svc.method, lang) };
    }),
    findings: localizeFindings(r.findings, lang),
  };
}
