#!/usr/bin/env node
/**
 * Writes the small-frame benchmark capture: a classic pcap (µs) of few flows repeated, frames of
 * 42-250 bytes. Four client connections to a VIP carry short TCP segments (54-250 bytes, correct
 * IPv4 and TCP checksums, sequence numbers that advance), with an ARP request/reply (42 bytes)
 * every 50 frames. The other shape (large frames, many flows) is gen-capture.mjs.
 *
 * Usage: node bench/gen-small.mjs OUT.pcap FRAMES
 * Standalone on purpose (no dist/ import): the capture must not depend on the code it measures.
 */
import { closeSync, openSync, writeSync } from 'node:fs';

const out = process.argv[2] ?? 'bench/out/small.pcap';
const target = Number(process.argv[3] ?? 1_000_000);

const VIP = [192, 168, 23, 100];
const CLIENTS = [[10, 1, 1, 5], [10, 1, 1, 6], [172, 16, 5, 9], [203, 0, 113, 20]];
const DIRECTOR_MAC = [0x00, 0x0c, 0x29, 0xd1, 0x00, 0x01];
const RS_MAC = [0x00, 0x0c, 0x29, 0xaa, 0x00, 0x10];

function sum16(b, start, end, init = 0) {
  let s = init;
  for (let i = start; i + 1 < end; i += 2) s += (b[i] << 8) | b[i + 1];
  if ((end - start) & 1) s += b[end - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

const seq = [1000, 2000, 3000, 4000];

function tcpFrame(flow, payload) {
  const len = 54 + payload;
  const b = Buffer.alloc(len);
  b.set(RS_MAC, 0);
  b.set(DIRECTOR_MAC, 6);
  b.writeUInt16BE(0x0800, 12);
  b[14] = 0x45;
  b.writeUInt16BE(len - 14, 16);
  b.writeUInt16BE(flow * 7 + 1, 18);
  b[20] = 0x40; // DF
  b[22] = 64;
  b[23] = 6;
  b.set(CLIENTS[flow], 26);
  b.set(VIP, 30);
  b.writeUInt16BE(~sum16(b, 14, 34) & 0xffff, 24);
  b.writeUInt16BE(40000 + flow, 34);
  b.writeUInt16BE(80, 36);
  b.writeUInt32BE(seq[flow] >>> 0, 38);
  seq[flow] = (seq[flow] + payload) >>> 0;
  b.writeUInt32BE(777, 42);
  b[46] = 0x50;
  b[47] = payload > 0 ? 0x18 : 0x10; // PSH+ACK or ACK
  b.writeUInt16BE(502, 48);
  for (let i = 0; i < payload; i++) b[54 + i] = 0x41 + (i % 26);
  // pseudo-header: src, dst, zero+proto, TCP length
  let ph = sum16(b, 26, 34);
  ph += 6 + (len - 34);
  b.writeUInt16BE(~sum16(b, 34, len, ph) & 0xffff, 50);
  return b;
}

function arpFrame(reply) {
  const b = Buffer.alloc(42);
  b.set(reply ? DIRECTOR_MAC : [0xff, 0xff, 0xff, 0xff, 0xff, 0xff], 0);
  b.set(RS_MAC, 6);
  b.writeUInt16BE(0x0806, 12);
  b.writeUInt16BE(1, 14);
  b.writeUInt16BE(0x0800, 16);
  b[18] = 6;
  b[19] = 4;
  b.writeUInt16BE(reply ? 2 : 1, 20);
  b.set(RS_MAC, 22);
  b.set([192, 168, 23, 11], 28);
  if (reply) b.set(DIRECTOR_MAC, 32);
  b.set([192, 168, 23, 1], 38);
  return b;
}

const fd = openSync(out, 'w');
const hdr = Buffer.alloc(24);
hdr.writeUInt32LE(0xa1b2c3d4, 0);
hdr.writeUInt16LE(2, 4);
hdr.writeUInt16LE(4, 6);
hdr.writeUInt32LE(262144, 16);
hdr.writeUInt32LE(1, 20);
writeSync(fd, hdr);
const buf = Buffer.alloc(4 << 20);
let at = 0;
let bytes = 24;
let usec = 0;
for (let i = 0; i < target; i++) {
  const d = i % 50 === 48 ? arpFrame(false) : i % 50 === 49 ? arpFrame(true) : tcpFrame(i & 3, (i * 37) % 197);
  if (at + 16 + d.length > buf.length) {
    writeSync(fd, buf, 0, at);
    at = 0;
  }
  usec += 20 + (i % 7);
  buf.writeUInt32LE(1_700_000_000 + Math.floor(usec / 1e6), at);
  buf.writeUInt32LE(usec % 1e6, at + 4);
  buf.writeUInt32LE(d.length, at + 8);
  buf.writeUInt32LE(d.length, at + 12);
  d.copy(buf, at + 16);
  at += 16 + d.length;
  bytes += 16 + d.length;
}
writeSync(fd, buf, 0, at);
closeSync(fd);
process.stdout.write(`${out}: ${target} frames, ${(bytes / 1e6).toFixed(0)} MB\n`);
