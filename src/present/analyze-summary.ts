/** The cluster summary under the walkthrough: hosts by role, each service with method, scheduler, real servers. */
import { mixedMethods } from '../ipvs/methods.js';
import { byLang, confidenceWord, methodEvidenceText, outerSourcesText, ROLE_WORDS, schedulerWord, unseenText } from '../annotate/index.js';
import { schedulerLabel } from './guess.js';
import { ipPort, type Summary } from '../model/index.js';
import type { Style } from './analyze-style.js';
import { padEndCols } from './analyze-wrap.js';
import { renderDirectorPair } from './director-pair-text.js';

const W = byLang({
  cluster: { en: 'Cluster', zh: '集群' }, hosts: { en: 'Hosts', zh: '主机' }, service: { en: 'Virtual service', zh: '虚拟服务' },
  method: { en: 'method', zh: '转发模式' }, director: { en: 'director', zh: 'Director' },
  scheduler: { en: 'scheduler', zh: '调度算法' }, candidates: { en: 'candidates', zh: '候选' }, persistence: { en: 'persistence', zh: '持久连接' },
  none: { en: 'none', zh: '无' }, persistUnseen: { en: '? (cannot show here)', zh: '?（这里看不出）' }, atLeast: { en: 'timeout at least', zh: '超时至少' },
  rs: { en: 'real servers', zh: 'Real Server' }, conns: { en: 'connections', zh: '连接数' }, evidence: { en: 'evidence', zh: '依据' },
  unseen: { en: 'not visible here', zh: '此处看不到' }, noServices: { en: 'No LVS virtual service found in the capture.', zh: '抓包中没有发现 LVS 虚拟服务。' },
  unknownMethod: { en: 'UNKNOWN', zh: '未知' }, perRs: { en: '(per real server)', zh: '（按 Real Server）' },
});

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
    out += `    ${padEndCols(ROLE_WORDS[lang][h.role], 12)} ${h.ip.padEnd(ipWidth)} ${(h.mac ?? '-').padEnd(18)}${h.name !== null ? ` ${h.name}` : ''}\n`;
  }
  if (r.services.length === 0) return `${out}  ${w.noServices}\n${renderDirectorPair(r.directorPair, hostNames(r.hosts), style, lang)}`;
  for (const { report: s, state } of summary.services) {
    // '?' is a VIP the capture never shows (inside a NAT director): its port is unknown too.
    out += `  ${w.service} ${s.protocol.toUpperCase()} ${ipPort(s.vip, s.port)}${s.fwmark !== null ? ` (fwmark ${s.fwmark})` : ''}\n`;
    // A method claimed from one vantage point's reply path only says how sure it is.
    const sure = s.claims?.method ?? 1;
    const methodSure = s.method !== 'unknown' && sure < 1 ? (lang === 'zh' ? `（${confidenceWord(lang)} ${sure}）` : ` (${confidenceWord(lang)} ${sure})`) : '';
    // Real servers reached by different methods: the service has none of its own, each has one.
    const perRs = s.method === 'unknown' ? (mixedMethods(state) ?? []).map((m) => m.toUpperCase()) : [];
    const methodWord = perRs.length > 1 ? `${perRs.join(' + ')} ${w.perRs}` : s.method === 'unknown' ? w.unknownMethod : s.method.toUpperCase();
    out += `    ${w.method}: ${style.bold(methodWord)}${methodSure}\n`;
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
    // Nor where every client kept one server and the scheduler alone explains that too.
    const persistUnseen = s.scheduler.name === 'unknown' || (s.unseen?.includes('persistence') ?? false);
    const mask = s.persistence?.netmask !== undefined ? ` (${lang === 'zh' ? '网络' : 'per network'} ${s.persistence.netmask})` : '';
    out += `    ${w.persistence}: ${s.persistence !== null ? `${w.atLeast} ${s.persistence.timeoutAtLeast}s${mask}` : persistUnseen ? w.persistUnseen : w.none}\n`;
    out += `    ${w.rs}:\n`;
    for (const rs of s.realServers) {
      const name = r.hosts.find((h) => h.ip === rs.ip)?.name;
      out += `      ${ipPort(rs.ip, rs.port).padEnd(22)} ${(rs.mac ?? '-').padEnd(18)} ${(name ?? '').padEnd(6)} ${w.conns} ${rs.connections}${rs.method !== undefined ? `  ${rs.method.toUpperCase()}` : ''}\n`;
    }
  }
  return out + renderDirectorPair(r.directorPair, hostNames(r.hosts), style, lang);
}
