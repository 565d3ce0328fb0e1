/**
 * Client-side captures from public sources (tcpdump's and PcapPlusPlus's test captures, see
 * test/fixtures/conformance): a host on the link opening ordinary connections through its
 * gateway. Its frames leave with an initial TTL (64, 128), so they did not come from beyond a
 * director: nothing here is a NAT director's inside, the client is no director and the server no
 * real server. A TTL rewritten lower (tcprewrite) changes nothing; a server's own capture behind a
 * router that resolves no other server names no method and no director.
 */
import { describe, expect, it } from 'vitest';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { conformance } from '../helpers/paths.js';

const analyze = (path: string) => analyzeFiles([path], { files: [path], threads: 'never' }).summary.report;

describe('a client\'s own capture of an ordinary connection', () => {
  it.each([
    ['tcpdump', 'ssh.pcap', '202.108.87.165'],
    ['tcpdump', 'whois.pcap', '10.0.2.15'],
    ['tcpdump', 'dns_tcp.pcap', '192.168.1.11'],
    ['tcpdump', 'accecn_handshake.pcap', '31.133.146.248'],
    ['pcapplusplus', 'one_tcp_stream_fin_rst_close_packet.pcap', '192.168.221.130'],
  ])('%s/%s: no NAT service invented, the client %s no director', (dir, file, client) => {
    const r = analyze(conformance(dir, file));
    expect(r.services.filter((s) => s.method !== 'unknown')).toEqual([]);
    expect(r.hosts.filter((h) => h.role === 'director' || h.role === 'real-server').map((h) => h.ip)).not.toContain(client);
    expect(r.findings).toEqual([]);
  });

  it('loopback (one MAC both ways) is nobody\'s inside', () => {
    const r = analyze(conformance('tcpdump', 'print-flags.pcap'));
    expect(r.services.filter((s) => s.method !== 'unknown')).toEqual([]);
  });

  it('a server\'s capture behind a router that resolves no other server: neither NAT nor a director is claimed, the readings are named', () => {
    const r = analyze(conformance('tcpdump', 'mptcp-fclose.pcap'));
    const svc = r.services[0]!;
    expect([svc.vip, svc.method, svc.director.mac, svc.claims?.method]).toEqual(['?', 'unknown', null, 0]);
    expect(r.hosts.filter((h) => h.role === 'director')).toEqual([]);
    expect(r.hosts.find((h) => h.ip === '10.2.1.1')?.role).toBe('gateway');
    const text = svc.methodEvidence!.join(' ');
    expect(text).toMatch(/a plain router in front of a server/);
    expect(text).toMatch(/a DR real server that answers ARP for the VIP/);
  });

  // tcpreplay's own test capture and its tcprewrite outputs with the TTL lowered by 1, 2 or 3: the
  // client's frames then no longer carry an initial TTL, which alone once made its gateway a NAT
  // director and the internet servers its real servers.
  it.each(['test.rewrite_1ttl', 'test2.rewrite_1ttl', 'test2.rewrite_1ttl-hdrfix', 'test2.rewrite_2ttl', 'test2.rewrite_3ttl'])(
    'tcpreplay/%s (the TTL rewritten lower): the same services and roles as the original capture',
    (file) => {
      const shape = (r: ReturnType<typeof analyze>) => ({
        services: r.services.map((s) => [s.protocol, s.vip, s.port, s.method, s.director.mac]),
        roles: r.hosts.filter((h) => h.role !== 'other').map((h) => [h.ip, h.role]),
      });
      const original = shape(analyze(conformance('tcpreplay', 'test.pcap')));
      expect(original.services.every((s) => s[3] === 'unknown' && s[4] === null)).toBe(true);
      expect(original.roles.filter((r) => r[1] !== 'client')).toEqual([]);
      expect(shape(analyze(conformance('tcpreplay', file)))).toEqual(original);
    },
  );
});

describe('a source-NAT router (tcpdump\'s tfo-5c1fa7f9ae91: both sides of a masquerading router)', () => {
  it('rewrites the client\'s source and the replies\' destination: no NAT service, the translated client address no director', () => {
    const r = analyze(conformance('tcpdump', 'tfo-5c1fa7f9ae91.pcap'));
    expect(r.services.filter((s) => s.method !== 'unknown')).toEqual([]);
    expect(r.hosts.filter((h) => h.role === 'director')).toEqual([]);
    expect(r.services.map((s) => `${s.vip}:${s.port}`)).not.toContain('9.9.9.9:13047');
  });
});

describe('datagrams no director schedules', () => {
  // Wireshark's many_interfaces: a laptop's capture that starts inside QUIC flows (the first
  // datagram seen is Google's, from port 443 to the laptop's ephemeral port) and carries Dropbox's
  // LAN-sync broadcasts (UDP 17500 to 255.255.255.255 and 192.168.1.255).
  const r = analyze(conformance('wireshark', 'many_interfaces-1.pcapng'));

  it('a datagram from a well-known port to an ephemeral one is a server answering, not a client', () => {
    expect(r.services.filter((s) => s.port >= 32768)).toEqual([]);
    expect(r.hosts.filter((h) => h.role === 'real-server')).toEqual([]);
    expect(r.services.filter((s) => s.method !== 'unknown')).toEqual([]);
  });

  it.each([['wireshark', 'dhcp.pcap'], ['wireshark', 'dhcp-nanosecond.pcapng'], ['tcpdump', 'LINKTYPE_IPV4.pcap']])(
    '%s/%s: a one-shot exchange (a DHCP answer, one DNS query) is no virtual service, and names no client', (dir, file) => {
      const r = analyze(conformance(dir, file));
      expect(r.services).toEqual([]);
      expect(r.hosts.filter((h) => h.role !== 'other')).toEqual([]);
    },
  );

  it('a broadcast is no virtual service (IPVS takes only packets addressed to the host)', () => {
    expect(r.services.map((s) => s.vip)).not.toContain('255.255.255.255');
    expect(r.services.map((s) => s.vip)).not.toContain('192.168.1.255');
  });
});

describe('an ARP-only LAN capture (tcpdump\'s arp-oobr: a router asking again and again for one host that is gone)', () => {
  it('names no director and no VIP: vip-primary-on-director needs several real servers on the director\'s link', () => {
    const r = analyze(conformance('tcpdump', 'arp-oobr.pcap'));
    expect(r.findings.map((f) => f.code)).not.toContain('vip-primary-on-director');
    expect(r.services).toEqual([]);
  });
});
