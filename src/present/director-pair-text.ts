/** The "Director pair" part of the cluster summary: who was master when, failovers, sync, health checks. */
import type { DirectorPairReport, FailoverReport } from '../ipvs/director-pair.js';
import { ipPort } from '../model/index.js';
import type { Style } from './analyze-style.js';

const W = {
  en: {
    title: 'Director pair', vrid: 'VRRP VRID', every: 'adverts every', priority: 'priority', master: 'master at frames',
    reason: { silent: 'fell silent', resigned: 'resigned (priority 0)', preempted: 'was preempted' },
    failover: 'failover at frame', last: 'last advert frame', gap: 'nobody answered for', garp: 'gratuitous ARP frames', noGarp: 'no gratuitous ARP seen', garp6: 'unsolicited neighbour advertisement frames', noGarp6: 'no unsolicited neighbour advertisement seen',
    moved: 'client traffic moved at frame', unseen: 'the takeover itself is not in this capture (this capture point was cut off)',
    synced: 'synced', notSynced: 'not synced',
    outcome: { continued: 'continued', reset: 'reset by the new master', 'retransmit-silence': 'retransmitted into silence', idle: 'no packets after' },
    sync: 'sync daemon', messages: 'message(s)', conns: 'connection(s)', checks: 'health checks', checkEvery: 'every', times: 'checks', failed: 'failed', flapping: 'flapping',
    removed: 'taken out by its health checks', failedAt: 'first failed check frame', lastNew: 'last new connection frame', elsewhere: 'new connections went elsewhere after', stillUsed: 'still got new connections',
    split: 'split brain', both: 'advertised as master at once',
  },
  zh: {
    title: 'Director 主备', vrid: 'VRRP VRID', every: '通告间隔', priority: '优先级', master: '担任 Master 的帧',
    reason: { silent: '停止通告', resigned: '主动放弃（优先级 0）', preempted: '被抢占' },
    failover: '切换发生在帧', last: '最后一次通告帧', gap: '无人应答', garp: '免费 ARP 帧', noGarp: '没有看到免费 ARP', garp6: '主动邻居通告帧', noGarp6: '没有看到主动邻居通告',
    moved: '客户端流量转移于帧', unseen: '接管本身不在这个抓包里（这个抓包点当时断开了）',
    synced: '已同步', notSynced: '未同步',
    outcome: { continued: '继续', reset: '被新 Master 重置', 'retransmit-silence': '重传无人应答', idle: '之后没有报文' },
    sync: '同步守护进程', messages: '条消息', conns: '个连接', checks: '健康检查', checkEvery: '每隔', times: '次检查', failed: '次失败', flapping: '反复变化',
    removed: '被健康检查移除', failedAt: '第一次检查失败的帧', lastNew: '最后一个新连接的帧', elsewhere: '之后分给其他服务器的新连接', stillUsed: '之后仍收到新连接',
    split: '脑裂', both: '同时以 Master 身份通告',
  },
} as const;

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
