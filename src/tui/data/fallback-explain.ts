/**
 * A plain sentence per frame from the model's facts, used only when the annotator is not
 * available: it names who sent what to whom and, on the director's hop, what was rewritten.
 */
import type { FrameFacts, FrameRole, Knowledge } from '../../model/types.js';
import type { Lang } from './types.js';

const ROLE: Readonly<Record<Lang, Readonly<Record<FrameRole, string>>>> = {
  en: { client: 'the client', gateway: 'the gateway', director: 'the director', 'real-server': 'a real server', other: 'a host', broadcast: 'everyone', unknown: 'a host' },
  zh: { client: '客户端', gateway: '网关', director: 'Director', 'real-server': 'Real Server', other: '主机', broadcast: '所有主机', unknown: '主机' },
};

function who(role: FrameRole, mac: string, ip: string, k: Knowledge | null, lang: Lang): string {
  if (role === 'real-server') {
    const rip = k?.rsMacs.get(mac) ?? (k?.rsIps.has(ip) ? ip : null);
    if (rip !== null && rip !== undefined) return k?.names.get(rip) ?? rip;
  }
  if (role === 'other' || role === 'unknown') return ip === '' ? mac : ip;
  return ROLE[lang][role];
}

export function fallbackExplain(f: FrameFacts, lang: Lang, k: Knowledge | null): string {
  const zh = lang === 'zh';
  const from = who(f.srcRole, f.srcMac, f.src, k, lang);
  const to = who(f.dstRole, f.dstMac, f.dst, k, lang);
  const flow = f.flow;
  if (f.arp !== null) {
    if (f.arp.op === 1) return zh ? `${from} 询问谁有 ${f.arp.tpa}（ARP 请求）` : `${from} asks who has ${f.arp.tpa} (ARP request)`;
    return zh ? `${from} 回答 ${f.arp.spa} 在 ${f.arp.sha}（ARP 应答）` : `${from} answers that ${f.arp.spa} is at ${f.arp.sha} (ARP reply)`;
  }
  if (flow !== null && f.srcRole === 'director' && f.step === 'director-forward') {
    const rs = flow.rsIp === null ? to : k?.names.get(flow.rsIp) ?? flow.rsIp;
    const mac = flow.rsMac ?? f.dstMac;
    const sched = flow.scheduler ?? '?';
    if (flow.method === 'dr') {
      return zh
        ? `Director 用 ${sched} 选中 ${rs}，只把目的 MAC 改成 ${rs} 的 (${mac})，IP 头不变`
        : `the director picked ${rs} by ${sched} and rewrote only the destination MAC to ${rs}'s (${mac})`;
    }
    if (flow.method === 'nat') {
      return zh ? `Director 用 ${sched} 选中 ${rs}，把目的 IP 改成 ${flow.rsIp ?? '?'}` : `the director picked ${rs} by ${sched} and rewrote the destination IP to ${flow.rsIp ?? '?'}`;
    }
    return zh ? `Director 把包转发给 ${rs}（${flow.method}）` : `the director forwarded the packet to ${rs} (${flow.method})`;
  }
  return zh ? `${from} → ${to}：${f.summary}` : `${from} → ${to}: ${f.summary}`;
}
