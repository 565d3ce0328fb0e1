/**
 * Sending through a Linux packet socket (AF_PACKET, SOCK_RAW) called through the optional `koffi`
 * FFI package, so several frames leave in one sendmmsg(2). libpcap (through `cap`) costs one
 * send(2) per frame, and on this kind of machine the syscall crossing is most of a frame's cost:
 * one million small frames on a veth took 3.1 s frame by frame and 0.55 s in batches of 64.
 *
 * The socket is bound to the interface with protocol 0, so it receives nothing (libpcap's
 * socket needs a filter that matches nothing for that). Frames go out as they are, link-layer
 * header included, exactly as pcap_sendpacket sends them. Without koffi, or on a system without
 * sendmmsg, replay falls back to `cap` (see run.ts).
 */
import { createRequire } from 'node:module';
import { readdirSync, readFileSync } from 'node:fs';
import { explainOpenError, hasNetRaw, interfaceState, noSuchInterface, type CapDevice } from './cap.js';
import { ReplayError } from './errors.js';
import type { FrameBatch } from './frames.js';
import type { FrameSender } from './replayer.js';

/** Frames per sendmmsg: past 64 the gain is under the noise, and the batch stays in L1. */
export const SEND_BATCH = 64;

const AF_PACKET = 17;
const SOCK_RAW = 3;
const SOL_SOCKET = 1;
const SO_SNDBUF = 7;
const SO_SNDBUFFORCE = 32;
/** Room for several batches of full-size frames queued in the kernel before the socket blocks. */
const SEND_BUFFER_BYTES = 4 * 1024 * 1024;
/** struct mmsghdr on x86-64 and arm64: a 56-byte msghdr, msg_len, padding. */
const MMSGHDR = 64;
const IOVEC = 16;

/** The few libc functions used, bound through koffi. */
interface Libc {
  socket(domain: number, type: number, protocol: number): number;
  bind(fd: number, addr: Buffer, len: number): number;
  setsockopt(fd: number, level: number, name: number, value: Buffer, len: number): number;
  if_nametoindex(name: string): number;
  send(fd: number, buf: Buffer, len: number, flags: number): number;
  sendmmsg(fd: number, msgs: Buffer, vlen: number, flags: number): number;
  close(fd: number): number;
  strerror(errnum: number): string;
  errno(): number;
  address(buf: Buffer): bigint;
}

let cached: Libc | null | undefined;

/** libc through koffi, or null when koffi is not installed or this is not Linux. */
export function loadLibc(): Libc | null {
  if (cached !== undefined) return cached;
  cached = null;
  if (process.platform !== 'linux') return null;
  try {
    const koffi = createRequire(import.meta.url)('koffi') as {
      load(name: string): { func(decl: string): (...args: unknown[]) => unknown };
      errno(): number;
      address(v: unknown): bigint;
    };
    const lib = koffi.load('libc.so.6');
    const f = (decl: string) => lib.func(decl);
    const socket = f('int socket(int, int, int)');
    const bind = f('int bind(int, void *, uint32_t)');
    const setsockopt = f('int setsockopt(int, int, int, void *, uint32_t)');
    const ifIndex = f('unsigned int if_nametoindex(const char *)');
    const send = f('long send(int, void *, size_t, int)');
    const sendmmsg = f('int sendmmsg(int, void *, unsigned int, int)');
    const close = f('int close(int)');
    const strerror = f('const char *strerror(int)');
    cached = {
      socket: (d, t, p) => socket(d, t, p) as number,
      bind: (fd, a, l) => bind(fd, a, l) as number,
      setsockopt: (fd, lv, n, v, l) => setsockopt(fd, lv, n, v, l) as number,
      if_nametoindex: (n) => ifIndex(n) as number,
      send: (fd, b, l, fl) => send(fd, b, l, fl) as number,
      sendmmsg: (fd, m, n, fl) => sendmmsg(fd, m, n, fl) as number,
      close: (fd) => close(fd) as number,
      strerror: (e) => strerror(e) as string,
      errno: () => koffi.errno(),
      address: (b) => koffi.address(b),
    };
  } catch {
    cached = null;
  }
  return cached;
}

/** The interface's link type as a LINKTYPE_ number, from its ARPHRD type in /sys; -1 when unknown. */
function linkTypeOf(iface: string): { linkType: number; linkName: string } {
  let arphrd = -1;
  try {
    arphrd = parseInt(readFileSync(`/sys/class/net/${iface}/type`, 'utf8').trim(), 10);
  } catch {
    // no sysfs: the caller skips the link-type warning
  }
  switch (arphrd) {
    case 1: return { linkType: 1, linkName: 'Ethernet' };
    case 772: return { linkType: 1, linkName: 'loopback (Ethernet framing)' };
    case 65534: return { linkType: 101, linkName: 'raw IP' };
    default: return { linkType: -1, linkName: `ARPHRD ${arphrd}` };
  }
}

/** The interfaces here, for the no-such-interface message (sysfs is per namespace under ip netns exec). */
function sysInterfaces(): CapDevice[] | null {
  try {
    return readdirSync('/sys/class/net').map((name) => ({ name }));
  } catch {
    return null;
  }
}

export interface PacketSocket extends FrameSender {
  readonly linkType: number;
  readonly linkName: string;
  sendMany(batch: FrameBatch, from: number, count: number): number;
  close(): void;
}

/** Opens a packet socket on iface; throws ReplayError (exit 2) saying what to do. */
export function openPacketSocket(libc: Libc, iface: string): PacketSocket {
  const state = interfaceState(iface, null);
  if (!state.exists) throw noSuchInterface(iface, sysInterfaces());
  if (state.up === false) throw new ReplayError(`${iface}: interface is down; bring it up with: ip link set ${iface} up`, 2);
  if (hasNetRaw() === false) throw explainOpenError(iface, new Error('socket: Operation not permitted'));
  const fail = (what: string): never => {
    throw explainOpenError(iface, new Error(`${what}: ${libc.strerror(libc.errno())}`));
  };
  const ifindex = libc.if_nametoindex(iface);
  if (ifindex === 0) throw noSuchInterface(iface, sysInterfaces());
  const fd = libc.socket(AF_PACKET, SOCK_RAW, 0);
  if (fd < 0) fail('socket');
  // struct sockaddr_ll: family, protocol 0 (receive nothing), ifindex; the rest unused for bind.
  const sll = Buffer.alloc(20);
  sll.writeUInt16LE(AF_PACKET, 0);
  sll.writeInt32LE(ifindex, 4);
  if (libc.bind(fd, sll, sll.length) !== 0) {
    libc.close(fd);
    fail('bind');
  }
  const size = Buffer.alloc(4);
  size.writeInt32LE(SEND_BUFFER_BYTES, 0);
  // FORCE passes net.core.wmem_max (root); a plain SO_SNDBUF is capped by it. Either is only a gain.
  if (libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUFFORCE, size, 4) !== 0) libc.setsockopt(fd, SOL_SOCKET, SO_SNDBUF, size, 4);

  // Warm both calls up before the replay clock starts: the first call through the FFI costs
  // 0.1 ms on a quiet machine and more on a busy one, which the first timed frame would carry.
  // On fd -1 (EBADF): the same path into libc, and nothing can be sent.
  const empty = Buffer.alloc(1);
  for (let k = 0; k < 3; k++) {
    libc.send(-1, empty, 0, 0);
    libc.sendmmsg(-1, empty, 0, 0);
  }
  const mm = Buffer.alloc(MMSGHDR * SEND_BATCH);
  const iov = Buffer.alloc(IOVEC * SEND_BATCH);
  const iov32 = new Uint32Array(iov.buffer, iov.byteOffset, (IOVEC / 4) * SEND_BATCH);
  const iovBase = libc.address(iov);
  for (let j = 0; j < SEND_BATCH; j++) {
    mm.writeBigUInt64LE(iovBase + BigInt(IOVEC * j), MMSGHDR * j + 16); // msg_iov
    mm.writeBigUInt64LE(1n, MMSGHDR * j + 24); // msg_iovlen
  }
  let arena: Buffer | null = null;
  let arenaAddr = 0;
  let open = true;
  const { linkType, linkName } = linkTypeOf(iface);

  const errnoError = (call: string): Error => new Error(`${call}: ${libc.strerror(libc.errno())}`);

  return {
    linkType,
    linkName,
    send(frame: Buffer, length: number): void {
      if (libc.send(fd, frame, length, 0) < 0) throw errnoError('send');
    },
    sendMany(batch: FrameBatch, from: number, count: number): number {
      if (batch.arena !== arena) {
        arena = batch.arena;
        arenaAddr = Number(libc.address(arena));
      }
      const n = Math.min(count, SEND_BATCH);
      const off = batch.off;
      const len = batch.len;
      for (let j = 0; j < n; j++) {
        const a = arenaAddr + off[from + j]!;
        iov32[4 * j] = a % 4294967296;
        iov32[4 * j + 1] = Math.floor(a / 4294967296);
        iov32[4 * j + 2] = len[from + j]!;
      }
      const sent = libc.sendmmsg(fd, mm, n, 0);
      if (sent < 0) throw errnoError('sendmmsg');
      return sent;
    },
    close(): void {
      if (open) libc.close(fd);
      open = false;
    },
  };
}
