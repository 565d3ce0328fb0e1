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
import { readdirSync, readFileSync } from 'node:fs';
import { explainOpenError, hasNetRaw, interfaceState, noSuchInterface, type CapDevice } from './cap.js';
import { ReplayError } from './errors.js';
import type { FrameBatch } from './frames.js';
import type { Libc } from './libc.js';
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
  sendAt(arena: Buffer, offset: number, length: number): void;
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
    libc.sendAddr(-1, 0, 0, 0);
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
    sendAt(from: Buffer, offset: number, length: number): void {
      if (from !== arena) {
        arena = from;
        arenaAddr = Number(libc.address(from));
      }
      if (libc.sendAddr(fd, arenaAddr + offset, length, 0) < 0) throw errnoError('send');
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
