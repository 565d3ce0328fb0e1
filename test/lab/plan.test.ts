import { describe, expect, it } from 'vitest';
import { planLab, resolveOptions, LabConfigError } from '../../src/lab/plan.js';
import { kernelList, rrPeriod, shBucket, shTable, wrrPeriod } from '../../src/lab/schedule.js';
import { ipvsadmLines, markRules, natRules, picksFor, setupSteps } from '../../src/lab/rules.js';
import { nextTcpState } from '../../src/lab/truth.js';
import { parseAnswer } from '../../src/lab/programs.js';
import { labCommand } from '../../src/lab/command.js';

describe('kernel scheduler order', () => {
  it('rr walks the list newest-added first', () => {
    // ipvsadm -a 81 then -a 80 (seed 000's DR lab): the kernel list is [80, 81].
    expect(kernelList([1, 0])).toEqual([0, 1]);
    expect(rrPeriod([0, 1, 2], [1, 0, 1])).toEqual([0, 2]);
  });

  it('wrr follows ip_vs_wrr.c', () => {
    // Reference §1.2 worked examples.
    expect(wrrPeriod([0, 1, 2], [4, 3, 2])).toEqual([0, 0, 1, 0, 1, 2, 0, 1, 2]);
    expect(wrrPeriod([0, 1], [4, 2])).toEqual([0, 0, 1]);
    expect(wrrPeriod([0, 1], [1, 5])).toEqual([1, 1, 1, 1, 0, 1]);
    expect(wrrPeriod([1, 0], [1, 2])).toEqual([1, 1, 0]);
    expect(wrrPeriod([0, 1], [0, 0])).toEqual([]);
  });

  it('sh hashes with hash_32 and fills buckets by weight', () => {
    expect(shBucket('172.16.0.100')).toBe(74);
    expect(shBucket('172.16.0.104')).toBe(209);
    const t = shTable([0, 1], [2, 1]);
    expect(t.slice(0, 6)).toEqual([0, 0, 1, 0, 0, 1]);
    expect(t).toHaveLength(256);
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
    expect(plan.capture).toEqual({ ns: 'lv00aa-fw', iface: 'eth1', segments: ['lan'] });
    expect(plan.options.requests).toBe(4);
    // ipvsadm -a 81, then 80, as in the seed; rr then starts with 80.
    expect(ipvsadmLines(plan)).toEqual([
      'ipvsadm -C',
      'ipvsadm -A -t 192.168.23.100:80 -s rr',
      'ipvsadm -a -t 192.168.23.100:80 -r 192.168.23.81:80 -g -w 1',
      'ipvsadm -a -t 192.168.23.100:80 -r 192.168.23.80:80 -g -w 1',
    ]);
    expect(picksFor(plan)).toEqual([0, 1]);
  });

  it('seed-nat preset: port mapping and the seed add order', () => {
    const plan = planLab(resolveOptions({ preset: 'seed-nat' }), 'lv00ab');
    expect(plan.vip).toBe('172.16.23.80');
    expect(plan.director.dip).toBe('192.168.23.1');
    expect(plan.realServers.map((r) => `${r.ip}:${r.port}`)).toEqual(['192.168.23.80:8080', '192.168.23.81:80']);
    expect(picksFor(plan)).toEqual([1, 0]);
    expect(natRules(plan)).toContain('dnat ip to numgen inc mod 2 map { 0 : 192.168.23.81 . 80, 1 : 192.168.23.80 . 8080 }');
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
    expect(markRules(plan)).toContain('numgen inc mod 6 map { 0 : 3, 1 : 2, 2 : 3, 3 : 1, 4 : 2, 5 : 3 }');
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
  it('DR input-only trace ends in FIN_WAIT; NAT server-first close ends in TIME_WAIT', () => {
    const SYN = 0x02, ACK = 0x10, FIN = 0x01;
    let s = 0;
    for (const f of [SYN, ACK, ACK | 0x08, ACK, FIN | ACK]) s = nextTcpState(s, f, 'inputOnly');
    expect(s).toBe(4); // FIN_WAIT
    s = 0;
    s = nextTcpState(s, SYN, 'input');
    s = nextTcpState(s, SYN | ACK, 'output');
    s = nextTcpState(s, ACK, 'input');
    s = nextTcpState(s, FIN | ACK, 'output');
    s = nextTcpState(s, FIN | ACK, 'input');
    expect(s).toBe(5); // TIME_WAIT
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
