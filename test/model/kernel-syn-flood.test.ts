/**
 * A SYN flood on the real kernel (lvscope lab --syn-flood 200, Debian 6.1 in the microVM; the command
 * is in test/fixtures/kernel-faults/README.md): 200 SYNs from made-up sources that never complete.
 * The kernel held 200 SYN_RECV entries (its own `ipvsadm -Lnc` and `-Ln` are committed beside the
 * captures) with every drop defence off; lvscope names the flood from the firewall and from the
 * director, rebuilds the same entries, and says nothing about the same traffic without the flood.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import type { FindingCode, SynFlood } from '../../src/ipvs/report.js';
import { renderIpvsadmConns, renderIpvsadmList } from '../../src/present/ipvsadm-view.js';
import { FIXTURES, REPO_ROOT } from '../helpers/paths.js';

const DIR = join(FIXTURES, 'kernel-faults', 'syn-flood');
const BIN = join(REPO_ROOT, 'bin', 'lvscope');
const FW = join(DIR, 'fw-eth1.pcap');
const DIRECTOR = join(DIR, 'dir-eth0.pcap');

const summaryOf = (args: string[]) => runModel(parseAnalyzeArgs([...args, '--format', 'json'])).summary;
const codes = (args: string[]): FindingCode[] => [...new Set(summaryOf(args).report.findings.map((f) => f.code))].sort();
function flood(file: string): { params: SynFlood; frames: readonly number[] } {
  const fs = summaryOf([file]).report.findings;
  expect(fs.map((f) => f.code)).toEqual(['syn-flood']);
  return { params: fs[0]!.params as SynFlood, frames: fs[0]!.frames };
}

/** `ipvsadm -Lnc` rows as "state client → real server", sorted (expiry times differ by when each was read). */
function entries(text: string): string[] {
  return text.split('\n').filter((l) => /^TCP /.test(l)).map((l) => {
    const [, , state, client, , rs] = l.trim().split(/\s+/);
    return `${state} ${client} → ${rs}`;
  }).sort();
}

describe('SYN flood (200 SYNs at 40/s from 172.16.200.1 … .200, DR, 4 requests after it)', () => {
  it('at the firewall: every SYN answered by a real server, never acknowledged; the 4 requests completed', () => {
    const { params, frames } = flood(FW);
    expect(params).toMatchObject({
      virtual: '192.168.23.100:80', halfOpen: 200, peak: 200, sources: 200,
      firstSource: '172.16.200.1', lastSource: '172.16.200.200', synAcked: 200, completed: 4,
    });
    expect(params.seconds).toBeGreaterThan(4.5);
    expect(params.rate).toBeGreaterThan(38);
    expect(params.rate).toBeLessThan(45);
    expect(frames.length).toBeGreaterThan(0);
  });

  it('at the director (DR: the SYN-ACKs never pass it): the same flood, none seen answered', () => {
    const { params } = flood(DIRECTOR);
    expect(params).toMatchObject({ halfOpen: 200, peak: 200, sources: 200, synAcked: 0, completed: 4 });
  });

  it('the sentence names the count, the rate, the sources, the 60 s SYN_RECV entries and the defences with their thresholds', () => {
    const msg = summaryOf([FW]).report.findings[0]!.message;
    for (const words of ['200 connections', '200 addresses (172.16.200.1 … 172.16.200.200)', 'SYNs/s', 'SYN_RECV entry for 60 s',
      'amemthresh (1024 pages, 4 MB)', 'drop_entry', 'drop_packet', 'am_droprate, 10', 'secure_tcp', 'ActiveConn']) {
      expect(msg).toContain(words);
    }
  });

  it('the reconstructed ipvsadm -Lnc holds the kernel\'s 200 SYN_RECV entries, each to the kernel\'s real server', () => {
    const kernel = entries(readFileSync(join(DIR, 'ipvsadm-Lnc.txt'), 'utf8'));
    expect(kernel.filter((e) => e.startsWith('SYN_RECV'))).toHaveLength(200);
    const ours = entries(renderIpvsadmConns(summaryOf([DIRECTOR])));
    expect(ours.filter((e) => e.startsWith('SYN_RECV'))).toEqual(kernel.filter((e) => e.startsWith('SYN_RECV')));
  });

  it('ActiveConn counts them as the kernel did: 100 and 2 inactive (FIN_WAIT) per real server', () => {
    const rows = (text: string): string[] => text.split('\n').filter((l) => l.includes('->') && l.includes('Route'))
      .map((l) => { const f = l.trim().split(/\s+/); return `${f[1]} ${f[4]} ${f[5]}`; });
    const kernel = rows(readFileSync(join(DIR, 'ipvsadm-Ln.txt'), 'utf8'));
    expect(kernel).toEqual(['192.168.23.80:80 100 2', '192.168.23.81:80 100 2']);
    expect(rows(renderIpvsadmList(summaryOf([DIRECTOR])))).toEqual(kernel);
  });

  it('the same traffic without the flood raises nothing; nor does a flood below 100 entries', () => {
    expect(codes([FW, 'not net 172.16.200.0/21'])).toEqual([]);
    expect(codes([DIRECTOR, 'not net 172.16.200.0/21'])).toEqual([]);
    // .128 – .200 stay: 73 half-open entries.
    expect(codes([FW, 'not net 172.16.200.0/25'])).toEqual([]);
  });

  it('unanswered clients that retransmit are a silent real server, not a flood', () => {
    expect(codes([join(FIXTURES, 'kernel-faults', 'rs-firewall', 'fw-eth1.pcap')])).toEqual(['rs-not-responding']);
  });

  const built = spawnSync(BIN, ['--help']).status === 0;
  it.skipIf(!built)('validate names syn-flood and exits non-zero', () => {
    const r = spawnSync(BIN, ['validate', FW], { encoding: 'utf8' });
    expect(r.stdout).toMatch(/^warning syn-flood: 200 connections to 192\.168\.23\.100:80 from 200 addresses/m);
    expect(r.status).toBe(1);
  });
});
