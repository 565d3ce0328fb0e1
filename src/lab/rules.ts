/**
 * The commands that turn a LabPlan into namespaces: `ip -batch` lines for the host, and one shell
 * script per namespace (sysctls, `ip -batch`, `nft -f`, `ipvsadm`). Pure text, so tests can read
 * what the lab will do without root.
 *
 * Without IPVS the director is emulated so that the kernel still does the forwarding:
 * - DR/TUN: nftables marks each new client connection to VIP:port with the scheduler's pick
 *   (kept per connection in a dynamic map, because the director only sees one direction and
 *   conntrack would call the second packet invalid), and `ip rule fwmark → table` routes it to
 *   the real server: the kernel rewrites only the MACs (DR) or wraps it in IPIP (TUN) and
 *   decrements the TTL. The local table moves after the fwmark rules, so the VIP stays a local
 *   address for ARP and ping but not for marked packets.
 * - NAT: nftables DNAT with port mapping, real server chosen per connection.
 */
import { EMULATED_SCHEDULERS, GUE_PORT } from './options.js';
import { RS_NET, ROUTER_LAN_IP, type LabDest, type LabHost, type LabPlan, type LabServicePlan, type Segment } from './plan.js';
import { schedulePeriod, shPicks } from './schedule.js';

export type DirectorKind = 'ipvs' | 'emulation';

/** The tunnel device a TUN real server decapsulates on (and holds the VIP on). */
export function tunDevice(plan: Pick<LabPlan, 'options'>): string {
  return plan.options.tunType === 'gre' ? 'gre0' : 'tunl0';
}

export interface NsScript {
  readonly ns: string;
  readonly script: string;
}

export interface SetupSteps {
  /** Host `ip -batch` lines creating the namespaces. */
  readonly netns: readonly string[];
  /** Host `ip -batch` lines creating veth pairs straight into the namespaces. */
  readonly links: readonly string[];
  /** Run in order, the switch first. */
  readonly scripts: readonly NsScript[];
}

const FWMARK_TABLE_BASE = 100;
/** Where the local table goes once the fwmark rules are in front of it. */
const LOCAL_RULE_PREF = 32000;

export function describeDirector(kind: DirectorKind, plan: LabPlan): string {
  const m = plan.method.toUpperCase();
  const tun = plan.method === 'tun' ? ` (${plan.options.tunType})` : '';
  return kind === 'ipvs'
    ? `director: the kernel's IPVS${tun} (ipvsadm)`
    : `director: nftables EMULATION of IPVS-${m} (--emulate; not the kernel's IPVS)`;
}

/** Why the emulation cannot run this plan, or null. */
export function emulationProblem(plan: LabPlan): string | null {
  if (plan.services.length > 1) return 'the nftables emulation builds one service: --service needs the kernel\'s IPVS';
  if (plan.options.udp) return 'the nftables emulation builds TCP services only: --udp needs the kernel\'s IPVS';
  if (!EMULATED_SCHEDULERS.includes(plan.scheduler)) {
    return `this kernel has no IPVS, and the nftables emulation reproduces only ${EMULATED_SCHEDULERS.join(', ')} ` +
      `exactly (not ${plan.scheduler})`;
  }
  if (plan.scheduler !== 'sh' && schedulePeriod(plan).length === 0) return 'every real server has weight 0';
  return null;
}

export function setupSteps(plan: LabPlan, kind: DirectorKind): SetupSteps {
  const netns = plan.namespaces.map((n) => `netns add ${n}`);
  const links: string[] = [];
  for (const h of plan.hosts) {
    for (const i of h.ifaces) {
      links.push(`link add name ${i.name} address ${i.mac} netns ${h.ns} type veth peer name ${i.bridgePort} netns ${plan.switchNs}`);
    }
  }
  const scripts: NsScript[] = [{ ns: plan.switchNs, script: switchScript(plan) }];
  for (const h of plan.hosts) scripts.push({ ns: h.ns, script: hostScript(plan, h, kind) });
  return { netns, links, scripts };
}

const IPV6_OFF = ['net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];

function sysctl(settings: readonly string[]): string {
  return `sysctl -q -w ${settings.join(' ')}`;
}

function ipBatch(lines: readonly string[]): string {
  return `ip -batch - <<'LVSCOPE_EOF'\n${lines.join('\n')}\nLVSCOPE_EOF`;
}

function nftScript(text: string): string {
  return `nft -f - <<'LVSCOPE_EOF'\n${text}\nLVSCOPE_EOF`;
}

function switchScript(plan: LabPlan): string {
  // A switch learns MACs (the bridge's default ageing) and sends each frame only where its
  // destination is. A hub (ageing_time 0: the bridge learns nothing) floods every frame, like the
  // promiscuous virtual switch of the walkthrough, so one capture point sees the whole LAN.
  const lines = ['link set lo up'];
  const segments = new Set<Segment>(plan.hosts.flatMap((h) => h.ifaces.map((i) => i.segment)));
  const ageing = plan.options.lan === 'hub' ? ' ageing_time 0' : '';
  for (const br of segments) {
    lines.push(`link add name ${br} type bridge${ageing} stp_state 0 mcast_snooping 0`, `link set ${br} up`);
  }
  for (const h of plan.hosts) {
    for (const i of h.ifaces) lines.push(`link set ${i.bridgePort} master ${i.segment} up`);
  }
  return [sysctl(IPV6_OFF), ipBatch(lines)].join('\n');
}

function ifaceLines(h: LabHost): string[] {
  const lines = ['link set lo up'];
  for (const i of h.ifaces) {
    for (const a of i.addrs) lines.push(`addr add ${a} dev ${i.name}`);
    lines.push(`link set ${i.name} up`);
  }
  return lines;
}

function hostScript(plan: LabPlan, h: LabHost, kind: DirectorKind): string {
  switch (h.role) {
    case 'client':
      // An upload (--post) leaves as one frame per segment, as it arrives from a real network:
      // over a veth the kernel would otherwise hand 64 KB GSO packets through the whole lab.
      return [sysctl(IPV6_OFF), ipBatch([...ifaceLines(h), ...(plan.options.post !== null ? h.ifaces.map((i) => `link set dev ${i.name} gso_max_segs 1`) : [])])].join('\n');
    case 'gateway':
      return h.key === 'fw' ? firewallScript(plan, h) : routerScript(plan, h);
    case 'director':
      return directorScript(plan, h, kind);
    case 'real-server':
      return realServerScript(plan, h);
    case 'other':
      return sysctl(IPV6_OFF);
  }
}

function firewallScript(plan: LabPlan, h: LabHost): string {
  // DNAT from the public address to the VIP, as the walkthrough's iptables rule does.
  const nft = [
    'table ip lvscope_fw {',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    ...plan.services.map((s) => `    ip daddr ${s.publicIp} ${s.protocol} dport ${s.publicPort} dnat ip to ${s.vip}`),
    '  }',
    '}',
  ].join('\n');
  return [sysctl([...IPV6_OFF, 'net.ipv4.ip_forward=1']), ipBatch(ifaceLines(h)), nftScript(nft)].join('\n');
}

function routerScript(plan: LabPlan, h: LabHost): string {
  const lines = ifaceLines(h);
  const settings = [...IPV6_OFF, 'net.ipv4.ip_forward=1'];
  if (plan.realServers.some((r) => r.method === 'tun') && plan.gateway) {
    // Real servers answer from the VIP, which is not in the router's subnet behind them.
    lines.push(`route add default via ${plan.gateway.ip}`);
    settings.push('net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0');
  }
  return [sysctl(settings), ipBatch(lines)].join('\n');
}

/** "tcp" or "udp": the lab's service protocol, as nftables and ipvsadm name it. */
function l4(plan: LabPlan): 'tcp' | 'udp' {
  return plan.options.udp ? 'udp' : 'tcp';
}

/** --misconfig rs-firewall / rs-reject: the real server's own firewall drops or rejects the service's packets. */
function rsFirewall(plan: LabPlan, rs: LabPlan['realServers'][number]): string | null {
  const m = plan.options.misconfig;
  if (!rs.misconfigured || (m !== 'rs-firewall' && m !== 'rs-reject')) return null;
  // nftables' plain `reject` answers with ICMP port unreachable, as iptables' REJECT does by default.
  return nftScript([
    'table ip lvscope_rs {',
    '  chain input {',
    '    type filter hook input priority filter; policy accept;',
    `    ${l4(plan)} dport ${rs.port} ${m === 'rs-firewall' ? 'drop' : 'reject'}`,
    '  }',
    '}',
  ].join('\n'));
}

/** The VIPs a real server answers for: those of the services it is in. */
function vipsOf(plan: LabPlan, rsIndex: number): string[] {
  return [...new Set(plan.services.filter((s) => s.dests.some((d) => d.rs === rsIndex)).map((s) => s.vip))];
}

function realServerScript(plan: LabPlan, h: LabHost): string {
  const index = plan.realServers.findIndex((r) => r.key === h.key);
  const rs = plan.realServers[index];
  if (!rs) throw new Error(`no real server ${h.key}`);
  const settings = [...IPV6_OFF];
  const lines = ifaceLines(h);
  const arpQuiet = !(rs.misconfigured && plan.options.misconfig === 'rs-arp');
  const firewall = rsFirewall(plan, rs);
  // A real server in no service still holds the lab's VIP, as every one of a one-service lab does.
  const vips = plan.services.length > 1 ? vipsOf(plan, index) : [plan.vip];
  if (rs.method === 'nat') {
    const gw = rs.misconfigured && plan.options.misconfig === 'nat-gateway' ? '192.168.23.254' : plan.director.dip;
    lines.push(`route add default via ${gw}`);
    return [sysctl(settings), ipBatch(lines), ...(firewall !== null ? [firewall] : [])].join('\n');
  }
  // DR/TUN: the ARP sysctls first (all and the interface), then the VIP, as the tutorials do.
  if (arpQuiet) {
    settings.push('net.ipv4.conf.all.arp_ignore=1', 'net.ipv4.conf.all.arp_announce=2',
      'net.ipv4.conf.eth0.arp_ignore=1', 'net.ipv4.conf.eth0.arp_announce=2');
  }
  const gw = rs.method === 'tun' ? `${RS_NET}.1`
    : rs.misconfigured && plan.options.misconfig === 'dr-reply-via-director' ? plan.director.dip : plan.gateway?.ip;
  const parts = [sysctl(settings)];
  const dev = tunDevice(plan);
  if (rs.method === 'tun') {
    // The VIP on the tunnel's fallback device (tunl0 for IPIP and GUE, whose payload is IPIP;
    // gre0 for GRE), and reverse-path filtering off: the decapsulated packet (CIP → VIP) arrives
    // on that device, where no route back to the CIP leads. The module creates the device.
    parts.push(`modprobe ${plan.options.tunType === 'gre' ? 'ip_gre' : 'ipip'} 2>/dev/null || true`);
    if (plan.options.tunType === 'gue') parts.push(`modprobe fou 2>/dev/null || true`, `ip fou add port ${GUE_PORT} gue`);
    lines.push(...vips.map((v) => `addr add ${v}/32 dev ${dev}`), `link set ${dev} up`);
    parts.push(sysctl(['net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', 'net.ipv4.conf.eth0.rp_filter=0']));
  } else if (!(rs.misconfigured && plan.options.misconfig === 'dr-vip-missing')) {
    lines.push(...vips.map((v) => `addr add ${v}/32 dev lo`));
  }
  if (gw !== undefined) lines.push(`route add default via ${gw}`);
  parts.push(ipBatch(lines));
  if (rs.method === 'tun') {
    // --misconfig tun-rp-filter: strict reverse-path filtering drops the decapsulated CIP → VIP
    // packet (the way back to the CIP is eth0, not the tunnel device); the effective value is the
    // larger of `all` and the device's.
    const rp = rs.misconfigured && plan.options.misconfig === 'tun-rp-filter' ? 1 : 0;
    parts.push(sysctl([`net.ipv4.conf.${dev}.rp_filter=${rp}`, ...(rp === 1 ? ['net.ipv4.conf.all.rp_filter=1'] : [])]));
  }
  if (firewall !== null) parts.push(firewall);
  return parts.join('\n');
}

function directorScript(plan: LabPlan, h: LabHost, kind: DirectorKind): string {
  const d = plan.director;
  const settings = [...IPV6_OFF, 'net.ipv4.ip_forward=1'];
  const lines = ifaceLines(h);
  const parts: string[] = [];
  if (plan.method !== 'nat') {
    // The emulated director forwards in and out of one interface; a real IPVS director never
    // sends ICMP redirects for it, so neither may the emulation.
    settings.push('net.ipv4.conf.all.send_redirects=0', 'net.ipv4.conf.default.send_redirects=0',
      `net.ipv4.conf.${d.lanIf}.send_redirects=0`,
      'net.ipv4.conf.all.rp_filter=0', 'net.ipv4.conf.default.rp_filter=0', `net.ipv4.conf.${d.lanIf}.rp_filter=0`);
    if (plan.gateway) lines.push(`route add default via ${plan.gateway.ip}`);
    if (plan.realServers.some((r) => r.method === 'tun')) lines.push(`route add ${RS_NET}.0/24 via ${ROUTER_LAN_IP}`);
  }
  parts.push(sysctl(settings));
  if (kind === 'ipvs') {
    const modules = [...new Set(plan.services.map((s) => s.scheduler))].map((x) => `modprobe -q ip_vs_${x} 2>/dev/null || true`);
    parts.push(...modules, ipBatch(lines));
    if (plan.options.fwmark !== null) parts.push(nftScript(fwmarkRules(plan, plan.options.fwmark)));
    if (plan.options.masquerade) parts.push(sysctl(['net.ipv4.vs.conntrack=1']), nftScript(masqueradeRules(plan)));
    // In an HA lab keepalived's checker process programs IPVS on both directors.
    if (!plan.ha) parts.push(ipvsadmLines(plan).join('\n'));
    return parts.join('\n');
  }
  if (plan.method === 'nat') {
    parts.push(ipBatch(lines), nftScript(natRules(plan)));
    return parts.join('\n');
  }
  lines.push(`rule add pref ${LOCAL_RULE_PREF} lookup local`, 'rule del pref 0');
  plan.realServers.forEach((rs, i) => {
    const mark = i + 1;
    const table = FWMARK_TABLE_BASE + mark;
    lines.push(`rule add pref ${table} fwmark ${mark} lookup ${table}`);
    if (plan.method === 'tun') {
      const dev = `tun${mark}`;
      lines.push(`link add name ${dev} type ipip local ${d.dip} remote ${rs.ip}`, `link set ${dev} up`,
        `route add ${plan.vip}/32 dev ${dev} table ${table}`);
    } else {
      lines.push(`route add ${plan.vip}/32 via ${rs.ip} dev ${d.lanIf} onlink table ${table}`);
    }
  });
  parts.push(ipBatch(lines), nftScript(markRules(plan)));
  return parts.join('\n');
}

/** How ipvsadm names a service: -t VIP:PORT, -u VIP:PORT, or -f MARK for a firewall-mark service. */
export function ipvsadmServiceOf(s: LabServicePlan): string {
  return s.fwmark !== null ? `-f ${s.fwmark}` : `${s.protocol === 'udp' ? '-u' : '-t'} ${s.vip}:${s.vport}`;
}

/** How ipvsadm names the lab's (first) service. */
export function ipvsadmService(plan: LabPlan): string {
  return ipvsadmServiceOf(plan.services[0]!);
}

/** `ipvsadm` commands for a kernel with IPVS: each service, then its real servers in its add order. */
export function ipvsadmLines(plan: LabPlan): string[] {
  const t = plan.options.timeouts;
  const out = ['ipvsadm -C', ...(t !== null ? [`ipvsadm --set ${t.tcp} ${t.tcpfin} ${t.udp}`] : [])];
  for (const s of plan.services) {
    const p = s.persistence !== null ? ` -p ${s.persistence}${s.netmask !== null ? ` -M ${s.netmask}` : ''}` : '';
    const b = s.schedFlags.length > 0 ? ` -b ${s.schedFlags.join(',')}` : '';
    out.push(`ipvsadm -A ${ipvsadmServiceOf(s)} -s ${s.scheduler}${b}${p}${s.onePacket ? ' -o' : ''}`);
    // The one-service lab's dests are its real servers, in plan.addOrder (the seed presets' order).
    for (const i of plan.options.services === null ? plan.addOrder : s.addOrder) {
      const d = s.dests[i];
      const rs = d ? plan.realServers[d.rs] : undefined;
      if (d && rs) out.push(ipvsadmDestLine(plan, s, d));
    }
  }
  return out;
}

/** `ipvsadm -a` for one real server of a service, with its method's flag (and the tunnel type for TUN). */
export function ipvsadmDestLine(plan: LabPlan, s: LabServicePlan, d: LabDest): string {
  const t = plan.options.tunType;
  const flag = d.method === 'nat' ? '-m' : d.method === 'tun'
    ? `-i${t === 'ipip' ? '' : ` --tun-type ${t}${t === 'gue' ? ` --tun-port ${GUE_PORT}` : ''}`}` : '-g';
  return `ipvsadm -a ${ipvsadmServiceOf(s)} -r ${plan.realServers[d.rs]?.ip}:${d.port} ${flag} -w ${d.weight}`;
}

/** `ipvsadm -a` for one real server of the lab's (first) service. */
export function ipvsadmAddDest(plan: LabPlan, rs: LabPlan['realServers'][number]): string {
  const s = plan.services[0]!;
  const d = s.dests.find((x) => plan.realServers[x.rs] === rs) ?? { rs: plan.realServers.indexOf(rs), port: rs.port, weight: rs.weight, method: rs.method };
  return ipvsadmDestLine(plan, s, d);
}

/** `ipvsadm -e … -w 0` for one real server: quiesced, kept in the table for the connections it holds. */
export function ipvsadmQuiesce(plan: LabPlan, rs: LabPlan['realServers'][number]): string {
  return ipvsadmAddDest(plan, rs).replace(/^ipvsadm -a /, 'ipvsadm -e ').replace(/ -w \d+$/, ' -w 0');
}

/** A firewall-mark service's mark: set on client packets to VIP:port before IPVS sees them. */
export function fwmarkRules(plan: LabPlan, mark: number): string {
  return [
    'table ip lvscope_fwmark {',
    '  chain prerouting {',
    '    type filter hook prerouting priority mangle; policy accept;',
    `    ip daddr ${plan.vip} tcp dport ${plan.vport} meta mark set ${mark}`,
    '  }',
    '}',
  ].join('\n');
}

/**
 * --masquerade: source NAT after IPVS, as kube-proxy's IPVS mode adds it (there with iptables
 * MASQUERADE on marked packets): every packet to a real server leaves from the director's own
 * address. IPVS NAT connections reach netfilter's NAT only with net.ipv4.vs.conntrack=1.
 */
export function masqueradeRules(plan: LabPlan): string {
  return [
    'table ip lvscope_masquerade {',
    '  chain postrouting {',
    '    type nat hook postrouting priority srcnat; policy accept;',
    `    ip daddr { ${plan.realServers.map((r) => r.ip).join(', ')} } masquerade`,
    '  }',
    '}',
  ].join('\n');
}

/** DR/TUN emulation: which real server (fwmark i+1) each new connection goes to. */
export function markRules(plan: LabPlan): string {
  const match = `ip daddr ${plan.vip} tcp dport ${plan.vport}`;
  const choose = plan.scheduler === 'sh'
    ? `meta mark set ip saddr map { ${shEntries(plan, (i) => String(i + 1))} }`
    : `meta mark set ${numgenMap(schedulePeriod(plan), (i) => String(i + 1))}`;
  return [
    'table ip lvscope_dir {',
    '  map conns {',
    '    type ipv4_addr . inet_service : mark; flags dynamic, timeout; timeout 15m;',
    '  }',
    '  chain prerouting {',
    '    type filter hook prerouting priority mangle; policy accept;',
    `    ${match} meta mark set ip saddr . tcp sport map @conns`,
    `    meta mark 0 ${match} tcp flags & (syn | ack) == syn ${choose}`,
    `    meta mark != 0 ${match} add @conns { ip saddr . tcp sport : meta mark }`,
    '  }',
    '}',
  ].join('\n');
}

/** NAT emulation: DNAT to RIP:port, one scheduler pick per connection (conntrack keeps it). */
export function natRules(plan: LabPlan): string {
  const target = (i: number): string => {
    const rs = plan.realServers[i];
    return rs ? `${rs.ip} . ${rs.port}` : '';
  };
  const choose = plan.scheduler === 'sh'
    ? `dnat ip to ip saddr map { ${shEntries(plan, target)} }`
    : `dnat ip to ${numgenMap(schedulePeriod(plan), target)}`;
  return [
    'table ip lvscope_dir {',
    '  chain prerouting {',
    '    type nat hook prerouting priority dstnat; policy accept;',
    `    ip daddr ${plan.vip} tcp dport ${plan.vport} ${choose}`,
    '  }',
    '}',
  ].join('\n');
}

/** rr/wrr: the k-th new connection gets the pick k mod period. */
function numgenMap(period: readonly number[], value: (i: number) => string): string {
  return `numgen inc mod ${period.length} map { ${period.map((p, k) => `${k} : ${value(p)}`).join(', ')} }`;
}

/** sh hashes the source address; the lab knows its clients, so their picks are precomputed. */
function shEntries(plan: LabPlan, value: (i: number) => string): string {
  const picks = shPicks(plan, plan.clients.map((c) => c.ip));
  const entries: string[] = [];
  plan.clients.forEach((c, k) => {
    const i = picks[k];
    if (i !== null && i !== undefined) entries.push(`${c.ip} : ${value(i)}`);
  });
  // An empty map literal is a syntax error; an unused documentation address keeps it valid.
  return entries.length > 0 ? entries.join(', ') : `192.0.2.1 : ${value(0)}`;
}
