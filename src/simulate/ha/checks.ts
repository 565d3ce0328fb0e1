/**
 * keepalived's TCP_CHECK as the LAN sees it: every delay_loop seconds each director connects from
 * its DIP to the real server's port and closes as soon as the handshake completes. A real server
 * whose service is down answers the SYN with RST: the check fails.
 */
import type { Lan, Station } from './lan.js';

export class TcpChecker {
  private port: number;
  private readonly lan: Lan;
  readonly dir: Station;
  readonly rs: Station;
  readonly checkPort: number;

  constructor(lan: Lan, dir: Station, rs: Station, checkPort = 80, firstPort = 42000) {
    this.lan = lan; this.dir = dir; this.rs = rs; this.checkPort = checkPort;
    this.port = firstPort;
  }

  /** One check at time t; `up` false: the real server refuses it. */
  check(t: number, up: boolean): void {
    const sport = this.port++;
    const d = this.dir, r = this.rs, p = this.checkPort;
    const id = (): number => this.lan.nextId();
    const checker = { en: `${d.name}'s keepalived TCP_CHECK of ${r.name}:${p}`, zh: `${d.name} 的 keepalived TCP_CHECK 检查 ${r.name}:${p}` };
    this.lan.tcp(t, d, r.mac, r.ip, sport, p, 'S', 7000, 0, 0, 64, id(), { en: `${checker.en}: SYN from the DIP`, zh: `${checker.zh}：从 DIP 发出 SYN` });
    if (!up) {
      this.lan.tcp(t + 0.0003, r, d.mac, d.ip, p, sport, 'AR', 0, 7001, 0, 64, id(),
        { en: `${r.name} refuses the check (RST): its service is down, the check fails`, zh: `${r.name} 拒绝了检查（RST）：服务已停止，检查失败` });
      return;
    }
    this.lan.tcp(t + 0.0003, r, d.mac, d.ip, p, sport, 'SA', 9000, 7001, 0, 64, id(), { en: `${r.name} answers the check: SYN-ACK`, zh: `${r.name} 应答检查：SYN-ACK` });
    this.lan.tcp(t + 0.0004, d, r.mac, r.ip, sport, p, 'A', 7001, 9001, 0, 64, id(), { en: `${checker.en}: connected, the check passes`, zh: `${checker.zh}：连接成功，检查通过` });
    this.lan.tcp(t + 0.0005, d, r.mac, r.ip, sport, p, 'AF', 7001, 9001, 0, 64, id(), { en: `${checker.en}: closes at once (FIN)`, zh: `${checker.zh}：立即关闭（FIN）` });
    this.lan.tcp(t + 0.0008, r, d.mac, d.ip, p, sport, 'AF', 9001, 7002, 0, 64, id(), { en: `${r.name} FIN`, zh: `${r.name} FIN` });
    this.lan.tcp(t + 0.0009, d, r.mac, r.ip, sport, p, 'A', 7002, 9002, 0, 64, id(), { en: `${checker.en}: last ACK`, zh: `${checker.zh}：最后的 ACK` });
  }
}
