/**
 * Issue 13 on public captures: analyze and validate take --gue-port as decode does (GUE on a
 * port is read as GUE even when the payload alone would not say so), recognise GUE on other ports
 * by payload, and exit 1 on damaged frames with one summary line on stderr, in decode, analyze and
 * validate alike.
 */
import { describe, expect, test } from 'vitest';
import { main } from '../../src/cli/main.js';
import { parseAnalyzeArgs, runModel } from '../../src/cli/commands/analyze.js';
import { fakeIO } from '../helpers/io.js';
import { thirdparty } from '../helpers/paths.js';

// tcpdump's GUE test capture: GUE on UDP 6080 over loopback, most frames cut inside the inner packet.
const TCPDUMP_GUE = thirdparty('tcpdump', 'gue.pcap');
// Katran's GUE: UDP 9886, a port nobody told lvscope about.
const KATRAN_GUE = thirdparty('katran', 'katran-gue.pcap');

async function run(args: string[]) {
  const io = fakeIO();
  const code = await main(args, io);
  await new Promise((r) => setImmediate(r));
  return { code, out: io.out(), err: io.err() };
}

describe('--gue-port for analyze and validate', () => {
  test('tcpdump\'s GUE on 6080: with --gue-port the inner IPv4 service shows, TUN; without it only what the payload proves', () => {
    const without = runModel(parseAnalyzeArgs([TCPDUMP_GUE])).summary.report.services.map((s) => `${s.vip}:${s.port} ${s.method}`);
    const withPort = runModel(parseAnalyzeArgs([TCPDUMP_GUE, '--gue-port', '6080'])).summary.report.services.map((s) => `${s.vip}:${s.port} ${s.method}`);
    expect(without).not.toContain('14.15.16.17:8000 tun');
    expect(withPort).toContain('14.15.16.17:8000 tun');
  });

  test('GUE on a port not given is recognised by its payload (Katran, UDP 9886): TUN services, no UDP service on 9886', () => {
    const r = runModel(parseAnalyzeArgs([KATRAN_GUE])).summary.report;
    expect(r.services.every((s) => s.method === 'tun')).toBe(true);
    expect(r.services.some((s) => s.port === 9886)).toBe(false);
  });

  test('a bad port is a usage error naming the option, in analyze and validate', async () => {
    for (const cmd of ['analyze', 'validate']) {
      const r = await run([cmd, TCPDUMP_GUE, '--gue-port', '70000']);
      expect(r.code, cmd).toBe(2);
      expect(r.err, cmd).toContain('--gue-port needs a UDP port (1-65535), not 70000');
    }
  });

  test('--help names --gue-port in analyze, validate and report', async () => {
    for (const cmd of ['analyze', 'validate', 'report']) expect((await run([cmd, '--help'])).out, cmd).toContain('--gue-port N');
  });
});

describe('damaged frames: one exit rule for decode, analyze and validate', () => {
  test('tcpdump\'s cut GUE frames: 1, and the same one summary line on stderr from each command', async () => {
    const lines: string[] = [];
    for (const cmd of [['decode', '-r', TCPDUMP_GUE], ['analyze', '--format', 'json', TCPDUMP_GUE], ['validate', TCPDUMP_GUE]]) {
      const r = await run(cmd);
      expect(r.code, cmd[0]).toBe(1);
      const damage = r.err.trimEnd().split('\n').filter((l) => l.includes('damaged frame'));
      expect(damage, cmd[0]).toHaveLength(1);
      lines.push(damage[0]!);
    }
    expect(new Set(lines)).toEqual(new Set(['lvscope: 16 damaged frames (first: frame 1): cut short or with malformed headers; decode -V shows where']));
  });

  test('an undamaged public capture exits 0 from decode and analyze', async () => {
    for (const cmd of [['decode', '-r', KATRAN_GUE], ['analyze', '--format', 'json', KATRAN_GUE]]) expect((await run(cmd)).code, cmd[0]).toBe(0);
  });
});
