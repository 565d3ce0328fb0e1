/**
 * A NAT real server whose default route is another router (the classic NAT misconfiguration), on
 * the real kernel (test/fixtures/kernel-misconfig/nat-gateway, one run): at that router only the
 * real server's SYN-ACKs pass, retransmitted, never the SYNs they answer and never the client's
 * ACK; on the client its SYN to the VIP is answered from the RIP. Both say syn-ack-without-syn,
 * with the frames that show it; the real server's own capture keeps saying
 * nat-reply-bypasses-director, the director's inside rs-not-responding for that server, and a
 * working cluster says none of them.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findingMessage, findingSeverity } from '../../src/ipvs/finding-catalog.js';
import { localizeReport } from '../../src/annotate/index.js';
import { analyzeFiles } from '../../src/pipeline/index.js';
import { FIXTURES } from '../helpers/paths.js';

const DIR = join(FIXTURES, 'kernel-misconfig', 'nat-gateway');

function analyze(files: string[]) {
  return analyzeFiles(files, { files, threads: 'never' }).summary;
}

function stray(file: string) {
  const s = analyze([join(DIR, file)]);
  return { s, f: s.report.findings.filter((x) => x.code === 'syn-ack-without-syn') };
}

describe('NAT replies bypassing the director, seen at the router that carries them', () => {
  it.each(['rtr-eth0.pcap', 'rtr-eth1.pcap'])('%s: a warning naming the real server, every stray SYN-ACK its frame, what it likely means and what would confirm', (file) => {
    const { s, f } = stray(file);
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe('warning');
    expect(f[0]!.params).toEqual({ server: '192.168.23.80:8080', client: '172.16.0.100:35597', clients: 2, synAcks: 15, virtual: null });
    // Every SYN-ACK in these captures is one (the rest is ARP).
    expect(f[0]!.frames.length).toBe(15);
    expect(f[0]!.message).toContain('192.168.23.80:8080 answers SYNs that never passed this capture point');
    expect(f[0]!.message).toContain('its replies bypass the director (its default route is this router, not the DIP)');
    expect(f[0]!.message).toContain('a capture on the client (its SYN to the VIP answered from the RIP) or on the director would confirm');
    const zh = localizeReport(s, 'zh').findings.find((x) => x.code === 'syn-ack-without-syn')!;
    expect(zh.message).toContain('回应的 SYN 从未经过这个抓包点');
    // Nothing here shows a director or a VIP: no service is claimed.
    expect(s.report.services).toEqual([]);
  });
});

describe('the same on the client: its SYN to the VIP answered from the RIP', () => {
  it('an error naming the VIP the SYN went to and the address the answer came from, at the frames the lab expected', () => {
    const { f } = stray('c0-eth0.pcap');
    expect(f).toHaveLength(1);
    expect(f[0]!.severity).toBe('error');
    expect(f[0]!.params).toEqual({ server: '192.168.23.80:8080', client: '172.16.0.100:35597', clients: 2, synAcks: 15, virtual: '172.16.23.80:80' });
    expect(f[0]!.message).toContain('172.16.0.100:35597 sent its SYN to 172.16.23.80:80, but the answer comes from 192.168.23.80:8080');
    // The lab's own record of which frames show the fault (its truth for this run).
    const truth = JSON.parse(readFileSync(join(DIR, 'truth.json'), 'utf8')) as { findings: { code: string; frames: number[] }[] };
    const want = truth.findings.find((x) => x.code === 'nat-reply-bypasses-director')!.frames;
    expect(f[0]!.frames).toEqual(want);
  });

  it('the real server\'s own capture still says nat-reply-bypasses-director (its SYNs are there), not this', () => {
    const codes = analyze([join(DIR, 'rs1-eth0.pcap')]).report.findings.map((x) => x.code);
    expect(codes).toContain('nat-reply-bypasses-director');
    expect(codes).not.toContain('syn-ack-without-syn');
  });

  it('the director\'s inside: the silent real server is one of the inside service\'s, its connections its own, and it does not answer', () => {
    const s = analyze([join(DIR, 'dir-eth1.pcap')]);
    const r = s.report;
    expect(r.services).toHaveLength(1);
    expect([r.services[0]!.vip, r.services[0]!.method]).toEqual(['?', 'nat']);
    expect(r.services[0]!.realServers.map((x) => `${x.ip}:${x.port}`)).toEqual(['192.168.23.80:8080', '192.168.23.81:8080']);
    // Each connection's real server as the kernel's -Lnc had it, the silent ones included.
    const truth = JSON.parse(readFileSync(join(DIR, 'truth.json'), 'utf8')) as { lab: { requests: { client: string; realServer: string }[] } };
    const got = new Map(r.connections.map((c) => [c.client, c.realServer]));
    for (const q of truth.lab.requests) expect(got.get(q.client), q.client).toBe(q.realServer);
    const silent = r.findings.filter((f) => f.code === 'rs-not-responding');
    expect(silent.map((f) => f.params)).toEqual([expect.objectContaining({ rs: '192.168.23.80' })]);
    expect(silent[0]!.message).toContain('nat-reply-bypasses-director');
    expect(r.hosts.find((h) => h.ip === '192.168.23.80')?.role).toBe('real-server');
  });

  it('a working NAT cluster at every committed capture point says nothing of the kind', () => {
    for (const file of ['dir-eth0.pcap', 'dir-eth1.pcap', 'rs1-eth0.pcap', 'dir-any.pcap']) {
      const codes = analyze([join(FIXTURES, 'kernel', 'nat-rr-8080', file)]).report.findings.map((x) => x.code);
      expect(codes).not.toContain('syn-ack-without-syn');
    }
  });

  it('the catalog: a warning where only the replies show, an error where the client\'s SYN to the VIP does', () => {
    const base = { server: 's:1', client: 'c:2', clients: 1, synAcks: 3 };
    expect(findingSeverity('syn-ack-without-syn', { ...base, virtual: null })).toBe('warning');
    expect(findingSeverity('syn-ack-without-syn', { ...base, virtual: 'v:80' })).toBe('error');
    expect(findingMessage('syn-ack-without-syn', { ...base, virtual: 'v:80' })).toContain('make the director its default gateway');
  });
});
