/** The cluster summary under the walkthrough: hosts by role, each service with method, scheduler, real servers. */
import { confidenceWord, methodEvidenceText, outerSourcesText, schedulerWord, unseenText } from '../annotate/index.js';
import { schedulerLabel } from './guess.js';
import { ipPort, type Summary } from '../model/index.js';
import type { Style } from './analyze-style.js';
import { padEndCols } from './analyze-wrap.js';
import { renderDirectorPair } from './director-pair-text.js';

const W = {
  en: {
    cluster: 'Cluster', hosts: 'Hosts', service: 'Virtual service', method: 'method', director: 'director',
    scheduler: 'scheduler', candidates: 'candidates', persistence: 'persistence', none: 'none', persistUnseen: '? (cannot show here)', atLeast: 'timeout at least',
    rs: 'real servers', conns: 'connections', evidence: 'evidence', unseen: 'not visible here', noServices: 'No LVS virtual service found in the capture.',
    unknownMethod: 'UNKNOWN',
    roles: { client: 'client', gateway: 'gateway', director: 'director', 'real-server': 'real server', other: 'other' },
  },
  zh: {
    cluster: '集群', hosts: '主机', service: '虚拟服务', method: '转发模式', director: 'Director',
    scheduler: '调度算法', candidates: '候选', persistence: '持久连接', none: '无', persistUnseen: '?（这里看不出）', atLeast: '超时至少',
    rs: 'Real Server', conns: '连接数', evidence: '依据', unseen: '此处看不到', noServices: '抓包中没有发现 LVS 虚拟服务。',
    unknownMethod: '未知',
    roles: { client: '客户端', gateway: '网关', director: 'Director', 'real-server': 'Real Server', other: '其他' },
  },
} as const;

function hostNames(hosts: Summary['report']['hosts']): Map<string, string> {
  return new Map(hosts.filter((h) => h.name !== null).map((h) => [h.ip, h.name!]));
}

export function renderSummary(summary: Summary, style: Style, lang: 'en' | 'zh'): string {
  const w = W[lang];
  const r = summary.report;
  let out = `${style.bold(w.cluster)}\n`;
  out += `  ${w.hosts}:\n`;
  // IPv6 addresses are longer than the column IPv4 needs: widen it rather than push the MACs out of line.
  let ipWidth = 16;
  for (const h of r.hosts) if (h.role !== 'other' && h.ip.length + 1 > ipWidth) ipWidth = h.ip.length + 1;
  for (const h of r.hosts) {
    if (h.role === 'other') continue;
    out += `    ${padEndCols(w.roles[h.role], 12)} ${h.ip.padEnd(ipWidth)} ${(h.mac ?? '-').padEnd(18)}${h.name !== null ? ` ${h.name}` : ''}\n`;
  }
  if (r.services.length === 0) return `${out}  ${w.noServices}\n${renderDirectorPair(r.directorPair, hostNames(r.hosts), style, lang)}`;
  for (const { report: s, state } of summary.services) {
    // '?' is a VIP the capture never shows (inside a NAT director): its port is unknown too.
    out += `  ${w.service} ${s.protocol.toUpperCase()} ${ipPort(s.vip, s.port)}${s.fwmark !== null ? ` (fwmark ${s.fwmark})` : ''}\n`;
    // A method claimed from one vantage point's reply path only says how sure it is.
    const sure = s.claims?.method ?? 1;
    const methodSure = s.method !== 'unknown' && sure < 1 ? (lang === 'zh' ? `（${confidenceWord(lang)} ${sure}）` : ` (${confidenceWord(lang)} ${sure})`) : '';
    out += `    ${w.method}: ${style.bold(s.method === 'unknown' ? w.unknownMethod : s.method.toUpperCase())}${methodSure}\n`;
    for (const e of methodEvidenceText(state, s.method, lang)) out += `      ${w.evidence}: ${e}\n`;
    for (const e of unseenText(s.unseen ?? [], lang)) out += `      ${w.unseen}: ${e}\n`;
    const varying = s.director.outerSources;
    out += `    ${w.director}: ${s.director.ip ?? '?'} ${s.director.mac ?? ''}${varying !== undefined ? `${lang === 'zh' ? '，' : ' — '}${outerSourcesText(varying, lang)}` : ''}\n`;
    const sc = s.scheduler;
    const cands = sc.candidates.filter((c) => c.score >= (sc.candidates[0]?.score ?? 0) - 1e-9).map((c) => (c.flags !== undefined ? `${c.name} (${c.flags.join(',')})` : c.name)).join(', ');
    // The label every view prints (rr?, as -Ln and the TUI do), then the verdict in words.
    const label = schedulerLabel(sc);
    const words = [...(label === sc.name ? [] : [schedulerWord(sc, lang)]), `${confidenceWord(lang)} ${sc.confidence}`].join(lang === 'zh' ? '，' : ', ');
    const verdict = lang === 'zh' ? `（${words}）` : ` (${words})`;
    out += `    ${w.scheduler}: ${style.bold(label)}${verdict}${sc.candidates.length > 0 ? `${lang === 'zh' ? '；' : '; '}${w.candidates}: ${cands}` : ''}\n`;
    // Where no scheduler can be told (one server's share, one side), neither can persistence.
    // Nor where a tied candidate is a hash that pins each client (sh, mh): it looks like persistence.
    const pinningTie = sc.name === 'ambiguous' && sc.candidates.some((c) => c.score >= (sc.candidates[0]?.score ?? 0) - 1e-9 && (c.name === 'sh' || c.name === 'mh') && c.flags === undefined);
    const mask = s.persistence?.netmask !== undefined ? ` (${lang === 'zh' ? '网络' : 'per network'} ${s.persistence.netmask})` : '';
    out += `    ${w.persistence}: ${s.persistence !== null ? `${w.atLeast} ${s.persistence.timeoutAtLeast}s${mask}` : s.scheduler.name === 'unknown' || pinningTie ? w.persistUnseen : w.none}\n`;
    out += `    ${w.rs}:\n`;
    for (const rs of s.realServers) {
      const name = r.hosts.find((h) => h.ip === rs.ip)?.name;
      out += `      ${ipPort(rs.ip, rs.port).padEnd(22)} ${(rs.mac ?? '-').padEnd(18)} ${(name ?? '').padEnd(6)} ${w.conns} ${rs.connections}\n`;
    }
  }
  return out + renderDirectorPair(r.directorPair, hostNames(r.hosts), style, lang);
}
