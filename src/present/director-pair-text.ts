/** The "Director pair" part of the cluster summary: who was master when, failovers, sync, health checks. */
import type { DirectorPairReport, FailoverReport } from '../ipvs/director-pair.js';
import { byLang } from '../annotate/index.js';
import { ipPort } from '../model/index.js';
import type { Style } from './analyze-style.js';

const W = byLang({
  title: { en: 'Director pair', zh: 'Director 主备' }, vrid: { en: 'VRRP VRID', zh: 'VRRP VRID' }, every: { en: 'adverts every', zh: '通告间隔' },
  priority: { en: 'priority', zh: '优先级' }, master: { en: 'master at frames', zh: '担任 Master 的帧' },
  reason: { silent: { en: 'fell silent', zh: '停止通告' }, resigned: { en: 'resigned (priority 0)', zh: '主动放弃（优先级 0）' }, preempted: { en: 'was preempted', zh: '被抢占' } },
  failover: { en: 'failover at frame', zh: '切换发生在帧' }, last: { en: 'last advert frame', zh: '最后一次通告帧' }, gap: { en: 'nobody answered for', zh: '无人应答' },
  garp: { en: 'gratuitous ARP frames', zh: '免费 ARP 帧' }, noGarp: { en: 'no gratuitous ARP seen', zh: '没有看到免费 ARP' }, garp6: { en: 'unsolicited neighbour advertisement frames', zh: '主动邻居通告帧' },
  noGarp6: { en: 'no unsolicited neighbour advertisement seen', zh: '没有看到主动邻居通告' },
  moved: { en: 'client traffic moved at frame', zh: '客户端流量转移于帧' },
  unseen: { en: 'the takeover itself is not in this capture (this capture point was cut off)', zh: '接管本身不在这个抓包里（这个抓包点当时断开了）' },
  synced: { en: 'synced', zh: '已同步' }, notSynced: { en: 'not synced', zh: '未同步' },
  outcome: { continued: { en: 'continued', zh: '继续' }, reset: { en: 'reset by the new master', zh: '被新 Master 重置' }, 'retransmit-silence': { en: 'retransmitted into silence', zh: '重传无人应答' }, idle: { en: 'no packets after', zh: '之后没有报文' } },
  sync: { en: 'sync daemon', zh: '同步守护进程' }, messages: { en: 'message(s)', zh: '条消息' }, conns: { en: 'connection(s)', zh: '个连接' },
  checks: { en: 'health checks', zh: '健康检查' }, checkEvery: { en: 'every', zh: '每隔' }, times: { en: 'checks', zh: '次检查' },
  failed: { en: 'failed', zh: '次失败' }, flapping: { en: 'flapping', zh: '反复变化' },
  removed: { en: 'taken out by its health checks', zh: '被健康检查移除' }, failedAt: { en: 'first failed check frame', zh: '第一次检查失败的帧' },
  lastNew: { en: 'last new connection frame', zh: '最后一个新连接的帧' }, elsewhere: { en: 'new connections went elsewhere after', zh: '之后分给其他服务器的新连接' },
  stillUsed: { en: 'still got new connections', zh: '之后仍收到新连接' },
  split: { en: 'split brain', zh: '脑裂' }, both: { en: 'advertised as master at once', zh: '同时以 Master 身份通告' },
});

const secs = (ms: number): string => (ms / 1000).toFixed(ms % 1000 === 0 ? 0 : 2);

function ranges(frames: readonly number[]): string {
  if (frames.length === 0) return '-';
  return frames.length === 1 ? String(frames[0]) : `${frames[0]}–${frames[frames.length - 1]}`;
}

function failoverLines(f: FailoverReport, lang: 'en' | 'zh'): string[] {
  const w = W[lang];
  const sep = lang === 'zh' ? '，' : ', ';
  const head = [
    `${w.failover} ${f.firstAdvertFrame} (${f.oldMaster.name} → ${f.newMaster.name}${sep}${f.oldMaster.name} ${w.reason[f.reason]})`,
    `${w.last} ${f.lastAdvertFrame}`,
  ];
  if (f.takeoverSeen) {
    if (f.reason !== 'preempted') head.push(`${w.gap} ${f.gapMs} ms`);
    // VRRPv3 over IPv6 (its adverts come from link-local addresses): IPv6's gratuitous ARP is the unsolicited NA.
    const v6 = f.newMaster.ip.includes(':');
    head.push(f.garpFrames.length > 0 ? `${v6 ? w.garp6 : w.garp} ${ranges(f.garpFrames)}` : v6 ? w.noGarp6 : w.noGarp);
  } else head.push(w.unseen);
  if (f.trafficMovedFrame !== null) head.push(`${w.moved} ${f.trafficMovedFrame}`);
  const out = [`    ${head.join(sep)}`];
  for (const c of f.connections) {
    const frames = c.frames.length > 0 ? ` (${c.frames.join(', ')})` : '';
    out.push(`      ${ipPort(c.client.ip, c.client.port).padEnd(22)} → ${ipPort(c.virtual.ip, c.virtual.port)}  ${c.synced ? w.synced : w.notSynced}${sep}${w.outcome[c.outcome]}${frames}`);
  }
  return out;
}

/** `names`: display names by address (WEB1), as the hosts list gives them. */
export function renderDirectorPair(p: DirectorPairReport | undefined, names: ReadonlyMap<string, string>, style: Style, lang: 'en' | 'zh'): string {
  if (p === undefined) return '';
  const w = W[lang];
  const sep = lang === 'zh' ? '，' : ', ';
  const lines: string[] = [];
  const vrids = [...new Set(p.routers.map((r) => r.vrid))];
  for (const vrid of vrids) {
    const rs = p.routers.filter((r) => r.vrid === vrid);
    lines.push(`  ${style.bold(w.title)} (${w.vrid} ${vrid}${sep}${w.every} ${secs(rs[0]?.intervalMs ?? 1000)} s${sep}VIP ${[...new Set(rs.flatMap((r) => r.vips))].join(', ')}):`);
    for (const r of rs) {
      const spans = p.masters.filter((m) => m.vrid === vrid && m.mac === r.mac).map((m) => `${m.fromFrame}–${m.toFrame ?? ''}`);
      lines.push(`    ${r.name.padEnd(6)} ${r.ip.padEnd(16)} ${r.mac.padEnd(18)} ${w.priority} ${String(r.priority).padEnd(4)} ${w.master} ${spans.join(', ') || '-'}`);
    }
    for (const f of p.failovers.filter((x) => x.vrid === vrid)) lines.push(...failoverLines(f, lang));
  }
  for (const b of p.splitBrain) lines.push(`    ${style.bold(w.split)}: VRID ${b.vrid} ${b.macs.join(', ')} ${w.both} (${ranges(b.frames)})`);
  for (const s of p.sync) {
    lines.push(`    ${w.sync}: ${s.sender?.name ?? s.senderIp} → ${s.group}:${s.port}${sep}v${s.version}${sep}syncid ${s.syncId}${sep}${s.messages} ${w.messages}${sep}${s.connections.length} ${w.conns}`);
  }
  for (const h of p.healthChecks) {
    const failed = h.failed > 0 ? `${sep}${h.failed} ${w.failed} (${h.failedFrames[0]}…)` : '';
    const rs = names.get(h.realServer.ip) ?? h.realServer.ip;
    lines.push(`    ${w.checks}: ${h.directorName ?? h.director} → ${h.realServer.ip.includes(':') ? `[${rs}]` : rs}:${h.realServer.port} ${h.kind.toUpperCase()}${sep}${w.checkEvery} ${secs(h.intervalMs)} s${sep}${h.checks} ${w.times}${failed}${h.flapping ? `${sep}${w.flapping}` : ''}`);
  }
  for (const r of p.removals) {
    const after = r.usedAfterFailure ? w.stillUsed : `${r.sentElsewhere} ${w.elsewhere}`;
    lines.push(`    ${r.name ?? r.realServer} ${w.removed}: ${w.failedAt} ${r.failedFrame}${sep}${w.lastNew} ${r.lastNewConnectionFrame ?? '-'}${sep}${after}`);
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}
