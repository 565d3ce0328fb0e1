/**
 * Every word the TUI's own chrome shows (tabs, headings, the status line, help), in English and
 * Chinese, so `l` switches the whole screen and not only the explanation. Protocol text (frame
 * summaries, decoded fields, ipvsadm's own listing) stays as the tools print it.
 */
import type { Pane } from './hooks/use-ui-state.js';
import type { ActorKind, Lang } from './data/types.js';
import type { FilterError } from './data/display-filter.js';

export interface Words {
  readonly panes: Readonly<Record<Pane, string>>;
  readonly filterHint: string;
  filterOn(filter: string): string;
  readonly roles: Readonly<Record<ActorKind | 'broadcast', string>>;
  /** The ladder's headings where a column is too narrow for the role's word (40 columns). */
  readonly rolesShort: Readonly<Record<'client' | 'gateway' | 'director', string>>;
  readonly listHead: { readonly no: string; readonly time: string; readonly seconds: string; readonly from: string; readonly to: string; readonly summary: string };
  readonly noFrames: string;
  noMatch(filter: string): string;
  /** A display filter that does not parse: where, and what was expected. */
  badFilter(error: FilterError): string;
  readonly noSelection: string;
  frameOf(selected: number, total: number): string;
  frameShown(selected: number, shown: number, total: number): string;
  method(m: string): string;
  scheduler(s: string): string;
  readonly language: string;
  failed(why: string): string;
  analysing(percent: number): string;
  readonly keysHint: string;
  listAt(n: number): string;
  readonly noService: string;
  entries(count: number): string;
  readonly connHead: readonly [string, string, string, string, string, string];
  more(count: number): string;
  readonly noFindings: string;
  findingsHead(count: number): string;
  readonly frames: string;
  readonly severity: Readonly<Record<'error' | 'warning' | 'info', string>>;
  detailHead(n: number, bytes: number, where: string, hex: boolean): string;
  byteRange(start: number, end: number): string;
  readonly derived: string;
  readonly helpTitle: string;
  readonly help: readonly (readonly [string, string])[];
}

const EN: Words = {
  panes: { frames: 'Frames', ladder: 'Ladder', detail: 'Detail', cluster: 'Cluster' },
  filterHint: '  / filter',
  filterOn: (f) => `  filter: ${f}  (Esc clears)`,
  roles: { client: 'client', gateway: 'gateway', director: 'director', 'real-server': 'real server', other: 'other', broadcast: 'broadcast' },
  rolesShort: { client: 'cli', gateway: 'gw', director: 'dir' },
  listHead: { no: 'No.', time: 'Time', seconds: 'Seconds', from: 'From', to: 'To', summary: 'Summary' },
  noFrames: 'The capture has no frames.',
  noMatch: (f) => `No frame matches '${f}'.`,
  badFilter: (e) => `Filter syntax error at column ${e.at + 1}${e.token === '' ? ' (end)' : ` ('${e.token}')`}: ${({
    'unknown-field': 'unknown field; known: ip.addr ip.src ip.dst eth.addr eth.src eth.dst tcp.port udp.port tcp.srcport tcp.dstport tcp.flags.syn/ack/fin/reset frame.number',
    'expected-value': 'a value is missing after the operator',
    'expected-operand': 'a field, protocol or word is missing',
    'expected-close': "a ')' is missing",
    unexpected: 'not expected here (combine with and, or, not)',
    'bad-value': 'a number is expected',
    'bad-op': 'addresses take only == and !=',
  } as const)[e.code]}.`,
  noSelection: 'No frame selected.',
  frameOf: (n, total) => `frame ${n}/${total}`,
  frameShown: (n, shown, total) => `frame ${n}, ${shown} of ${total} shown`,
  method: (m) => `method ${m}`,
  scheduler: (s) => `scheduler ${s}`,
  language: 'English',
  failed: (why) => `model failed: ${why}`,
  analysing: (p) => `analysing ${p}%`,
  keysHint: '? help  q quit',
  listAt: (n) => `ipvsadm -Ln, as of frame ${n}`,
  noService: '  (no virtual service inferred yet)',
  entries: (c) => `ipvsadm -Lnc: ${c} entr${c === 1 ? 'y' : 'ies'}`,
  connHead: ['pro', 'expire', 'state', 'source', 'virtual', 'destination'],
  more: (c) => `  … ${c} more`,
  noFindings: 'Findings: none',
  findingsHead: (c) => `Findings: ${c} (↑↓ choose, Enter jumps to the frame)`,
  frames: 'frames',
  severity: { error: 'error', warning: 'warning', info: 'info' },
  detailHead: (n, bytes, where, hex) => `Frame ${n}: ${bytes} bytes${where}   [x] hex ${hex ? 'on' : 'off'}`,
  byteRange: (a, b) => `  bytes ${a}–${b}`,
  derived: '  (derived)',
  helpTitle: 'lvscope tui: keys',
  help: [
    ['↑ ↓  j k', 'previous / next frame (field in Detail, finding in Cluster)'],
    ['PgUp PgDn', 'a page of frames up / down'],
    ['Home End', 'first / last frame'],
    ['Tab  S-Tab', 'next / previous pane: Frames, Ladder, Detail, Cluster'],
    ['/', 'filter: host (WEB1, 192.168.23.80), role (director, rs),'],
    ['', '  connection (#2), finding code; words combine; Esc clears'],
    ['', '  or tshark: ip.addr==…, tcp.port==80, arp, and/or/not, ( )'],
    ['f', 'follow the selected frame\'s connection (again: stop)'],
    ['n p', 'next / previous frame of that connection'],
    ['x', 'hex dump on/off (Detail), selected field highlighted'],
    ['Enter', 'jump to the selected finding\'s frame (Cluster)'],
    ['l', 'English / 中文'],
    ['?', 'this help (any key closes)'],
    ['q', 'quit'],
  ],
};

const ZH: Words = {
  panes: { frames: '帧列表', ladder: '时序图', detail: '详情', cluster: '集群' },
  filterHint: '  / 过滤',
  filterOn: (f) => `  过滤：${f}（Esc 清除）`,
  roles: { client: '客户端', gateway: '网关', director: 'Director', 'real-server': 'Real Server', other: '其他', broadcast: '广播' },
  rolesShort: { client: '客户', gateway: '网关', director: 'Dir' },
  listHead: { no: '序号', time: '时间', seconds: '秒', from: '从', to: '到', summary: '摘要' },
  noFrames: '抓包文件里没有帧。',
  noMatch: (f) => `没有与“${f}”匹配的帧。`,
  badFilter: (e) => `过滤条件语法错误，第 ${e.at + 1} 列${e.token === '' ? '（结尾）' : `（“${e.token}”）`}：${({
    'unknown-field': '未知字段；可用：ip.addr ip.src ip.dst eth.addr eth.src eth.dst tcp.port udp.port tcp.srcport tcp.dstport tcp.flags.syn/ack/fin/reset frame.number',
    'expected-value': '运算符后缺少值',
    'expected-operand': '缺少字段、协议名或过滤词',
    'expected-close': '缺少“)”',
    unexpected: '此处不应出现（请用 and、or、not 组合）',
    'bad-value': '这里需要一个数字',
    'bad-op': '地址只能用 == 和 !=',
  } as const)[e.code]}。`,
  noSelection: '未选中任何帧。',
  frameOf: (n, total) => `帧 ${n}/${total}`,
  frameShown: (n, shown, total) => `帧 ${n}，显示 ${shown}/${total}`,
  method: (m) => `转发模式 ${m.replace(/\bUNKNOWN\b/g, '未知')}`,
  scheduler: (s) => `调度算法 ${s.replace(/\bunknown\b/g, '未知').replace(/\bambiguous\b/g, '无法确定')}`,
  language: '中文',
  failed: (why) => `模型出错：${why}`,
  analysing: (p) => `分析中 ${p}%`,
  keysHint: '? 帮助  q 退出',
  listAt: (n) => `ipvsadm -Ln（截至第 ${n} 帧）`,
  noService: '  （尚未推断出虚拟服务）',
  entries: (c) => `ipvsadm -Lnc：${c} 条连接`,
  connHead: ['pro', 'expire', 'state', 'source', 'virtual', 'destination'],
  more: (c) => `  … 还有 ${c} 行`,
  noFindings: '问题：无',
  findingsHead: (c) => `问题：${c} 个（↑↓ 选择，Enter 跳到相应的帧）`,
  frames: '帧',
  severity: { error: '错误', warning: '警告', info: '提示' },
  detailHead: (n, bytes, where, hex) => `帧 ${n}：${bytes} 字节${where}   [x] 十六进制 ${hex ? '开' : '关'}`,
  byteRange: (a, b) => `  第 ${a}–${b} 字节`,
  derived: '  （推算值）',
  helpTitle: 'lvscope tui：按键',
  help: [
    ['↑ ↓  j k', '上一帧 / 下一帧（详情中选字段，集群中选问题）'],
    ['PgUp PgDn', '向上 / 向下翻一页'],
    ['Home End', '第一帧 / 最后一帧'],
    ['Tab  S-Tab', '下一个 / 上一个窗格：帧列表、时序图、详情、集群'],
    ['/', '过滤：主机（WEB1、192.168.23.80）、角色（director、rs）、'],
    ['', '  连接（#2）、问题代码；多个词同时生效；Esc 清除'],
    ['', '  或 tshark 写法：ip.addr==…、tcp.port==80、arp、and/or/not、( )'],
    ['f', '跟踪所选帧所在的连接（再按一次取消）'],
    ['n p', '该连接的下一帧 / 上一帧'],
    ['x', '十六进制显示开/关（详情），高亮所选字段'],
    ['Enter', '跳到所选问题对应的帧（集群）'],
    ['l', 'English / 中文'],
    ['?', '本帮助（按任意键关闭）'],
    ['q', '退出'],
  ],
};

export const WORDS: Readonly<Record<Lang, Words>> = { en: EN, zh: ZH };

/** Terminal columns of a string: CJK and fullwidth characters take two. */
export function displayWidth(s: string): number {
  let w = 0;
  for (const ch of s) w += charWidth(ch.codePointAt(0)!);
  return w;
}

export function charWidth(c: number): 1 | 2 {
  return (c >= 0x1100 && c <= 0x115f) || (c >= 0x2e80 && c <= 0xa4cf) || (c >= 0xac00 && c <= 0xd7a3) || (c >= 0xf900 && c <= 0xfaff)
    || (c >= 0xfe30 && c <= 0xfe4f) || (c >= 0xff00 && c <= 0xff60) || (c >= 0xffe0 && c <= 0xffe6) ? 2 : 1;
}

export function padEndCols(s: string, width: number): string {
  return s + ' '.repeat(Math.max(0, width - displayWidth(s)));
}

export function padStartCols(s: string, width: number): string {
  return ' '.repeat(Math.max(0, width - displayWidth(s))) + s;
}
