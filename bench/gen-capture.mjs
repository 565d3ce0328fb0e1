#!/usr/bin/env node
/**
 * Writes the benchmark capture: a classic pcap (µs) of realistic LVS-DR traffic seen on a real
 * server's segment. Clients in four /24s (so tcpdump's per-connection hash is exercised the way
 * a busy director's is, without its pathological single-bucket case) open HTTP connections to a
 * VIP; the director forwards each to one of eight real servers by rewriting the destination MAC
 * (DR). Per connection: SYN, SYN-ACK, ACK, request, 1-8 full-size response segments with ACKs,
 * and the FIN/ACK close; ARP who-has/is-at between connections. Frames are 54..1514 bytes with
 * correct IPv4 and TCP checksums, interleaved across 256 concurrent connections.
 *
 * Usage: node bench/gen-capture.mjs OUT.pcap FRAMES
 * Standalone on purpose (no dist/ import): the capture must not depend on the code it measures.
 */
import { openSync, writeSync, closeSync } from 'node:fs';

const out = process.argv[2] ?? 'bench/out/bench.pcap';
const target = Number(process.argv[3] ?? 1_000_000);

const VIP = [192, 168, 23, 100];
const DIRECTOR_MAC = [0x00, 0x0c, 0x29, 0xd1, 0x00, 0x01];
const ROUTER_MAC = [0x00, 0x0c, 0x29, 0xee, 0x00, 0xfe];
const rsMac = (i) => [0x00, 0x0c, 0x29, 0xaa, 0x00, 0x10 + i];
const rsIp = (i) => [192, 168, 23, 11 + i];
const CLIENT_NETS = [[10, 1, 1], [10, 1, 2], [172, 16, 5], [203, 0, 113]];

// Deterministic PRNG (mulberry32) so every run measures the same bytes.
let seed = 0x1b5c0de;
function rand() {
  seed |= 0; seed = (seed + 0x6d2b79f5) | 0;
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}
const randInt = (n) => Math.floor(rand() * n);

// Output buffered in 8 MiB blocks.
const BLOCK = 8 << 20;
const fd = openSync(out, 'w');
let block = Buffer.alloc(BLOCK);
let used = 0;
function reserve(n) {
  if (used + n > BLOCK) { writeSync(fd, block, 0, used); used = 0; }
  const at = used;
  used += n;
  return at;
}
const header = Buffer.alloc(24);
header.writeUInt32LE(0xa1b2c3d4, 0); header.writeUInt16LE(2, 4); header.writeUInt16LE(4, 6);
header.writeUInt32LE(262144, 16); header.writeUInt32LE(1, 20);
block.set(header, 0); used = 24;

// Payload bytes are a fixed pattern, so their one's-complement sums can be precomputed per length.
const PATTERN = Buffer.alloc(1460);
for (let i = 0; i < PATTERN.length; i++) PATTERN[i] = 0x20 + (i % 95);
const patternSum = new Float64Array(1461);
for (let n = 1; n <= 1460; n++) {
  const i = n - 1;
  patternSum[n] = patternSum[n - 1] + (i % 2 === 0 ? PATTERN[i] << 8 : PATTERN[i]);
}

function fold(s) {
  while (s > 0xffff) s = (s & 0xffff) + Math.floor(s / 65536);
  return s;
}
function sumBytes(b, off, len) {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i] << 8) | (i + 1 < len ? b[off + i + 1] : 0);
  return s;
}

let tsUsec = 1_700_000_000n * 1_000_000n;
let frames = 0;
let ipId = 1;

function record(frameLen) {
  tsUsec += BigInt(1 + randInt(40));
  const at = reserve(16 + frameLen);
  block.writeUInt32LE(Number(tsUsec / 1_000_000n), at);
  block.writeUInt32LE(Number(tsUsec % 1_000_000n), at + 4);
  block.writeUInt32LE(frameLen, at + 8);
  block.writeUInt32LE(frameLen, at + 12);
  frames++;
  return at + 16;
}

function eth(at, dst, src, type) {
  block.set(dst, at); block.set(src, at + 6); block.writeUInt16BE(type, at + 12);
}

const OPT_SYN = [2, 4, 0x05, 0xb4, 4, 2, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0, 1, 3, 3, 7]; // mss 1460, sackOK, TS, nop, wscale 7
const OPT_TS = [1, 1, 8, 10, 0, 0, 0, 0, 0, 0, 0, 0];

/** One Ethernet/IPv4/TCP frame with correct checksums. */
function tcpFrame(dstMac, srcMac, src, dst, sport, dport, seq, ack, flags, opts, tsval, tsecr, payloadLen) {
  const thl = 20 + opts.length;
  const ipLen = 20 + thl + payloadLen;
  const f = record(14 + ipLen);
  eth(f, dstMac, srcMac, 0x0800);
  const ip = f + 14;
  block[ip] = 0x45; block[ip + 1] = 0; block.writeUInt16BE(ipLen, ip + 2);
  block.writeUInt16BE(ipId = (ipId + 1) & 0xffff, ip + 4); block.writeUInt16BE(0x4000, ip + 6);
  block[ip + 8] = 64; block[ip + 9] = 6; block.writeUInt16BE(0, ip + 10);
  block.set(src, ip + 12); block.set(dst, ip + 16);
  block.writeUInt16BE(~fold(sumBytes(block, ip, 20)) & 0xffff, ip + 10);
  const t = ip + 20;
  block.writeUInt16BE(sport, t); block.writeUInt16BE(dport, t + 2);
  block.writeUInt32BE(seq >>> 0, t + 4); block.writeUInt32BE(ack >>> 0, t + 8);
  block[t + 12] = (thl / 4) << 4; block[t + 13] = flags;
  block.writeUInt16BE(flags & 0x02 ? 64240 : 502, t + 14); block.writeUInt32BE(0, t + 16);
  for (let i = 0; i < opts.length; i++) block[t + 20 + i] = opts[i];
  const tsAt = opts === OPT_SYN ? 8 : opts === OPT_TS ? 4 : -1;
  // A SYN has no timestamp to echo yet.
  if (tsAt >= 0) { block.writeUInt32BE(tsval >>> 0, t + 20 + tsAt); block.writeUInt32BE(flags === F.SYN ? 0 : tsecr >>> 0, t + 24 + tsAt); }
  block.set(PATTERN.subarray(0, payloadLen), t + thl);
  let s = sumBytes(block, t, thl) + patternSum[payloadLen];
  // The pattern's sum assumed it starts on an even offset: thl is a multiple of 4, so it does.
  s += (src[0] << 8 | src[1]) + (src[2] << 8 | src[3]) + (dst[0] << 8 | dst[1]) + (dst[2] << 8 | dst[3]) + 6 + thl + payloadLen;
  block.writeUInt16BE(~fold(s) & 0xffff, t + 16);
}

function arpFrame(op, sha, spa, tha, tpa, dstMac) {
  const f = record(60);
  eth(f, dstMac, sha, 0x0806);
  const a = f + 14;
  block.writeUInt16BE(1, a); block.writeUInt16BE(0x0800, a + 2); block[a + 4] = 6; block[a + 5] = 4;
  block.writeUInt16BE(op, a + 6); block.set(sha, a + 8); block.set(spa, a + 14); block.set(tha, a + 18); block.set(tpa, a + 24);
  block.fill(0, a + 28, a + 46); // Ethernet padding to the 60-byte minimum
}

const F = { FIN: 1, SYN: 2, RST: 4, PSH: 8, ACK: 16 };

/** A connection as a generator of frames, stepped round-robin with others. */
function* connection() {
  const net = CLIENT_NETS[randInt(CLIENT_NETS.length)];
  const cip = [net[0], net[1], net[2], 1 + randInt(254)];
  const cport = 1024 + randInt(64000);
  const rs = randInt(8);
  const rmac = rsMac(rs);
  let cseq = randInt(2 ** 32), sseq = randInt(2 ** 32);
  let cts = randInt(2 ** 31), sts = randInt(2 ** 31);
  // Client -> VIP arrives from the router, goes director -> real server (DR: MAC rewritten).
  const toRs = (flags, opts, len) => {
    tcpFrame(rmac, DIRECTOR_MAC, cip, VIP, cport, 80, cseq, sseq, flags, opts, cts++, sts, len);
    cseq += len + (flags & (F.SYN | F.FIN) ? 1 : 0);
  };
  // Real server answers the client directly from the VIP, via the router.
  const fromRs = (flags, opts, len) => {
    tcpFrame(ROUTER_MAC, rmac, VIP, cip, 80, cport, sseq, cseq, flags, opts, sts++, cts, len);
    sseq += len + (flags & (F.SYN | F.FIN) ? 1 : 0);
  };
  toRs(F.SYN, OPT_SYN, 0); yield;
  fromRs(F.SYN | F.ACK, OPT_SYN, 0); yield;
  toRs(F.ACK, OPT_TS, 0); yield;
  toRs(F.PSH | F.ACK, OPT_TS, 80 + randInt(300)); yield;
  const segments = 1 + randInt(8);
  for (let i = 0; i < segments; i++) {
    fromRs(i === segments - 1 ? F.PSH | F.ACK : F.ACK, OPT_TS, i === segments - 1 ? 1 + randInt(1448) : 1448); yield;
    if (i % 2 === 1 || i === segments - 1) { toRs(F.ACK, OPT_TS, 0); yield; }
  }
  toRs(F.FIN | F.ACK, OPT_TS, 0); yield;
  fromRs(F.FIN | F.ACK, OPT_TS, 0); yield;
  toRs(F.ACK, OPT_TS, 0); yield;
}

const CONCURRENT = 256;
const live = [];
let made = 0;
while (frames < target) {
  while (live.length < CONCURRENT) { live.push(connection()); made++; }
  const i = randInt(live.length);
  if (live[i].next().done) {
    live[i] = live[live.length - 1];
    live.pop();
  }
  // ARP: a real server re-resolving its gateway now and then, and the director's who-has.
  if (randInt(200) === 0 && frames < target) {
    const rs = randInt(8);
    arpFrame(1, rsMac(rs), rsIp(rs), [0, 0, 0, 0, 0, 0], [192, 168, 23, 1], [0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    if (frames < target) arpFrame(2, ROUTER_MAC, [192, 168, 23, 1], rsMac(rs), rsIp(rs), rsMac(rs));
  }
}
writeSync(fd, block, 0, used);
closeSync(fd);
process.stdout.write(JSON.stringify({ file: out, frames, connections: made }) + '\n');
