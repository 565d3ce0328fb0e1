import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memorySink } from '../../src/capture/index.js';
import { synthCommand } from '../../src/cli/commands/synth.js';
import { ScenarioError, loadScenarioFile, synthesize } from '../../src/simulate/index.js';

const dir = mkdtempSync(join(tmpdir(), 'lvscope-scn-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const YAML = `
name: yaml-dr
networks: [{ name: lan }]
hosts:
  - { name: c1, role: client, ifaces: [{ net: lan, mac: "02:00:00:00:00:01", addrs: [10.0.0.5/24] }] }
  - name: lb
    role: director
    ifaces: [{ net: lan, mac: "02:00:00:00:00:02", addrs: [10.0.0.2/24, 10.0.0.100/32] }]
    ipvs: |
      -A -t 10.0.0.100:80 -s rr
      -a -t 10.0.0.100:80 -r 10.0.0.11:80 -g -w 1
      -a -t 10.0.0.100:80 -r 10.0.0.12:80 -g -w 1
  - { name: a, role: real-server, lo: [10.0.0.100/32], arpIgnore: 1, arpAnnounce: 2, ifaces: [{ net: lan, mac: "02:00:00:00:00:11", addrs: [10.0.0.11/24] }], listen: [{ port: 80, app: http }] }
  - { name: b, role: real-server, lo: [10.0.0.100/32], arpIgnore: 1, arpAnnounce: 2, ifaces: [{ net: lan, mac: "02:00:00:00:00:12", addrs: [10.0.0.12/24] }], listen: [{ port: 80, app: http }] }
workload: { target: 10.0.0.100:80, connections: 4, intervalMs: 100 }
capture: { at: director }
`;

describe('scenario files', () => {
  it('runs a YAML scenario whose rules are ipvsadm -S text (restored order: .12 first)', () => {
    const path = join(dir, 's.yaml');
    writeFileSync(path, YAML);
    const r = synthesize(loadScenarioFile(path), memorySink(), { seed: 3 });
    // ipvsadm -R adds .11 then .12, so the kernel list is [.12, .11] and rr starts with .12.
    expect(r.truth.connections.map((c) => c.realServer)).toEqual(['10.0.0.12:80', '10.0.0.11:80', '10.0.0.12:80', '10.0.0.11:80']);
  });
  it('names the field that is wrong', () => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, JSON.stringify({ name: 'x', networks: [{ name: 'lan' }], hosts: [{ name: 'h', role: 'director', ifaces: [{ net: 'wan', mac: '02:00:00:00:00:01', addrs: [] }] }] }));
    expect(() => loadScenarioFile(path)).toThrow(ScenarioError);
    expect(() => loadScenarioFile(path)).toThrow(/hosts\[0\]\.ifaces\[0\]\.net "wan" is not a declared network/);
  });
  it('the command refuses to overwrite and lists presets', async () => {
    const out = join(dir, 'o.pcapng');
    writeFileSync(out, 'keep');
    const chunks: string[] = [];
    const io = { stdout: { write: (s: string) => { chunks.push(s); return true; } }, stderr: { write: (s: string) => { chunks.push(s); return true; } }, stdin: process.stdin, env: {} } as never;
    expect(await synthCommand.run(['--scenario', 'seed-dr', '-w', out], io)).toBe(2);
    expect(chunks.join('')).toMatch(/exists; refusing to overwrite/);
    chunks.length = 0;
    expect(await synthCommand.run(['--list-scenarios', '-w', out], io)).toBe(0);
    expect(chunks.join('')).toMatch(/^seed-dr +seed 000 DR walkthrough/);
    expect(await synthCommand.run(['--scenario', 'seed-dr', '-w', out, '--force', '--quiet'], io)).toBe(0);
  });
});
