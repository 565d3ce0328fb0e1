/**
 * Golden files of `lvscope analyze` on the seed's DR capture: the walkthrough in English and
 * Chinese (plain text, as piped) and the JSON report; and on two real-kernel capture points where
 * the director's hop is not in the capture (the gateway of a DR cluster on a switched LAN, the
 * inside of a NAT director, the gateway of a TUN cluster whose real servers sit behind a router, one
 * real server's own NIC of a NAT, a DR and a TUN cluster, a NAT director's outside alone and merged
 * with its real servers' captures, a client's own capture, the director's `tcpdump -i any` of DR). Regenerate with `npm run test:golden:update`.
 */
import { describe, it } from 'vitest';
import { analyzeGolden } from '../helpers/analyze-golden.js';

const SEED = 'captures/seed-dr-kernel.pcap';


describe('analyze golden files (seed-dr-kernel.pcap)', () => {
  it('English walkthrough', async () => { await analyzeGolden('seed-dr-kernel.analyze.en.txt', [SEED]); });
  it('Chinese walkthrough', async () => { await analyzeGolden('seed-dr-kernel.analyze.zh.txt', [SEED, '--lang', 'zh']); });
  it('JSON report', async () => { await analyzeGolden('seed-dr-kernel.analyze.json', ['--format', 'json', SEED]); });
  it('ndjson per frame', async () => { await analyzeGolden('seed-dr-kernel.analyze.ndjson', ['--format', 'ndjson', SEED]); });
});

describe('analyze golden files (real-kernel capture points, test/fixtures/kernel)', () => {
  const GW = 'test/fixtures/kernel/dr-rr/fw-eth1.pcap';
  const INSIDE = 'test/fixtures/kernel/nat-rr-8080/dir-eth1.pcap';
  it('DR at the gateway, English', async () => { await analyzeGolden('kernel-dr-gateway.analyze.en.txt', [GW]); });
  it('DR at the gateway, Chinese', async () => { await analyzeGolden('kernel-dr-gateway.analyze.zh.txt', [GW, '--lang', 'zh']); });
  it('NAT inside the director, English', async () => { await analyzeGolden('kernel-nat-inside.analyze.en.txt', [INSIDE]); });
  it('NAT inside the director, Chinese', async () => { await analyzeGolden('kernel-nat-inside.analyze.zh.txt', [INSIDE, '--lang', 'zh']); });
  const TUN_GW = 'test/fixtures/kernel/tun-ipip-gateway/fw-eth1.pcap';
  it('TUN at the gateway, English', async () => { await analyzeGolden('kernel-tun-gateway.analyze.en.txt', [TUN_GW]); });
  it('TUN at the gateway, Chinese', async () => { await analyzeGolden('kernel-tun-gateway.analyze.zh.txt', [TUN_GW, '--lang', 'zh']); });
  const NAT_RS = 'test/fixtures/kernel/nat-rr-8080/rs1-eth0.pcap';
  it('NAT on one real server, English', async () => { await analyzeGolden('kernel-nat-real-server.analyze.en.txt', [NAT_RS]); });
  it('NAT on one real server, Chinese', async () => { await analyzeGolden('kernel-nat-real-server.analyze.zh.txt', [NAT_RS, '--lang', 'zh']); });
  const DR_RS = 'test/fixtures/kernel/dr-rr/rs1-eth0.pcap';
  it('DR on one real server, English', async () => { await analyzeGolden('kernel-dr-real-server.analyze.en.txt', [DR_RS]); });
  it('DR on one real server, Chinese', async () => { await analyzeGolden('kernel-dr-real-server.analyze.zh.txt', [DR_RS, '--lang', 'zh']); });
  const MERGED = ['dir-eth0', 'rs1-eth0', 'rs2-eth0', 'rs3-eth0'].map((f) => `test/fixtures/kernel/nat-rr-3rs-8080/${f}.pcap`);
  it('NAT director\'s outside and its three real servers merged, English', async () => { await analyzeGolden('kernel-nat-merged.analyze.en.txt', MERGED); });
  it('NAT director\'s outside and its three real servers merged, Chinese', async () => { await analyzeGolden('kernel-nat-merged.analyze.zh.txt', [...MERGED, '--lang', 'zh']); });
  const NAT_OUT = 'test/fixtures/kernel/nat-rr-8080/dir-eth0.pcap';
  it('NAT director\'s outside alone, English', async () => { await analyzeGolden('kernel-nat-outside.analyze.en.txt', [NAT_OUT]); });
  it('NAT director\'s outside alone, Chinese', async () => { await analyzeGolden('kernel-nat-outside.analyze.zh.txt', [NAT_OUT, '--lang', 'zh']); });
  const CLIENT = 'test/fixtures/kernel/dr-rr/c0-eth0.pcap';
  it('a client\'s own capture, English', async () => { await analyzeGolden('kernel-client.analyze.en.txt', [CLIENT]); });
  it('a client\'s own capture, Chinese', async () => { await analyzeGolden('kernel-client.analyze.zh.txt', [CLIENT, '--lang', 'zh']); });
  const TUN_RS = 'test/fixtures/kernel/tun-ipip-rr/rs1-eth0.pcap';
  it('TUN on one real server behind a router, English', async () => { await analyzeGolden('kernel-tun-real-server.analyze.en.txt', [TUN_RS]); });
  it('TUN on one real server behind a router, Chinese', async () => { await analyzeGolden('kernel-tun-real-server.analyze.zh.txt', [TUN_RS, '--lang', 'zh']); });
  const DR_ANY = 'test/fixtures/kernel/dr-any/dir-any.pcap';
  it('DR on the director\'s tcpdump -i any, English', async () => { await analyzeGolden('kernel-dr-director-any.analyze.en.txt', [DR_ANY]); });
  it('DR on the director\'s tcpdump -i any, Chinese', async () => { await analyzeGolden('kernel-dr-director-any.analyze.zh.txt', [DR_ANY, '--lang', 'zh']); });
});
