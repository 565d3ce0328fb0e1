/**
 * The lab's namespace plumbing, on the nftables emulation (--emulate) and a flooding LAN: these
 * tests check what the lab builds and captures, not the kernel's IPVS (test/acceptance/kernel-lab
 * does that on the real kernel). tshark is the independent oracle for what was captured;
 * the truth file is checked against it. Skipped without root or `ip netns`.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandIO } from '../../src/cli/command.js';
import type { ClusterReport } from '../../src/ipvs/report.js';
import { readLabTruth } from '../helpers/lab-truth.js';
import { labCommand } from '../../src/cli/commands/lab.js';
import { labUnavailable, listNetns } from '../../src/lab/host.js';

const why = labUnavailable();
const hasTshark = (() => {
  try {
    execFileSync('tshark', ['-v'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();
const skip = why !== null || !hasTshark;
const reason = why ?? (hasTshark ? '' : 'tshark is not installed');

const dir = mkdtempSync(join(tmpdir(), 'lvscope-lab-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Ran {
  readonly code: number;
  readonly out: string;
  readonly id: string;
  readonly pcap: string;
  readonly truth: ClusterReport;
}

async function lab(name: string, args: readonly string[]): Promise<Ran> {
  const pcap = join(dir, `${name}.pcap`);
  const truthPath = join(dir, `${name}.truth.json`);
  let out = '';
  let err = '';
  const io: CommandIO = {
    stdout: { write: (s: string) => { out += s; return true; } } as unknown as CommandIO['stdout'],
    stderr: { write: (s: string) => { err += s; return true; } } as unknown as CommandIO['stderr'],
    stdin: process.stdin,
    env: {},
  };
  const code = await labCommand.run(['capture', ...args, '--emulate', '--lan', 'hub', '-w', pcap, '--truth', truthPath, '--quiet'], io);
  const id = /^lab (lv[0-9a-f]{4}):/m.exec(out)?.[1] ?? '';
  if (code !== 0) throw new Error(`lab ${args.join(' ')} exited ${code}\n${out}\n${err}`);
  return { code, out, id, pcap, truth: readLabTruth(truthPath) };
}

/** Rows of tshark fields, tab-separated. */
function tshark(file: string, fields: readonly string[], filter?: string): string[][] {
  const args = ['-r', file, '-T', 'fields', '-E', 'separator=/t', ...fields.flatMap((f) => ['-e', f])];
  if (filter) args.push('-Y', filter);
  const text = execFileSync('tshark', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
  return text.split('\n').filter((l) => l !== '').map((l) => l.split('\t'));
}

function answers(r: Ran): string[] {
  return r.truth.connections.map((c) => c.realServer ?? 'none');
}

describe.skipIf(skip)(`lvscope lab in network namespaces${skip ? ` (skipped: ${reason})` : ''}`, () => {
  it('seed-dr preset: the walkthrough, WEB1 WEB2 WEB1 WEB2, captured at the firewall', async () => {
    const r = await lab('seed-dr', ['--preset', 'seed-dr']);
    expect(r.out).toContain('director: nftables EMULATION of IPVS-DR (--emulate; not the kernel\'s IPVS)');
    expect(r.out).toContain('answers: WEB1 WEB2 WEB1 WEB2');
    expect(answers(r)).toEqual(['192.168.23.80:80', '192.168.23.81:80', '192.168.23.80:80', '192.168.23.81:80']);
    const svc = r.truth.services[0];
    expect(svc?.vip).toBe('192.168.23.100');
    expect(svc?.director).toEqual({ ip: '192.168.23.99', mac: '00:0c:29:06:13:ea' });
    expect(svc?.realServers.map((x) => [x.ip, x.mac, x.connections])).toEqual([
      ['192.168.23.80', '02:aa:00:00:01:01', 2], ['192.168.23.81', '02:aa:00:00:01:02', 2],
    ]);
    expect(r.truth.connections.every((c) => c.client.startsWith('172.16.0.100:') && c.state === 'FIN_WAIT')).toBe(true);
    // The firewall ARPs for the VIP and only the director answers, with the seed's MAC.
    const arp = tshark(r.pcap, ['arp.opcode', 'arp.src.hw_mac', 'arp.src.proto_ipv4', 'arp.dst.proto_ipv4'], 'arp');
    expect(arp).toContainEqual(['1', '02:aa:00:00:00:fe', '192.168.23.1', '192.168.23.100']);
    const vipReplies = arp.filter((a) => a[0] === '2' && a[2] === '192.168.23.100');
    expect(vipReplies.map((a) => a[1])).toEqual(['00:0c:29:06:13:ea']);
    // The client's packets arrive DNATed: CIP → VIP, TTL 63 after the firewall.
    const syn = tshark(r.pcap, ['eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'ip.ttl'], 'tcp.flags.syn==1 && tcp.flags.ack==0');
    expect(syn[0]).toEqual(['02:aa:00:00:00:fe', '00:0c:29:06:13:ea', '172.16.0.100', '192.168.23.100', '63']);
    expect(syn[1]).toEqual(['00:0c:29:06:13:ea', '02:aa:00:00:01:01', '172.16.0.100', '192.168.23.100', '62']);
    expect(listNetns().filter((n) => n.startsWith(`${r.id}-`))).toEqual([]);
  });

  it('DR rr with 3 real servers: kernel order, and only MACs and the TTL change', async () => {
    const r = await lab('dr3', ['dr', '--real-servers', '3', '--requests', '6']);
    expect(answers(r)).toEqual(['80', '81', '82', '80', '81', '82'].map((o) => `192.168.23.${o}:80`));
    const gw = '02:aa:00:00:00:fe';
    const dirMac = '02:aa:00:00:00:63';
    const rows = tshark(r.pcap, ['frame.number', 'eth.src', 'eth.dst', 'ip.src', 'ip.dst', 'ip.id', 'ip.ttl', 'tcp.srcport', 'tcp.dstport'], 'tcp');
    const toDirector = rows.filter((x) => x[1] === gw && x[2] === dirMac);
    expect(toDirector.length).toBeGreaterThan(20);
    const rsMacs = ['02:aa:00:00:01:01', '02:aa:00:00:01:02', '02:aa:00:00:01:03'];
    for (const inn of toDirector) {
      expect(inn[3]).toBe('172.16.0.100');
      expect(inn[4]).toBe('192.168.23.100');
      const out = rows.find((x) => x[1] === dirMac && x[5] === inn[5] && x[3] === inn[3] && x[4] === inn[4] && Number(x[0]) > Number(inn[0]));
      expect(out, `forwarded copy of frame ${inn[0]}`).toBeDefined();
      expect(rsMacs).toContain(out?.[2]);
      expect(Number(out?.[6])).toBe(Number(inn[6]) - 1);
      expect(out?.[8]).toBe('80');
    }
    // Replies come from the VIP straight to the gateway, never through the director.
    const replies = rows.filter((x) => x[3] === '192.168.23.100');
    expect(replies.length).toBeGreaterThan(20);
    for (const rep of replies) {
      expect(rep[2]).toBe(gw);
      expect(rsMacs).toContain(rep[1]);
    }
  });

  it('DR wrr 1:5 follows the weights in the kernel order', async () => {
    const r = await lab('wrr', ['dr', '--scheduler', 'wrr', '--weights', '1,5', '--requests', '12']);
    const w1 = '192.168.23.80:80';
    const w2 = '192.168.23.81:80';
    // `-A -s wrr` then `-a` .80 (1) and .81 (5) one by one, as the kernel would run them.
    expect(answers(r)).toEqual([w1, w2, w2, w2, w2, w2, w1, w2, w2, w2, w2, w2]);
    expect(r.truth.services[0]?.scheduler.candidates[0]?.weights).toEqual({ '192.168.23.80': 1, '192.168.23.81': 5 });
  });

  it('NAT: VIP:80 rewritten to RIP:8080, replies back through the director as the VIP', async () => {
    const r = await lab('nat', ['nat', '--capture-at', 'any']);
    expect(r.out).toContain('director: nftables EMULATION of IPVS-NAT (--emulate; not the kernel\'s IPVS)');
    expect(answers(r)).toEqual(['192.168.23.80:8080', '192.168.23.81:8080', '192.168.23.80:8080', '192.168.23.81:8080']);
    // -i any: Linux cooked v2; packet type 0 = received, 4 = sent by the director.
    const rows = tshark(r.pcap, ['sll.pkttype', 'ip.src', 'tcp.srcport', 'ip.dst', 'tcp.dstport', 'ip.id', 'ip.ttl'], 'tcp');
    const inbound = rows.filter((x) => x[0] === '0' && x[3] === '172.16.23.80');
    expect(inbound.length).toBeGreaterThan(10);
    for (const inn of inbound) {
      expect(inn[4]).toBe('80');
      const out = rows.find((x) => x[0] === '4' && x[5] === inn[5] && x[1] === inn[1] && x[2] === inn[2]);
      expect(out?.[3]).toMatch(/^192\.168\.23\.8[01]$/);
      expect(out?.[4]).toBe('8080');
      expect(Number(out?.[6])).toBe(Number(inn[6]) - 1);
    }
    const fromRs = rows.filter((x) => x[0] === '0' && /^192\.168\.23\.8[01]$/.test(x[1] ?? ''));
    expect(fromRs.length).toBeGreaterThan(10);
    for (const rep of fromRs) {
      expect(rep[2]).toBe('8080');
      const out = rows.find((x) => x[0] === '4' && x[5] === rep[5] && x[3] === rep[3] && x[4] === rep[4]);
      expect(out?.[1]).toBe('172.16.23.80');
      expect(out?.[2]).toBe('80');
    }
    expect(r.truth.connections.map((c) => c.virtual)).toEqual(new Array(4).fill('172.16.23.80:80'));
  });

  it('--misconfig rs-arp: a real server answers ARP for the VIP', async () => {
    const r = await lab('rs-arp', ['dr', '--misconfig', 'rs-arp']);
    const replies = tshark(r.pcap, ['frame.number', 'arp.src.hw_mac'], 'arp.opcode==2 && arp.src.proto_ipv4==192.168.23.100');
    expect(replies.map((x) => x[1])).toContain('02:aa:00:00:01:01');
    const finding = r.truth.findings.find((f) => f.code === 'rs-answers-arp-for-vip');
    expect(finding?.frames).toEqual(replies.filter((x) => x[1] === '02:aa:00:00:01:01').map((x) => Number(x[0])));
  });

  it('truth frame numbers match the capture', async () => {
    const r = await lab('frames', ['dr', '--requests', '2']);
    const total = tshark(r.pcap, ['frame.number']).length;
    expect(r.truth.capture.frames).toBe(total);
    for (const c of r.truth.connections) {
      const port = c.client.split(':')[1];
      const nums = tshark(r.pcap, ['frame.number'], `tcp.port==${port}`).map((x) => Number(x[0]));
      expect([c.firstFrame, c.lastFrame]).toEqual([nums[0], nums[nums.length - 1]]);
    }
  });

  it('tears everything down, also after a failure', async () => {
    const before = new Set(listNetns());
    const io: CommandIO = {
      stdout: { write: () => true } as unknown as CommandIO['stdout'],
      stderr: { write: () => true } as unknown as CommandIO['stderr'],
      stdin: process.stdin,
      env: {},
    };
    // An unwritable output path makes tcpdump fail after the namespaces exist.
    const code = await labCommand.run(['capture', 'dr', '--emulate', '-w', '/nonexistent-dir/x.pcap', '--quiet'], io);
    expect(code).toBe(2);
    const leaked = listNetns().filter((n) => !before.has(n) && /^lv[0-9a-f]{4}-/.test(n));
    expect(leaked).toEqual([]);
  });
});
