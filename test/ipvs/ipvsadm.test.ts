import { describe, expect, it } from 'vitest';
import {
  ConnectionTable, createDestination, formatConns, formatRules, formatList, formatProcConns, formatRate, formatStats, largenum,
  parseList, parseRules, serviceFromSpec, specFromService, VirtualService, type ServiceSpec,
} from '../../src/ipvs/index.js';

// Seed 000 (NAT lab), as typed in the tutorial.
const SEED_COMMANDS = `
[root@localhost ~]# ipvsadm -A -t 172.16.23.80:80 -s rr
[root@localhost ~]# ipvsadm -a -t 172.16.23.80:80 -r 192.168.23.80:8080 -m
[root@localhost ~]# ipvsadm -a -t 172.16.23.80:80 -r 192.168.23.81:80 -m
[root@localhost ~]# ipvsadm -L -n
[root@localhost ~]# ipvsadm -E -t 172.16.23.80:80 -s wrr
[root@localhost log]# ipvsadm -e -t 172.16.23.80:80 -r 192.168.23.80:8080 -m -w 1
[root@localhost log]# ipvsadm -e -t 172.16.23.80:80 -r 192.168.23.81:80 -m -w 5
`;

// The listing the seed shows after those commands (trailing spaces as ipvsadm prints them).
const SEED_LISTING =
  'IP Virtual Server version 1.2.1 (size=4096)\n'
  + 'Prot LocalAddress:Port Scheduler Flags\n'
  + '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n'
  + 'TCP  172.16.23.80:80 wrr\n'
  + '  -> 192.168.23.80:8080           Masq    1      0          0         \n'
  + '  -> 192.168.23.81:80             Masq    5      0          0         \n';

describe('ipvsadm rules', () => {
  it('applies the seed transcript and renders the seed listing character for character', () => {
    const { services, errors } = parseRules(SEED_COMMANDS);
    expect(errors).toEqual([]);
    expect(services).toHaveLength(1);
    const s = services[0] as ServiceSpec;
    expect([s.protocol, s.vip, s.port, s.scheduler]).toEqual(['tcp', '172.16.23.80', 80, 'wrr']);
    expect(s.dests.map((d) => [d.addr, d.port, d.forward, d.weight])).toEqual([
      ['192.168.23.80', 8080, 'nat', 1],
      ['192.168.23.81', 80, 'nat', 5],
    ]);
    expect(formatList(services)).toBe(SEED_LISTING);
  });

  it('parses ipvsadm -S output; restore order makes the kernel list the reverse', () => {
    const saved = [
      '-A -t 10.0.0.100:80 -s wlc -p 360 -M 255.255.255.0',
      '-a -t 10.0.0.100:80 -r 192.168.1.11:80 -g -w 1',
      '-a -t 10.0.0.100:80 -r 192.168.1.12:8080 -m -w 3',
      '-A -u 10.0.0.100:53 -s rr -o',
      '-A -f 1 -s sh -b sh-fallback,sh-port',
      '-a -f 1 -r 192.168.1.11:0 -i -w 1 --tun-type ipip',
    ].join('\n');
    const { services, errors } = parseRules(saved);
    expect(errors).toEqual([]);
    expect(services.map((s) => [s.protocol, s.vip, s.port, s.fwmark, s.scheduler, s.persistence, s.netmask, s.onePacket])).toEqual([
      ['tcp', '10.0.0.100', 80, 0, 'wlc', 360, '255.255.255.0', false],
      ['udp', '10.0.0.100', 53, 0, 'rr', null, '255.255.255.255', true],
      ['tcp', '0.0.0.0', 0, 1, 'sh', null, '255.255.255.255', false],
    ]);
    expect(services[2]?.schedFlags).toMatchObject({ 'sh-fallback': true, 'sh-port': true });
    expect(services[2]?.dests[0]).toMatchObject({ addr: '192.168.1.11', port: 0, forward: 'tun', tunType: 'ipip' });
    const live = serviceFromSpec(services[0] as ServiceSpec);
    expect(live.dests.map((d) => `${d.addr}:${d.port}`)).toEqual(['192.168.1.12:8080', '192.168.1.11:80']);
    expect(formatList(services)).toBe(
      'IP Virtual Server version 1.2.1 (size=4096)\n'
      + 'Prot LocalAddress:Port Scheduler Flags\n'
      + '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n'
      + 'TCP  10.0.0.100:80 wlc persistent 360 mask 255.255.255.0\n'
      + '  -> 192.168.1.11:80              Route   1      0          0         \n'
      + '  -> 192.168.1.12:8080            Masq    3      0          0         \n'
      + 'UDP  10.0.0.100:53 rr ops\n'
      + 'FWM  1 sh (sh-fallback,sh-port)\n'
      + '  -> 192.168.1.11:0               Tunnel  1      0          0         \n',
    );
  });

  it('ipvsadm -S round trip of the reference example', () => {
    const saved = '-A -t 10.0.0.100:80 -s wlc -p 360 -M 255.255.255.0\n'
      + '-a -t 10.0.0.100:80 -r 192.168.1.11:80 -g -w 1\n'
      + '-a -t 10.0.0.100:80 -r 192.168.1.12:8080 -m -w 3\n'
      + '-A -u 10.0.0.100:53 -s rr -o\n'
      + '-A -f 1 -s sh -b sh-fallback,sh-port\n'
      + '-a -f 1 -r 192.168.1.11:0 -i -w 1 --tun-type ipip\n';
    expect(formatRules(parseRules(saved).services)).toBe(saved);
  });

  it('reports errors per line instead of throwing', () => {
    const { services, errors } = parseRules([
      '-A -t 10.0.0.1:0 -s rr',
      '-a -t 10.0.0.9:80 -r 1.2.3.4 -g',
      '-A -t 10.0.0.1:80 -s rr',
      '-a -t 10.0.0.1:80 -r 1.2.3.4:80 -w x',
    ].join('\n'));
    expect(services).toHaveLength(1);
    expect(errors.map((e) => [e.line, e.message])).toEqual([
      [1, 'Zero port specified for non-persistent service'],
      [2, 'no such service'],
      [4, "bad weight in '-a -t 10.0.0.1:80 -r 1.2.3.4:80 -w x'"],
    ]);
  });

  it('DR/TUN dests take the service port; -E without -s resets the scheduler to wlc; -e without -m makes DR', () => {
    const { services } = parseRules([
      'ipvsadm -A -t 192.168.79.99:80 -s rr',
      'ipvsadm -a -t 192.168.79.99:80 -r 192.168.79.27:8080 -g',
      'ipvsadm -a -t 192.168.79.99:80 -r 192.168.79.37 -m',
      'ipvsadm -E -t 192.168.79.99:80 -p',
      'ipvsadm -e -t 192.168.79.99:80 -r 192.168.79.37:80 -w 0',
    ].join('\n'));
    const s = services[0] as ServiceSpec;
    expect([s.scheduler, s.persistence]).toEqual(['wlc', 360]);
    expect(s.dests.map((d) => [d.addr, d.port, d.forward, d.weight])).toEqual([
      ['192.168.79.27', 80, 'dr', 1],
      ['192.168.79.37', 80, 'dr', 0],
    ]);
  });
});

describe('ipvsadm -Ln parsing', () => {
  it('reads the seed listing, squeezed whitespace included', () => {
    const squeezed = 'IP Virtual Server version 1.2.1 (size=4096)\nProt LocalAddress:Port Scheduler Flags\n'
      + '-> RemoteAddress:Port Forward Weight ActiveConn InActConn\nTCP 192.168.79.99:0 rr persistent 360\n'
      + '-> 192.168.79.27:0 Route 1 0 0\n-> 192.168.79.37:0 Route 1 3 12\nFWM 3 sh\n-> 192.168.79.27:0 Route 1 0 0\n';
    const r = parseList(squeezed);
    expect(r.errors).toEqual([]);
    expect([r.version, r.size, r.format]).toEqual(['1.2.1', 4096, 'default']);
    expect(r.services.map((s) => [s.protocol, s.vip, s.port, s.fwmark, s.scheduler, s.persistence])).toEqual([
      ['tcp', '192.168.79.99', 0, 0, 'rr', 360],
      ['tcp', '0.0.0.0', 0, 3, 'sh', null],
    ]);
    expect(r.services[0]?.dests[1]).toMatchObject({ addr: '192.168.79.37', port: 0, forward: 'dr', weight: 1, activeConns: 3, inactConns: 12 });
    expect(parseList(SEED_LISTING).services[0]?.dests.map((d) => d.weight)).toEqual([1, 5]);
  });

  it('reads --stats numbers with K/M suffixes', () => {
    const r = parseList('Prot LocalAddress:Port Conns InPkts OutPkts InBytes OutBytes\n-> RemoteAddress:Port\n'
      + 'TCP 172.16.0.7:80 177 928 510 69241 123456K\n-> 127.0.0.1:80 22 134 0 8720 0\n');
    expect(r.format).toBe('stats');
    expect(r.services[0]?.stats).toEqual({ conns: 177, inPkts: 928, outPkts: 510, inBytes: 69241, outBytes: 123456000 });
    expect(r.services[0]?.dests[0]?.stats).toEqual({ conns: 22, inPkts: 134, outPkts: 0, inBytes: 8720, outBytes: 0 });
  });
});

describe('listing formats', () => {
  it('-Ln sorts dests by address with libipvs int-wrap quirk (192.168.0.1 before 10.0.0.1)', () => {
    const svc = new VirtualService({ protocol: 'tcp', vip: '10.0.0.100', port: 80, scheduler: 'rr' });
    svc.addDest({ addr: '10.0.0.1', port: 80, forward: 'nat' });
    svc.addDest({ addr: '192.168.0.1', port: 80, forward: 'nat' });
    svc.addDest({ addr: '10.0.0.2', port: 80, forward: 'nat', weight: 2 });
    const text = formatList([specFromService(svc)]);
    expect(text.split('\n').slice(4, 7)).toEqual([
      // %-28s: 14 chars + 14 pad + 1 separator; 11 chars + 17 + 1
      '  -> 192.168.0.1:80' + ' '.repeat(15) + 'Masq    1      0          0         ',
      '  -> 10.0.0.1:80' + ' '.repeat(18) + 'Masq    1      0          0         ',
      '  -> 10.0.0.2:80' + ' '.repeat(18) + 'Masq    2      0          0         ',
    ]);
  });

  it('--stats and --rate', () => {
    const spec: ServiceSpec = {
      protocol: 'tcp', vip: '172.16.0.7', port: 80, fwmark: 0, ipv6: false, scheduler: 'wrr', persistence: null,
      netmask: '255.255.255.255', schedFlags: {}, onePacket: false, pe: null,
      stats: { conns: 177, inPkts: 928, outPkts: 510, inBytes: 69241, outBytes: 123456789 },
      dests: [
        { addr: '192.168.79.37', port: 80, forward: 'nat', weight: 1, stats: { conns: 118, inPkts: 641, outPkts: 417, inBytes: 50781, outBytes: 49348 } },
        { addr: '127.0.0.1', port: 80, forward: 'dr', weight: 1, stats: { conns: 22, inPkts: 134, outPkts: 0, inBytes: 8720, outBytes: 0 } },
      ],
    };
    expect(formatStats([spec])).toBe(
      'IP Virtual Server version 1.2.1 (size=4096)\n'
      + 'Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n'
      + '  -> RemoteAddress:Port\n'
      + 'TCP  172.16.0.7:80                     177      928      510    69241  123456K\n'
      + '  -> 127.0.0.1:80                       22      134        0     8720        0\n'
      + '  -> 192.168.79.37:80                  118      641      417    50781    49348\n',
    );
    expect(formatRate([spec]).split('\n').slice(1, 4)).toEqual([
      'Prot LocalAddress:Port                 CPS    InPPS   OutPPS    InBPS   OutBPS',
      '  -> RemoteAddress:Port',
      'TCP  172.16.0.7:80                       0        0        0        0        0',
    ]);
  });

  it.each([
    [0, '        0'], [99_999_999, ' 99999999'], [100_000_000, '  100000K'], [999_999_999, '  999999K'],
    [1_000_000_000, '    1000M'], [123_456_789_012, '     123G'], [100_000_000_000_000, '     100T'],
  ])('largenum(%i)', (n, text) => {
    expect(largenum(n)).toBe(text);
  });

  it('-Lnc reproduces the seed ESTABLISHED line; /proc/net/ip_vs_conn hex form', () => {
    const table = new ConnectionTable();
    const dest = createDestination({ addr: '192.168.23.80', port: 8080, forward: 'nat' });
    const c = table.create({
      protocol: 'tcp', caddr: '172.16.0.100', cport: 25799, vaddr: '172.16.23.80', vport: 80,
      daddr: dest.addr, dport: 8080, dest, now: 0,
    });
    table.onPacket(c, 'in', { syn: true }, 0);
    table.onPacket(c, 'in', { ack: true }, 0);
    expect(formatConns([c], 2)).toBe(
      'IPVS connection entries\n'
      + 'pro expire state       source             virtual            destination\n'
      + 'TCP 14:57  ESTABLISHED 172.16.0.100:25799 172.16.23.80:80    192.168.23.80:8080\n',
    );
    expect(formatProcConns([c], 0).split('\n')[1]).toBe('TCP AC100064 64C7 AC101750 0050 C0A81750 1F90 ESTABLISHED     899');
  });
});
