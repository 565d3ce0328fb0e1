/**
 * How hosts are named in explanations: the director, the gateway 192.168.23.1, WEB1, the client
 * 172.16.0.100, in English or Chinese.
 */
import type { FrameRole, Knowledge } from '../model/index.js';

export type Lang = 'en' | 'zh';

export const ROLE_WORDS: Readonly<Record<Lang, Readonly<Record<FrameRole, string>>>> = {
  en: {
    client: 'client', gateway: 'gateway', director: 'director', 'real-server': 'real server',
    other: 'other', broadcast: 'broadcast', unknown: '?',
  },
  zh: {
    client: '客户端', gateway: '网关', director: 'Director', 'real-server': 'Real Server',
    other: '其他', broadcast: '广播', unknown: '?',
  },
};

/** "…:06:13:ea": the tail of a MAC, as the walkthrough points at it. */
export function shortMac(mac: string): string {
  const p = mac.split(':');
  return p.length === 6 ? `…:${p.slice(3).join(':')}` : mac;
}

export class Labels {
  private readonly k: Knowledge | null;
  readonly lang: Lang;

  constructor(k: Knowledge | null, lang: Lang) {
    this.k = k;
    this.lang = lang;
  }

  /** Display label for an address, by what the model knows of it. */
  ip(ip: string): string {
    const k = this.k;
    const zh = this.lang === 'zh';
    if (k === null) return ip;
    const name = k.names.get(ip);
    if (k.vips.has(ip)) return zh ? `VIP ${ip}` : `VIP ${ip}`;
    if (k.directorIps.has(ip)) return name ?? (zh ? `Director（DIP ${ip}）` : `the director (DIP ${ip})`);
    if (k.rsIps.has(ip)) return name ?? (zh ? `Real Server ${ip}` : `real server ${ip}`);
    if (k.gatewayIps.has(ip)) return name ?? (zh ? `网关 ${ip}` : `the gateway ${ip}`);
    if (k.clients.has(ip)) return name ?? (zh ? `客户端 ${ip}` : `the client ${ip}`);
    return name ?? ip;
  }

  /** Label for the sender/receiver of a frame, by MAC first (who is on the wire), then IP. */
  host(mac: string, ip: string, role: FrameRole): string {
    const k = this.k;
    const zh = this.lang === 'zh';
    if (role === 'director') return zh ? 'Director' : 'the director';
    if (role === 'real-server') {
      const rip = k?.rsMacs.get(mac) ?? (k?.rsIps.has(ip) ? ip : null);
      if (rip !== null && rip !== undefined) return k?.names.get(rip) ?? (zh ? `Real Server ${rip}` : `real server ${rip}`);
      if (mac !== '') return zh ? `Real Server（${shortMac(mac)}）` : `the real server at ${shortMac(mac)}`;
      return zh ? 'Real Server' : 'a real server';
    }
    if (role === 'gateway') {
      const router = this.routerOf(mac);
      if (router !== undefined) return router;
      const gw = this.gatewayIpOf(mac) ?? (k?.gatewayIps.has(ip) ? ip : null);
      if (gw !== null) return k?.names.get(gw) ?? (zh ? `网关 ${gw}` : `the gateway ${gw}`);
      return zh ? '网关' : 'the gateway';
    }
    if (role === 'client') return this.ip(ip);
    return ip !== '' ? this.ip(ip) : mac;
  }

  /** "the router 192.168.23.254" for a router in front of TUN real servers; undefined for any other MAC. */
  routerOf(mac: string): string | undefined {
    const k = this.k;
    if (k === null || mac === '' || !k.routerMacs.has(mac)) return undefined;
    const ip = k.routerMacs.get(mac) ?? null;
    const name = ip !== null ? k.names.get(ip) : undefined;
    if (name !== undefined) return name;
    const zh = this.lang === 'zh';
    return ip !== null ? (zh ? `路由器 ${ip}` : `the router ${ip}`) : (zh ? `路由器（${shortMac(mac)}）` : `the router at ${shortMac(mac)}`);
  }

  /** A host in a few letters (the walkthrough table's From → To): WEB1, or the role word. */
  short(mac: string, ip: string, role: FrameRole): string {
    const k = this.k;
    if (k !== null && k.routerMacs.has(mac)) return this.lang === 'zh' ? '路由器' : 'router';
    if (k !== null && role === 'real-server') {
      const rip = k.rsMacs.get(mac) ?? (k.rsIps.has(ip) ? ip : undefined);
      const name = rip !== undefined ? k.names.get(rip) : undefined;
      if (name !== undefined) return name;
    }
    return ROLE_WORDS[this.lang][role];
  }

  gatewayIpOf(mac: string): string | null {
    const k = this.k;
    if (k === null || mac === '') return null;
    for (const ip of k.gatewayIps) if (k.ipMac.get(ip) === mac) return ip;
    return null;
  }

  /** Name of a real server from its RIP (WEB1), or its address. */
  rs(rip: string | null, mac: string | null): string {
    const k = this.k;
    const ip = rip ?? (mac !== null ? k?.rsMacs.get(mac) ?? null : null);
    if (ip === null) return this.lang === 'zh' ? 'Real Server' : 'a real server';
    return k?.names.get(ip) ?? (this.lang === 'zh' ? `Real Server ${ip}` : `real server ${ip}`);
  }

  role(r: FrameRole): string {
    return ROLE_WORDS[this.lang][r];
  }
}
