/**
 * The cluster's words in English and Chinese: why a service's forwarding method is what it is,
 * the scheduler verdict, tunnel names, and the report with every sentence in one language.
 * As with findings, the English must read as the model's own (a test holds them together).
 */
import { methodEvidenceText, TUNNEL_WORDS, type MethodCounts } from '../ipvs/methods.js';
import type { ClusterReport, SchedulerReport, UnseenFact } from '../ipvs/report.js';
import { reportWith, type Summary } from '../model/index.js';
import { localizeFindings } from './findings.js';
import type { Lang } from './labels.js';

/** The method table's words (src/ipvs/methods.ts), for the stages above annotate. */
export { methodEvidenceText, TUNNEL_WORDS, type MethodCounts };

/** A balancer that picks its tunnel's outer source per flow (model/outer-sources.ts), said once. */
export function outerSourcesText(sources: readonly string[], lang: Lang): string {
  const shown = sources.slice(0, 4).join(', ') + (sources.length > 4 ? ', …' : '');
  return lang === 'zh'
    ? `一台负载均衡器，隧道外层源地址按连接变化（${sources.length} 个：${shown}），不是 ${sources.length} 台 Director`
    : `one balancer whose outer sources vary per flow (${sources.length}: ${shown}), not ${sources.length} directors`;
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
  return reportWith(r, {
    services: r.services.map((svc) => {
      const state = summary.services.find((x) => x.report === svc)?.state;
      return state === undefined || svc.methodEvidence === undefined
        ? svc
        : { ...svc, methodEvidence: methodEvidenceText(state, svc.method, lang) };
    }),
    findings: localizeFindings(r.findings, lang),
  });
}

const UNSEEN_WORDS: Readonly<Record<Lang, Readonly<Record<UnseenFact, string>>>> = {
  en: {
    vip: 'the VIP never appears in this capture',
    'director-hop': "the director's forward does not pass this capture point",
    'other-real-servers': "only this host's share of the connections shows: the other real servers and the scheduler cannot",
    'connection-real-server': 'which real server took each connection does not show',
    'real-servers': "the real servers' addresses do not show",
    'services-apart': 'the VIP does not show and the real servers listen on different ports: one service with a port per real server, or several services (one per port); the director\'s outside (the VIP side) or its ipvsadm -Ln would tell, and no scheduler is named across them',
    'service-real-servers': "the director resolved real servers (see Hosts) for several services, and which of them serve this one does not show: a capture with MAC addresses (not tcpdump -i any) or the director's ipvsadm -Ln would tell",
    method: 'nothing here shows the forwarding method',
    persistence: 'every client with several connections kept one real server, which the scheduler alone explains as well as persistence: whether the service is persistent does not show',
  },
  zh: {
    vip: 'VIP 从未出现在这个抓包中',
    'director-hop': 'Director 的转发不经过这个抓包点',
    'other-real-servers': '只看得到本机分到的连接：其他 Real Server 和调度算法都看不出',
    'connection-real-server': '看不出每个连接去了哪台 Real Server',
    'real-servers': '看不到 Real Server 的地址',
    'services-apart': '看不到 VIP，而 Real Server 监听在不同端口上：可能是一个服务（每台 Real Server 一个端口），也可能是多个服务（每个端口一个）；Director 的外侧（VIP 一侧）或它的 ipvsadm -Ln 能说明，因此不对它们合起来推断调度算法',
    'service-real-servers': 'Director 为多个服务解析了 Real Server（见主机列表），看不出其中哪些属于这个服务：带 MAC 地址的抓包（不用 tcpdump -i any）或 Director 上的 ipvsadm -Ln 能说明',
    method: '这里看不出转发模式',
    persistence: '每个有多个连接的客户端都留在同一台 Real Server，调度算法本身和持久连接都解释得了：看不出服务是否持久',
  },
};

/** What a capture point cannot show about a service, in words. */
export function unseenText(facts: readonly UnseenFact[], lang: Lang): string[] {
  return facts.map((f) => UNSEEN_WORDS[lang][f]);
}
