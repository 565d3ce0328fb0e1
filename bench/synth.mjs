#!/usr/bin/env node
/**
 * Synthesis benchmark (issue 4): `lvscope synth` writing 1,000,000 packets of a busy DR cluster
 * (8 real servers, 50 clients, Poisson arrivals, 3 keep-alive requests per connection; classic
 * pcap) against Scapy building and writing the same kind of packets. Prints a markdown table.
 *
 *   node bench/synth.mjs            (after `npx tsc -p tsconfig.build.json --noEmitOnError false`)
 *   node bench/synth.mjs --json     (one JSON object instead of the table)
 *
 * - lvscope: synthesizePackets from dist/simulate, each pass in a fresh Node process (cold JIT,
 *   as a CLI run is), into a counting sink (like /dev/null) and into /dev/null through the file
 *   sink; best and median of the passes, wall and CPU time. The full model (no stamping) is
 *   timed on fewer packets for reference.
 * - Scapy (/usr/bin/python3): the same frame sequence per connection (SYN forwarded by the
 *   director, SYN-ACK, handshake ACK, three GET / ACK / 200 OK / ACK rounds, FIN teardown; TCP
 *   options and payload sizes as lvscope writes them, new client port per connection), built and
 *   written with scapy's PcapWriter to /dev/null. Timed on BENCH_SCAPY_FRAMES (default 100k)
 *   packets and scaled linearly to the lvscope count, which flatters Scapy a little.
 *
 * Environment: BENCH_SYNTH_FRAMES (default 1000000), BENCH_SYNTH_PASSES (default 3),
 * BENCH_SYNTH_FULL_FRAMES (default 100000, 0 skips), BENCH_SCAPY_FRAMES (default 100000, 0 skips).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const dist = join(here, '..', 'dist');

// --- child: one synthesis in a fresh process ------------------------------------------------
if (process.argv[2] === '--child') {
  const [count, mode, sinkKind] = [Number(process.argv[3]), process.argv[4], process.argv[5]];
  const { synthesizePackets } = await import(pathToFileURL(join(dist, 'simulate/index.js')).href);
  const { fileSink } = await import(pathToFileURL(join(dist, 'capture/index.js')).href);
  const sink = sinkKind === 'devnull' ? fileSink('/dev/null', { overwrite: true }) : undefined;
  const c0 = process.cpuUsage();
  const r = synthesizePackets(count, { fast: mode === 'fast', sink });
  const c = process.cpuUsage(c0);
  process.stdout.write(JSON.stringify({ ...r, cpuSeconds: (c.user + c.system) / 1e6 }));
  process.exit(0);
}

const FRAMES = Number(process.env.BENCH_SYNTH_FRAMES ?? 1_000_000);
const PASSES = Number(process.env.BENCH_SYNTH_PASSES ?? 3);
const FULL_FRAMES = Number(process.env.BENCH_SYNTH_FULL_FRAMES ?? 100_000);
const SCAPY_FRAMES = Number(process.env.BENCH_SCAPY_FRAMES ?? 100_000);
const json = process.argv.includes('--json');

if (!existsSync(join(dist, 'simulate/index.js'))) {
  console.error('bench/synth: dist/ is missing; build first: npx tsc -p tsconfig.build.json --noEmitOnError false');
  process.exit(2);
}

const loadavg = () => { try { return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' '); } catch { return 'n/a'; } };
const fmt = (n, d = 2) => Number(n).toFixed(d);
const median = (xs) => { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; };

function child(count, mode, sink) {
  const out = execFileSync(process.execPath, [fileURLToPath(import.meta.url), '--child', String(count), mode, sink], { encoding: 'utf8', maxBuffer: 1 << 20 });
  return JSON.parse(out);
}

function passes(count, mode, sink, n) {
  const runs = [];
  for (let i = 0; i < n; i++) runs.push(child(count, mode, sink));
  const rates = runs.map((r) => r.packets / r.seconds);
  const cpuRates = runs.map((r) => r.packets / r.cpuSeconds);
  return { runs, best: Math.max(...rates), median: median(rates), cpuBest: Math.max(...cpuRates), packets: runs[0].packets, stamped: runs[0].stamped, bytes: runs[0].bytes };
}

const loadBefore = loadavg();
console.error(`bench/synth: lvscope synth ${FRAMES} packets × ${PASSES} passes (load ${loadBefore})…`);
const mem = passes(FRAMES, 'fast', 'count', PASSES);
const nul = passes(FRAMES, 'fast', 'devnull', PASSES);
const full = FULL_FRAMES > 0 ? passes(FULL_FRAMES, 'full', 'count', Math.min(PASSES, 2)) : null;

// --- Scapy --------------------------------------------------------------------------------
const SCAPY = String.raw`
import sys, time
from scapy.all import Ether, IP, TCP, Raw
from scapy.utils import PcapWriter
n = int(sys.argv[1])
FW, DIR, RS = '02:aa:00:00:00:fe', '00:0c:29:06:13:ea', ['02:aa:00:00:01:%02x' % (i + 1) for i in range(8)]
VIP = '192.168.23.100'
GET = b'GET / HTTP/1.1\r\nHost: 172.16.23.80\r\nUser-Agent: Mozilla/5.0 (Windows NT 6.1; rv:31.0) Gecko/20100101 Firefox/31.0\r\nAccept: */*\r\n\r\n'[:130]
PAGE = (b'HTTP/1.1 200 OK\r\nServer: Apache/2.4.10 (Unix)\r\nContent-Length: 44\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<html><body><h1>192.168.23.80:8080</h1></body></html>')[:162]
w = PcapWriter('/dev/null', linktype=1, nano=True, sync=False)
t0, c0 = time.perf_counter(), time.process_time()
written, conn, ts = 0, 0, 1439719200.0
while written < n:
    cip, cport, rs = '172.16.0.%d' % (100 + conn % 50), 32768 + conn % 28000, RS[conn % 8]
    ci, si, cid, sid, tsc, tss = 1000 + conn * 7919, 5000 + conn * 104729, conn * 13 % 65535, conn * 17 % 65535, 4000 + conn, 9000 + conn
    def c(flags, seq, ack, payload=b'', opts=None, ttl=63):
        o = opts if opts is not None else [('NOP', None), ('NOP', None), ('Timestamp', (tsc, tss))]
        p = IP(src=cip, dst=VIP, ttl=ttl, id=cid & 0xffff, flags='DF') / TCP(sport=cport, dport=80, flags=flags, seq=seq, ack=ack, window=64240 if flags == 'S' else 502, options=o)
        return p / Raw(payload) if payload else p
    def s(flags, seq, ack, payload=b'', opts=None):
        o = opts if opts is not None else [('NOP', None), ('NOP', None), ('Timestamp', (tss, tsc))]
        p = IP(src=VIP, dst=cip, ttl=64, id=sid & 0xffff, flags='DF') / TCP(sport=80, dport=cport, flags=flags, seq=seq, ack=ack, window=65160 if flags == 'SA' else 502, options=o)
        return p / Raw(payload) if payload else p
    syn_opts = [('MSS', 1460), ('SAckOK', b''), ('Timestamp', (tsc, 0)), ('NOP', None), ('WScale', 7)]
    seq = []
    def fwd(ip):  # the firewall hands it to the director, the director to the real server (DR: MAC only, TTL - 1)
        seq.append(Ether(src=FW, dst=DIR) / ip)
        ip2 = ip.copy(); ip2.ttl -= 1
        seq.append(Ether(src=DIR, dst=rs) / ip2)
    fwd(c('S', ci, 0, opts=syn_opts))
    seq.append(Ether(src=rs, dst=FW) / s('SA', si, ci + 1, opts=[('MSS', 1460), ('SAckOK', b''), ('Timestamp', (tss, tsc)), ('NOP', None), ('WScale', 7)]))
    cs, ss = ci + 1, si + 1
    fwd(c('A', cs, ss))
    for _ in range(3):
        fwd(c('PA', cs, ss, GET)); cs += len(GET)
        seq.append(Ether(src=rs, dst=FW) / s('A', ss, cs))
        seq.append(Ether(src=rs, dst=FW) / s('PA', ss, cs, PAGE)); ss += len(PAGE)
        fwd(c('A', cs, ss))
    fwd(c('FA', cs, ss)); cs += 1
    seq.append(Ether(src=rs, dst=FW) / s('FA', ss, cs)); ss += 1
    fwd(c('A', cs, ss))
    for p in seq:
        if written >= n: break
        ts += 0.00007
        p.time = ts
        w.write(p)
        written += 1
    conn += 1
w.close()
dt, cpu = time.perf_counter() - t0, time.process_time() - c0
print('%d %.6f %d %.6f' % (written, dt, conn, cpu))
`;
let scapy = null;
const py = '/usr/bin/python3';
if (SCAPY_FRAMES > 0 && existsSync(py)) {
  console.error(`bench/synth: Scapy ${SCAPY_FRAMES} packets…`);
  const c0 = process.hrtime.bigint();
  const r = spawnSync(py, ['-c', SCAPY, String(SCAPY_FRAMES)], { encoding: 'utf8', maxBuffer: 1 << 20, timeout: 1_800_000 });
  const wall = Number(process.hrtime.bigint() - c0) / 1e9;
  const m = /^(\d+) ([\d.]+) (\d+) ([\d.]+)/m.exec(r.stdout ?? '');
  if (r.status === 0 && m) scapy = { packets: Number(m[1]), seconds: Number(m[2]), wall, connections: Number(m[3]), cpuSeconds: Number(m[4]) };
  else console.error(`bench/synth: Scapy failed (exit ${r.status}): ${(r.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
}
const loadAfter = loadavg();

const rows = [];
rows.push([`lvscope synth --fast, ${FRAMES / 1e6}M packets → pcap, counting sink (synthesizePackets)`, `${fmt(mem.best / 1e6)} M/s best, ${fmt(mem.median / 1e6)} M/s median of ${PASSES}`, `${fmt(FRAMES / mem.best)} s`, `${fmt(mem.cpuBest / 1e6)} M/s per CPU-second`,
  `${mem.stamped} connections stamped; ${fmt(mem.bytes / 1e6, 0)} MB; target ≥ 1 M/s: ${mem.best >= 1e6 ? 'met' : 'NOT met'}`]);
rows.push([`lvscope synth --fast, ${FRAMES / 1e6}M packets → /dev/null (file sink)`, `${fmt(nul.best / 1e6)} M/s best, ${fmt(nul.median / 1e6)} M/s median of ${PASSES}`, `${fmt(FRAMES / nul.best)} s`, `${fmt(nul.cpuBest / 1e6)} M/s per CPU-second`, '']);
if (full !== null) {
  rows.push([`lvscope synth, full model (no stamping), ${FULL_FRAMES / 1e3}k packets`, `${fmt(full.best / 1e6, 3)} M/s`, `${fmt(FULL_FRAMES / full.best)} s`, `${fmt(full.cpuBest / 1e6, 3)} M/s per CPU-second`, 'every packet through the simulated network']);
}
if (scapy !== null) {
  const rate = scapy.packets / scapy.seconds;
  const scaled = FRAMES / rate;
  rows.push([`Scapy ${'build + PcapWriter'} (first ${SCAPY_FRAMES / 1e3}k packets, scaled ×${fmt(FRAMES / scapy.packets, 0)})`, `${fmt(rate / 1e3, 1)} k/s`, `${fmt(scapy.seconds)} s → ~${fmt(scaled, 0)} s for ${FRAMES / 1e6}M`, `${fmt(scapy.packets / scapy.cpuSeconds / 1e3, 1)} k/s per CPU-second`,
    `lvscope is ${fmt(mem.best / rate, 0)}× faster (best vs Scapy's rate), ${fmt(mem.cpuBest / (scapy.packets / scapy.cpuSeconds), 0)}× per CPU-second`]);
} else rows.push(['Scapy', 'n/a', '', '', SCAPY_FRAMES > 0 ? 'not run: /usr/bin/python3 with scapy missing or failing' : 'skipped (BENCH_SCAPY_FRAMES=0)']);

const cpuModel = (() => { try { return /model name\s*:\s*(.*)/.exec(readFileSync('/proc/cpuinfo', 'utf8'))?.[1] ?? cpus()[0]?.model; } catch { return cpus()[0]?.model; } })();
if (json) {
  process.stdout.write(`${JSON.stringify({ frames: FRAMES, lvscope: { memory: mem, devnull: nul, full }, scapy, load: { before: loadBefore, after: loadAfter } })}\n`);
} else {
  const table = ['| what | rate | time | CPU | note |', '|---|---|---|---|---|', ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
  console.log(`### Synthesis: lvscope synth vs Scapy\n\nMachine: ${cpus().length} CPUs, ${cpuModel}; Node ${process.version}; load average ${loadBefore} before, ${loadAfter} after.\n` +
    `Workload: DR, 8 real servers, 50 clients, Poisson arrivals (2 ms mean), 3 keep-alive requests per connection, captured on the firewall's LAN side (each client packet seen twice, as in the seed walkthrough).\n\n${table}\n`);
}
