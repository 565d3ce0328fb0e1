/**
 * Issue 15's other half: for each failure reproduced on the real kernel (test/model/kernel-*.test.ts),
 * the same cluster and traffic without the fault, also captured on the kernel, raises nothing.
 * The healthy clusters are test/fixtures/kernel's (same lab, same addresses, no misconfiguration).
 */
import { writeFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import type { FindingCode } from '../../src/ipvs/report.js';
import { FIXTURES } from '../helpers/paths.js';

const codes = (args: string[]): FindingCode[] =>
  [...new Set(runModel(parseAnalyzeArgs([...args, '--format', 'json'])).summary.report.findings.map((f) => f.code))].sort();
const healthy = (...p: string[]): string => join(FIXTURES, 'kernel', ...p);
const faulty = (...p: string[]): string => join(FIXTURES, 'kernel-faults', ...p);

const tmp = mkdtempSync(join(tmpdir(), 'lvscope-counterparts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('the fault, and the same capture point of the same cluster without it', () => {
  const pairs: [string, string, FindingCode, string][] = [
    ['rs firewall dropping SYNs (DR, firewall)', faulty('rs-firewall', 'fw-eth1.pcap'), 'rs-not-responding', healthy('dr-rr', 'fw-eth1.pcap')],
    ['rs firewall dropping SYNs (DR, on the real server)', faulty('rs-firewall', 'rs1-eth0.pcap'), 'rs-not-responding', healthy('dr-rr', 'rs1-eth0.pcap')],
    ['VIP missing on lo (DR)', faulty('dr-vip-missing', 'fw-eth1.pcap'), 'rs-not-responding', healthy('dr-rr', 'fw-eth1.pcap')],
    ['rp_filter on a TUN real server (director)', faulty('tun-rp-filter', 'dir-eth0.pcap'), 'rs-not-responding', healthy('tun-ipip-rr', 'dir-eth0.pcap')],
    ['rp_filter on a TUN real server (the real server)', faulty('tun-rp-filter', 'rs1-eth0.pcap'), 'rs-not-responding', healthy('tun-ipip-rr', 'rs1-eth0.pcap')],
    ['a REJECT rule on the real server', faulty('rs-reject', 'fw-eth1.pcap'), 'rs-rejects', healthy('dr-rr', 'fw-eth1.pcap')],
    ['the service down on the real server', faulty('rs-down', 'fw-eth1.pcap'), 'dr-port-mapping', healthy('dr-rr', 'fw-eth1.pcap')],
    ['a DNS server down', faulty('dns-rs-down', 'fw-eth1.pcap'), 'rs-rejects', faulty('dns-rr', 'fw-eth1.pcap')],
    ['a UDP flow black-holed by its entry', faulty('udp-stale-removed', 'fw-eth1.pcap'), 'stale-entry', faulty('dns-same-port', 'fw-eth1.pcap')],
    ['a TCP connection black-holed by its entry (firewall)', faulty('tcp-stale-removed', 'fw-eth1.pcap'), 'stale-entry', healthy('dr-wlc-hold', 'fw-eth1.pcap')],
    ['a TCP connection black-holed by its entry (director)', faulty('tcp-stale-removed', 'dir-eth0.pcap'), 'stale-entry', healthy('dr-wlc-hold', 'dir-eth0.pcap')],
    ['a TCP connection black-holed by its entry (director, any)', faulty('tcp-stale-removed-any', 'dir-any.pcap'), 'stale-entry', healthy('dr-any', 'dir-any.pcap')],
    ['an idle entry expired', faulty('idle-expired', 'fw-eth1.pcap'), 'idle-entry-expired', faulty('idle-kept', 'fw-eth1.pcap')],
    ['a SYN flood', faulty('syn-flood', 'fw-eth1.pcap'), 'syn-flood', healthy('dr-rr', 'fw-eth1.pcap')],
    ['tunnel MTU (an upload through TUN)', faulty('tun-mtu', 'dir-eth0.pcap'), 'tun-mtu', healthy('tun-ipip-rr', 'dir-eth0.pcap')],
  ];
  it.each(pairs)('%s', (_, bad, code, good) => {
    expect(codes([bad])).toContain(code);
    expect(codes([good])).toEqual([]);
  });

  it('a quiesced server with persistence: the same capture with rules that keep its weight raises nothing', () => {
    const rules = readFileSync(faulty('persist-quiesced', 'ipvsadm-S.rules'), 'utf8');
    expect(codes([faulty('persist-quiesced', 'fw-eth1.pcap'), '--rules', faulty('persist-quiesced', 'ipvsadm-S.rules')])).toEqual(['quiesced-server-used']);
    const kept = join(tmp, 'weight-1.rules');
    writeFileSync(kept, rules.replace('192.168.23.80:80 -g -w 0', '192.168.23.80:80 -g -w 1'));
    expect(codes([faulty('persist-quiesced', 'fw-eth1.pcap'), '--rules', kept])).toEqual([]);
  });
});
