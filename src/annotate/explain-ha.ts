/**
 * Explanations of a director pair's frames, English and Chinese side by side: VRRP adverts, the
 * takeover and its gratuitous ARPs, sync messages, health checks, and what a takeover does to a
 * client's connection.
 */
import type { HaFrameFacts, HaRouterRef } from '../model/ha/facts.js';
import type { Knowledge } from '../model/index.js';
import type { Lang } from './labels.js';

export interface HaWords {
  readonly lang: Lang;
  readonly knowledge: Knowledge | null;
  /** The explanation the frame would get without the director pair (for client frames). */
  readonly base: () => string;
}

const secs = (ms: number): string => (ms % 1000 === 0 ? String(ms / 1000) : (ms / 1000).toFixed(ms % 100 === 0 ? 1 : 2));

export function explainHa(h: HaFrameFacts, w: HaWords): string {
  const zh = w.lang === 'zh';
  const k = w.knowledge;
  const name = (ip: string): string => k?.names.get(ip) ?? ip;
  const router = (r: HaRouterRef | null): string => (r === null ? (zh ? '另一台 Director' : 'another director') : name(r.ip));
  const ep = (s: string): string => {
    const i = s.lastIndexOf(':');
    const n = k?.names.get(s.slice(0, i));
    return n !== undefined ? `${n}:${s.slice(i + 1)}` : s;
  };
  switch (h.kind) {
    case 'advert': {
      const who = name(h.router.ip);
      const vips = h.vips.join(zh ? '、' : ', ');
      const every = secs(h.intervalMs);
      switch (h.event) {
        case 'resign':
          return zh ? `${who} 为 VRID ${h.vrid} 发送优先级 0 的通告：它的 keepalived 正在停止，放弃 Master 身份；备机不必等满 3 个通告周期，马上接管`
            : `${who} advertises priority 0 for VRID ${h.vrid}: its keepalived is stopping and gives up the master role; the backup takes over at once instead of waiting for 3 missed adverts`;
        case 'takeover': {
          const old = router(h.old);
          if (h.reason === 'preempted') {
            return zh ? `${who}（优先级 ${h.priority}）抢占 VRID ${h.vrid}：优先级更高的路由器一启动就收回 Master 身份（preempt）；${old} 听到这个通告后退回 Backup，VIP ${vips} 随之回到 ${who}`
              : `${who} (priority ${h.priority}) preempts VRID ${h.vrid}: a router with a higher priority takes the master role back as soon as it is up (preempt); ${old} hears this advert and goes back to backup, and VIP ${vips} moves back to ${who}`;
          }
          if (h.reason === 'resigned') {
            return zh ? `${who} 接管 VRID ${h.vrid}，成为 Master（优先级 ${h.priority}）：${old} 已主动放弃，${who} 只等了自己的偏移时间，VIP ${vips} 有 ${h.gapMs} 毫秒无人应答`
              : `${who} takes over VRID ${h.vrid} as master (priority ${h.priority}): ${old} resigned, so ${who} waited only its skew time; nobody answered for VIP ${vips} for ${h.gapMs} ms`;
          }
          return zh ? `${who} 接管 VRID ${h.vrid}，成为 Master（优先级 ${h.priority}）：它已经 ${h.gapMs} 毫秒没有收到 ${old} 的通告（3 个通告周期加上偏移时间），认定 Master 已宕机；这段时间里没有人应答 VIP ${vips}`
            : `${who} takes over VRID ${h.vrid} as master (priority ${h.priority}): it heard nothing from ${old} for ${h.gapMs} ms (3 missed adverts plus its skew time) and declares the master dead; nobody answered for VIP ${vips} in that time`;
        }
        case 'contend':
          return zh ? `${who} 也在为 VRID ${h.vrid} 发送 Master 通告（优先级 ${h.priority}），而 ${router(h.old)} 仍在通告：两台都认为自己是 Master，它们收不到对方的通告（脑裂）`
            : `${who} advertises for VRID ${h.vrid} as master too (priority ${h.priority}) while ${router(h.old)} still does: both think they are master, so they do not hear each other (split brain)`;
        case 'first':
          return zh ? `VRRP 通告：${who} 是 VRID ${h.vrid} 的 Master（优先级 ${h.priority}），每 ${every} 秒通告一次它持有 VIP ${vips}；只要通告不断，备机就保持沉默`
            : `VRRP advert: ${who}, the master for VRID ${h.vrid}, priority ${h.priority}, advertises every ${every} s that it holds VIP ${vips}; the backup stays silent while these keep coming`;
        default:
          return zh ? `VRRP 通告：${who} 仍是 VRID ${h.vrid} 的 Master，优先级 ${h.priority}，每 ${every} 秒一次`
            : `VRRP advert: ${who}, the master for VRID ${h.vrid}, priority ${h.priority}, advertises every ${every} s`;
      }
    }
    case 'sync': {
      const who = name(h.sender);
      const list = h.conns.map((c) => `${c.client} → ${c.virtual} → ${ep(c.realServer)} ${c.state}${c.forward !== 'unknown' ? ` (${c.forward.toUpperCase()})` : ''}`);
      const more = h.count > h.conns.length ? (zh ? ` 等 ${h.count} 个连接` : ` and ${h.count - h.conns.length} more`) : '';
      const one = h.count === 1;
      return zh ? `IPVS 同步 v${h.version}（syncid ${h.syncId}）：${who} 把 ${one ? '连接' : `${h.count} 个连接`} ${list.join('；')}${more} 告诉备机；备机把它们记入自己的连接表，一旦成为 Master 就能接着转发`
        : `IPVS sync v${h.version} (syncid ${h.syncId}): ${who} tells the backup about ${one ? 'connection' : `${h.count} connections:`} ${list.join('; ')}${more}; the backup enters ${one ? 'it' : 'them'} in its own connection table, so it can carry on if it becomes master`;
    }
    case 'garp': {
      const who = router(h.router);
      if (h.vip.includes(':')) {
        // IPv6: an unsolicited neighbour advertisement does what a gratuitous ARP does.
        if (h.takeover) {
          return zh ? `新的 Master ${who} 用主动邻居通告（IPv6 的免费 ARP）宣告 VIP ${h.vip} 在它的 MAC 上：网关更新邻居表，从此把客户端的报文发给 ${who}`
            : `${who}, the new master, announces by unsolicited neighbour advertisement (IPv6's gratuitous ARP) that VIP ${h.vip} is at its MAC: the gateway updates its neighbour entry and sends the clients' packets to ${who} from now on`;
        }
        return zh ? `${who} 用主动邻居通告宣告 VIP ${h.vip} 在它的 MAC 上（它是这个 VIP 的 VRRP Master）`
          : `${who} announces by unsolicited neighbour advertisement that VIP ${h.vip} is at its MAC (it is the VRRP master for it)`;
      }
      if (h.takeover) {
        return zh ? `新的 Master ${who} 用免费 ARP 宣告 VIP ${h.vip} 在它的 MAC 上：网关更新 ARP 缓存，从此把客户端的报文发给 ${who}`
          : `${who}, the new master, announces by gratuitous ARP that VIP ${h.vip} is at its MAC: the gateway updates its ARP entry and sends the clients' packets to ${who} from now on`;
      }
      return zh ? `${who} 用免费 ARP 宣告 VIP ${h.vip} 在它的 MAC 上（它是这个 VIP 的 VRRP Master）`
        : `${who} announces by gratuitous ARP that VIP ${h.vip} is at its MAC (it is the VRRP master for it)`;
    }
    case 'check': {
      const who = name(h.dip);
      const rs = name(h.rip);
      const known = k?.pair?.healthChecks.find((c) => c.director === h.dip && c.realServer.ip === h.rip && c.realServer.port === h.port);
      const interval = known?.intervalMs ?? h.intervalMs;
      const kind = (known?.kind ?? (h.http ? 'http' : 'tcp')) === 'http' ? 'HTTP' : 'TCP';
      const every = interval !== null ? (zh ? `，每 ${secs(interval)} 秒一次` : `, every ${secs(interval)} s`) : '';
      switch (h.step) {
        case 'syn': return zh ? `${who} 对 ${rs}:${h.port} 做健康检查（${kind} 连接${every}）：从它自己的地址发 SYN，这不是客户端的连接`
          : `${who}'s health check of ${rs}:${h.port} (a ${kind} connect${every}): SYN from its own address, not a client's connection`;
        case 'syn-retry': return zh ? `${who} 重发健康检查的 SYN：${rs} 没有应答` : `${who} sends the health check's SYN again: ${rs} did not answer`;
        case 'passed': return zh ? `${rs} 应答了 ${who} 的健康检查（SYN-ACK）：检查通过，${rs} 留在 IPVS 表中`
          : `${rs} answers ${who}'s health check (SYN-ACK): the check passes and ${rs} stays in the IPVS table`;
        case 'refused': return zh ? `${rs} 拒绝了 ${who} 的健康检查（RST）：检查失败，keepalived 把 ${rs} 移出 IPVS 表，新连接不再分给它`
          : `${rs} refuses ${who}'s health check (RST): the check fails, and keepalived takes ${rs} out of the IPVS table, so new connections go elsewhere`;
        case 'data': return zh ? `${who} 的健康检查请求/响应（${rs}:${h.port}）` : `the health check's request or answer between ${who} and ${rs}:${h.port}`;
        default: return zh ? `${who} 对 ${rs}:${h.port} 的健康检查连接：握手完成后随即关闭` : `${who}'s health check connection to ${rs}:${h.port}: closed as soon as it is made`;
      }
    }
    case 'failover-conn': {
      const who = router(h.router);
      switch (h.what) {
        case 'dead-master': return zh ? `${w.base()}；但 ${who} 已经停止了 VRRP 通告：网关仍把报文发往它的 MAC，没有人应答`
          : `${w.base()}; but ${who} has stopped advertising: the gateway still sends to its MAC, and nobody answers`;
        case 'retransmit': return zh ? `${w.base()}；这是重传：前一次没有得到应答` : `${w.base()}; a retransmission: the first went unanswered`;
        case 'reset': return zh ? `${who} 重置了连接 ${h.client} → ${h.virtual}：它没有这个连接的 IPVS 记录（${h.synced ? '同步没有生效' : '没有同步'}），报文交给了它自己的 TCP 协议栈，由它从 VIP 回 RST；连接在切换中断开`
          : `${who} resets ${h.client} → ${h.virtual}: it has no IPVS entry for it (${h.synced ? 'the sync did not take' : 'not synced'}), so its own TCP stack answers the client's segment with a RST from the VIP; the connection is lost in the failover`;
        case 'continued': return h.synced
          ? (zh ? `${w.base()}；${who} 从同步报文中得知这个连接，把它转发给原来的 Real Server：连接在切换后继续`
            : `${w.base()}; ${who} knew this connection from the sync daemon and forwards it to the same real server: it survives the failover`)
          : (zh ? `${w.base()}；${who} 在切换后接着转发这个连接` : `${w.base()}; ${who} forwards this connection after the failover`);
      }
    }
  }
}
