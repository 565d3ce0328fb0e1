import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseRules } from '../../src/ipvs/ipvsadm/parse-rules.js';
import { serviceFromSpec } from '../../src/ipvs/ipvsadm/model.js';
import type { LabFrame } from '../../src/lab/frames.js';
import { resolveOptions, LabConfigError, type LabOptions } from '../../src/lab/options.js';
import { planLab, type LabPlan } from '../../src/lab/plan.js';
import { schedulePeriod, shPicks } from '../../src/lab/schedule.js';
import { ipvsadmLines, ipvsadmQuiesce, markRules, natRules, setupSteps } from '../../src/lab/rules.js';
import { buildTruth } from '../../src/lab/truth.js';
import { parseAnswer } from '../../src/lab/programs.js';
import { labCommand } from '../../src/cli/commands/lab.js';

const wrrPlan = (weights: number[], more: Partial<LabOptions> = {}): LabPlan =>
  planLab(resolveOptions({ method: 'dr', realServers: weights.length, scheduler: 'wrr', weights, ...more }), 'lv0010');

describe('kernel scheduler order (src/ipvs schedulers)', () => {
  it('rr walks the list newest-added first, skipping weight 0', () => {
    // Real servers are added rs3, rs2, rs1, so the kernel list is [rs1, rs2, rs3].
    const plan = wrrPlan([1, 0, 1], { scheduler: 'rr' });
    expect(plan.addOrder).toEqual([2, 1, 0]);
    expect(schedulePeriod(plan).slice(0, 4)).toEqual([0, 2, 0, 2]);
  });

  it('wrr follows ip_vs_wrr.c as the lab\'s `-A -s wrr` then one `-a` per server builds it', () => {
    // Worked by hand from ip_vs_wrr.c: each add runs dest_changed (mw = max - (gcd - 1), cw kept
    // unless 0 or above mw), so 4:3:2 added rs3, rs2, rs1 leaves cw = 1 over [rs1, rs2, rs3]:
    // one pass at cw 1 first, then the steady 4,3,2 cycle from cw = mw = 4.
    expect(schedulePeriod(wrrPlan([4, 3, 2])).slice(0, 12)).toEqual([0, 1, 2, 0, 0, 1, 0, 1, 2, 0, 1, 2]);
    expect(schedulePeriod(wrrPlan([4, 2])).slice(0, 6)).toEqual([0, 1, 0, 0, 1, 0]);
    // The seed's 1:5: rs2 (5) alone gives mw = cw = 1, then rs1 (1) joins at the head with cw still 1.
    expect(schedulePeriod(wrrPlan([1, 5])).slice(0, 8)).toEqual([0, 1, 1, 1, 1, 1, 0, 1]);
    // Added rs1 then rs2: the list is [rs2, rs1].
    expect(schedulePeriod({ ...wrrPlan([1, 2]), addOrder: [0, 1] }).slice(0, 6)).toEqual([1, 0, 1, 1, 0, 1]);
    expect(schedulePeriod(wrrPlan([1, 5])).length).toBeGreaterThanOrEqual(512);
  });

  it('the emulation picks what src/ipvs picks for the lab\'s own ipvsadm lines', () => {
    fc.assert(fc.property(
      fc.array(fc.integer({ min: 0, max: 8 }), { minLength: 1, maxLength: 5 }).filter((w) => w.some((x) => x > 0)),
      fc.constantFrom('rr' as const, 'wrr' as const),
      fc.boolean(),
      (weights, scheduler, reversed) => {
        const base = wrrPlan(weights, { scheduler });
        const plan = { ...base, addOrder: reversed ? base.addOrder.slice().reverse() : base.addOrder };
        const period = schedulePeriod(plan);
        const parsed = parseRules(ipvsadmLines(plan).join('\n'));
        expect(parsed.errors).toEqual([]);
        const svc = serviceFromSpec(parsed.services[0]!);
        const picks = Array.from({ length: period.length }, () =>
          svc.scheduler.schedule({ saddr: '172.16.0.100', daddr: plan.vip })?.addr);
        expect(picks).toEqual(period.map((i) => plan.realServers[i]?.ip));
      },
    ));
  });

  it('sh gives each client the real server of its hash bucket; weight 0 gives none', () => {
    const plan = planLab(resolveOptions({ method: 'dr', realServers: 3, scheduler: 'sh', weights: [2, 1, 1], clients: 8 }), 'lv0011');
    expect(markRules(plan)).toContain('meta mark set ip saddr map { 172.16.0.100 : 2, 172.16.0.101 : 1, 172.16.0.102 : 2, ' +
      '172.16.0.103 : 1, 172.16.0.104 : 1, 172.16.0.105 : 3, 172.16.0.106 : 1, 172.16.0.107 : 3 }');
    const idle = planLab(resolveOptions({ method: 'dr', realServers: 2, scheduler: 'sh', weights: [0, 1], clients: 8 }), 'lv0012');
    expect(shPicks(idle, idle.clients.map((c) => c.ip))).toEqual([null, null, null, null, 1, 1, 1, 1]);
    expect(markRules(idle)).toContain('map { 172.16.0.104 : 2, 172.16.0.105 : 2, 172.16.0.106 : 2, 172.16.0.107 : 2 }');
  });
});

describe('lab plan', () => {
  it('seed-dr preset reproduces the walkthrough', () => {
    const plan = planLab(resolveOptions({ preset: 'seed-dr' }), 'lv00aa');
    expect(plan.vip).toBe('192.168.23.100');
    expect(plan.publicIp).toBe('172.16.23.80');
    expect(plan.director).toMatchObject({ dip: '192.168.23.99', mac: '00:0c:29:06:13:ea', lanIf: 'eth0' });
    expect(plan.gateway).toMatchObject({ ip: '192.168.23.1', mac: '02:aa:00:00:00:fe', insideIf: 'eth1' });
    expect(plan.realServers.map((r) => [r.name, r.ip, r.mac])).toEqual([
      ['WEB1', '192.168.23.80', '02:aa:00:00:01:01'],
      ['WEB2', '192.168.23.81', '02:aa:00:00:01:02'],
    ]);
    expect(plan.clients[0]?.ip).toBe('172.16.0.100');
    expect(plan.capture).toEqual({ label: 'fw-eth1', hostKey: 'fw', ns: 'lv00aa-fw', iface: 'eth1', segments: ['lan'] });
    expect(plan.options.requests).toBe(4);
    // ipvsadm -a 81, then 80, as in the seed; rr then starts with 80.
    expect(ipvsadmLines(plan)).toEqual([
      'ipvsadm -C',
      'ipvsadm -A -t 192.168.23.100:80 -s rr',
      'ipvsadm -a -t 192.168.23.100:80 -r 192.168.23.81:80 -g -w 1',
      'ipvsadm -a -t 192.168.23.100:80 -r 192.168.23.80:80 -g -w 1',
    ]);
    expect(schedulePeriod(plan).slice(0, 4)).toEqual([0, 1, 0, 1]);
  });

  it('seed-nat preset: port mapping and the seed add order', () => {
    const plan = planLab(resolveOptions({ preset: 'seed-nat' }), 'lv00ab');
    expect(plan.vip).toBe('172.16.23.80');
    expect(plan.director.dip).toBe('192.168.23.1');
    expect(plan.realServers.map((r) => `${r.ip}:${r.port}`)).toEqual(['192.168.23.80:8080', '192.168.23.81:80']);
    expect(schedulePeriod(plan).slice(0, 4)).toEqual([1, 0, 1, 0]);
    expect(natRules(plan)).toContain('dnat ip to numgen inc mod 512 map { 0 : 192.168.23.81 . 80, 1 : 192.168.23.80 . 8080, 2 : 192.168.23.81 . 80,');
  });

  it('names never reach the host namespace and fit IFNAMSIZ', () => {
    const plan = planLab(resolveOptions({ method: 'dr', realServers: 16, clients: 8 }), 'lvbeef');
    const steps = setupSteps(plan, 'emulation');
    for (const l of steps.links) expect(l).toMatch(/ netns lvbeef-\S+ type veth peer name \S+ netns lvbeef-sw$/);
    for (const h of plan.hosts) for (const i of h.ifaces) expect(i.bridgePort.length).toBeLessThanOrEqual(15);
    expect(new Set(plan.hosts.flatMap((h) => h.ifaces.map((i) => i.mac))).size).toBe(plan.hosts.flatMap((h) => h.ifaces).length);
  });

  it('DR emulation keeps the VIP local only after the fwmark rules', () => {
    const plan = planLab(resolveOptions({ method: 'dr', realServers: 3, weights: [1, 2, 3] }), 'lv0001');
    const dir = setupSteps(plan, 'emulation').scripts.find((s) => s.ns === 'lv0001-dir')?.script ?? '';
    expect(dir).toContain('rule add pref 32000 lookup local\nrule del pref 0');
    expect(dir).toContain('rule add pref 101 fwmark 1 lookup 101');
    expect(dir).toContain('route add 192.168.23.100/32 via 192.168.23.80 dev eth0 onlink table 101');
    expect(dir).toContain('net.ipv4.conf.all.send_redirects=0');
    // 1:2:3 added rs3, rs2, rs1: cw = 1 after the adds, so one pass over all three first.
    expect(markRules(plan)).toContain('numgen inc mod 516 map { 0 : 1, 1 : 2, 2 : 3, 3 : 3, 4 : 2, 5 : 3,');
    const rs = setupSteps(plan, 'emulation').scripts.find((s) => s.ns === 'lv0001-rs2')?.script ?? '';
    expect(rs).toContain('net.ipv4.conf.all.arp_ignore=1 net.ipv4.conf.all.arp_announce=2 net.ipv4.conf.eth0.arp_ignore=1 net.ipv4.conf.eth0.arp_announce=2');
    expect(rs).toContain('addr add 192.168.23.100/32 dev lo');
    expect(rs).toContain('route add default via 192.168.23.1');
  });

  it('misconfigurations change the right host', () => {
    const arp = planLab(resolveOptions({ method: 'dr', misconfig: 'rs-arp' }), 'lv0002');
    const scripts = setupSteps(arp, 'emulation').scripts;
    expect(scripts.find((s) => s.ns === 'lv0002-rs1')?.script).not.toContain('arp_ignore');
    expect(scripts.find((s) => s.ns === 'lv0002-rs2')?.script).toContain('arp_ignore=1');
    const prim = planLab(resolveOptions({ method: 'dr', misconfig: 'vip-primary' }), 'lv0003');
    expect(prim.hosts.find((h) => h.key === 'dir')?.ifaces[0]?.addrs).toEqual(['192.168.23.100/24', '192.168.23.99/24']);
    const gw = planLab(resolveOptions({ method: 'nat', misconfig: 'nat-gateway' }), 'lv0004');
    expect(setupSteps(gw, 'emulation').scripts.find((s) => s.ns === 'lv0004-rs1')?.script).toContain('route add default via 192.168.23.254');
    expect(gw.namespaces).toContain('lv0004-rtr');
  });

  it('refuses bad combinations', () => {
    expect(() => resolveOptions({ method: 'nat', captureAt: 'firewall' })).toThrow(LabConfigError);
    expect(() => resolveOptions({ method: 'nat', misconfig: 'rs-arp' })).toThrow(/DR\/TUN/);
    expect(() => resolveOptions({ method: 'dr', realServers: 2, weights: [1] })).toThrow(/1 values for 2/);
    expect(() => resolveOptions({ preset: 'seed-dr', method: 'nat' })).toThrow(/DR lab/);
    expect(() => resolveOptions({})).toThrow(/which forwarding method/);
  });
});

describe('IPVS TCP states for truth', () => {
  const SYN = 0x02, ACK = 0x10, FIN = 0x01, PSH = 0x08;
  const CPORT = 40000;
  interface Seg { readonly src: string; readonly dst: string; readonly sport: number; readonly dport: number; readonly flags: number }
  const tcpFrame = (n: number, s: Seg, eth: { src: string; dst: string } | null, pktType: number | null): LabFrame => ({
    n, linkType: pktType === null ? 1 : 276, pktType, ethSrc: eth?.src ?? null, ethDst: eth?.dst ?? null, arp: null,
    ip: { src: s.src, dst: s.dst, ttl: 64, id: n, proto: 6 }, inner: null,
    tcp: { sport: s.sport, dport: s.dport, flags: s.flags },
  });
  const truthOf = (plan: LabPlan, frames: LabFrame[]) => {
    const client = plan.clients[0]!;
    const rs = plan.realServers[0]!;
    return buildTruth(plan, 'emulation', [{ client, localPort: CPORT, answeredBy: rs, error: null }], frames, 'x.pcap');
  };

  it('DR: the director sees only the client (INPUT_ONLY), so the entry ends in FIN_WAIT', () => {
    const plan = planLab(resolveOptions({ method: 'dr' }), 'lv0020');
    const cip = plan.clients[0]!.ip;
    const gw = plan.gateway!.mac;
    const toDir = (n: number, flags: number): LabFrame =>
      tcpFrame(n, { src: cip, dst: plan.vip, sport: CPORT, dport: 80, flags }, { src: gw, dst: plan.director.mac }, null);
    const reply = (n: number, flags: number): LabFrame =>
      tcpFrame(n, { src: plan.vip, dst: cip, sport: 80, dport: CPORT, flags }, { src: plan.realServers[0]!.mac, dst: gw }, null);
    const frames = [toDir(1, SYN), reply(2, SYN | ACK), toDir(3, ACK), toDir(4, PSH | ACK), reply(5, FIN | ACK), toDir(6, FIN | ACK)];
    const t = truthOf(plan, frames);
    expect(t.connections.map((c) => [c.state, c.firstFrame, c.lastFrame])).toEqual([['FIN_WAIT', 1, 6]]);
    expect(t.services[0]?.realServers[0]).toMatchObject({ connections: 1, activeAtEnd: 0, inactiveAtEnd: 1 });
    // Cut after the handshake: ESTABLISHED counts as active.
    const open = truthOf(plan, frames.slice(0, 3));
    expect(open.connections[0]?.state).toBe('ESTABLISHED');
    expect(open.services[0]?.realServers[0]).toMatchObject({ activeAtEnd: 1, inactiveAtEnd: 0 });
  });

  it('DR with replies through the director: the first reply switches to INPUT/OUTPUT', () => {
    const plan = planLab(resolveOptions({ method: 'dr', misconfig: 'dr-reply-via-director' }), 'lv0021');
    const cip = plan.clients[0]!.ip;
    const gw = plan.gateway!.mac;
    const rsMac = plan.realServers[0]!.mac;
    const toDir = (n: number, flags: number): LabFrame =>
      tcpFrame(n, { src: cip, dst: plan.vip, sport: CPORT, dport: 80, flags }, { src: gw, dst: plan.director.mac }, null);
    const reply = (n: number, flags: number): LabFrame =>
      tcpFrame(n, { src: plan.vip, dst: cip, sport: 80, dport: CPORT, flags }, { src: rsMac, dst: plan.director.mac }, null);
    // INPUT_ONLY would take ESTABLISHED + client FIN to FIN_WAIT; INPUT takes it to CLOSE_WAIT.
    const t = truthOf(plan, [toDir(1, SYN), reply(2, SYN | ACK), toDir(3, ACK), toDir(4, FIN | ACK)]);
    expect(t.connections[0]?.state).toBe('CLOSE_WAIT');
  });

  it('NAT: both directions pass the director; a server-first close ends in TIME_WAIT', () => {
    const plan = planLab(resolveOptions({ method: 'nat' }), 'lv0022');
    const cip = plan.clients[0]!.ip;
    const rs = plan.realServers[0]!;
    const fromClient = (n: number, flags: number): LabFrame =>
      tcpFrame(n, { src: cip, dst: plan.vip, sport: CPORT, dport: plan.vport, flags }, null, 0);
    const fromRs = (n: number, flags: number): LabFrame =>
      tcpFrame(n, { src: rs.ip, dst: cip, sport: rs.port, dport: CPORT, flags }, null, 0);
    const t = truthOf(plan, [fromClient(1, SYN), fromRs(2, SYN | ACK), fromClient(3, ACK), fromRs(4, FIN | ACK), fromClient(5, FIN | ACK)]);
    expect(t.connections.map((c) => [c.state, c.realServer])).toEqual([['TIME_WAIT', `${rs.ip}:${rs.port}`]]);
  });
});

describe('lab command surface', () => {
  it('help has usage, options and an example', () => {
    expect(labCommand.help).toMatch(/^Usage:/);
    expect(labCommand.help).toContain('--capture-at');
    expect(labCommand.help).toContain('lvscope lab capture --preset seed-dr');
  });

  it('parses the web servers answers', () => {
    expect(parseAnswer('WEB2 192.168.23.81:80\n')).toEqual({ name: 'WEB2', ip: '192.168.23.81', port: 80 });
    expect(parseAnswer('<html>')).toBeNull();
  });

  it('usage errors are UsageError', async () => {
    const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: {} };
    await expect(labCommand.run(['capture', 'dr'], io)).rejects.toThrow(/-w OUT.pcap/);
    await expect(labCommand.run(['capture', 'xyz', '-w', '/tmp/x.pcap'], io)).rejects.toThrow(/the method must be one of dr, nat, tun/);
    await expect(labCommand.run(['frobnicate'], io)).rejects.toThrow(/unknown lab command/);
  });
});

describe('real-kernel lab topology', () => {
  const plan = (o: Partial<LabOptions> & { method: LabOptions['method'] }): LabPlan => planLab(resolveOptions(o), 'lv00bb');
  const script = (p: LabPlan, ns: string): string => setupSteps(p, 'ipvs').scripts.find((s) => s.ns === ns)?.script ?? '';

  it('TUN real servers sit in another subnet behind a router, the VIP on the tunnel device', () => {
    const p = plan({ method: 'tun', realServers: 2 });
    expect(p.realServers.map((r) => r.ip)).toEqual(['10.23.0.10', '10.23.0.11']);
    const rtr = p.hosts.find((h) => h.key === 'rtr');
    expect(rtr?.ifaces.map((i) => [i.segment, i.addrs[0]])).toEqual([['lan', '192.168.23.254/24'], ['rsnet', '10.23.0.1/24']]);
    expect(script(p, 'lv00bb-dir')).toContain('route add 10.23.0.0/24 via 192.168.23.254');
    const rs = script(p, 'lv00bb-rs1');
    expect(rs).toContain('addr add 192.168.23.100/32 dev tunl0');
    expect(rs).toContain('route add default via 10.23.0.1');
    expect(rs).toContain('net.ipv4.conf.tunl0.rp_filter=0');
    expect(script(p, 'lv00bb-rtr')).toContain('route add default via 192.168.23.1');
  });

  it('GUE and GRE: ipvsadm --tun-type, fou on the real servers, gre0 for GRE', () => {
    const gue = plan({ method: 'tun', tunType: 'gue' });
    expect(ipvsadmLines(gue)).toContain('ipvsadm -a -t 192.168.23.100:80 -r 10.23.0.10:80 -i --tun-type gue --tun-port 6080 -w 1');
    expect(script(gue, 'lv00bb-rs1')).toContain('ip fou add port 6080 gue');
    const gre = plan({ method: 'tun', tunType: 'gre' });
    expect(ipvsadmLines(gre)).toContain('ipvsadm -a -t 192.168.23.100:80 -r 10.23.0.10:80 -i --tun-type gre -w 1');
    expect(script(gre, 'lv00bb-rs1')).toContain('addr add 192.168.23.100/32 dev gre0');
    expect(() => plan({ method: 'dr', tunType: 'gue' })).toThrow(/--tun-type needs a TUN lab/);
  });

  it('--masquerade: source NAT to the director after IPVS, as kube-proxy does; NAT with one director only', () => {
    const dir = script(plan({ method: 'nat', masquerade: true }), 'lv00bb-dir');
    // vs.conntrack after the scheduler module (which loads ip_vs and its sysctls), then the masquerade.
    expect(dir.indexOf('net.ipv4.vs.conntrack=1')).toBeGreaterThan(dir.indexOf('modprobe -q ip_vs_rr'));
    expect(dir).toMatch(/type nat hook postrouting priority srcnat; policy accept;\n\s+ip daddr \{ 192\.168\.23\.80, 192\.168\.23\.81 \} masquerade/);
    expect(script(plan({ method: 'nat' }), 'lv00bb-dir')).not.toContain('masquerade');
    expect(() => plan({ method: 'dr', masquerade: true })).toThrow(/--masquerade is for a NAT lab/);
  });

  it('persistence and the scheduler module reach the director', () => {
    const p = plan({ method: 'dr', scheduler: 'wlc', persistence: 300 });
    expect(ipvsadmLines(p)[1]).toBe('ipvsadm -A -t 192.168.23.100:80 -s wlc -p 300');
    expect(script(p, 'lv00bb-dir')).toContain('modprobe -q ip_vs_wlc');
  });

  it('the LAN is a learning switch by default; --lan hub floods', () => {
    const sw = script(plan({ method: 'dr' }), 'lv00bb-sw');
    expect(sw).toContain('link add name lan type bridge stp_state 0');
    expect(sw).not.toContain('ageing_time');
    expect(script(plan({ method: 'dr', lan: 'hub' }), 'lv00bb-sw')).toContain('link add name lan type bridge ageing_time 0');
  });

  it('capture points: named, HOST, HOST:IFACE, all; one file label each', () => {
    const p = plan({ method: 'nat', realServers: 2, captureAt: 'dir', alsoCapture: ['WEB2:eth0', 'dir:any', 'dir:eth1'] });
    expect(p.captures.map((c) => c.label)).toEqual(['dir-eth0', 'dir-eth1', 'rs2-eth0', 'dir-any']);
    expect(p.captures.find((c) => c.label === 'dir-any')?.segments).toEqual(['wan', 'lan']);
    const all = plan({ method: 'tun', captureAt: 'all' });
    expect(all.captures.map((c) => c.label)).toEqual(['c0-eth0', 'fw-eth0', 'fw-eth1', 'dir-eth0', 'rs1-eth0', 'rs2-eth0', 'rtr-eth0', 'rtr-eth1']);
    expect(() => plan({ method: 'dr', captureAt: 'rs9' })).toThrow(/no host rs9 in this lab/);
    expect(() => plan({ method: 'dr', captureAt: 'dir:eth7' })).toThrow(/dir has no interface eth7/);
  });

  it('--flap must fall inside the run', () => {
    expect(() => plan({ method: 'dr', requests: 4, flap: { rs: 1, after: 2, back: 5 } })).toThrow(/--flap/);
    expect(() => plan({ method: 'dr', requests: 4, flap: { rs: 3, after: 1, back: 2 } })).toThrow(/no real server rs3/);
    expect(plan({ method: 'dr', requests: 4, flap: { rs: 1, after: 1, back: 3 } }).options.flap).toEqual({ rs: 1, after: 1, back: 3 });
    // Out for good (no B): the held connections' next segments meet a removed server.
    expect(plan({ method: 'dr', requests: 4, flap: { rs: 1, after: 2, back: null } }).options.flap).toEqual({ rs: 1, after: 2, back: null });
    expect(() => plan({ method: 'dr', requests: 4, flap: { rs: 1, after: 5, back: null } })).toThrow(/--flap/);
  });

  it('the failure labs: a real server down, behind a firewall, without the VIP, with rp_filter', () => {
    const fw = plan({ method: 'dr', misconfig: 'rs-firewall' });
    expect(script(fw, 'lv00bb-rs1')).toContain('tcp dport 80 drop');
    expect(script(fw, 'lv00bb-rs2')).not.toContain('lvscope_rs');
    expect(script(plan({ method: 'dr', misconfig: 'rs-reject', udp: true }), 'lv00bb-rs1')).toContain('udp dport 53 reject');
    const lo = plan({ method: 'dr', misconfig: 'dr-vip-missing' });
    expect(script(lo, 'lv00bb-rs1')).not.toContain('addr add 192.168.23.100/32 dev lo');
    expect(script(lo, 'lv00bb-rs2')).toContain('addr add 192.168.23.100/32 dev lo');
    const rp = plan({ method: 'tun', misconfig: 'tun-rp-filter' });
    expect(script(rp, 'lv00bb-rs1')).toContain('net.ipv4.conf.tunl0.rp_filter=1 net.ipv4.conf.all.rp_filter=1');
    expect(script(rp, 'lv00bb-rs2')).toContain('net.ipv4.conf.tunl0.rp_filter=0');
    expect(() => plan({ method: 'nat', misconfig: 'dr-vip-missing' })).toThrow(/needs a DR lab/);
    expect(() => plan({ method: 'dr', misconfig: 'tun-rp-filter' })).toThrow(/needs a TUN lab/);
  });

  it('UDP (DNS), one-packet scheduling, timeouts and quiescing reach ipvsadm', () => {
    const dns = plan({ method: 'dr', udp: true, onePacket: true, timeouts: { tcp: 0, tcpfin: 0, udp: 4 } });
    expect(dns.vport).toBe(53);
    expect(ipvsadmLines(dns)).toEqual([
      'ipvsadm -C', 'ipvsadm --set 0 0 4', 'ipvsadm -A -u 192.168.23.100:53 -s rr -o',
      'ipvsadm -a -u 192.168.23.100:53 -r 192.168.23.81:53 -g -w 1', 'ipvsadm -a -u 192.168.23.100:53 -r 192.168.23.80:53 -g -w 1',
    ]);
    expect(script(dns, 'lv00bb-fw')).toContain('ip daddr 172.16.23.80 udp dport 53 dnat ip to 192.168.23.100');
    const p = plan({ method: 'dr', requests: 4, quiesce: { rs: 1, after: 2 } });
    expect(ipvsadmQuiesce(p, p.realServers[0]!)).toBe('ipvsadm -e -t 192.168.23.100:80 -r 192.168.23.80:80 -g -w 0');
    expect(() => plan({ method: 'dr', onePacket: true })).toThrow(/--one-packet needs --udp/);
    expect(() => plan({ method: 'dr', requests: 2, quiesce: { rs: 1, after: 3 } })).toThrow(/--quiesce/);
    expect(() => plan({ method: 'dr', idle: 5, hold: true })).toThrow(/--idle and --hold/);
  });

  it('scheduler flags (-b) and persistence per client network (-M) reach ipvsadm, and are checked', () => {
    const mh = plan({ method: 'dr', scheduler: 'mh', schedFlags: ['mh-port', 'mh-fallback'] });
    expect(ipvsadmLines(mh)[1]).toBe('ipvsadm -A -t 192.168.23.100:80 -s mh -b mh-port,mh-fallback');
    const net = plan({ method: 'dr', persistence: 300, netmask: '255.255.255.254' });
    expect(ipvsadmLines(net)[1]).toBe('ipvsadm -A -t 192.168.23.100:80 -s rr -p 300 -M 255.255.255.254');
    expect(() => plan({ method: 'dr', scheduler: 'sh', schedFlags: ['mh-port'] })).toThrow(/flag of the mh scheduler, not sh/);
    expect(() => plan({ method: 'dr', netmask: '255.255.255.0' })).toThrow(/--netmask .* needs --persistent/);
    expect(() => plan({ method: 'dr', persistence: 60, netmask: '255.0.255.0' })).toThrow(/dotted IPv4 netmask/);
  });

  it('FULLNAT is refused with the reason', async () => {
    const io = { stdout: process.stdout, stderr: process.stderr, stdin: process.stdin, env: {} };
    await expect(labCommand.run(['capture', 'fullnat', '-w', '/tmp/x.pcap'], io)).rejects.toThrow(/FULLNAT is not in mainline Linux/);
  });
});
