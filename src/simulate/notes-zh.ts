/**
 * The simulator's packet notes in Chinese. Notes are built in English where the simulation
 * happens (net, tcp, director, faults); this table gives each of their sentence shapes a
 * Chinese twin, clause by clause, so `synth --lang zh` writes Chinese comments without the
 * simulator knowing about languages. Host names, addresses and numbers pass through unchanged.
 * A new note shape needs a line here (the preset test fails on an English-only comment).
 */

const A = String.raw`([0-9a-fA-F.:]+)`;
const H = String.raw`(\S+)`;

/** Whole-sentence and clause rewrites, in order: longer shapes before the clauses they contain. */
const RULES: readonly (readonly [RegExp, string])[] = [
  [/^(\S+) forwards (\S+) → (\S+) after DNAT to (\S+) \(TTL (\d+)→(\d+)\)$/, '$1 做 DNAT 后转发 $2 → $3（目的改为 $4，TTL $5→$6）'],
  [/^(\S+) routes (\S+) → (\S+) on \(TTL (\d+)→(\d+)\)$/, '$1 路由转发 $2 → $3（TTL $4→$5）'],
  [new RegExp(String.raw`^${H} asks who has ${A} \(tell ${A}\)`), '$1 询问谁有 $2（告诉 $3）'],
  [new RegExp(String.raw`^${H} answers: ${A} is at ${A}`), '$1 应答：$2 的 MAC 是 $3'],
  [/ — a real server must not answer for the VIP \(arp_ignore should be (\d+)\)/, '——Real Server 不应应答 VIP 的 ARP（arp_ignore 应为 $1）'],
  [/: a real server using the VIP as its ARP sender address poisons neighbour caches \(arp_announce should be (\d+)\)/, '：Real Server 用 VIP 作 ARP 发送方地址，会污染邻居缓存（arp_announce 应为 $1）'],
  [/: the VIP is the director's primary address, so its ARP requests carry the VIP, and real servers holding the VIP ignore them/, '：VIP 是 Director 的主地址，它的 ARP 请求以 VIP 为发送方，持有 VIP 的 Real Server 会忽略这些请求'],
  [/^(\S+) → (\S+) by (\w+); /, '$1 用 $3 调度到 $2；'],
  [/^(\S+) → (\S+) persistence template \((\w+) not consulted\); /, '$1 → $2，命中持久连接模板（不再询问 $3）；'],
  [/^(\S+) → (\S+) \(existing connection, (\w+)\); /, '$1 → $2（已有连接，$3）；'],
  [/DR rewrites only the destination MAC \(TTL (\d+)→(\d+)\)/, 'DR 只改写目的 MAC（TTL $1→$2）'],
  [/NAT rewrites the destination to the real server: (\S+) → (\S+) \(TTL (\d+)→(\d+)\)/, 'NAT 把目的地址改写为 Real Server：$1 → $2（TTL $3→$4）'],
  [/TUN wraps the packet in an outer IP header DIP → RIP (\S+) → (\S+) \(TTL (\d+)→(\d+), copied to the outer header\)/, 'TUN 给包套上外层 IP 头 DIP → RIP $1 → $2（TTL $3→$4，复制到外层头）'],
  [/FULLNAT rewrites source and destination: (\S+) → (\S+) becomes (\S+) → (\S+)/, 'FULLNAT 同时改写源和目的：$1 → $2 变成 $3 → $4'],
  [/; TOA option carries the client IP, timestamp replaced by NOPs/, '；TOA 选项携带客户端 IP，时间戳选项换成 NOP'],
  [/; TOA option carries the client IP/, '；TOA 选项携带客户端 IP'],
  [/^(\S+): reply from (\S+) (\S+) rewritten to come from the VIP (\S+) \(NAT, TTL (\d+)→(\d+)\)/, '$1：$2（$3）的回复被改写为来自 VIP $4（NAT，TTL $5→$6）'],
  [/^(\S+): FULLNAT reply from (\S+) (\S+) rewritten to (\S+) → (\S+)/, '$1：$2（$3）的 FULLNAT 回复被改写为 $4 → $5'],
  [/; MSS lowered by (\d+) to leave room for TOA/, '；MSS 减小 $1，为 TOA 留出空间'],
  [/^(\S+) forwards a reply of a DR connection: the real server routes its replies through the director instead of straight to the client/, '$1 转发了一个 DR 连接的回复：Real Server 把回复经 Director 路由，而不是直接发给客户端'],
  [/^(\S+): no real server available for (\S+) \(no destination available: ICMP port unreachable to the client\); IPVS answers ICMP port unreachable/, '$1：$2 没有可用的 Real Server（no destination available），IPVS 向客户端回 ICMP 端口不可达'],
  [/^(\S+): (\d+)-byte packet plus the (\d+)-byte IPIP header exceeds the (\d+)-byte MTU towards (\S+), DF is set: ICMP fragmentation needed \(MTU (\d+)\)/, '$1：$2 字节的包加上 $3 字节的 IPIP 头超过去往 $5 的 $4 字节 MTU，且设置了 DF：回 ICMP 需要分片（MTU $6）'],
  [/^(\S+) accepts: SYN-ACK to (\S+)/, '$1 接受连接：向 $2 发 SYN-ACK'],
  [/^(\S+) sends the test page \(HTTP (\d+)\)/, '$1 发送测试页面（HTTP $2）'],
  [/^(\S+) acknowledges the request/, '$1 确认收到请求'],
  [/^(\S+): keep-alive timeout, the server closes \(FIN\)/, '$1：keep-alive 超时，服务器关闭连接（FIN）'],
  [/^(\S+) acknowledges the FIN; its side is now TIME_WAIT/, '$1 确认 FIN，它这一端进入 TIME_WAIT'],
  [/^(\S+) closes its side too \(FIN\)/, '$1 也关闭自己这一端（FIN）'],
  [/^(\S+) sends the HTTP request/, '$1 发送 HTTP 请求'],
  [/^(\S+) opens a connection to (\S+) \(SYN\)/, '$1 向 $2 发起连接（SYN）'],
  [/^(\S+) is done and closes \(FIN\)/, '$1 完成，关闭连接（FIN）'],
  [/^(\S+) completes the handshake \(ACK\)/, '$1 完成握手（ACK）'],
  [/^(\S+) acknowledges the response data/, '$1 确认收到响应数据'],
  [/^(\S+) refuses: RST, nothing listens on port (\d+) \(service stopped\)/, '$1 拒绝：RST，端口 $2 上没有监听（服务已停止）'],
  [/^(\S+) refuses: RST, no socket for this segment/, '$1 拒绝：RST，没有对应这个报文段的套接字'],
  [/ \(retransmission: no SYN-ACK came back\)/, '（重传：没有收到 SYN-ACK）'],
  [/ \(continued\)/, '（续）'],
];

/** `note` in `lang`: English as built, Chinese through RULES. */
export function noteIn(note: string, lang: 'en' | 'zh'): string {
  if (lang === 'en') return note;
  let out = note;
  for (const [re, zh] of RULES) out = out.replace(re, zh);
  return out;
}
