/**
 * Frame emission: an ordered list of layer specs -> bytes (the inverse of the decoder).
 *
 * Scapy's rule, per field: a field left undefined is computed on emit (lengths, checksums, the
 * next-protocol fields, IHL and TCP data offset), a field given is written verbatim, so broken
 * frames (a wrong checksum, a lying length) can be synthesized on purpose. Specs mirror the
 * decoded records (src/wire/records.ts): a decoded frame's layers can be fed back in unchanged,
 * and extra record fields (offset, checksumOk, ...) are ignored.
 *
 * Layers are written front to back into one reusable buffer, then lengths and checksums are
 * filled back to front, so an inner segment's checksum is final before an outer header that
 * covers it (GRE with C bit, ICMP quoting nothing but bytes) is summed. Nothing is allocated
 * per frame except what the caller asks for (buildFrame's copy).
 */
import { finish, pseudoHeaderSum, sum16 } from './checksum.js';
import { ETHERTYPE } from './ethernet.js';
import { EmitError, ethertypeFor, hexInto, ipProtoFor, ipValue, putIp, putMac, putU16, putU32, writeTcpOptions, tcpFlagBits } from './emit-fields.js';
import type { LayerSpec } from './emit-specs.js';
import { GUE_FLAG_PRIV } from './gue.js';
import { IP_PROTO } from './ipv4.js';
import { tcpOptionsLength } from './tcp.js';

export type * from './emit-specs.js';
export { EmitError, tcpFlagBits } from './emit-fields.js';
export { tcpOptionsLength };

export const ETHERNET_MIN_FRAME = 60;
/** Largest frame emitted; IPv4 cannot describe more than 65535 bytes plus link headers. */
export const MAX_FRAME = 65535 + 64;

const scratch = new Uint8Array(MAX_FRAME);
// Per-frame layer starts; module-level so emitFrame allocates nothing.
const starts = new Int32Array(64);

/**
 * Writes the frame described by `specs` into `out` (default: a shared scratch buffer, valid
 * until the next call) and returns its length.
 */
export function emitFrame(specs: readonly LayerSpec[], out: Uint8Array = scratch): number {
  const n = specs.length;
  if (n > starts.length) throw new EmitError(`${n} layers; at most ${starts.length} are supported`);
  const b = out;
  let at = 0;
  // Bytes the last transport layer asked for (payloadLength) when no payload layer follows.
  let trailing = 0;
  for (let i = 0; i < n; i++) {
    const s = specs[i]!;
    const next = specs[i + 1];
    starts[i] = at;
    if (at + headerRoom(s) > b.length) throw new EmitError(`frame does not fit the ${b.length}-byte buffer`);
    switch (s.type) {
      case 'eth':
        putMac(b, at, s.dst, 'eth.dst');
        putMac(b, at + 6, s.src, 'eth.src');
        putU16(b, at + 12, s.ethertype ?? ethertypeFor(next));
        at += 14;
        break;
      case 'vlan':
        putU16(b, at, ((s.pcp ?? 0) << 13) | (s.dei === true ? 0x1000 : 0) | (s.id & 0x0fff));
        putU16(b, at + 2, s.ethertype ?? ethertypeFor(next));
        at += 4;
        break;
      case 'sll2':
        putU16(b, at, s.protocol ?? ethertypeFor(next));
        putU16(b, at + 2, 0);
        putU32(b, at + 4, s.ifindex);
        putU16(b, at + 8, s.hatype ?? 1);
        b[at + 10] = s.pktType;
        b[at + 11] = 6;
        putMac(b, at + 12, s.src, 'sll2.src');
        b[at + 18] = 0; b[at + 19] = 0;
        at += 20;
        break;
      case 'arp':
        putU16(b, at, s.htype ?? 1);
        putU16(b, at + 2, s.ptype ?? ETHERTYPE.IPV4);
        b[at + 4] = 6; b[at + 5] = 4;
        putU16(b, at + 6, s.op);
        putMac(b, at + 8, s.sha, 'arp.sha');
        putIp(b, at + 14, s.spa, 'arp.spa');
        putMac(b, at + 18, s.tha, 'arp.tha');
        putIp(b, at + 24, s.tpa, 'arp.tpa');
        at += 28;
        break;
      case 'ipv4': {
        const optLen = s.options !== undefined ? s.options.length >> 1 : 0;
        const padded = (optLen + 3) & ~3;
        const hl = s.headerLength ?? 20 + padded;
        b[at] = 0x40 | ((hl >> 2) & 0x0f);
        b[at + 1] = s.tos ?? 0;
        putU16(b, at + 2, 0);
        putU16(b, at + 4, s.id ?? 0);
        putU16(b, at + 6, (s.df === true ? 0x4000 : 0) | (s.mf === true ? 0x2000 : 0) | (((s.fragOffset ?? 0) >> 3) & 0x1fff));
        b[at + 8] = s.ttl ?? 64;
        b[at + 9] = s.proto ?? ipProtoFor(next);
        putU16(b, at + 10, 0);
        putIp(b, at + 12, s.src, 'ipv4.src');
        putIp(b, at + 16, s.dst, 'ipv4.dst');
        if (optLen > 0) {
          hexInto(b, at + 20, s.options!);
          b.fill(0, at + 20 + optLen, at + 20 + padded);
        }
        at += 20 + padded;
        break;
      }
      case 'tcp': {
        const optLen = tcpOptionsLength(s.options);
        const padded = (optLen + 3) & ~3;
        const hl = s.headerLength ?? 20 + padded;
        const bits = s.flagBits ?? tcpFlagBits(s.flags ?? 0);
        putU16(b, at, s.srcPort);
        putU16(b, at + 2, s.dstPort);
        putU32(b, at + 4, s.seq ?? 0);
        putU32(b, at + 8, s.ack ?? 0);
        b[at + 12] = ((hl >> 2) << 4) | ((bits >> 8) & 1);
        b[at + 13] = bits & 0xff;
        putU16(b, at + 14, s.window ?? 64240);
        putU16(b, at + 16, 0);
        putU16(b, at + 18, s.urgentPointer ?? 0);
        if (optLen > 0) {
          writeTcpOptions(b, at + 20, s.options!);
          b.fill(0, at + 20 + optLen, at + 20 + padded);
        }
        at += 20 + padded;
        if (next === undefined) trailing = s.payloadLength ?? 0;
        break;
      }
      case 'udp':
        putU16(b, at, s.srcPort);
        putU16(b, at + 2, s.dstPort);
        putU32(b, at + 4, 0);
        at += 8;
        if (next === undefined) trailing = s.payloadLength ?? 0;
        break;
      case 'icmp': {
        b[at] = s.icmpType;
        b[at + 1] = s.code;
        putU16(b, at + 2, 0);
        let rest = 0;
        if (s.gateway !== undefined && s.gateway !== null) rest = ipValue(s.gateway, 'icmp.gateway');
        else if (s.mtu !== undefined && s.mtu !== null) rest = s.mtu & 0xffff;
        else if (s.echoId !== undefined && s.echoId !== null) rest = ((s.echoId & 0xffff) << 16) | ((s.echoSeq ?? 0) & 0xffff);
        putU32(b, at + 4, rest);
        at += 8;
        if (s.quote !== undefined) {
          if (at + s.quote.length > b.length) throw new EmitError(`frame does not fit the ${b.length}-byte buffer`);
          b.set(s.quote, at);
          at += s.quote.length;
        }
        break;
      }
      case 'gre': {
        const c = s.checksumPresent === true, k = s.keyPresent ?? (s.key !== undefined && s.key !== null), q = s.seqPresent ?? s.seq !== undefined;
        b[at] = (c ? 0x80 : 0) | (k ? 0x20 : 0) | (q ? 0x10 : 0);
        b[at + 1] = (s.version ?? 0) & 7;
        putU16(b, at + 2, s.protocol ?? ethertypeFor(next));
        at += 4;
        if (c) { putU32(b, at, 0); at += 4; }
        if (k) { putU32(b, at, s.key ?? 0); at += 4; }
        if (q) { putU32(b, at, s.seq ?? 0); at += 4; }
        break;
      }
      case 'gue': {
        if ((s.variant ?? 0) === 1) break;
        const priv = s.privateFlags !== undefined && s.privateFlags !== null;
        const rem = s.remcsumStart !== undefined && s.remcsumStart !== null;
        const optLen = (priv ? 4 : 0) + (rem ? 4 : 0);
        b[at] = (s.control === true ? 0x20 : 0) | (optLen >> 2);
        b[at + 1] = s.protocol ?? ipProtoFor(next);
        putU16(b, at + 2, s.flags ?? (priv ? GUE_FLAG_PRIV : 0));
        at += 4;
        if (priv) { putU32(b, at, s.privateFlags!); at += 4; }
        if (rem) { putU16(b, at, s.remcsumStart!); putU16(b, at + 2, s.remcsumOffset ?? 0); at += 4; }
        break;
      }
      case 'vrrp': {
        const v = s.version ?? 2;
        const n = s.addresses.length;
        if (at + 8 + 4 * n + 8 > b.length) throw new EmitError(`frame does not fit the ${b.length}-byte buffer`);
        b[at] = (v << 4) | 1;
        b[at + 1] = s.vrid;
        b[at + 2] = s.priority;
        b[at + 3] = n;
        if (v === 2) {
          b[at + 4] = s.authType ?? 0;
          b[at + 5] = s.advertInterval ?? 1;
        } else {
          putU16(b, at + 4, (s.advertInterval ?? 100) & 0x0fff);
        }
        putU16(b, at + 6, 0);
        for (let i = 0; i < n; i++) putIp(b, at + 8 + 4 * i, s.addresses[i]!, 'vrrp.addresses');
        at += 8 + 4 * n;
        if (v === 2) {
          b.fill(0, at, at + 8);
          const pw = s.authData ?? '';
          for (let i = 0; i < Math.min(8, pw.length); i++) b[at + i] = pw.charCodeAt(i) & 0xff;
          at += 8;
        }
        break;
      }
      case 'payload': {
        if (s.bytes !== undefined) {
          if (at + s.bytes.length > b.length) throw new EmitError(`frame does not fit the ${b.length}-byte buffer`);
          b.set(s.bytes, at);
          at += s.bytes.length;
        } else {
          const len = s.length ?? 0;
          if (at + len > b.length) throw new EmitError(`frame does not fit the ${b.length}-byte buffer`);
          b.fill(0, at, at + len);
          at += len;
        }
        break;
      }
    }
  }
  if (trailing > 0) {
    if (at + trailing > b.length) throw new EmitError(`frame does not fit the ${b.length}-byte buffer`);
    b.fill(0, at, at + trailing);
    at += trailing;
  }
  const end = at;

  // Back to front: lengths and checksums, innermost first.
  for (let i = n - 1; i >= 0; i--) {
    const s = specs[i]!;
    const st = starts[i]!;
    switch (s.type) {
      case 'ipv4': {
        const hl = (b[st]! & 0x0f) * 4;
        putU16(b, st + 2, s.totalLength ?? end - st);
        putU16(b, st + 10, s.checksum ?? finish(sum16(b, st, hl)));
        break;
      }
      case 'tcp': {
        const ip = enclosingIpv4(specs, i);
        if (s.checksum !== undefined) { putU16(b, st + 16, s.checksum); break; }
        if (ip < 0) break;
        const ipSt = starts[ip]!;
        const len = end - st;
        putU16(b, st + 16, finish(sum16(b, st, len, pseudoHeaderSum(b, ipSt + 12, ipSt + 16, IP_PROTO.TCP, len))));
        break;
      }
      case 'udp': {
        const len = s.length ?? end - st;
        putU16(b, st + 4, len);
        if (s.checksum !== undefined) { putU16(b, st + 6, s.checksum); break; }
        const ip = enclosingIpv4(specs, i);
        if (ip < 0) break;
        const ipSt = starts[ip]!;
        const sum = finish(sum16(b, st, end - st, pseudoHeaderSum(b, ipSt + 12, ipSt + 16, IP_PROTO.UDP, end - st)));
        putU16(b, st + 6, sum === 0 ? 0xffff : sum);
        break;
      }
      case 'icmp':
        putU16(b, st + 2, s.checksum ?? finish(sum16(b, st, end - st)));
        break;
      case 'gre':
        if (s.checksumPresent === true) putU16(b, st + 4, finish(sum16(b, st, end - st)));
        break;
      case 'vrrp': {
        if (s.checksum !== undefined) { putU16(b, st + 6, s.checksum); break; }
        // v2 sums the message alone; v3 adds the IPv4 pseudo-header (RFC 5798 §5.2.8).
        const ip = (s.version ?? 2) === 3 ? enclosingIpv4(specs, i) : -1;
        const initial = ip < 0 ? 0 : pseudoHeaderSum(b, starts[ip]! + 12, starts[ip]! + 16, IP_PROTO.VRRP, end - st);
        putU16(b, st + 6, finish(sum16(b, st, end - st, initial)));
        break;
      }
      default:
        break;
    }
  }

  const first = specs[0];
  if (first !== undefined && first.type === 'eth' && first.pad !== false && end < ETHERNET_MIN_FRAME) {
    b.fill(0, end, ETHERNET_MIN_FRAME);
    return ETHERNET_MIN_FRAME;
  }
  return end;
}

/** Bytes a layer's header may take (payload bytes are checked where they are copied). */
function headerRoom(s: LayerSpec): number {
  switch (s.type) {
    case 'ipv4': return 20 + ((((s.options?.length ?? 0) >> 1) + 3) & ~3);
    case 'tcp': return 20 + ((tcpOptionsLength(s.options) + 3) & ~3);
    case 'arp': return 28;
    case 'sll2': return 20;
    case 'gre': return 16;
    case 'gue': return 12;
    case 'eth': return 14;
    default: return 8;
  }
}

function enclosingIpv4(specs: readonly LayerSpec[], i: number): number {
  for (let j = i - 1; j >= 0; j--) if (specs[j]!.type === 'ipv4') return j;
  return -1;
}

/** emitFrame into a fresh array of exactly the frame's length. */
export function buildFrame(specs: readonly LayerSpec[]): Uint8Array {
  const len = emitFrame(specs, scratch);
  return scratch.slice(0, len);
}

/**
 * The start of an IP datagram as an ICMP error quotes it: Linux's icmp_send copies as much as
 * keeps the error within 576 bytes (RFC 1812), i.e. up to 548 bytes of the offending packet.
 */
export function quoteDatagram(ipSpecs: readonly LayerSpec[], maxBytes = 576 - 20 - 8): Uint8Array {
  const len = emitFrame(ipSpecs, scratch);
  return scratch.slice(0, Math.min(len, maxBytes));
}
