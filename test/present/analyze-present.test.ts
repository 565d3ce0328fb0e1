import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeCommand } from '../../src/cli/commands/analyze.js';
import { validateCommand } from '../../src/cli/commands/validate.js';
import { UsageError } from '../../src/cli/command.js';
import { PcapWriter, memorySink } from '../../src/capture/index.js';
import { openFrames } from '../../src/decode/index.js';
import { analyzeFrames } from '../../src/pipeline/index.js';
import { makeStyle } from '../../src/present/analyze-style.js';
import { renderFindings } from '../../src/present/findings-text.js';
import { renderIpvsadmConns, renderIpvsadmList, renderIpvsadmStats } from '../../src/present/ipvsadm-view.js';
import { runCommand } from '../helpers/run-command.js';
import { CONFORMANCE } from '../helpers/paths.js';

const SEED = 'captures/seed-dr-kernel.pcap';
const GLB = `${CONFORMANCE}/glb-director/1k_pkts.pcap`;
const seed = analyzeFrames(openFrames([SEED]), { files: [SEED] });

describe('reconstructed ipvsadm views of the seed capture', () => {
  it('-Ln, character-exact, with trailing spaces', () => {
    expect(renderIpvsadmList(seed)).toBe(
      'IP Virtual Server version 1.2.1 (size=4096)\n'
      + 'Prot LocalAddress:Port Scheduler Flags\n'
      + '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n'
      + 'TCP  192.168.23.100:80 rr?\n'
      + '  -> 192.168.23.80:80             Route   ~1     0          2         \n'
      + '  -> 192.168.23.81:80             Route   ~1     0          2         \n');
  });

  it('-Lnc at the last frame: four FIN_WAIT entries', () => {
    const lines = renderIpvsadmConns(seed).split('\n');
    expect(lines[1]).toBe('pro expire state       source             virtual            destination');
    expect(lines[2]).toBe('TCP 01:59  FIN_WAIT    172.16.0.100:44942 192.168.23.100:80  192.168.23.80:80');
    expect(lines.filter((l) => l.includes('FIN_WAIT'))).toHaveLength(4);
  });

  it('--stats: DR has no OutPkts', () => {
    const lines = renderIpvsadmStats(seed).split('\n');
    expect(lines[3]).toBe('TCP  192.168.23.100:80                   4       27        0     1740        0');
  });
});

describe('findings text', () => {
  it('plain when colour is off, with severity and frames', () => {
    const out = renderFindings([{ code: 'no-real-server', severity: 'error', message: 'm', frames: [3, 9] }], makeStyle(false), 'en');
    expect(out).toBe('error no-real-server: m (frames 3, 9)\n');
    expect(renderFindings([], makeStyle(false), 'zh')).toBe('未发现问题。\n');
  });
});

describe('lvscope analyze / validate', () => {
  it('analyze --format json prints one ClusterReport', async () => {
    const { code, stdout } = await runCommand(analyzeCommand, ['--format', 'json', '-r', SEED]);
    expect(code).toBe(0);
    const doc = JSON.parse(stdout);
    expect(Object.keys(doc)).toEqual(['capture', 'hosts', 'services', 'connections', 'findings']);
    expect(doc.services[0].method).toBe('dr');
  });

  it('text output has no colour when piped, and colour on a terminal', async () => {
    const plain = await runCommand(analyzeCommand, [SEED]);
    expect(plain.stdout).not.toContain('\u001b[');
    expect(plain.stdout).toContain('ipvsadm -Ln (reconstructed)');
  });

  it('-c limits the frames', async () => {
    const { stdout } = await runCommand(analyzeCommand, ['--format', 'json', '-c', '24', SEED]);
    const doc = JSON.parse(stdout);
    expect(doc.capture.frames).toBe(24);
    expect(doc.connections).toHaveLength(1);
  });

  it('ndjson: one object per frame', async () => {
    const { stdout } = await runCommand(analyzeCommand, ['--format', 'ndjson', SEED]);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines).toHaveLength(86);
    expect(lines[5]).toMatchObject({ n: 6, srcRole: 'director', dstRole: 'real-server', step: 'director-forward', connection: 1, realServer: { ip: '192.168.23.80', port: 80 } });
    // One time format in every JSON document: nine fractional digits, as decode's ts.
    expect(lines[0].time).toMatch(/^\d+\.\d{9}$/);
    expect(lines[5].client).toEqual({ ip: '172.16.0.100', port: expect.any(Number) });
  });

  it('json: endpoints split as {ip, port}, the scheduler as {name|null, status, candidates}', async () => {
    const doc = JSON.parse((await runCommand(analyzeCommand, ['--format', 'json', SEED])).stdout);
    expect(doc.connections[0].client).toEqual({ ip: '172.16.0.100', port: expect.any(Number) });
    expect(doc.connections[0].realServer).toEqual({ ip: expect.any(String), port: 80 });
    const s = doc.services[0].scheduler;
    expect(s.status).toBe('ambiguous');
    expect(s.name).toBeNull();
    expect(s.candidates).toContain('rr');
  });

  it('bad flags are usage errors', async () => {
    await expect(runCommand(analyzeCommand, [SEED, '--format', 'xml'])).rejects.toBeInstanceOf(UsageError);
    await expect(runCommand(analyzeCommand, [SEED, '--lang', 'fr'])).rejects.toBeInstanceOf(UsageError);
    await expect(runCommand(analyzeCommand, [SEED, '--name', 'bad'])).rejects.toBeInstanceOf(UsageError);
    await expect(runCommand(analyzeCommand, [])).rejects.toBeInstanceOf(UsageError);
  });

  it('an unreadable file: clear message naming it, without Node error names; 2 for analyze and validate alike', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvscope-'));
    const bad = join(dir, 'not-a-capture.pcap');
    writeFileSync(bad, 'hello, this is not a pcap file at all');
    const a = await runCommand(analyzeCommand, [bad]);
    expect(a.code).toBe(2);
    expect(a.stderr).toContain(bad);
    const v = await runCommand(validateCommand, [bad]);
    expect(v.code).toBe(2);
    expect(v.stderr).toContain(bad);
    const missing = await runCommand(validateCommand, [join(dir, 'missing.pcap')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('missing.pcap: offset 0: cannot open: no such file');
    expect(missing.stderr).not.toMatch(/ENOENT|EISDIR/);
    const directory = await runCommand(analyzeCommand, [dir]);
    expect(directory.code).toBe(2);
    expect(directory.stderr).toContain('is a directory');
    expect(directory.stderr).not.toMatch(/EISDIR|illegal operation/);
  });

  it('validate: 0 on the clean seed capture, 2 (unusable input) on an empty one', async () => {
    const clean = await runCommand(validateCommand, [SEED]);
    expect(clean).toMatchObject({ code: 0, stdout: 'No findings.\n' });
    const dir = mkdtempSync(join(tmpdir(), 'lvscope-'));
    const empty = join(dir, 'empty.pcap');
    const sink = memorySink();
    new PcapWriter(sink, { linkType: 1 }).close();
    writeFileSync(empty, sink.bytes());
    expect((await runCommand(validateCommand, [empty])).code).toBe(2);
  });

  it('a capture cut short: both say where, naming the file once; analyze 1, validate checks what was read and says 1', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvscope-'));
    const cut = join(dir, 'cut.pcap');
    const whole = readFileSync(SEED);
    writeFileSync(cut, whole.subarray(0, whole.length - 20));
    const a = await runCommand(analyzeCommand, ['--format', 'json', cut]);
    expect(a.code).toBe(1);
    expect(a.stderr).toMatch(/^lvscope: \S*cut\.pcap: frame 86 at offset \d+: /);
    expect(a.stderr.split(cut).length).toBe(2);
    expect(JSON.parse(a.stdout).capture.frames).toBe(85);
    const v = await runCommand(validateCommand, [cut]);
    expect(v).toMatchObject({ code: 1, stdout: 'No findings.\n' });
    expect(v.stderr).toBe(a.stderr);
    expect((await runCommand(validateCommand, [cut, '-q'])).stderr).toBe('');
  });

  it('validate: 1 with warnings, 3 with errors (--rules), distinct from 2 for usage', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lvscope-'));
    const nat = join(dir, 'nat.rules');
    writeFileSync(nat, '-A -t 192.168.23.100:80 -s rr\n-a -t 192.168.23.100:80 -r 192.168.23.80:80 -m -w 1\n-a -t 192.168.23.100:80 -r 192.168.23.81:80 -m -w 1\n');
    const w = await runCommand(validateCommand, [SEED, '--rules', nat]);
    expect(w.code).toBe(1);
    expect(w.stdout).toMatch(/^warning rules-mismatch: /);
    const port = join(dir, 'port.rules');
    writeFileSync(port, '-A -t 192.168.23.100:80 -s rr\n-a -t 192.168.23.100:80 -r 192.168.23.80:8080 -g -w 1\n-a -t 192.168.23.100:80 -r 192.168.23.81:80 -g -w 1\n');
    const e = await runCommand(validateCommand, [SEED, '--rules', port, '--format', 'json']);
    expect(e.code).toBe(3);
    expect(JSON.parse(e.stdout).findings[0].code).toBe('dr-port-mapping');
    await expect(runCommand(validateCommand, [SEED, '--format', 'ndjson'])).rejects.toBeInstanceOf(UsageError);
  });

  it('validate on the glb capture (method unknown) is clean', async () => {
    expect((await runCommand(validateCommand, [GLB])).code).toBe(0);
  });
});
